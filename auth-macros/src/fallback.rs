//! On invalid input, as thiserror's `fallback`: the errors, then the function as written
//! minus its stack's attributes (so no guard below reports the same mistake again), and for a
//! `#[page]` a stub of its route type (so `pages![..]` naming the handler adds no error of its
//! own). The user sees the real errors and nothing that follows from them.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Attribute;
use syn::parse::{ParseStream, Parser};

use crate::item::GuardFn;
use crate::manifest::core_path;
use crate::model::Outer;
use crate::stack::kind_of;

pub(crate) fn expand(error: syn::Error, func: &GuardFn, page: bool) -> TokenStream {
    let error = error.to_compile_error();
    let stub = (page && !crate::validate::is_method(&func.sig)).then(|| {
        let (name, vis) = (&func.sig.ident, &func.vis);
        let core = core_path();
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #name {}

            impl #core::PageRoute for #name {
                const ROUTE: &'static str = "/";
                const METHOD: &'static str = "GET";
            }
        }
    });
    quote!(#error #stub #func)
}

/// The attribute is not on a function: the error, and the item without the stack's attributes.
pub(crate) fn not_a_function(outer: Outer, item: TokenStream) -> TokenStream {
    let msg = match outer {
        Outer::Page => "#[page] goes on an `async fn` handler".to_owned(),
        Outer::Guard(kind) => format!("#[{}] goes on an `async fn`", kind.name()),
    };
    let error = syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error();
    let split = |input: ParseStream| {
        let attrs = input.call(Attribute::parse_outer)?;
        Ok((attrs, input.parse::<TokenStream>()?))
    };
    match split.parse2(item.clone()) {
        Ok((attrs, rest)) => {
            let kept = attrs.iter().filter(|a| kind_of(a).is_none());
            quote!(#error #(#kept)* #rest)
        }
        Err(_) => quote!(#error #item),
    }
}
