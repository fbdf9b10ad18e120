//! Phase 2, continued: which parameter is the auth context, for the whole stack (its shared
//! options `auth`, `adapter` and `service` say it, else the signature's look does).

use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, PatType, Signature, Type};

use crate::model::Shared;

/// Where the stack's guards get their context from.
pub(crate) enum Context {
    /// HTTP mode: an `Auth` parameter taken by value (index into the inputs), or none with
    /// `adapter = ..`; `adapter` is the adapter type.
    Http {
        adapter: Box<Type>,
        param: Option<usize>,
    },
    /// Service mode: an expression that evaluates to the context.
    Service { binding: proc_macro2::TokenStream },
}

fn ident_of(pat: &Pat) -> Option<&Ident> {
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
fn candidates(sig: &Signature, shared: &Shared) -> Vec<String> {
    let service = shared.service.is_some();
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Receiver(_) => Some("self".to_string()),
            FnArg::Typed(pt) => {
                let name = ident_of(&pt.pat).map(|i| i.to_string());
                let named_auth = name.as_deref() == Some("auth")
                    && (service || matches!(&*pt.ty, Type::Reference(_)));
                (looks_like_context(&pt.ty) || named_auth)
                    .then(|| name.unwrap_or_else(|| quote::quote!(#pt).to_string()))
            }
        })
        .collect()
}

/// The context of the stack whose first guard is `guard` (named in the errors).
pub(crate) fn find(guard: &str, sig: &Signature, shared: &Shared) -> syn::Result<Context> {
    let service = shared.service.is_some();
    if shared.auth.is_none() {
        let found = candidates(sig, shared);
        if found.len() > 1 {
            let list = found
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(syn::Error::new(
                sig.ident.span(),
                format!(
                    "#[{guard}] cannot tell which auth context to check in `{}`: {list} could each be one; \
                     name it with `auth = {}`",
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
    if shared.auth.is_none()
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
    let chosen: Option<(usize, &PatType)> = if let Some(name) = &shared.auth {
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
                    (service || matches!(&*pt.ty, Type::Reference(_)))
                        && ident_of(&pt.pat).is_some_and(|id| id == "auth")
                })
            })
            .copied()
    };

    if let Some((index, pt)) = chosen {
        let by_ref = matches!(&*pt.ty, Type::Reference(_));
        if let Type::Reference(r) = &*pt.ty
            && last_segment_is_auth(&r.elem)
            && !service
            && !returns_result(sig)
        {
            return Err(syn::Error::new(
                pt.ty.span(),
                format!(
                    "#[{guard}]: an HTTP handler takes `Auth` by value (`auth: Auth`); `&Auth` makes this a service-layer \
                     guard, which returns `Err(denial.into())` and so needs a `Result` return type"
                ),
            ));
        }
        if by_ref || service {
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
            adapter: pt.ty.clone(),
            param: Some(index),
        });
    }
    if let Some(adapter) = &shared.adapter {
        return Ok(Context::Http {
            adapter: Box::new(Type::Path(syn::TypePath {
                qself: None,
                path: adapter.clone(),
            })),
            param: None,
        });
    }
    Err(syn::Error::new(
        sig.ident.span(),
        format!(
            "#[{guard}] cannot find the auth context of `{}`: add a parameter `auth: Auth` (auth_axum::Auth or \
             auth_actix::Auth), or name the adapter with `adapter = auth_axum::Auth`, or, for a \
             service-layer function, take `auth: &impl AuthContext`",
            sig.ident
        ),
    ))
}

/// Whether the return type reads as a `Result` (`Result<..>`, `io::Result<..>`, an alias
/// ending in `Result`).
pub(crate) fn returns_result(sig: &Signature) -> bool {
    match &sig.output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Path(tp) => tp
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident.to_string().ends_with("Result")),
            _ => false,
        },
        syn::ReturnType::Default => false,
    }
}
