//! Finding the auth context in a function signature.

use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, PatType, Signature, Type};

use crate::args::{Args, Kind};

/// Where the guard gets its context from.
pub(crate) enum Context {
    /// HTTP mode: an `Auth` parameter taken by value (index into the inputs), or none with
    /// `adapter = ..`; `adapter` is the adapter type.
    Http { adapter: Type, param: Option<usize> },
    /// HTTP mode, stacked under an earlier guard that already took the `Auth` parameter.
    Stacked { adapter: Type },
    /// Service mode: an expression that evaluates to the context.
    Service { binding: proc_macro2::TokenStream },
}

pub(crate) const GUARD_PREFIX: &str = "__auth_guard_";

/// Index after the last guard parameter an earlier guard inserted, and that guard's adapter.
pub(crate) fn existing_guards(sig: &Signature) -> (usize, Option<Type>) {
    let mut count = 0;
    let mut adapter = None;
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else { continue };
        if ident_of(&pt.pat).is_some_and(|id| id.to_string().starts_with(GUARD_PREFIX)) {
            count += 1;
            if adapter.is_none() {
                adapter = adapter_of_guard_type(&pt.ty);
            }
        }
    }
    (count, adapter)
}

fn adapter_of_guard_type(ty: &Type) -> Option<Type> {
    match ty {
        Type::Path(tp) => tp.qself.as_ref().map(|q| (*q.ty).clone()),
        _ => None,
    }
}

pub(crate) fn ident_of(pat: &Pat) -> Option<&Ident> {
    match pat {
        Pat::Ident(pi) => Some(&pi.ident),
        _ => None,
    }
}

fn last_segment_is_auth(ty: &Type) -> bool {
    match ty {
        Type::Path(tp) if tp.qself.is_none() => {
            tp.path.segments.last().is_some_and(|s| s.ident == "Auth")
        }
        _ => false,
    }
}

/// Whether a type names an auth context by its look: `Auth`, `&Auth`, `x::Auth`,
/// `impl AuthContext`, `&impl AuthContext`, `&dyn AuthContext`.
fn looks_like_context(ty: &Type) -> bool {
    let ty = match ty {
        Type::Reference(r) => &*r.elem,
        t => t,
    };
    let bounds_name_context =
        |bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>| {
            bounds.iter().any(|b| match b {
                syn::TypeParamBound::Trait(t) => t
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "AuthContext"),
                _ => false,
            })
        };
    match ty {
        Type::ImplTrait(it) => bounds_name_context(&it.bounds),
        Type::TraitObject(to) => bounds_name_context(&to.bounds),
        t => last_segment_is_auth(t),
    }
}

/// Every input that could be the auth context when no `auth = name` says which: the receiver,
/// parameters typed like one, and a parameter named `auth` taken by reference.
fn candidates(sig: &Signature, args: &Args) -> Vec<String> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Receiver(_) => Some("self".to_string()),
            FnArg::Typed(pt) => {
                let name = ident_of(&pt.pat).map(|i| i.to_string());
                if name.as_deref().is_some_and(|n| n.starts_with(GUARD_PREFIX)) {
                    return None;
                }
                let named_auth = name.as_deref() == Some("auth")
                    && (args.service || matches!(&*pt.ty, Type::Reference(_)));
                (looks_like_context(&pt.ty) || named_auth)
                    .then(|| name.unwrap_or_else(|| quote::quote!(#pt).to_string()))
            }
        })
        .collect()
}

pub(crate) fn find(kind: Kind, sig: &Signature, args: &Args) -> syn::Result<Context> {
    let (guards, stacked_adapter) = existing_guards(sig);
    if args.auth.is_none() {
        let found = candidates(sig, args);
        if found.len() > 1 {
            let list = found
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(syn::Error::new(
                sig.ident.span(),
                format!(
                    "#[{}] cannot tell which auth context to check in `{}`: {list} could each be one; \
                     name it with `auth = {}`",
                    kind.name(),
                    sig.ident,
                    found
                        .iter()
                        .find(|n| *n != "self")
                        .map_or("ctx", String::as_str),
                ),
            ));
        }
    }
    // `self` receivers are service-layer contexts.
    if args.auth.is_none()
        && let Some(FnArg::Receiver(r)) = sig.inputs.first()
    {
        // `&mut self` is checked through a shared reborrow.
        let binding = if r.reference.is_some() && r.mutability.is_some() {
            quote::quote!(&*self)
        } else {
            quote::quote!(&self)
        };
        return Ok(Context::Service { binding });
    }
    let typed: Vec<(usize, &PatType)> = sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            FnArg::Typed(pt) => Some((i, pt)),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let chosen: Option<(usize, &PatType)> = if let Some(name) = &args.auth {
        let hit = typed
            .iter()
            .find(|(_, pt)| ident_of(&pt.pat).is_some_and(|id| id == name))
            .copied();
        if hit.is_none() {
            return Err(syn::Error::new(
                name.span(),
                format!("no parameter named `{name}`"),
            ));
        }
        hit
    } else {
        typed
            .iter()
            .find(|(_, pt)| match &*pt.ty {
                Type::Reference(r) => last_segment_is_auth(&r.elem),
                t => last_segment_is_auth(t),
            })
            .or_else(|| {
                typed.iter().find(|(_, pt)| {
                    (args.service || matches!(&*pt.ty, Type::Reference(_)))
                        && ident_of(&pt.pat).is_some_and(|id| id == "auth")
                })
            })
            .copied()
    };

    if let Some((index, pt)) = chosen {
        let by_ref = matches!(&*pt.ty, Type::Reference(_));
        if let Type::Reference(r) = &*pt.ty
            && last_segment_is_auth(&r.elem)
            && !args.service
            && !crate::validate::returns_result(sig)
        {
            return Err(syn::Error::new(
                pt.ty.span(),
                format!(
                    "#[{}]: an HTTP handler takes `Auth` by value (`auth: Auth`); `&Auth` makes this a service-layer \
                     guard, which returns `Err(denial.into())` and so needs a `Result` return type",
                    kind.name()
                ),
            ));
        }
        if by_ref || args.service {
            let Some(id) = ident_of(&pt.pat) else {
                return Err(syn::Error::new(
                    pt.pat.span(),
                    "bind the auth context to a plain name, e.g. `auth: &Ctx`",
                ));
            };
            return Ok(Context::Service {
                binding: quote::quote!(&#id),
            });
        }
        return Ok(Context::Http {
            adapter: (*pt.ty).clone(),
            param: Some(index),
        });
    }
    if guards > 0
        && let Some(adapter) = stacked_adapter
    {
        return Ok(Context::Stacked { adapter });
    }
    if let Some(adapter) = &args.adapter {
        return Ok(Context::Http {
            adapter: Type::Path(syn::TypePath {
                qself: None,
                path: adapter.clone(),
            }),
            param: None,
        });
    }
    Err(syn::Error::new(
        sig.ident.span(),
        format!(
            "#[{}] cannot find the auth context of `{}`: add a parameter `auth: Auth` (auth_axum::Auth or \
             auth_actix::Auth), or name the adapter with `adapter = auth_axum::Auth`, or, for a \
             service-layer function, take `auth: &impl AuthContext`",
            kind.name(),
            sig.ident
        ),
    ))
}
