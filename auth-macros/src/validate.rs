//! Phase 2: is this a function a guard can wrap? Each refusal names the shape and says what to
//! write instead.

use syn::spanned::Spanned;
use syn::{ReturnType, Signature};

use crate::args::Kind;
use crate::item::GuardFn;

/// Checks the function's shape (not its context: see `context`).
pub(crate) fn function(kind: Kind, f: &GuardFn) -> syn::Result<()> {
    let name = kind.name();
    if f.body.is_none() {
        return Err(syn::Error::new(
            f.sig.ident.span(),
            format!(
                "#[{name}] needs a function with a body; on a trait, guard the method in each `impl` (or the default body), not the declaration"
            ),
        ));
    }
    if let Some(c) = &f.sig.constness {
        return Err(syn::Error::new(
            c.span(),
            "a guarded function cannot be `const`: its check reads the session at run time",
        ));
    }
    if f.sig.asyncness.is_none() {
        if returns_boxed_future(&f.sig) {
            return Err(syn::Error::new(
                f.sig.ident.span(),
                format!(
                    "#[{name}] cannot guard a method that `#[async_trait]` has already turned into a fn returning a boxed future; \
                     Rust has `async fn` in traits natively: drop `#[async_trait]` from this impl, or guard a function the method calls"
                ),
            ));
        }
        return Err(syn::Error::new(
            f.sig.fn_token.span(),
            format!("#[{name}] can only guard an `async fn`; add `async`"),
        ));
    }
    Ok(())
}

/// Whether the signature returns `Pin<Box<dyn Future ..>>` (what `#[async_trait]` makes).
fn returns_boxed_future(sig: &Signature) -> bool {
    match &sig.output {
        ReturnType::Type(_, ty) => {
            let text = quote::quote!(#ty).to_string();
            text.contains("Pin") && text.contains("Future")
        }
        ReturnType::Default => false,
    }
}

/// Whether the signature belongs to a method: a receiver, or `Self` anywhere in it.
pub(crate) fn is_method(sig: &Signature) -> bool {
    sig.receiver().is_some() || {
        let text = quote::quote!(#sig).to_string();
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == "Self")
    }
}

/// Whether the return type reads as a `Result` (`Result<..>`, `io::Result<..>`, an alias
/// ending in `Result`).
pub(crate) fn returns_result(sig: &Signature) -> bool {
    match &sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Path(tp) => tp
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident.to_string().ends_with("Result")),
            _ => false,
        },
        ReturnType::Default => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(tokens: proc_macro2::TokenStream) -> Signature {
        syn::parse2(tokens).unwrap()
    }

    #[test]
    fn shapes() {
        use quote::quote;
        assert!(is_method(&sig(quote!(async fn f(&self)))));
        assert!(is_method(&sig(quote!(async fn f(a: Auth) -> Self))));
        assert!(!is_method(&sig(quote!(async fn f(a: Auth) -> SelfTest))));
        assert!(returns_result(&sig(quote!(async fn f() -> io::Result<()>))));
        assert!(returns_result(&sig(quote!(async fn f() -> AppResult<u8>))));
        assert!(!returns_result(&sig(quote!(async fn f() -> String))));
        assert!(returns_boxed_future(&sig(
            quote!(fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>>)
        )));
    }
}
