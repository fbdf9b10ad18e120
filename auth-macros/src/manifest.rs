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

/// `auth-core` itself when the caller depends on it, else the first adapter it depends on.
fn found() -> Option<Found> {
    if let Ok(found) = crate_name("auth-core") {
        return Some(Found::Core(match found {
            // Inside auth-core's own tests and doctests the crate is `auth_core`.
            FoundCrate::Itself => "auth_core".to_owned(),
            FoundCrate::Name(name) => name,
        }));
    }
    ["auth-axum", "auth-actix"]
        .into_iter()
        .find_map(|adapter| match crate_name(adapter).ok()? {
            FoundCrate::Name(name) => Some(Found::Adapter(name)),
            FoundCrate::Itself => Some(Found::Adapter(adapter.replace('-', "_"))),
        })
}
