//! Errors shared by the stores and the auth service.

use std::error::Error as StdError;

/// What a storage backend can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique field is already taken.
    #[error("a user with this {field} already exists")]
    Conflict {
        /// The field that clashed: `"username"` or `"email"` (or a group `"name"`).
        field: &'static str,
    },
    /// The row the operation needs does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, for example `user 42` or `group "Editors"`.
        what: String,
    },
    /// The backend could not be reached or failed mid-operation. Guards fail closed on this.
    #[error("the auth store is unavailable: {source}")]
    Unavailable {
        /// The driver's error.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The store does not implement this operation (a read-only store's writes).
    #[error(
        "this store does not support `{operation}` (it is read-only); implement it on the store, or turn off the feature that needs it"
    )]
    Unsupported {
        /// The trait method that was called, for example `create_user`.
        operation: &'static str,
    },
    /// The store was set up wrongly (for example an invalid table prefix, or tables that are
    /// missing); the message says what to change.
    #[error("the auth store is misconfigured: {0}")]
    InvalidConfig(String),
    /// Stored data could not be read back (for example a session that does not decode).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// [`StoreError::Unsupported`] for `operation`.
    pub fn unsupported(operation: &'static str) -> Self {
        StoreError::Unsupported { operation }
    }

    /// Wraps a driver error as [`StoreError::Unavailable`].
    pub fn unavailable(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        StoreError::Unavailable {
            source: source.into(),
        }
    }
}

/// What can go wrong while logging in, logging out or changing a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The identifier or the password is wrong, or the account is inactive. Deliberately one
    /// variant, so that callers cannot tell these apart and leak it to clients.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password is right, but the account waits for its owner to follow the link mailed
    /// at registration (`require_email_verification`). Only a correct password gets this, so
    /// it tells nothing to someone who does not know it.
    #[error("the email address of this account is not verified yet")]
    EmailNotVerified,
    /// Too many failed logins from this client: retry after the window ends.
    #[error("too many failed login attempts; retry in {retry_after_secs} seconds")]
    Throttled {
        /// Seconds until the lockout surely ends.
        retry_after_secs: u64,
    },
    /// A password failed validation (too short, too long, confirmation differs, ...).
    #[error("{0}")]
    InvalidPassword(String),
    /// The operation needs a logged-in user.
    #[error("no user is logged in")]
    NotLoggedIn,
    /// A storage backend failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed (the blocking pool was shut down, or a stored hash is malformed).
    #[error(transparent)]
    Password(#[from] crate::password::PasswordError),
}
