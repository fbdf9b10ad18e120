//! Finds how the calling crate reaches `auth_core`: directly, or through the adapter it
//! depends on (`auth_axum::auth_core`, `auth_actix::auth_core`), so that one dependency line
//! is enough.

use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// The path expansions use for `auth_core`.
pub fn core_path() -> TokenStream {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    thread_local! {
        static CACHE: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
    }
    let found = CACHE.with(|c| {
        c.borrow_mut()
            .entry(dir.clone())
            .or_insert_with(|| {
                let text =
                    std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok()?;
                find(&text)
            })
            .clone()
    });
    match found.as_deref() {
        Some("auth_core") | None => quote!(::auth_core),
        Some(adapter) => {
            let id = syn::Ident::new(adapter, Span::call_site());
            quote!(::#id::auth_core)
        }
    }
}

/// The crate name (as the code sees it) of `auth-core` or an adapter in a manifest.
fn find(manifest: &str) -> Option<String> {
    let mut in_deps = false;
    let mut found: Vec<(String, String)> = Vec::new();
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            let header = line.trim_matches(|c| c == '[' || c == ']').trim();
            in_deps = header.ends_with("dependencies");
            // `[dependencies.auth-axum]`
            if let Some((section, key)) = header.rsplit_once('.')
                && section.ends_with("dependencies")
            {
                found.push((
                    key.trim_matches('"').to_owned(),
                    key.trim_matches('"').to_owned(),
                ));
            }
            continue;
        }
        if !in_deps {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key
            .split('.')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .to_owned();
        let package = value
            .split("package")
            .nth(1)
            .and_then(|rest| rest.split('"').nth(1))
            .map(str::to_owned)
            .unwrap_or_else(|| key.clone());
        found.push((key, package));
    }
    for wanted in ["auth-core", "auth-axum", "auth-actix"] {
        if let Some((key, _)) = found.iter().find(|(_, pkg)| pkg == wanted) {
            return Some(key.replace('-', "_"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn finds_the_dependency() {
        assert_eq!(
            find("[dependencies]\nauth-axum = \"0.1\"\n").as_deref(),
            Some("auth_axum")
        );
        assert_eq!(
            find("[dependencies]\nauth-actix.workspace = true\n").as_deref(),
            Some("auth_actix")
        );
        assert_eq!(
            find("[dependencies]\nauth-axum = \"0.1\"\nauth-core = \"0.1\"\n").as_deref(),
            Some("auth_core")
        );
        assert_eq!(
            find("[dependencies]\nweb = { package = \"auth-axum\", version = \"0.1\" }\n")
                .as_deref(),
            Some("web")
        );
        assert_eq!(
            find("[dependencies.auth-actix]\nversion = \"0.1\"\n").as_deref(),
            Some("auth_actix")
        );
        assert_eq!(find("[package]\nname = \"auth-axum\"\n").as_deref(), None);
    }
}
