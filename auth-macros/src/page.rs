//! `#[page(route = "/path", login_required)]`: a route written once, next to its handler. Its
//! arguments use the guards' grammar (`args`); besides `route`, `method` and `login_required`
//! it takes the login guard's options (`adapter`, `auth`, `on_denied`, `redirect`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, LitStr};

use crate::args::{self, Arg, Kind};
use crate::item::GuardFn;
use crate::manifest::core_path;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const PAGE_OPTIONS: &str = "`route = \"/path\"`, `method = \"GET\"`, `login_required`, and with it `on_denied`, `redirect`, `adapter`, `auth`";

struct PageArgs {
    route: LitStr,
    method: String,
    /// The login guard's own arguments, when `login_required` is given.
    login: Option<TokenStream>,
}

fn string(value: &Expr, example: &str) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a string, as in `{example}`"),
        )),
    }
}

fn parse(tokens: TokenStream) -> syn::Result<PageArgs> {
    let (mut route, mut method, mut login) = (None::<LitStr>, None::<String>, false);
    let mut guard_options: Vec<TokenStream> = Vec::new();
    let twice =
        |id: &syn::Ident| syn::Error::new(id.span(), format!("option `{id}` is given twice"));
    for arg in args::split(tokens)? {
        match arg {
            Arg::KeyValue(id, value) if id == "route" => {
                if route.is_some() {
                    return Err(twice(&id));
                }
                let s = string(&value, "route = \"/reports\"")?;
                let v = s.value();
                if !v.starts_with('/') || v.contains(char::is_whitespace) {
                    return Err(syn::Error::new(
                        s.span(),
                        "a route starts with `/` and has no spaces",
                    ));
                }
                route = Some(s);
            }
            Arg::KeyValue(id, value) if id == "method" => {
                if method.is_some() {
                    return Err(twice(&id));
                }
                let s = string(&value, "method = \"POST\"")?;
                let v = s.value().to_ascii_uppercase();
                if !METHODS.contains(&v.as_str()) {
                    return Err(syn::Error::new(
                        s.span(),
                        format!("method must be one of {}", METHODS.join(", ")),
                    ));
                }
                method = Some(v);
            }
            Arg::Flag(id) if id == "login_required" => {
                if login {
                    return Err(twice(&id));
                }
                login = true;
            }
            Arg::KeyValue(id, value)
                if ["on_denied", "redirect", "adapter", "auth"]
                    .contains(&id.to_string().as_str()) =>
            {
                guard_options.push(quote!(#id = #value));
            }
            Arg::Str(s) => {
                return Err(syn::Error::new(
                    s.span(),
                    format!(
                        "#[page] takes options, not strings: {PAGE_OPTIONS} (other guards go in their own attribute, e.g. #[permission_required(\"app.perm\")])"
                    ),
                ));
            }
            Arg::Flag(id) | Arg::KeyValue(id, _) => {
                return Err(syn::Error::new(
                    id.span(),
                    format!(
                        "unknown option `{id}` for #[page]; expected {PAGE_OPTIONS} (other guards go in their own attribute, e.g. #[permission_required(\"app.perm\")])"
                    ),
                ));
            }
            Arg::Other(e) => {
                return Err(syn::Error::new_spanned(
                    e,
                    format!("unexpected argument for #[page]; expected {PAGE_OPTIONS}"),
                ));
            }
        }
    }
    if !login && let Some(first) = guard_options.first() {
        return Err(syn::Error::new_spanned(
            first,
            "this option belongs to the login guard: add `login_required` (or put it on a guard attribute of its own)",
        ));
    }
    // The guard options are validated by the guard's own parser.
    let login = login.then(|| quote!(#(#guard_options),*));
    if let Some(options) = &login {
        args::parse(Kind::Login, options.clone())?;
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
        login,
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
    let func: GuardFn = syn::parse2(item.clone()).map_err(|_| {
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
    if crate::validate::is_method(&func.sig) {
        return Err(syn::Error::new(
            func.sig.ident.span(),
            "#[page] goes on a free function (module level): it defines a route type next to the handler, which an `impl` cannot hold",
        ));
    }
    let name = &func.sig.ident;
    let vis = &func.vis;
    let core = core_path();
    let route = &args.route;
    let method = &args.method;
    let handler = match args.login {
        Some(options) => crate::expand::guard(Kind::Login, options, item),
        None => item,
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
