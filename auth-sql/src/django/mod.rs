//! Running beside Django: one database, one login.
//!
//! With `schema = "django"` in [`AuthConfig`](auth_core::AuthConfig) (`AUTH_SCHEMA=django`) and
//! `secret_key` set to the Django project's `SECRET_KEY`, [`DjangoStore`] (feature `django`,
//! with `sqlite` or `postgres`) reads and writes the project's own tables:
//!
//! - users from `auth_user` (as [`DjangoUser`], which handlers can take with `CurrentUser`);
//! - groups from `auth_group` and `auth_user_groups`, and permissions as
//!   `app_label.codename` from `auth_permission` and `django_content_type`, granted directly
//!   (`auth_user_user_permissions`) or through groups (`auth_group_permissions`);
//! - sessions in `django_session`, in Django's signed format ([`Signer`], salt
//!   `django.contrib.sessions.SessionStore`) with `_auth_user_id`, `_auth_user_backend` and
//!   `_auth_user_hash`, so a session Django made is a login here and the other way round;
//! - new password hashes in Django's `pbkdf2_sha256` format
//!   ([`Hasher::DjangoPbkdf2Sha256`](auth_core::password::Hasher)).
//!
//! It never creates or changes Django's tables: when they are missing it refuses to start and
//! says to run Django's `migrate`. Failed-login counters, which Django does not keep, live in
//! a table of this crate's own (`authkit_django_attempt`).

/// The key salt of Django's session auth hash (`AbstractBaseUser.get_session_auth_hash`), which
/// the Django store hands the service ([`SessionStore::session_auth_hash_salt`]).
///
/// [`SessionStore::session_auth_hash_salt`]: auth_core::SessionStore::session_auth_hash_salt
pub const SESSION_AUTH_HASH_SALT: &str =
    "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// The signing salt of Django's database session engine (`django.contrib.sessions.` + the
/// class name `SessionStore`).
pub const SESSION_SALT: &str = "django.contrib.sessions.SessionStore";

mod signing;
pub use signing::{Signer, SigningError};

mod session_codec;
pub use session_codec::SessionCodec;

mod user;
pub use user::DjangoUser;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod store;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use store::DjangoStore;
