//! Phase 1b: collecting the stack. The attribute being expanded is the top of its stack: rustc
//! hands it the function with the attributes written below it (and the inert ones above it).
//! The guard and `#[page]` attributes among them (known by their last path segment, so
//! `#[auth_axum::login_required]` counts) are taken off the function and parsed by `args`
//! into the same model, so the whole stack expands once and no expansion has to find another's
//! output. Inert attributes (doc comments, lint levels, `#[must_use]`, ..) stay on the
//! function wherever they are; a guard below any other attribute (an attribute macro such as
//! `#[tracing::instrument]`) is a stray, which validation reports.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Path, Token};

use crate::args;
use crate::model::{Kind, Layer, Outer, Site, Stack, Stray, text};

/// Which stack attribute `attr` is, if any.
pub(crate) fn kind_of(attr: &Attribute) -> Option<Outer> {
    let last = attr.path().segments.last()?;
    if last.ident == "page" {
        return Some(Outer::Page);
    }
    Kind::ALL
        .into_iter()
        .find(|k| last.ident == k.name())
        .map(Outer::Guard)
}

/// Built-in attributes that do not rewrite the function. They may sit anywhere in a stack
/// (rustc also passes the ones written above the top guard, in the same list).
const INERT: &[&str] = &[
    "doc",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "must_use",
    "deprecated",
    "inline",
    "cold",
    "track_caller",
    "cfg",
];

/// Tool attributes (`#[rustfmt::skip]`, `#[clippy::..]`, `#[diagnostic::..]`), inert too.
const INERT_TOOLS: &[&str] = &["rustfmt", "clippy", "diagnostic"];

fn inert_path(path: &Path) -> bool {
    match path.segments.len() {
        1 => INERT.iter().any(|n| path.segments[0].ident == n),
        _ => INERT_TOOLS.iter().any(|n| path.segments[0].ident == n),
    }
}

/// Whether `attr` leaves the function as it is; `#[cfg_attr(pred, ..)]` when every attribute
/// it may add does.
fn is_inert(attr: &Attribute) -> bool {
    if attr.path().is_ident("cfg_attr") {
        return attr
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .is_ok_and(|metas| {
                metas.len() > 1 && metas.iter().skip(1).all(|m| inert_path(m.path()))
            });
    }
    inert_path(attr.path())
}

/// The stack attributes found below the top one, in source order, taken off `attrs`.
pub(crate) struct Below {
    layers: Vec<(Outer, Attribute)>,
    strays: Vec<Stray>,
}

impl Below {
    /// Whether a `#[page]` is among them (a stray one too: the fallback stubs its route).
    pub(crate) fn has_page(&self) -> bool {
        self.layers.iter().any(|(o, _)| matches!(o, Outer::Page))
            || self
                .strays
                .iter()
                .any(|s| matches!(kind_of(&s.attr), Some(Outer::Page)))
    }

    /// The paths of the attributes taken off. rustc never resolves them, so the expansion
    /// names each once more (`use path as _;`), or their imports would be reported unused.
    pub(crate) fn paths(&self) -> Vec<Path> {
        let layers = self.layers.iter().map(|(_, attr)| attr);
        let strays = self.strays.iter().map(|s| &s.attr);
        layers.chain(strays).map(|a| a.path().clone()).collect()
    }
}

/// Takes every guard and `#[page]` attribute off `attrs`; the others stay, in their order.
pub(crate) fn take(outer: Outer, attrs: &mut Vec<Attribute>) -> Below {
    let mut below = Below {
        layers: Vec::new(),
        strays: Vec::new(),
    };
    let mut above = outer.name().to_owned();
    // The last attribute that is neither inert nor part of the stack, once one is seen.
    let mut split: Option<(Attribute, String)> = None;
    attrs.retain(|attr| {
        let Some(kind) = kind_of(attr) else {
            if split.is_none() && !is_inert(attr) {
                split = Some((attr.clone(), above.clone()));
            }
            return true;
        };
        match &split {
            Some((after, above)) => below.strays.push(Stray {
                attr: attr.clone(),
                after: after.clone(),
                above: above.clone(),
            }),
            None => {
                above = text(attr.path());
                below.layers.push((kind, attr.clone()));
            }
        }
        false
    });
    below
}

/// Phase 1: the stack, parsed. Every attribute is parsed even when an earlier one fails, and
/// the errors are combined.
pub(crate) fn parse(
    outer: Outer,
    args: proc_macro2::TokenStream,
    below: Below,
) -> syn::Result<Stack> {
    let mut errors: Option<syn::Error> = None;
    let mut layers = Vec::new();
    let all = std::iter::once((outer, Site::Outer, Ok(args))).chain(below.layers.into_iter().map(
        |(kind, attr)| {
            let tokens = arguments(&attr, kind);
            (kind, Site::Below(attr.to_token_stream()), tokens)
        },
    ));
    for (kind, site, tokens) in all {
        let layer = tokens.and_then(|tokens| match kind {
            Outer::Guard(kind) => args::guard(kind, site, tokens).map(Layer::Guard),
            Outer::Page => args::page(site, tokens).map(Layer::Page),
        });
        match layer {
            Ok(layer) => layers.push(layer),
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(Stack {
            outer,
            layers,
            strays: below.strays,
        }),
    }
}

/// The argument tokens of a collected attribute: `#[name]` has none, `#[name(..)]` these.
fn arguments(attr: &Attribute, kind: Outer) -> syn::Result<proc_macro2::TokenStream> {
    match &attr.meta {
        Meta::Path(_) => Ok(proc_macro2::TokenStream::new()),
        Meta::List(list) => Ok(list.tokens.clone()),
        Meta::NameValue(nv) => Err(syn::Error::new_spanned(
            nv,
            format!("write #[{0}] or #[{0}(..)], not #[{0} = ..]", kind.name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn attrs(tokens: proc_macro2::TokenStream) -> Vec<Attribute> {
        let f: syn::ItemFn = syn::parse2(quote!(#tokens async fn f() {})).unwrap();
        f.attrs
    }

    #[test]
    fn takes_the_stack_and_keeps_the_rest_in_order() {
        let mut a = attrs(quote! {
            /// doc
            #[auth_axum::permission_required("a.b")]
            #[allow(unused)]
            #[cfg_attr(test, allow(dead_code))]
            #[page(route = "/")]
            #[tracing::instrument]
            #[must_use]
        });
        let below = take(Outer::Guard(Kind::Login), &mut a);
        assert_eq!(below.layers.len(), 2);
        assert!(below.has_page());
        assert!(below.strays.is_empty());
        let kept: Vec<String> = a.iter().map(|a| text(a.path())).collect();
        assert_eq!(
            kept,
            [
                "doc",
                "allow",
                "cfg_attr",
                "tracing::instrument",
                "must_use"
            ]
        );
    }

    #[test]
    fn a_guard_below_another_attribute_is_a_stray() {
        let mut a = attrs(quote! {
            #[group_required("E")]
            #[tracing::instrument]
            #[doc = "x"]
            #[staff_required]
            #[cfg_attr(test, tracing::instrument)]
        });
        let below = take(Outer::Guard(Kind::Login), &mut a);
        assert_eq!(below.layers.len(), 1);
        assert_eq!(below.strays.len(), 1);
        let stray = &below.strays[0];
        assert_eq!(text(stray.attr.path()), "staff_required");
        assert_eq!(text(stray.after.path()), "tracing::instrument");
        assert_eq!(stray.above, "group_required");
        assert_eq!(a.len(), 3, "the stray is taken off too");
    }
}
