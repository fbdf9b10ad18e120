//! # auth-sql
//!
//! The SQL stores of the auth toolkit, each behind a feature:
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `sqlite` | [`SqliteStore`]: users, groups, permissions, sessions and failed-login counters in one SQLite file (bundled SQLite), migrations embedded |
//! | `sqlite-fast-reads` | the SQLite store's per-request reads (session, user, grants) in place through rusqlite, without sqlx's thread hop |
//! | `postgres` | [`PgStore`]: the same in PostgreSQL, migrations safe to run from several processes at once |
//! | `django` | [`django::DjangoStore`] (with `sqlite` or `postgres`): a Django project's own tables, sessions and hashes |
//!
//! Both native stores run the same SQL (written once in one module, with `$n` placeholders both
//! databases understand) and take a table prefix ([`SqlStoreOptions`], `authkit_` by default).
//! Applications normally reach this crate through their adapter (`auth_axum::auth_sql` or
//! `auth_actix::auth_sql`), whose features of the same names turn these on.
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")]
//! # async fn demo() -> Result<(), auth_core::StoreError> {
//! use std::sync::Arc;
//! use auth_core::{AuthConfig, AuthService};
//! use auth_sql::SqliteStore;
//!
//! let store = Arc::new(SqliteStore::connect("sqlite://app.db").await?);
//! let auth = AuthService::new(AuthConfig::default(), store.clone(), store.clone(), store);
//! # let _ = auth; Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite-fast-reads")]
mod sqlite_reader;

#[cfg(feature = "django")]
#[cfg_attr(docsrs, doc(cfg(feature = "django")))]
pub mod django;

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PgStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub use sql::SqlStoreOptions;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;
