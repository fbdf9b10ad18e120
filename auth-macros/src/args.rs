//! Phase 1c: parsing one attribute's arguments into the model (guards and `#[page]` share the
//! grammar: string literals first, then `key = value` options and flags). Only the form is
//! checked here (a known option, given once, with a value of the right kind); what the values
//! mean is `validate`'s.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

use crate::model::{Guard, Kind, Page, Site};

/// One argument as written.
enum Arg {
    Str(LitStr),
    Flag(Ident),
    KeyValue(Ident, Expr),
    /// Anything else where a string or an option was expected (a `const`, `concat!(..)`).
    Other(Expr),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Arg::Str(input.parse()?));
        }
        let fork = input.fork();
        let simple = fork.call(<Ident as syn::ext::IdentExt>::parse_any).is_ok()
            && (fork.is_empty() || fork.peek(Token![,]) || fork.peek(Token![=]));
        if !simple {
            return Ok(Arg::Other(input.parse()?));
        }
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Ok(Arg::KeyValue(key, input.parse()?))
        } else {
            Ok(Arg::Flag(key))
        }
    }
}

const OPTIONS: &str = "`on_denied = path`, `redirect = \"/url\"`, `adapter = path::Auth`, `auth = param`, `service`, `crate = path`";
const PAGE_OPTIONS: &str = "`route = \"/path\"`, `method = \"GET\"`, `login_required`, and with it `on_denied`, `redirect`, `adapter`, `auth`; `crate = path`";

fn split(tokens: TokenStream) -> syn::Result<Vec<Arg>> {
    let parsed =
        syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, tokens)?;
    Ok(parsed.into_iter().collect())
}

/// A guard attribute's arguments.
pub(crate) fn guard(kind: Kind, site: Site, tokens: TokenStream) -> syn::Result<Guard> {
    let mut guard = Guard::new(kind, site);
    let mut seen: Vec<String> = Vec::new();
    let mut parsed = split(tokens)?.into_iter();
    if kind == Kind::Test {
        guard.predicate = Some(predicate(parsed.next(), &guard.site)?);
    }
    for arg in parsed {
        match arg {
            Arg::Other(e) => return Err(syn::Error::new_spanned(e, not_a_string(kind))),
            Arg::Str(s) => {
                // On a guard without strings, `validate` says so.
                if kind.takes_strings() && !seen.is_empty() {
                    return Err(syn::Error::new(
                        s.span(),
                        "put the strings before the options",
                    ));
                }
                guard.strings.push(s);
            }
            Arg::Flag(id) => {
                once(&mut seen, &id)?;
                if id == "service" {
                    guard.shared.service = Some(id);
                } else if id == "any" {
                    guard.any = Some(id);
                } else if kind.takes_strings() && guard.strings.is_empty() && seen.len() == 1 {
                    return Err(syn::Error::new(
                        id.span(),
                        format!(
                            "#[{}] takes string literals only (they are checked at compile time): `{id}` is not an option; if it is a constant, write its value as a literal",
                            kind.name()
                        ),
                    ));
                } else {
                    return Err(unknown(kind, &id));
                }
            }
            Arg::KeyValue(id, value) => {
                once(&mut seen, &id)?;
                if !option(&mut guard, &id, value)? {
                    return Err(unknown(kind, &id));
                }
            }
        }
    }
    Ok(guard)
}

fn not_a_string(kind: Kind) -> String {
    match kind {
        Kind::Perm => "#[permission_required] takes string literals only (they are checked at compile time): write the permission itself, as in #[permission_required(\"blog.publish_post\")]".into(),
        Kind::Group => "#[group_required] takes string literals only (they are checked at compile time): write the group name itself, as in #[group_required(\"Editors\")]".into(),
        _ => format!("unexpected argument for #[{}]; expected one of {OPTIONS}", kind.name()),
    }
}

/// The first argument of `#[user_passes_test]`.
fn predicate(first: Option<Arg>, site: &Site) -> syn::Result<Path> {
    let msg = "#[user_passes_test] needs the predicate first: the path of a `fn(&User) -> bool`, as in #[user_passes_test(is_editor)]";
    match first {
        Some(Arg::Flag(id)) => Ok(Path::from(id)),
        Some(Arg::Other(Expr::Path(p))) if p.qself.is_none() => Ok(p.path),
        Some(Arg::Str(s)) => Err(syn::Error::new(s.span(), msg)),
        Some(Arg::KeyValue(id, _)) => Err(syn::Error::new(id.span(), msg)),
        Some(Arg::Other(e)) => Err(syn::Error::new_spanned(e, msg)),
        None => Err(site.error(msg)),
    }
}

/// A guard's `key = value` option; `false` when the key is not one.
fn option(guard: &mut Guard, id: &Ident, value: Expr) -> syn::Result<bool> {
    match id.to_string().as_str() {
        "on_denied" => guard.on_denied = Some(path_of(value, "on_denied = my_denied_handler")?),
        "adapter" => guard.shared.adapter = Some(path_of(value, "adapter = auth_axum::Auth")?),
        "auth" => {
            let p = path_of(value, "auth = ctx")?;
            guard.shared.auth = Some(p.get_ident().cloned().ok_or_else(|| {
                syn::Error::new_spanned(&p, "`auth` names a parameter: write `auth = ctx`")
            })?);
        }
        "redirect" => guard.redirect = Some(lit_str(value, "redirect = \"/login\"")?),
        "crate" => {
            let example = "crate = ::my_reexport::auth_core";
            guard.shared.krate = Some(match value {
                // `crate = "path"`, as serde and tokio write it.
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.parse::<Path>().map_err(|_| {
                    syn::Error::new(s.span(), format!("expected a path, as in `{example}`"))
                })?,
                other => path_of(other, example)?,
            });
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `#[page(..)]`'s arguments.
pub(crate) fn page(site: Site, tokens: TokenStream) -> syn::Result<Page> {
    let mut page = Page {
        login: Guard::new(Kind::Login, site.clone()),
        site,
        route: None,
        method: None,
        login_flag: None,
        first_guard_option: None,
    };
    let mut seen: Vec<String> = Vec::new();
    for arg in split(tokens)? {
        match arg {
            Arg::KeyValue(id, value) if id == "route" => {
                once(&mut seen, &id)?;
                page.route = Some(lit_str(value, "route = \"/reports\"")?);
            }
            Arg::KeyValue(id, value) if id == "method" => {
                once(&mut seen, &id)?;
                page.method = Some(lit_str(value, "method = \"POST\"")?);
            }
            Arg::Flag(id) if id == "login_required" => {
                once(&mut seen, &id)?;
                page.login_flag = Some(id);
            }
            Arg::KeyValue(id, value)
                if ["on_denied", "redirect", "adapter", "auth", "crate"]
                    .contains(&id.to_string().as_str()) =>
            {
                once(&mut seen, &id)?;
                if id != "crate" && page.first_guard_option.is_none() {
                    page.first_guard_option = Some(quote!(#id = #value));
                }
                option(&mut page.login, &id, value)?;
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
    Ok(page)
}

fn once(seen: &mut Vec<String>, id: &Ident) -> syn::Result<()> {
    let name = id.to_string();
    if seen.contains(&name) {
        return Err(syn::Error::new(
            id.span(),
            format!("option `{name}` is given twice"),
        ));
    }
    seen.push(name);
    Ok(())
}

/// The error for an option `kind` does not take.
pub(crate) fn unknown(kind: Kind, id: &Ident) -> syn::Error {
    syn::Error::new(
        id.span(),
        format!(
            "unknown option `{id}` for #[{}]; expected one of {OPTIONS}{}",
            kind.name(),
            if kind == Kind::Perm { ", `any`" } else { "" }
        ),
    )
}

fn path_of(e: Expr, example: &str) -> syn::Result<Path> {
    match e {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a path, as in `{example}`"),
        )),
    }
}

fn lit_str(e: Expr, example: &str) -> syn::Result<LitStr> {
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a string, as in `{example}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_land_in_the_model() {
        let g = guard(
            Kind::Perm,
            Site::Outer,
            quote!(
                "a.b",
                "c.d",
                any,
                on_denied = h,
                redirect = "/in",
                auth = cx,
                crate = "x::core"
            ),
        )
        .unwrap();
        assert_eq!(g.strings.len(), 2);
        assert!(g.any.is_some() && g.on_denied.is_some() && g.shared.auth.is_some());
        assert_eq!(g.redirect.unwrap().value(), "/in");
        let krate = g.shared.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), "x :: core");

        let e = guard(Kind::Login, Site::Outer, quote!(crate = a, crate = b))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "option `crate` is given twice");
        let e = guard(Kind::Login, Site::Outer, quote!(crate = "not a path"))
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("expected a path"), "{e}");

        let p = page(
            Site::Outer,
            quote!(route = "/r", crate = ::c, redirect = "/x"),
        )
        .unwrap();
        assert!(p.login.shared.krate.is_some() && p.login_flag.is_none());
        assert_eq!(
            p.first_guard_option.unwrap().to_string(),
            "redirect = \"/x\""
        );
    }
}
