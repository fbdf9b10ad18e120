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
//! auth.permissions().grant_user_permission(alice.id, &perm).await.unwrap();
//! assert!(auth.permissions().grants(alice.id).await.unwrap().has_permission("blog.publish_post"));
//! # }
//! ```
#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod admin;
pub mod config;
mod crypto;
pub mod csrf;
mod document;
pub mod error;
pub mod form;
pub mod guard;
mod helpers;
pub mod mail;
pub mod names;
pub mod origin;
#[cfg(feature = "pages")]
pub mod pages;
pub mod password;
mod perm_syntax;
pub mod permission;
pub mod redirect;
pub mod request;
pub mod reset;
pub mod response;
pub mod service;
pub mod session;
#[cfg(all(feature = "sqlite", feature = "pages"))]
pub mod setup;
pub mod store;
mod sys;
pub mod user;
pub mod validators;
mod web_origin;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use async_trait::async_trait;
pub use config::{AuthConfig, ConfigError, FieldNames, LoginField, Messages};
pub use error::{AuthError, StoreError};
pub use guard::{
    Adapter, AuthContext, Denial, DenialReason, Failure, PageRoute, Policy, Requirement, Wants,
    check,
};
pub use helpers::{
    CheckError, UserSnapshot, require_login_user, user_has_perm, user_in_group, user_snapshot,
};
pub use permission::{Grants, Permission, PermissionError};
pub use request::{AuthHandle, Finish, PendingLoad, RequestAuth, SessionCheck};
pub use response::DenialResponse;
pub use service::{AuthService, PasswordChangeError, RegisterError, Registration, SessionState};
pub use session::{AuthHash, SessionId, SessionRecord};
pub use store::memory::{MemoryAttemptStore, MemoryStore};
pub use store::memory_sessions::MemorySessionStore;
#[cfg(feature = "postgres")]
pub use store::postgres::PgStore;
#[cfg(feature = "redis")]
pub use store::redis::RedisSessionStore;
#[cfg(feature = "sqlite")]
pub use store::sqlite::SqliteStore;
pub use store::{AttemptStore, PermissionChecker, SessionStore, UserStore, spawn_cleanup};
pub use user::{Group, NewUser, User, UserId};
pub use validators::FormErrors;
