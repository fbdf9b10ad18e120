//! Guard attribute macros for the auth toolkit.
//!
//! Use them through an adapter crate (`auth_axum` or `auth_actix`), which re-exports them.
//! They expand to calls into `auth_core` and to trait calls on the handler's own `Auth`
//! parameter; they never name a web framework.
//!
//! Every guard takes these options:
//!
//! | option | meaning |
//! | --- | --- |
//! | `on_denied = path` | a function `fn(Denial) -> R` or `async fn(Denial) -> R` that answers a denial; `R` is any response type of the framework (or, in a service-layer function, the function's return type) |
//! | `redirect = "/url"` | where anonymous HTML requests are sent instead of the configured `login_url` |
//! | `adapter = path::Auth` | the adapter's `Auth` type, for a handler that takes no `Auth` parameter |
//! | `auth = name` | which parameter is the auth context, when it is not the one typed `Auth` |
//! | `any` | `#[permission_required]` only: one of the listed permissions suffices (default: all) |
//! | `service` | check inside the body and return `Err(Denial.into())` (service-layer mode); implied when the context is a reference or `self` |
//! | `crate = path` | the path of `auth_core` the expansion uses (as in `crate = ::my_reexport::auth_core`), instead of the one found in `Cargo.toml` (`auth_core`, or the adapter's re-export); also on `#[page]` |
//!
//! An option may be given once per attribute. An `on_denied` hook's answer is sent as it is:
//! on axum a hook that returns `()` answers an empty `200 OK`, which a client reads as
//! success, so return a status code or a response.
//!
//! # Stacks
//!
//! Guards stack, with each other and with `#[page]`: the requirements of all of them are
//! checked in source order, and the first that fails is denied with its own guard's
//! `on_denied` and `redirect` (an anonymous visitor fails the first guard's). A stack expands
//! once. rustc runs the top attribute first and
//! hands it the function with the attributes below it; that expansion takes every guard and
//! `#[page]` attribute off the function (known by the last segment of its path, so
//! `#[auth_axum::permission_required(..)]` counts), parses them all into one model and writes
//! the whole stack: one policy type with every requirement and one guard extractor, or one
//! check in the body. The options `auth`, `adapter`, `service` and `crate` hold for the whole
//! stack whichever of its attributes gives them (two different values are an error). Doc
//! comments, lint levels (`#[allow]`, `#[expect]`, ..), `#[must_use]` and the other inert
//! built-in attributes may sit between the guards and stay on the function. Any other
//! attribute, such as `#[tracing::instrument]`, goes below the stack: a guard written under
//! it is a compile error that says to move it up.
//!
//! The crate works in three phases, like `thiserror`: **parse** (`item`: the function, whose
//! body stays raw tokens so a mistake inside it gets rustc's own error, as in
//! `tracing-attributes`; `stack`: which attributes form the stack; `args`: each one's
//! arguments, into the typed `model`), **validate** (`validate`: every rule, with all errors
//! reported together; `context`: which parameter is the auth context), **expand** (`expand`).
//! On an error, `fallback` emits the errors and the function without its stack's attributes,
//! so the user sees those errors and no follow-on ones.
//!
//! Two modes:
//! - **HTTP handlers** (the context is an `Auth` parameter taken by value): the macro puts a
//!   guard extractor first in the parameter list. It runs before any body extractor, so an
//!   anonymous request with a bad body gets the login redirect, not a 400.
//! - **Service layer** (the context is `&T`, `self` or `&mut self`, or the `service` option is
//!   given): the check runs at the top of the body and a denial returns
//!   `Err(From::from(denial))`.
//!
//! HTTP guards go on free functions: they define a policy type beside the function, which an
//! `impl` block cannot hold (the macro says so when it sees a method). Guards work above
//! `#[tracing::instrument]`, and on the methods of traits that use native `async fn` (not on
//! methods that `#[async_trait]` has already rewritten).
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod args;
mod context;
mod expand;
mod fallback;
mod item;
mod manifest;
mod model;
mod stack;
#[cfg(test)]
mod tests;
mod validate;

use model::{Kind, Outer};

/// Requires a logged-in, active user.
///
/// ```text
/// #[login_required]
/// async fn dashboard(auth: Auth) -> impl IntoResponse { format!("hi {}", auth.user().unwrap().username) }
/// ```
#[proc_macro_attribute]
pub fn login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Guard(Kind::Login), args.into(), item.into()).into()
}

/// Requires every listed permission (`"app_label.codename"`), or with the `any` flag at least
/// one of them; active superusers pass.
///
/// ```text
/// #[permission_required("blog.publish_post", "blog.review_post", any)]
/// async fn moderate(auth: Auth) -> Html<String> { .. }
/// ```
///
/// ```text
/// #[permission_required("blog.publish_post", on_denied = publish_denied)]
/// async fn publish(auth: Auth, Json(post): Json<NewPost>) -> Result<Json<Post>, AppError> { .. }
/// ```
#[proc_macro_attribute]
pub fn permission_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Guard(Kind::Perm), args.into(), item.into()).into()
}

/// Requires membership in at least one of the listed groups.
///
/// ```text
/// #[group_required("Editors", "Admins")]
/// async fn editor(auth: Auth) -> Html<String> { .. }
/// ```
#[proc_macro_attribute]
pub fn group_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Guard(Kind::Group), args.into(), item.into()).into()
}

/// Requires an active user with `is_staff`.
#[proc_macro_attribute]
pub fn staff_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Guard(Kind::Staff), args.into(), item.into()).into()
}

/// Requires an active user with `is_superuser`.
#[proc_macro_attribute]
pub fn superuser_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Guard(Kind::Superuser), args.into(), item.into()).into()
}

/// Requires an active user for whom `predicate` (a `fn(&User) -> bool`, given first) returns
/// `true`, like Django's `user_passes_test`: anonymous visitors are sent to log in, a logged-in
/// user who fails the test gets 403 (Django would send them to the login page again).
///
/// ```text
/// fn is_editor(user: &User) -> bool { user.email.ends_with("@newsroom.example") }
///
/// #[user_passes_test(is_editor, on_denied = not_an_editor)]
/// async fn desk(auth: Auth) -> Html<String> { .. }
/// ```
#[proc_macro_attribute]
pub fn user_passes_test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Guard(Kind::Test), args.into(), item.into()).into()
}

/// Registers a handler as a page: its route is written once, here, and the adapter's
/// `pages![..]` mounts every page in one call. `login_required` adds the login guard; other
/// guards stack as their own attributes, above or below it.
///
/// ```text
/// #[page(route = "/reports", login_required)]
/// #[permission_required("shop.view_reports")]
/// async fn reports(auth: Auth) -> Html<String> { .. }
///
/// let app = Router::new().merge(auth_axum::pages![index, reports]);          // axum
/// let app = App::new().configure(auth_actix::pages![index, reports]);        // actix-web
/// ```
///
/// Options: `route = "/path"` (required), `method = "POST"` (default `GET`), `login_required`,
/// and with it the login guard's `on_denied`, `redirect`, `adapter` and `auth`; `crate = path`.
///
/// It emits a unit struct of the same name as the function (types and functions live in
/// different namespaces) that implements `auth_core::PageRoute` with `ROUTE` and `METHOD`
/// (`method = "POST"`; default `GET`).
#[proc_macro_attribute]
pub fn page(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Outer::Page, args.into(), item.into()).into()
}
