//! Phase 3: writing the guarded function. `guard` runs the phases: parse the arguments and
//! the function (`args`, `item`), validate its shape and find its context (`validate`,
//! `context`), then emit either an HTTP guard (a policy type and a guard extractor first in
//! the parameters) or a service-layer check (a statement at the top of the body).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Pat, Type, parse_quote};

use crate::args::{self, Args, Kind};
use crate::context::{self, Context, GUARD_PREFIX};
use crate::item::GuardFn;
use crate::manifest::core_path;

const CHECK_PREFIX: &str = "__auth_checked_";

/// A guard attribute's expansion; on an error, the error next to the function unchanged, so
/// the user sees that one error rather than a pile of follow-on ones.
pub(crate) fn guard(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: GuardFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let msg = format!("#[{}] goes on an `async fn`", kind.name());
            let err = syn::Error::new(Span::call_site(), msg).to_compile_error();
            return quote!(#err #item);
        }
    };
    match expand(kind, args, func) {
        Ok(tokens) => tokens,
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #item)
        }
    }
}

/// What every expansion of one attribute needs.
struct Expansion {
    args: Args,
    core: TokenStream,
    requirements: Vec<TokenStream>,
    login_url: TokenStream,
}

fn expand(kind: Kind, args: TokenStream, mut func: GuardFn) -> syn::Result<TokenStream> {
    let args = args::parse(kind, args)?;
    if let Some(name) = &args.auth {
        pass_auth_down(&mut func, name);
    }
    crate::validate::function(kind, &func)?;
    let context = context::find(kind, &func.sig, &args)?;
    let core = core_path();
    let x = Expansion {
        requirements: requirements(kind, &args, &core),
        login_url: match &args.redirect {
            Some(url) => quote!(::core::option::Option::Some(#url)),
            None => quote!(::core::option::Option::None),
        },
        core,
        args,
    };
    match context {
        Context::Service { binding } => {
            x.service(&mut func, binding);
            Ok(func.to_token_stream())
        }
        Context::Http { adapter, param } => {
            refuse_in_impl(kind, &func)?;
            let bind = param.and_then(|i| take_param(&mut func, i));
            let policy = x.http(&mut func, &adapter, bind);
            Ok(quote!(#policy #func))
        }
        Context::Stacked { adapter } => {
            refuse_in_impl(kind, &func)?;
            let policy = x.http(&mut func, &adapter, None);
            Ok(quote!(#policy #func))
        }
    }
}

/// An HTTP guard emits a policy type beside the function, which an `impl` cannot hold.
fn refuse_in_impl(kind: Kind, func: &GuardFn) -> syn::Result<()> {
    if crate::validate::is_method(&func.sig) {
        return Err(syn::Error::new(
            func.sig.ident.span(),
            format!(
                "#[{}] on an HTTP handler inside an `impl`: the guard defines a policy type next to the function, \
                 which an `impl` block cannot hold; make `{}` a free function (module level), or take the context \
                 by reference (`auth: &Auth`, returning `Result`) for a service-layer check",
                kind.name(),
                func.sig.ident
            ),
        ));
    }
    Ok(())
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

/// Gives the guards stacked below this one (expanded after it) this guard's `auth = name`
/// unless they name their own, so a stack checks one context throughout.
fn pass_auth_down(func: &mut GuardFn, name: &syn::Ident) {
    const GUARDS: [&str; 6] = [
        "login_required",
        "permission_required",
        "group_required",
        "staff_required",
        "superuser_required",
        "user_passes_test",
    ];
    for attr in &mut func.attrs {
        let is_guard = attr
            .path()
            .segments
            .last()
            .is_some_and(|s| GUARDS.iter().any(|g| s.ident == g));
        if !is_guard {
            continue;
        }
        let path = attr.path().clone();
        let tokens = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(_) => continue,
        };
        let toks: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let names_auth = toks.windows(2).any(|w| {
            matches!(&w[0], TokenTree::Ident(i) if i == "auth")
                && matches!(&w[1], TokenTree::Punct(p) if p.as_char() == '=')
        });
        if names_auth {
            continue;
        }
        let new_tokens = if toks.is_empty() {
            quote!(auth = #name)
        } else if matches!(toks.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
            quote!(#tokens auth = #name)
        } else {
            quote!(#tokens, auth = #name)
        };
        *attr = parse_quote!(#[#path(#new_tokens)]);
    }
}

fn requirements(kind: Kind, args: &Args, core: &TokenStream) -> Vec<TokenStream> {
    let req = quote!(#core::__private::Requirement);
    let strings = &args.strings;
    match kind {
        Kind::Login => vec![quote!(#req::Login)],
        Kind::Staff => vec![quote!(#req::Staff)],
        Kind::Superuser => vec![quote!(#req::Superuser)],
        Kind::Test => {
            let f = args.predicate.as_ref().expect("parsed with the arguments");
            let name = quote!(#f).to_string().replace(' ', "");
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
            if args.any {
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

impl Expansion {
    /// HTTP mode: a policy type, and a guard extractor inserted after the earlier guards'
    /// (so the stack checks in the order written, before every other extractor).
    fn http(&self, func: &mut GuardFn, adapter: &Type, bind: Option<Box<Pat>>) -> TokenStream {
        let (n, _) = context::existing_guards(&func.sig);
        let name = func.sig.ident.clone();
        let vis = func.vis.clone();
        let policy = format_ident!("__auth_policy_{}_{}", name, n);
        let guard = format_ident!("{}{}", GUARD_PREFIX, n);
        let core = &self.core;
        let p = quote!(#core::__private);

        let guard_param: FnArg = parse_quote!(#guard: <#adapter as #p::Adapter>::Guard<#policy>);
        let mut inputs: syn::punctuated::Punctuated<FnArg, syn::Token![,]> = Default::default();
        for (i, a) in func.sig.inputs.iter().cloned().enumerate() {
            if i == n {
                inputs.push(guard_param.clone());
            }
            inputs.push(a);
        }
        if inputs.len() == func.sig.inputs.len() {
            inputs.push(guard_param);
        }
        func.sig.inputs = inputs;

        func.prepend(match bind {
            Some(pat) => quote!(let #pat: #adapter = <#adapter as #p::Adapter>::unguard(#guard);),
            None => quote!(let _ = #guard;),
        });

        let on_denied = self.args.on_denied.as_ref().map(|hook| {
            quote_spanned! {hook.span()=>
                fn on_denied(
                    denial: #p::Denial,
                ) -> ::core::result::Result<<#adapter as #p::Adapter>::DenyFuture, #p::Denial> {
                    #[allow(unused_imports)]
                    use #p::{ViaFuture as _, ViaValue as _};
                    let __r = #hook(denial);
                    let __k = (&&#p::probe(&__r)).__auth_kind();
                    ::core::result::Result::Ok(<#adapter>::__auth_deny(__k, __r))
                }
            }
        });
        let (reqs, login_url) = (&self.requirements, &self.login_url);
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #vis struct #policy {}

            impl #p::Policy<#adapter> for #policy {
                const REQUIREMENTS: &'static [#p::Requirement] = &[#(#reqs),*];
                const LOGIN_URL: ::core::option::Option<&'static str> = #login_url;
                #on_denied
            }
        }
    }

    /// Service mode: a check at the top of the body (after the checks of the guards above
    /// it), returning `Err(From::from(denial))` or the hook's answer.
    fn service(&self, func: &mut GuardFn, binding: TokenStream) {
        let core = &self.core;
        let p = quote!(#core::__private);
        let (existing, at) = func.leading_lets(CHECK_PREFIX);
        let check = format_ident!("{}{}", CHECK_PREFIX, existing);
        let ret_span = match &func.sig.output {
            syn::ReturnType::Type(_, ty) => ty.span(),
            syn::ReturnType::Default => func.sig.ident.span(),
        };
        let deny = match &self.args.on_denied {
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
        let (reqs, login_url) = (&self.requirements, &self.login_url);
        func.insert_at(
            at,
            quote! {
                #[allow(clippy::let_unit_value, clippy::useless_conversion)]
                let #check: () = match #p::check_service(#binding, &[#(#reqs),*]).await {
                    ::core::result::Result::Ok(()) => (),
                    ::core::result::Result::Err(mut __denial) => {
                        __denial.login_url = #login_url;
                        #deny
                    }
                };
            },
        );
    }
}
