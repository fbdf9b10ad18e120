//! Phase 1a: parsing the annotated function. Attributes, visibility and signature are parsed;
//! the body stays raw tokens, so a mistake inside it gets rustc's own error, never one from
//! the guard.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Token, Visibility};

/// A function as a guard sees it.
#[derive(Clone)]
pub(crate) struct GuardFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The `{ .. }` body, untouched; `None` for a declaration without one (`fn f();`).
    pub(crate) body: Option<Group>,
}

impl Parse for GuardFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            match input.parse::<TokenTree>()? {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Some(g),
                other => return Err(syn::Error::new_spanned(other, "expected the function body")),
            }
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function"));
        }
        Ok(GuardFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl GuardFn {
    /// Names `paths` in the body (`use path as _;`), so that imports only they use count as
    /// used (see `stack::Below::paths`).
    pub(crate) fn use_paths(&mut self, paths: &[syn::Path]) {
        self.prepend(quote::quote!(#(#[allow(unused_imports)] use #paths as _;)*));
    }

    /// Puts `stmt` at the start of the body.
    pub(crate) fn prepend(&mut self, stmt: TokenStream) {
        let Some(body) = &self.body else { return };
        let mut out = stmt;
        out.extend(body.stream());
        let mut g = Group::new(Delimiter::Brace, out);
        g.set_span(body.span());
        self.body = Some(g);
    }
}

impl ToTokens for GuardFn {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append_all(&self.attrs);
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        match &self.body {
            Some(g) => g.to_tokens(tokens),
            None => <Token![;]>::default().to_tokens(tokens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn the_body_stays_raw_and_statements_go_first() {
        // Not valid Rust inside the body: still parsed, since only the signature is.
        let mut f: GuardFn =
            syn::parse2(quote!(async fn h(a: u8) -> u8 { let = ; a })).expect("parses");
        f.prepend(quote!(let __c: () = ();));
        let text = f.to_token_stream().to_string();
        assert!(
            text.ends_with("{ let __c : () = () ; let = ; a }"),
            "{text}"
        );

        let decl: GuardFn = syn::parse2(quote!(
            async fn h(&self);
        ))
        .expect("parses");
        assert!(decl.body.is_none());
        assert!(
            syn::parse2::<GuardFn>(quote!(
                struct S;
            ))
            .is_err()
        );
    }
}
