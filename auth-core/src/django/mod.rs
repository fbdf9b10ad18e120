//! Running beside Django: one database, one login.
//!
//! With `schema = "django"` in [`AuthConfig`](crate::AuthConfig) (`AUTH_SCHEMA=django`) and
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
//!   ([`Hasher::DjangoPbkdf2Sha256`](crate::password::Hasher)).
//!
//! It never creates or changes Django's tables: when they are missing it refuses to start and
//! says to run Django's `migrate`. Failed-login counters, which Django does not keep, live in
//! a table of this crate's own (`authkit_django_attempt`).

/// The key salt of Django's session auth hash (`AbstractBaseUser.get_session_auth_hash`).
pub(crate) const SESSION_AUTH_HASH_SALT: &str =
    "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// The signing salt of Django's database session engine (`django.contrib.sessions.` + the
/// class name `SessionStore`).
pub const SESSION_SALT: &str = "django.contrib.sessions.SessionStore";

#[cfg(feature = "django")]
mod signing;
#[cfg(feature = "django")]
pub use signing::{Signer, SigningError};

#[cfg(feature = "django")]
mod session_codec;
#[cfg(feature = "django")]
pub use session_codec::SessionCodec;

mod user;
pub use user::DjangoUser;

#[cfg(all(feature = "django", any(feature = "sqlite", feature = "postgres")))]
mod sql;
#[cfg(all(feature = "django", any(feature = "sqlite", feature = "postgres")))]
mod store;
#[cfg(all(feature = "django", any(feature = "sqlite", feature = "postgres")))]
pub use store::DjangoStore;
