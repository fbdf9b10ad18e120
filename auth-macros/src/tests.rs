//! Expansion tests: what one stack writes, read as tokens.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::attribute;
use crate::model::{Kind, Outer};

fn expand(outer: Outer, args: TokenStream, item: TokenStream) -> String {
    attribute(outer, args, item).to_string()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn a_stack_expands_once_into_one_policy_and_one_guard() {
    let out = expand(
        Outer::Guard(Kind::Login),
        quote!(redirect = "/signin"),
        quote! {
            /// Docs stay.
            #[auth_axum::group_required("Editors")]
            #[allow(unused)]
            #[permission_required("shop.view_reports", on_denied = denied)]
            #[tracing::instrument]
            async fn reports(x: u8, auth: Auth) -> String { body() }
        },
    );
    assert_eq!(count(&out, "struct __auth_policy_reports_0"), 1, "{out}");
    assert_eq!(count(&out, "__auth_guard_0 :"), 1, "{out}");
    assert!(!out.contains("compile_error"), "{out}");
    // Every requirement in source order, in the one policy.
    let order = ["Requirement :: Login", "AnyGroup", "Perm"].map(|r| out.find(r).unwrap());
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    // The guard attributes are gone, the others kept in order, the guard first.
    assert!(
        !out.contains("# [permission_required") && !out.contains("# [auth_axum :: group_required")
    );
    let kept =
        ["# [doc", "# [allow (unused)]", "# [tracing :: instrument]"].map(|a| out.find(a).unwrap());
    assert!(kept.windows(2).all(|w| w[0] < w[1]), "{out}");
    assert!(out.contains("async fn reports (__auth_guard_0 :"), "{out}");
    // The collected attributes' imports stay used.
    assert!(
        out.contains("use auth_axum :: group_required as _ ;"),
        "{out}"
    );
    assert!(out.contains("use permission_required as _ ;"), "{out}");
    // Different answers per guard: the failing requirement picks the guard.
    assert!(out.contains("fn on_denied (mut denial"), "{out}");
}

#[test]
fn one_answer_needs_no_dispatch() {
    let out = expand(
        Outer::Guard(Kind::Login),
        TokenStream::new(),
        quote! {
            #[staff_required]
            async fn staff(auth: Auth) -> String { body() }
        },
    );
    assert!(!out.contains("on_denied"), "{out}");
    assert!(out.contains("LOGIN_URL : :: core :: option :: Option < & 'static str > = :: core :: option :: Option :: None"), "{out}");
}

#[test]
fn the_crate_option_replaces_the_found_path_everywhere() {
    let out = expand(
        Outer::Page,
        quote!(
            route = "/r",
            login_required,
            crate = ::my_reexport::auth_core
        ),
        quote! {
            #[permission_required("a.b")]
            async fn r(auth: Auth) -> String { body() }
        },
    );
    assert!(!out.contains("compile_error"), "{out}");
    assert!(
        out.contains("impl :: my_reexport :: auth_core :: PageRoute for r"),
        "{out}"
    );
    let uses = count(&out, ":: my_reexport :: auth_core ::");
    assert!(uses >= 5, "{out}");
    assert_eq!(
        count(&out, ":: auth_core ::"),
        uses,
        "only the given path: {out}"
    );
}

#[test]
fn the_service_layer_gets_one_check() {
    let out = expand(
        Outer::Guard(Kind::Login),
        TokenStream::new(),
        quote! {
            #[group_required("E", on_denied = hook)]
            async fn f(auth: &Ctx) -> Result<(), Denial> { Ok(()) }
        },
    );
    assert_eq!(count(&out, "check_service"), 1, "{out}");
    assert_eq!(count(&out, "let __auth_checked"), 1, "{out}");
    assert!(out.contains("__requirements . iter () . position"), "{out}");
}

#[test]
fn errors_fall_back_to_the_function_without_its_stack() {
    let out = expand(
        Outer::Guard(Kind::Login),
        TokenStream::new(),
        quote! {
            #[tracing::instrument]
            #[permission_required("a.b")]
            #[page(route = "/x")]
            async fn f(auth: Auth) -> String { body() }
        },
    );
    assert_eq!(
        count(&out, "compile_error"),
        2,
        "one per stray guard: {out}"
    );
    assert!(
        !out.contains("__auth_policy") && !out.contains("# [permission_required"),
        "{out}"
    );
    assert!(
        out.contains("# [tracing :: instrument] async fn f (auth : Auth)"),
        "{out}"
    );
    assert!(
        out.contains("PageRoute for f"),
        "the page's stub keeps `pages![f]` quiet: {out}"
    );
}
