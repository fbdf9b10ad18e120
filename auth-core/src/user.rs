//! Users and groups.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A user's primary key.
pub type UserId = i64;

/// An account, with the fields Django's `AbstractUser` has for authentication.
///
/// `Debug` never prints the password hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Primary key, assigned by the store.
    pub id: UserId,
    /// Unique (case-insensitively) login name.
    pub username: String,
    /// Email address; unique (case-insensitively) when not empty.
    pub email: String,
    /// Encoded password hash (see [`crate::password`]). Never serialized.
    #[serde(skip_serializing, default)]
    pub password_hash: String,
    /// Inactive users cannot log in and are anonymous on their next request.
    pub is_active: bool,
    /// Staff users pass `#[staff_required]`.
    pub is_staff: bool,
    /// Active superusers have every permission.
    pub is_superuser: bool,
    /// When the user last logged in.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login: Option<OffsetDateTime>,
    /// When the account was created.
    #[serde(with = "time::serde::rfc3339")]
    pub date_joined: OffsetDateTime,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .field("last_login", &self.last_login)
            .field("date_joined", &self.date_joined)
            .finish()
    }
}

/// The fields needed to create a user; the store assigns `id` and `date_joined`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Email address, may be empty.
    pub email: String,
    /// An encoded hash from [`crate::password::hash`], or an unusable marker.
    pub password_hash: String,
    /// Defaults to `true`.
    pub is_active: bool,
    /// Defaults to `false`.
    pub is_staff: bool,
    /// Defaults to `false`.
    pub is_superuser: bool,
}

impl NewUser {
    /// An active, non-staff user.
    pub fn new(
        username: impl Into<String>,
        email: impl Into<String>,
        password_hash: impl Into<String>,
    ) -> Self {
        NewUser {
            username: username.into(),
            email: email.into(),
            password_hash: password_hash.into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
        }
    }
}

/// A named set of users that can be granted permissions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Primary key.
    pub id: i64,
    /// Unique name, for example `Editors`.
    pub name: String,
}

/// The comparison key of usernames and emails (see [`crate::names::name_key`]).
pub(crate) fn fold_case(s: &str) -> String {
    crate::names::name_key(s)
}
