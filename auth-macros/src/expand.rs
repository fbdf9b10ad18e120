//! Phase 3: writing the guarded function. `attribute` runs the phases, as thiserror's
//! `derive` does: parse (the function, `item`; its stack, `stack` and `args`), validate
//! (`validate`, `context`), then write, once for the whole stack, either an HTTP guard (one
//! policy type holding every requirement, and one guard extractor first in the parameters)
//! or a service-layer check (one statement at the top of the body); on any error, `fallback`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Pat, Type, parse_quote};

use crate::context::Context;
use crate::fallback;
use crate::item::GuardFn;
use crate::manifest::core_path;
use crate::model::{Guard, Kind, Outer, Page, Stack};
use crate::stack::{self, Below};
use crate::validate::{self, Checked};

/// The expansion of the attribute `outer`, the top of its stack.
pub(crate) fn attribute(outer: Outer, args: TokenStream, item: TokenStream) -> TokenStream {
    let Ok(mut func) = syn::parse2::<GuardFn>(item.clone()) else {
        return fallback::not_a_function(outer, item);
    };
    let below = stack::take(outer, &mut func.attrs);
    let page = matches!(outer, Outer::Page) || below.has_page();
    func.use_paths(&below.paths());
    match try_expand(outer, args, below, &func) {
        Ok(tokens) => tokens,
        Err(e) => fallback::expand(e, &func, page),
    }
}

fn try_expand(
    outer: Outer,
    args: TokenStream,
    below: Below,
    func: &GuardFn,
) -> syn::Result<TokenStream> {
    let stack = stack::parse(outer, args, below)?;
    let checked = validate::stack(&stack, func)?;
    Ok(write(&stack, checked, func.clone()))
}

fn write(stack: &Stack, checked: Checked, mut func: GuardFn) -> TokenStream {
    let core = match &checked.shared.krate {
        Some(path) => path.to_token_stream(),
        None => core_path(),
    };
    let page = stack.pages().next().map(|p| page_route(p, &func, &core));
    let guards = Guards::new(stack.guards().collect(), &core);
    let guarded = match checked.context {
        None => func.to_token_stream(),
        Some(Context::Service { binding }) => {
            guards.service(&mut func, binding);
            func.to_token_stream()
        }
        Some(Context::Http { adapter, param }) => {
            let bind = param.and_then(|i| take_param(&mut func, i));
            let policy = guards.http(&mut func, &adapter, bind);
            quote!(#policy #func)
        }
    };
    quote!(#page #guarded)
}

/// `#[page]`'s companion: a unit struct named like the handler, implementing `PageRoute`.
fn page_route(page: &Page, func: &GuardFn, core: &TokenStream) -> TokenStream {
    let (name, vis) = (&func.sig.ident, &func.vis);
    let route = &page.route;
    let method = page
        .method
        .as_ref()
        .map_or_else(|| "GET".to_owned(), |m| m.value().to_ascii_uppercase());
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        impl #core::PageRoute for #name {
            const ROUTE: &'static str = #route;
            const METHOD: &'static str = #method;
        }
    }
}

/// Removes parameter `i` (the `Auth` the guard will hand back) and returns its pattern.
fn take_param(func: &mut GuardFn, i: usize) -> Option<Box<Pat>> {
    let removed = func.sig.inputs.iter().nth(i).cloned();
    func.sig.inputs = func
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, a)| a.clone())
        .collect();
    match removed {
        Some(FnArg::Typed(pt)) => Some(pt.pat),
        _ => None,
    }
}

/// The stack's guards, with every requirement in source order.
struct Guards<'a> {
    guards: Vec<&'a Guard>,
    core: &'a TokenStream,
    requirements: Vec<TokenStream>,
    /// For each guard, the index after its requirements.
    ends: Vec<usize>,
}

impl<'a> Guards<'a> {
    fn new(guards: Vec<&'a Guard>, core: &'a TokenStream) -> Self {
        let mut requirements = Vec::new();
        let mut ends = Vec::new();
        for g in &guards {
            requirements.extend(requirements_of(g, core));
            ends.push(requirements.len());
        }
        Guards {
            guards,
            core,
            requirements,
            ends,
        }
    }

    /// Whether the guards answer a denial differently (each keeps its own `on_denied` and
    /// `redirect`), so that the answer depends on which guard's requirement failed.
    fn answers_differ(&self) -> bool {
        let answer = |g: &Guard| {
            (
                g.on_denied.as_ref().map(crate::model::text),
                g.redirect.as_ref().map(syn::LitStr::value),
            )
        };
        let first = answer(self.guards[0]);
        self.guards.iter().any(|g| answer(g) != first)
    }

    /// Runs `branch` for the guard whose requirement failed: the first guard that has it (the
    /// checks run in order, so an equal requirement further down is never the one that
    /// fails). `at` is the failed requirement's index in the stack's list.
    fn dispatch(&self, at: &syn::Ident, branch: impl Fn(&Guard) -> TokenStream) -> TokenStream {
        let last = self.guards.len() - 1;
        let arms = self.guards[..last].iter().zip(&self.ends).map(|(g, end)| {
            let body = branch(g);
            quote!(if #at < #end { #body } else)
        });
        let tail = branch(self.guards[last]);
        quote!(#(#arms)* { #tail })
    }

    /// HTTP mode: one policy type holding every requirement, and its guard extractor first
    /// in the parameters, before every other extractor.
    fn http(&self, func: &mut GuardFn, adapter: &Type, bind: Option<Box<Pat>>) -> TokenStream {
        let name = func.sig.ident.clone();
        let vis = func.vis.clone();
        // One policy and one guard per function; the `_0` names are the ones compiler messages
        // (and auth-core's walkthrough) have always shown.
        let policy = format_ident!("__auth_policy_{}_0", name);
        let guard = format_ident!("__auth_guard_0");
        let core = self.core;
        let p = quote!(#core::__private);

        func.sig.inputs.insert(
            0,
            parse_quote!(#guard: <#adapter as #p::Adapter>::Guard<#policy>),
        );
        func.prepend(match bind {
            Some(pat) => quote!(let #pat: #adapter = <#adapter as #p::Adapter>::unguard(#guard);),
            None => quote!(let _ = #guard;),
        });

        let first = self.guards[0];
        let hook = |hook: &syn::Path, denial: &syn::Ident| {
            quote_spanned! {hook.span()=>
                #[allow(unused_imports)]
                use #p::{ViaFuture as _, ViaValue as _};
                let __r = #hook(#denial);
                let __k = (&&#p::probe(&__r)).__auth_kind();
                ::core::result::Result::Ok(<#adapter>::__auth_deny(__k, __r))
            }
        };
        let deny_future =
            quote!(::core::result::Result<<#adapter as #p::Adapter>::DenyFuture, #p::Denial>);
        let on_denied = if self.answers_differ() {
            let denial = format_ident!("denial");
            let at = format_ident!("__at");
            let branches = self.dispatch(&at, |g| {
                let url = login_url(g);
                let answer = match &g.on_denied {
                    Some(h) => hook(h, &denial),
                    None => quote!(::core::result::Result::Err(denial)),
                };
                quote!(denial.login_url = #url; #answer)
            });
            Some(quote! {
                fn on_denied(mut denial: #p::Denial) -> #deny_future {
                    let #at = <Self as #p::Policy<#adapter>>::REQUIREMENTS
                        .iter()
                        .position(|__req| *__req == denial.requirement)
                        .unwrap_or(0);
                    #branches
                }
            })
        } else {
            first.on_denied.as_ref().map(|h| {
                let body = hook(h, &format_ident!("denial"));
                quote_spanned! {h.span()=>
                    fn on_denied(denial: #p::Denial) -> #deny_future {
                        #body
                    }
                }
            })
        };
        let reqs = &self.requirements;
        let url = login_url(first);
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #vis struct #policy {}

            impl #p::Policy<#adapter> for #policy {
                const REQUIREMENTS: &'static [#p::Requirement] = &[#(#reqs),*];
                const LOGIN_URL: ::core::option::Option<&'static str> = #url;
                #on_denied
            }
        }
    }

    /// Service mode: one check at the top of the body, returning `Err(From::from(denial))`
    /// or the failing guard's hook's answer.
    fn service(&self, func: &mut GuardFn, binding: TokenStream) {
        let core = self.core;
        let p = quote!(#core::__private);
        let ret_span = match &func.sig.output {
            syn::ReturnType::Type(_, ty) => ty.span(),
            syn::ReturnType::Default => func.sig.ident.span(),
        };
        let deny = |g: &Guard| {
            let url = login_url(g);
            let answer = match &g.on_denied {
                None => quote_spanned! {ret_span=>
                    return ::core::result::Result::Err(::core::convert::From::from(__denial));
                },
                Some(hook) => quote_spanned! {hook.span()=>
                    #[allow(unused_imports)]
                    use #p::{ViaFuture as _, ViaValue as _};
                    let __r = #hook(__denial);
                    let __k = (&&#p::probe(&__r)).__auth_kind();
                    return #p::Resolve::resolve(__k, __r).await;
                },
            };
            quote!(__denial.login_url = #url; #answer)
        };
        let reqs = &self.requirements;
        let check = if self.answers_differ() {
            let at = format_ident!("__at");
            let branches = self.dispatch(&at, deny);
            quote! {
                {
                    let __requirements: &'static [#p::Requirement] = &[#(#reqs),*];
                    match #p::check_service(#binding, __requirements).await {
                        ::core::result::Result::Ok(()) => (),
                        ::core::result::Result::Err(mut __denial) => {
                            let #at = __requirements
                                .iter()
                                .position(|__req| *__req == __denial.requirement)
                                .unwrap_or(0);
                            #branches
                        }
                    }
                }
            }
        } else {
            let deny = deny(self.guards[0]);
            quote! {
                match #p::check_service(#binding, &[#(#reqs),*]).await {
                    ::core::result::Result::Ok(()) => (),
                    ::core::result::Result::Err(mut __denial) => {
                        #deny
                    }
                }
            }
        };
        func.prepend(quote! {
            #[allow(clippy::let_unit_value, clippy::useless_conversion)]
            let __auth_checked: () = #check;
        });
    }
}

fn login_url(g: &Guard) -> TokenStream {
    match &g.redirect {
        Some(url) => quote!(::core::option::Option::Some(#url)),
        None => quote!(::core::option::Option::None),
    }
}

fn requirements_of(g: &Guard, core: &TokenStream) -> Vec<TokenStream> {
    let req = quote!(#core::__private::Requirement);
    let strings = &g.strings;
    match g.kind {
        Kind::Login => vec![quote!(#req::Login)],
        Kind::Staff => vec![quote!(#req::Staff)],
        Kind::Superuser => vec![quote!(#req::Superuser)],
        Kind::Test => {
            let f = g.predicate.as_ref().expect("parsed with the arguments");
            let name = crate::model::text(f);
            vec![quote_spanned! {f.span()=> #req::Test(#f, #name)}]
        }
        // Each permission literal is checked at compile time by `auth_core`'s own rule: the
        // `const` block fails to evaluate, naming the reason, at the literal.
        Kind::Perm => {
            let checked: Vec<TokenStream> = strings
                .iter()
                .map(|s| {
                    let core = respan(core.clone(), s.span());
                    quote_spanned! {s.span()=>
                        {
                            const _: () = #core::__private::assert_permission(#s);
                            #s
                        }
                    }
                })
                .collect();
            if g.any.is_some() {
                vec![quote!(#req::AnyPerm(&[#(#checked),*]))]
            } else {
                checked.iter().map(|c| quote!(#req::Perm(#c))).collect()
            }
        }
        Kind::Group => vec![quote!(#req::AnyGroup(&[#(#strings),*]))],
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut inner = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                inner.set_span(span);
                t = TokenTree::Group(inner);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}
