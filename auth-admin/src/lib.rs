//! # auth-admin
//!
//! Running an app on the auth toolkit:
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `setup` | [`setup::Setup::from_env`]: configuration, storage (SQLite by default; PostgreSQL, Redis sessions and Django's tables with the features of those names), mailer and bind address, read from environment variables, as the example apps use it |
//! | `cli` | [`AdminCommand`]: admin subcommands (`createuser`, `changepassword`, `grant`, `group`, `group-grant`, `deactivate`, `migrate`) to embed in your own binary with clap |
//!
//! Applications reach it through their adapter's features: `sqlite` (with `pages`) gives
//! `auth_axum::auth_admin::setup`, `cli` the admin commands.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
#[cfg(feature = "setup")]
#[cfg_attr(docsrs, doc(cfg(feature = "setup")))]
pub mod setup;

#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub use cli::{AdminCommand, AdminError};
