//! Finding the auth context in a function signature.

use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, PatType, Signature, Type};

use crate::attr::{Args, Kind};

/// Where the guard gets its context from.
pub enum Context {
    /// HTTP mode: an `Auth` parameter taken by value (index into the inputs), or none with
    /// `adapter = ..`; `adapter` is the adapter type.
    Http { adapter: Type, param: Option<usize> },
    /// HTTP mode, stacked under an earlier guard that already took the `Auth` parameter.
    Stacked { adapter: Type },
    /// Service mode: an expression that evaluates to the context.
    Service { binding: proc_macro2::TokenStream },
}

pub const GUARD_PREFIX: &str = "__auth_guard_";

/// Index after the last guard parameter an earlier guard inserted, and that guard's adapter.
pub fn existing_guards(sig: &Signature) -> (usize, Option<Type>) {
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

pub fn ident_of(pat: &Pat) -> Option<&Ident> {
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

pub fn find(kind: Kind, sig: &Signature, args: &Args) -> syn::Result<Context> {
    let (guards, stacked_adapter) = existing_guards(sig);
    // `self` receivers are service-layer contexts.
    if args.auth.is_none()
        && let Some(FnArg::Receiver(_)) = sig.inputs.first()
    {
        return Ok(Context::Service {
            binding: quote::quote!(&self),
        });
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
