//! Finds how the calling crate reaches `auth_core`: directly, or through the adapter it
//! depends on (`auth_axum::auth_core`, `auth_actix::auth_core`), so that one dependency line
//! is enough. The manifest is read by `proc-macro-crate` (a real TOML parser that follows
//! renames and workspace inheritance).

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Span, TokenStream};
use quote::quote;

/// The path expansions use for `auth_core`.
pub(crate) fn core_path() -> TokenStream {
    match found() {
        Some(Found::Core(name)) => {
            let id = syn::Ident::new(&name, Span::call_site());
            quote!(::#id)
        }
        Some(Found::Adapter(name)) => {
            let id = syn::Ident::new(&name, Span::call_site());
            quote!(::#id::auth_core)
        }
        None => quote!(::auth_core),
    }
}

enum Found {
    Core(String),
    Adapter(String),
}

/// The first adapter the caller depends on, else `auth-core` itself. Adapters come first: a
/// crate that has `auth-core` only as a dev-dependency (to run the store conformance suite)
/// still reaches it through its adapter in its own (non-test) build.
fn found() -> Option<Found> {
    let adapter = ["auth-axum", "auth-actix"].into_iter().find_map(|adapter| {
        match crate_name(adapter).ok()? {
            FoundCrate::Name(name) => Some(Found::Adapter(name)),
            FoundCrate::Itself => Some(Found::Adapter(adapter.replace('-', "_"))),
        }
    });
    if adapter.is_some() {
        return adapter;
    }
    match crate_name("auth-core").ok()? {
        // Inside auth-core's own tests and doctests the crate is `auth_core`.
        FoundCrate::Itself => Some(Found::Core("auth_core".to_owned())),
        FoundCrate::Name(name) => Some(Found::Core(name)),
    }
}
