//! # auth-core
//!
//! The framework-agnostic core of the auth toolkit: users, groups and `app_label.codename`
//! permissions; sessions; password hashing; login, logout, registration and password changes;
//! configuration; and the guard rules that `#[login_required]` and friends enforce.
//!
//! Applications normally depend on an adapter (`auth-axum` or `auth-actix`), which re-exports
//! this crate as `auth_core` plus the guard macros. This crate names no web framework.
//!
//! The crate root holds the nouns most apps name; everything else is in a module by concern:
//!
//! - [`service`]: [`AuthService`], the rules over any [`UserStore`], [`PermissionChecker`] and
//!   [`SessionStore`], one file per flow, and its builder.
//! - [`user`], [`permission`], [`names`]: users and their ids, `app_label.codename`
//!   permissions and [`Grants`], how usernames and emails are compared.
//! - [`session`]: session ids, records and the data a session carries.
//! - [`store`]: the storage traits and the in-memory backends ([`MemoryStore`],
//!   [`MemorySessionStore`]); SQL and Redis backends are the crates `auth-sql` and `auth-redis`.
//! - [`guard`]: what guards require ([`Requirement`]), how a refusal looks ([`Denial`]), the
//!   checks.
//! - [`http`]: the request path the adapters share: one request's auth state, the
//!   cross-origin check, CSRF tokens, `next=` validation, form bodies, denial answers.
//! - [`adapter`]: all a web-framework adapter needs.
//! - [`api`]: the JSON API's flows.
//! - [`config`]: [`AuthConfig`], every setting, from code, TOML or the environment.
//! - [`password`], [`validators`], [`reset`], [`crypto`]: hashing, password rules,
//!   password-reset tokens, the MACs they share.
//! - [`error`]: [`AuthError`] and [`StoreError`].
//!
//! The built-in HTML pages and mail are the crate `auth-pages`, the admin commands and the
//! environment-driven set-up the crate `auth-admin`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use auth_core::{AuthConfig, AuthService, Registration};
//!
//! let auth = AuthService::in_memory(AuthConfig::default());
//! let alice = auth.register(&Registration::new("alice", "alice@example.com", "correct horse")).await.unwrap();
//! let perm = "blog.publish_post".parse().unwrap();
//! auth.permissions().grant_user_permission(&alice.id, &perm).await.unwrap();
//! assert!(auth.permissions().grants(&alice.id).await.unwrap().has_permission("blog.publish_post"));
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_debug_implementations)]

pub mod adapter;
pub mod api;
pub mod config;
pub mod crypto;
pub mod error;
pub mod guard;
pub mod http;
pub mod names;
pub mod password;
pub mod permission;
pub mod reset;
pub mod service;
pub mod session;
pub mod store;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod totp;
pub mod user;
pub mod validators;

// The one module with `unsafe` (clock and scheduler calls into libc); every other module
// inherits the workspace's `unsafe_code = "deny"`.
mod sys;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use async_trait::async_trait;
/// The `uuid` crate, for [`UserId::Uuid`].
pub use uuid;

pub use crate::config::AuthConfig;
pub use crate::error::{AuthError, StoreError};
pub use crate::guard::{AuthContext, Denial, PageRoute, Requirement};
pub use crate::permission::{Grants, Permission};
pub use crate::service::{AuthService, Registration};
pub use crate::session::{Session, SessionId};
pub use crate::store::{
    MemorySessionStore, MemoryStore, PermissionChecker, SessionStore, UserStore,
};
pub use crate::user::{AuthUser, User, UserId};
