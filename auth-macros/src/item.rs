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
