//! `#[page(route = "/path", login_required)]`: a route written once, next to its handler.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ItemFn, LitStr, Meta, Token};

use crate::attr::Kind;
use crate::manifest::core_path;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

struct PageArgs {
    route: LitStr,
    method: String,
    login_required: bool,
}

fn parse(tokens: TokenStream) -> syn::Result<PageArgs> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens)?;
    let (mut route, mut method, mut login_required) = (None, None, false);
    for meta in metas {
        let name = meta
            .path()
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match (&meta, name.as_str()) {
            (Meta::NameValue(nv), "route") if route.is_none() => {
                let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                else {
                    return Err(syn::Error::new_spanned(
                        &nv.value,
                        "expected a string, as in `route = \"/reports\"`",
                    ));
                };
                let v = s.value();
                if !v.starts_with('/') || v.contains(char::is_whitespace) {
                    return Err(syn::Error::new(
                        s.span(),
                        "a route starts with `/` and has no spaces",
                    ));
                }
                route = Some(s.clone());
            }
            (Meta::NameValue(nv), "method") if method.is_none() => {
                let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                else {
                    return Err(syn::Error::new_spanned(
                        &nv.value,
                        "expected a string, as in `method = \"POST\"`",
                    ));
                };
                let v = s.value().to_ascii_uppercase();
                if !METHODS.contains(&v.as_str()) {
                    return Err(syn::Error::new(
                        s.span(),
                        format!("method must be one of {}", METHODS.join(", ")),
                    ));
                }
                method = Some(v);
            }
            (Meta::Path(_), "login_required") if !login_required => login_required = true,
            (_, "route" | "method" | "login_required") => {
                return Err(syn::Error::new_spanned(
                    &meta,
                    format!("option `{name}` is given twice or has the wrong form"),
                ));
            }
            _ => {
                return Err(syn::Error::new_spanned(
                    meta.path(),
                    format!(
                        "unknown option `{name}` for #[page]; expected `route = \"/path\"`, `method = \"GET\"` or `login_required` \
                         (other guards go in their own attribute, e.g. #[permission_required(\"app.perm\")])"
                    ),
                ));
            }
        }
    }
    let route = route.ok_or_else(|| {
        syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[page] needs `route = \"/path\"`",
        )
    })?;
    Ok(PageArgs {
        route,
        method: method.unwrap_or_else(|| "GET".into()),
        login_required,
    })
}

pub(crate) fn page(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args, item.clone()) {
        Ok(t) => t,
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #item)
        }
    }
}

fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = parse(args)?;
    let func: ItemFn = syn::parse2(item.clone()).map_err(|_| {
        syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[page] goes on an `async fn` handler",
        )
    })?;
    if func.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            func.sig.fn_token,
            "#[page] goes on an `async fn` handler; add `async`",
        ));
    }
    if !func.sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &func.sig.generics,
            "a #[page] handler cannot be generic: its route registers one concrete function",
        ));
    }
    let name = &func.sig.ident;
    let vis = &func.vis;
    let core = core_path();
    let route = &args.route;
    let method = &args.method;
    let handler = if args.login_required {
        crate::expand::guard(Kind::Login, TokenStream::new(), item)
    } else {
        item
    };
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        impl #core::PageRoute for #name {
            const ROUTE: &'static str = #route;
            const METHOD: &'static str = #method;
        }

        #handler
    })
}
