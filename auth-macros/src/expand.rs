//! Writing the guarded function.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, Stmt, parse_quote};

use crate::attr::{self, Args, Kind};
use crate::context::{self, Context, GUARD_PREFIX};
use crate::manifest::core_path;

const CHECK_PREFIX: &str = "__auth_checked_";

pub(crate) fn guard(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let msg = format!("#[{}] goes on an `async fn`", kind.name());
            let err = syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error();
            return quote!(#err #item);
        }
    };
    match expand(kind, args, &mut func) {
        Ok(tokens) => tokens,
        Err(e) => {
            // Emit the function unchanged next to the error, so the user sees this one error
            // rather than a pile of follow-on ones.
            let err = e.to_compile_error();
            quote!(#err #item)
        }
    }
}

fn expand(kind: Kind, args: TokenStream, func: &mut ItemFn) -> syn::Result<TokenStream> {
    let args = attr::parse(kind, args)?;
    if let Some(name) = &args.auth {
        pass_auth_down(func, name);
    }
    if func.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            func.sig.fn_token.span(),
            format!(
                "#[{}] can only guard an `async fn`; add `async`",
                kind.name()
            ),
        ));
    }
    if let Some(c) = &func.sig.constness {
        return Err(syn::Error::new(
            c.span(),
            "a guarded function cannot be `const`",
        ));
    }
    let core = core_path();
    let reqs = requirements(kind, &args, &core);
    let login_url = match &args.redirect {
        Some(url) => quote!(::core::option::Option::Some(#url)),
        None => quote!(::core::option::Option::None),
    };
    match context::find(kind, &func.sig, &args)? {
        Context::Service { binding } => {
            expand_service(func, &args, &core, &reqs, &login_url, binding);
            Ok(func.to_token_stream())
        }
        Context::Http { adapter, param } => {
            let (n, _) = context::existing_guards(&func.sig);
            let bind = match param {
                Some(i) => {
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
                None => None,
            };
            let policy = expand_http(func, n, &adapter, &args, &core, &reqs, &login_url, bind);
            Ok(quote!(#policy #func))
        }
        Context::Stacked { adapter } => {
            let (n, _) = context::existing_guards(&func.sig);
            let policy = expand_http(func, n, &adapter, &args, &core, &reqs, &login_url, None);
            Ok(quote!(#policy #func))
        }
    }
}

/// Gives the guards stacked below this one (expanded after it) this guard's `auth = name`
/// unless they name their own, so a stack checks one context throughout.
fn pass_auth_down(func: &mut ItemFn, name: &syn::Ident) {
    const GUARDS: [&str; 5] = [
        "login_required",
        "permission_required",
        "group_required",
        "staff_required",
        "superuser_required",
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
        let toks: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
        let names_auth = toks.windows(2).any(|w| {
            matches!(&w[0], proc_macro2::TokenTree::Ident(i) if i == "auth")
                && matches!(&w[1], proc_macro2::TokenTree::Punct(p) if p.as_char() == '=')
        });
        if names_auth {
            continue;
        }
        let new_tokens = if toks.is_empty() {
            quote!(auth = #name)
        } else {
            let trailing_comma =
                matches!(toks.last(), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ',');
            if trailing_comma {
                quote!(#tokens auth = #name)
            } else {
                quote!(#tokens, auth = #name)
            }
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
        // Each permission literal is checked at compile time by `auth_core`'s own rule: the
        // `const` block fails to evaluate, naming the reason, at the literal.
        Kind::Perm => strings
            .iter()
            .map(|s| {
                // Spanned at the literal, so the error points at it.
                let core = respan(core.clone(), s.span());
                quote_spanned! {s.span()=>
                    #req::Perm({
                        const _: () = #core::__private::assert_permission(#s);
                        #s
                    })
                }
            })
            .collect(),
        Kind::Group => vec![quote!(#req::AnyGroup(&[#(#strings),*]))],
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let proc_macro2::TokenTree::Group(g) = &t {
                let mut inner = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                inner.set_span(span);
                t = proc_macro2::TokenTree::Group(inner);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn expand_http(
    func: &mut ItemFn,
    n: usize,
    adapter: &syn::Type,
    args: &Args,
    core: &TokenStream,
    reqs: &[TokenStream],
    login_url: &TokenStream,
    bind: Option<Box<Pat>>,
) -> TokenStream {
    let name = &func.sig.ident;
    let vis = &func.vis;
    let policy = format_ident!("__auth_policy_{}_{}", name, n);
    let guard = format_ident!("{}{}", GUARD_PREFIX, n);
    let p = quote!(#core::__private);

    let guard_param: FnArg = parse_quote!(#guard: <#adapter as #p::Adapter>::Guard<#policy>);
    let inputs: Vec<FnArg> = func.sig.inputs.iter().cloned().collect();
    let mut new_inputs: syn::punctuated::Punctuated<FnArg, syn::Token![,]> = Default::default();
    for (i, a) in inputs.into_iter().enumerate() {
        if i == n {
            new_inputs.push(guard_param.clone());
        }
        new_inputs.push(a);
    }
    if new_inputs.len() == func.sig.inputs.len() {
        new_inputs.push(guard_param);
    }
    func.sig.inputs = new_inputs;

    let stmt: Stmt = match bind {
        Some(pat) => parse_quote!(let #pat: #adapter = <#adapter as #p::Adapter>::unguard(#guard);),
        None => parse_quote!(let _ = #guard;),
    };
    func.block.stmts.insert(0, stmt);

    let on_denied = args.on_denied.as_ref().map(|hook| {
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

fn expand_service(
    func: &mut ItemFn,
    args: &Args,
    core: &TokenStream,
    reqs: &[TokenStream],
    login_url: &TokenStream,
    binding: TokenStream,
) {
    let p = quote!(#core::__private);
    let existing = func
        .block
        .stmts
        .iter()
        .take_while(|s| is_check_stmt(s))
        .count();
    let check = format_ident!("{}{}", CHECK_PREFIX, existing);
    let ret_span = match &func.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => func.sig.ident.span(),
    };
    let deny = match &args.on_denied {
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
    let stmt: Stmt = parse_quote! {
        #[allow(clippy::let_unit_value, clippy::useless_conversion)]
        let #check: () = match #p::check_service(#binding, &[#(#reqs),*]).await {
            ::core::result::Result::Ok(()) => (),
            ::core::result::Result::Err(mut __denial) => {
                __denial.login_url = #login_url;
                #deny
            }
        };
    };
    func.block.stmts.insert(existing, stmt);
}

fn is_check_stmt(s: &Stmt) -> bool {
    let Stmt::Local(local) = s else { return false };
    let pat = match &local.pat {
        Pat::Type(pt) => &*pt.pat,
        p => p,
    };
    context::ident_of(pat).is_some_and(|id| id.to_string().starts_with(CHECK_PREFIX))
}
