//! Phase 1a: parsing an attribute's arguments (guards and `#[page]` share the grammar:
//! string literals first, then `key = value` options and flags), with their validation.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

/// Which guard.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Login,
    Perm,
    Group,
    Staff,
    Superuser,
    /// `#[user_passes_test(predicate)]`.
    Test,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Login => "login_required",
            Kind::Perm => "permission_required",
            Kind::Group => "group_required",
            Kind::Staff => "staff_required",
            Kind::Superuser => "superuser_required",
            Kind::Test => "user_passes_test",
        }
    }

    fn takes_strings(self) -> bool {
        matches!(self, Kind::Perm | Kind::Group)
    }
}

/// A guard's parsed arguments.
pub(crate) struct Args {
    pub strings: Vec<LitStr>,
    pub on_denied: Option<Path>,
    pub redirect: Option<LitStr>,
    pub adapter: Option<Path>,
    pub auth: Option<Ident>,
    pub service: bool,
    /// `any` on `#[permission_required]`: one of the permissions suffices.
    pub any: bool,
    /// The predicate of `#[user_passes_test]`.
    pub predicate: Option<Path>,
}

/// One argument as written.
pub(crate) enum Arg {
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

const OPTIONS: &str =
    "`on_denied = path`, `redirect = \"/url\"`, `adapter = path::Auth`, `auth = param`, `service`";

/// Splits an attribute's arguments.
pub(crate) fn split(tokens: proc_macro2::TokenStream) -> syn::Result<Vec<Arg>> {
    let parsed =
        syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, tokens)?;
    Ok(parsed.into_iter().collect())
}

/// A guard's arguments.
pub(crate) fn parse(kind: Kind, tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
    from_args(kind, split(tokens)?)
}

/// A guard's arguments from split ones (also used by `#[page]` for its guard options).
pub(crate) fn from_args(kind: Kind, parsed: Vec<Arg>) -> syn::Result<Args> {
    let mut args = Args {
        strings: Vec::new(),
        on_denied: None,
        redirect: None,
        adapter: None,
        auth: None,
        service: false,
        any: false,
        predicate: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let mut parsed = parsed.into_iter().peekable();
    if kind == Kind::Test {
        args.predicate = Some(match parsed.next() {
            Some(Arg::Flag(id)) => Path::from(id),
            Some(Arg::Other(Expr::Path(p))) if p.qself.is_none() => p.path,
            other => {
                let msg = "#[user_passes_test] needs the predicate first: the path of a `fn(&User) -> bool`, as in #[user_passes_test(is_editor)]";
                return Err(match other {
                    Some(Arg::Str(s)) => syn::Error::new(s.span(), msg),
                    Some(Arg::KeyValue(id, _)) => syn::Error::new(id.span(), msg),
                    Some(Arg::Other(e)) => syn::Error::new_spanned(e, msg),
                    _ => syn::Error::new(Span::call_site(), msg),
                });
            }
        });
    }
    for arg in parsed {
        match arg {
            Arg::Other(e) => {
                let what = if kind.takes_strings() {
                    format!(
                        "#[{}] takes string literals only (they are checked at compile time): write the {} itself, as in {}",
                        kind.name(),
                        if kind == Kind::Perm {
                            "permission"
                        } else {
                            "group name"
                        },
                        if kind == Kind::Perm {
                            "#[permission_required(\"blog.publish_post\")]"
                        } else {
                            "#[group_required(\"Editors\")]"
                        }
                    )
                } else {
                    format!(
                        "unexpected argument for #[{}]; expected one of {OPTIONS}",
                        kind.name()
                    )
                };
                return Err(syn::Error::new_spanned(e, what));
            }
            Arg::Str(s) => {
                if !kind.takes_strings() {
                    return Err(syn::Error::new(
                        s.span(),
                        format!(
                            "#[{}] takes no strings; for permissions use #[permission_required(\"app.codename\")], for groups #[group_required(\"Name\")]",
                            kind.name()
                        ),
                    ));
                }
                if !seen.is_empty() {
                    return Err(syn::Error::new(
                        s.span(),
                        "put the strings before the options",
                    ));
                }
                validate_string(kind, &s)?;
                args.strings.push(s);
            }
            Arg::Flag(id) => {
                once(&mut seen, &id)?;
                if id == "service" {
                    args.service = true;
                } else if id == "any" && kind == Kind::Perm {
                    args.any = true;
                } else if id == "any" && kind == Kind::Group {
                    return Err(syn::Error::new(
                        id.span(),
                        "#[group_required] already passes with any one of its groups; `any` is for #[permission_required]",
                    ));
                } else if kind.takes_strings() && args.strings.is_empty() && seen.len() == 1 {
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
                match id.to_string().as_str() {
                    "on_denied" => {
                        args.on_denied = Some(path_of(value, "on_denied = my_denied_handler")?)
                    }
                    "adapter" => args.adapter = Some(path_of(value, "adapter = auth_axum::Auth")?),
                    "auth" => {
                        let p = path_of(value, "auth = ctx")?;
                        args.auth = Some(p.get_ident().cloned().ok_or_else(|| {
                            syn::Error::new_spanned(
                                &p,
                                "`auth` names a parameter: write `auth = ctx`",
                            )
                        })?);
                    }
                    "redirect" => {
                        let lit = lit_str(value, "redirect = \"/login\"")?;
                        let v = lit.value();
                        if v.chars().any(|c| c.is_control() || c == '\\') {
                            return Err(syn::Error::new(
                                lit.span(),
                                "`redirect` cannot contain control characters or backslashes (browsers read `/\\host` as another site)",
                            ));
                        }
                        if !(v.starts_with('/')
                            || v.starts_with("https://")
                            || v.starts_with("http://"))
                            || v.starts_with("//")
                        {
                            return Err(syn::Error::new(
                                lit.span(),
                                "`redirect` must be a path starting with `/` (or an http(s) URL)",
                            ));
                        }
                        args.redirect = Some(lit);
                    }
                    _ => return Err(unknown(kind, &id)),
                }
            }
        }
    }
    if kind.takes_strings() && args.strings.is_empty() {
        let what = if kind == Kind::Perm {
            "at least one permission, e.g. #[permission_required(\"blog.publish_post\")]"
        } else {
            "at least one group name, e.g. #[group_required(\"Editors\")]"
        };
        return Err(syn::Error::new(
            Span::call_site(),
            format!("#[{}] needs {what}", kind.name()),
        ));
    }
    Ok(args)
}

fn validate_string(kind: Kind, s: &LitStr) -> syn::Result<()> {
    let v = s.value();
    match kind {
        // Checked by `auth_core`'s own rule in the `const` the expansion emits.
        Kind::Perm => Ok(()),
        _ if v.trim().is_empty() => Err(syn::Error::new(s.span(), "a group name cannot be empty")),
        _ => Ok(()),
    }
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

fn unknown(kind: Kind, id: &Ident) -> syn::Error {
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
