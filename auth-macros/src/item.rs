//! Phase 1b: parsing the annotated function. Attributes, visibility and signature are parsed;
//! the body stays raw tokens, so a mistake inside it gets rustc's own error, never one from
//! the guard.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Token, Visibility};

/// A function as a guard sees it.
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
    /// Puts `stmt` at the start of the body.
    pub(crate) fn prepend(&mut self, stmt: TokenStream) {
        self.insert_at(0, stmt);
    }

    /// How many statements at the start of the body are `let <prefix>N ...;` (optionally
    /// after an outer attribute), the checks earlier guards inserted, and the token index
    /// after them.
    pub(crate) fn leading_lets(&self, prefix: &str) -> (usize, usize) {
        let tokens = self.body_tokens();
        let mut i = 0;
        let mut count = 0;
        loop {
            let mut j = i;
            if matches!(tokens.get(j), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
                j += 2;
            }
            let is_let = matches!(tokens.get(j), Some(TokenTree::Ident(id)) if id == "let")
                && matches!(tokens.get(j + 1), Some(TokenTree::Ident(id)) if id.to_string().starts_with(prefix));
            if !is_let {
                return (count, i);
            }
            match tokens[j..]
                .iter()
                .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
            {
                Some(end) => {
                    count += 1;
                    i = j + end + 1;
                }
                None => return (count, i),
            }
        }
    }

    fn body_tokens(&self) -> Vec<TokenTree> {
        self.body
            .as_ref()
            .map(|g| g.stream().into_iter().collect())
            .unwrap_or_default()
    }

    /// Puts `stmt` before the body's token number `at`.
    pub(crate) fn insert_at(&mut self, at: usize, stmt: TokenStream) {
        let Some(body) = &self.body else { return };
        let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
        let mut out = TokenStream::new();
        out.extend(tokens[..at].iter().cloned());
        out.extend(stmt);
        out.extend(tokens[at..].iter().cloned());
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
    fn the_body_stays_raw_and_checks_are_found_and_inserted_in_order() {
        // Not valid Rust inside the body: still parsed, since only the signature is.
        let mut f: GuardFn =
            syn::parse2(quote!(async fn h(a: u8) -> u8 { let = ; a })).expect("parses");
        assert_eq!(f.leading_lets("__c_"), (0, 0));
        f.prepend(quote!(let __c_0: () = ();));
        f.prepend(quote!(#[allow(x)] let __c_1: () = { 1; 2; };));
        assert_eq!(f.leading_lets("__c_").0, 2);
        let (_, at) = f.leading_lets("__c_");
        f.insert_at(at, quote!(let __c_2: () = ();));
        let text = f.to_token_stream().to_string();
        let order: Vec<usize> = ["__c_1", "__c_0", "__c_2", "let ="]
            .iter()
            .map(|n| text.find(n).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");

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
