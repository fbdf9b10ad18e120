//! # auth-axum
//!
//! The axum adapter of the auth toolkit: a session [`AuthLayer`], the [`Auth`] extractor, and
//! the guard macros (`#[login_required]`, `#[permission_required(..)]`, `#[group_required(..)]`,
//! `#[staff_required]`, `#[superuser_required]`) working on axum handlers.
//!
//! ```no_run
//! use auth_axum::{Auth, AuthLayer, AuthService, AuthConfig, login_required};
//! use axum::{Router, routing::get, response::IntoResponse};
//!
//! #[login_required]
//! async fn dashboard(auth: Auth) -> impl IntoResponse {
//!     format!("hi {}", auth.user().unwrap().username)
//! }
//!
//! # #[tokio::main] async fn main() {
//! let auth = AuthService::in_memory(AuthConfig::default());
//! let app = Router::new().route("/dashboard", get(dashboard)).layer(AuthLayer::new(auth));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! Denials follow the guard contract: the guard's `on_denied` hook, else the layer's
//! [`AuthLayer::on_denied`] handler, else the built-in answer (303 to the login page with
//! `?next=` for anonymous browsers, 401 JSON for anonymous API clients, 403 for a logged-in
//! user who lacks the requirement, 503 when a store is down).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod api;
mod app_pages;
mod current_user;
mod extract;
mod layer;
#[cfg(feature = "pages")]
mod pages;
mod rejection;
mod require;
mod response;

pub use api::{add_auth_api, add_auth_api_at};
#[cfg(any(feature = "pages", feature = "cli"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "pages", feature = "cli"))))]
pub use auth_admin;
pub use auth_core;
pub use auth_core::guard::{DenialReason, RouteRequirements, Wants};
pub use auth_core::{
    AuthConfig, AuthContext, AuthError, AuthService, AuthUser, Denial, Permission, Registration,
    Requirement, User, UserId,
};
pub use auth_macros::{
    group_required, login_required, page, permission_required, staff_required, superuser_required,
    user_passes_test,
};
#[cfg(feature = "pages")]
#[cfg_attr(docsrs, doc(cfg(feature = "pages")))]
pub use auth_pages;
#[cfg(feature = "pages")]
#[cfg_attr(docsrs, doc(cfg(feature = "pages")))]
pub use auth_pages::{AuthPages, LoginUi, LoginView, Page, PageRenderer};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use auth_redis;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "django"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "sqlite", feature = "postgres", feature = "django")))
)]
pub use auth_sql;
pub use current_user::CurrentUser;
pub use extract::{Auth, Guard, MissingAuthLayer};
pub use layer::{AuthLayer, AuthMiddleware};
#[cfg(feature = "pages")]
#[cfg_attr(docsrs, doc(cfg(feature = "pages")))]
pub use pages::{add_auth_pages, add_auth_pages_only, add_auth_pages_with, login_ui};
pub use rejection::Rejection;
pub use require::{RequireAuth, RequireAuthService};
pub use response::{DenyFuture, denial_response};

#[doc(hidden)]
pub use app_pages::__private as __pages_private;

#[doc(hidden)]
pub mod __private {
    pub use axum;
}
