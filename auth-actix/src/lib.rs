//! # auth-actix
//!
//! The actix-web adapter of the auth toolkit: the session [`AuthMiddleware`], the [`Auth`]
//! extractor, and the guard macros (`#[login_required]`, `#[permission_required(..)]`,
//! `#[group_required(..)]`, `#[staff_required]`, `#[superuser_required]`) working on actix-web
//! handlers.
//!
//! ```no_run
//! use auth_actix::{Auth, AuthMiddleware, AuthService, AuthConfig, login_required};
//! use actix_web::{App, HttpServer, Responder, web};
//!
//! #[login_required]
//! async fn dashboard(auth: Auth) -> impl Responder {
//!     format!("hi {}", auth.user().unwrap().username)
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let auth = AuthService::in_memory(AuthConfig::default());
//!     HttpServer::new(move || {
//!         App::new()
//!             .route("/dashboard", web::get().to(dashboard))
//!             .wrap(AuthMiddleware::new(auth.clone()))
//!     })
//!     .bind("127.0.0.1:3000")?
//!     .run()
//!     .await
//! }
//! ```
//!
//! Denials follow the guard contract: the guard's `on_denied` hook, else the middleware's
//! [`AuthMiddleware::on_denied`] handler, else the built-in answer (303 to the login page with
//! `?next=` for anonymous browsers, 401 JSON for anonymous API clients, 403 for a logged-in
//! user who lacks the requirement, 503 when a store is down).
//!
//! actix-web polls a handler's extractors together. The guard comes first and answers at once
//! for anonymous users, so they always get the guard's answer; for a logged-in user whose
//! permissions must first be read from a slow store, a malformed body may be reported (400)
//! before the permission denial (403).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod api;
mod app_pages;
mod body;
mod current_user;
mod extract;
mod middleware;
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
pub use extract::{Auth, Deny, Guard, MissingAuthMiddleware};
pub use middleware::{AuthMiddleware, AuthMiddlewareService};
#[cfg(feature = "pages")]
#[cfg_attr(docsrs, doc(cfg(feature = "pages")))]
pub use pages::{add_auth_pages, add_auth_pages_only, add_auth_pages_with, login_ui};
pub use rejection::Rejection;
pub use require::{RequireAuth, RequireAuthService};
pub use response::denial_response;

/// WebSocket support (actix-ws), for guarded upgrade handlers.
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub use actix_ws as ws;

#[doc(hidden)]
pub use app_pages::__private as __pages_private;

#[doc(hidden)]
pub mod __private {
    pub use actix_web;
}
