//! # auth-core
//!
//! The framework-agnostic core of the auth toolkit: users, groups and `app_label.codename`
//! permissions; sessions; password hashing; login, logout, registration and password changes;
//! configuration; and the guard rules that `#[login_required]` and friends enforce.
//!
//! Applications normally depend on an adapter (`auth-axum` or `auth-actix`), which re-exports
//! this crate as `auth_core` plus the guard macros. This crate names no web framework.
//!
//! - [`AuthService`]: the rules over any [`UserStore`], [`PermissionChecker`] and [`SessionStore`].
//! - [`password`]: argon2id hashing, and verification of passlib and Django hashes.
//! - [`validators`] and [`reset`]: password rules and password-reset tokens.
//! - [`mail`] and, with the `pages` feature, [`pages`](crate#modules): the built-in pages and
//!   what they send.
//! - [`adapter`]: the plumbing a web-framework adapter is built from.
//! - [`Requirement`], [`Denial`], [`check`]: what guards require and how a refusal looks.
//! - [`AuthConfig`]: every setting, from code, TOML or the environment.
//! - [`MemoryStore`], [`MemorySessionStore`]: in-memory backends.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use auth_core::{AuthConfig, AuthService, Registration, Requirement, check};
//!
//! let auth = AuthService::in_memory(AuthConfig::default());
//! let alice = auth.register(&Registration::new("alice", "alice@example.com", "correct horse")).await.unwrap();
//! let perm = "blog.publish_post".parse().unwrap();
//! auth.permissions().grant_user_permission(&alice.id, &perm).await.unwrap();
//! assert!(auth.permissions().grants(&alice.id).await.unwrap().has_permission("blog.publish_post"));
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

// Public namespaces.
pub mod adapter;
#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod admin;
pub mod api;
pub mod django;
pub mod mail;
#[cfg(feature = "pages")]
#[cfg_attr(docsrs, doc(cfg(feature = "pages")))]
pub mod pages;
pub mod password;
pub mod reset;
#[cfg(all(feature = "sqlite", feature = "pages"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "pages"))))]
pub mod setup;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod validators;

// Everything else is private; what users need is re-exported below.
mod config;
mod crypto;
mod csrf;
mod denial;
mod document;
mod error;
mod form;
mod guard;
mod helpers;
mod names;
mod origin;
mod perm_syntax;
mod permission;
mod redirect;
mod request;
mod requirement;
mod response;
mod route_guard;
mod service;
mod session;
mod session_data;
mod store;
mod sys;
mod user;
mod web_origin;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use async_trait::async_trait;
pub use config::{
    AuthConfig, ConfigError, DJANGO_MODEL_BACKEND, FieldNames, LoginField, Messages, Schema,
};
pub use csrf::CSRF_FIELD;
pub use error::{AuthError, StoreError};
pub use guard::{
    AuthContext, Denial, DenialReason, DeniedRequest, Failure, PageRoute, Requirement, Wants, check,
};
pub use helpers::{
    CheckError, UserSnapshot, require_login_user, user_has_perm, user_in_group, user_snapshot,
};
pub use names::{name_key, normalize_email, normalize_username};
pub use perm_syntax::check_permission_syntax;
pub use permission::{Grants, Permission, PermissionError};
pub use redirect::{percent_encode, safe_next, url_has_allowed_host_and_scheme};
pub use request::{AuthHandle, SessionCheck};
pub use response::DenialResponse;
pub use route_guard::RouteRequirements;
pub use service::{
    AuthService, AuthServiceBuilder, BuildError, CookieUpdate, PasswordChangeError, RegisterError,
    Registration, SessionState,
};
pub use session::{
    AuthHash, MalformedAuthHash, MalformedSessionId, SESSION_ID_BYTES, SESSION_ID_LEN, SessionId,
    SessionRecord, now_unix,
};
pub use session_data::{Session, SessionDataError};
pub use store::memory::{MemoryAttemptStore, MemoryStore};
pub use store::memory_sessions::MemorySessionStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use store::postgres::PgStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use store::redis::RedisSessionStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub use store::sql::SqlStoreOptions;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::sqlite::SqliteStore;
pub use store::{
    AttemptStore, NoPermissions, PermissionChecker, SessionStore, UserStore, spawn_cleanup,
};
pub use user::{AuthUser, Group, NewUser, User, UserId, UserIdKindError};
/// The `uuid` crate, for [`UserId::Uuid`].
pub use uuid;
pub use validators::{FormErrors, MAX_PASSWORD_BYTES};
