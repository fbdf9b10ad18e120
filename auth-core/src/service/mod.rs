//! [`AuthService`]: the auth rules over any stores, one file per flow:
//!
//! - here: construction, the stores and settings it holds;
//! - `login`: checking credentials, lockout and rate limits;
//! - `sessions`: loading, logging in and out, saving, and what the cookie becomes;
//! - `accounts`: registration, password changes and deactivation;
//! - `account_email`: email verification, change of address, deleting the account;
//! - `user_sessions`: a user's list of their sessions, and ending them.

use std::sync::Arc;

use password_hash::rand_core::{OsRng, RngCore};

use crate::config::AuthConfig;
use crate::password::HashPool;
use crate::session::AuthHash;
use crate::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use crate::store::{MemoryAttemptStore, MemorySessionStore, MemoryStore};
use crate::user::UserId;

mod account_email;
mod accounts;
mod auth_hash;
mod builder;
mod login;
mod sessions;
mod user_sessions;

pub use account_email::{AccountFormError, EmailChangeRequest};
pub use accounts::{PasswordChangeError, RegisterError, Registration};
pub use builder::{AuthServiceBuilder, BuildError};
pub use sessions::{CookieUpdate, SessionState};
pub use user_sessions::SessionInfo;

/// The auth rules over a set of stores. Cheap to clone; share one per app.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{AuthConfig, AuthService, Registration};
/// let auth = AuthService::in_memory(AuthConfig::default());
/// auth.register(&Registration::new("alice", "alice@example.com", "s3cret-pass")).await.unwrap();
/// let user = auth.authenticate("alice", "s3cret-pass").await.unwrap();
/// assert_eq!(user.username, "alice");
/// assert!(auth.authenticate("alice", "wrong").await.is_err());
/// # }
/// ```
#[derive(Clone)]
pub struct AuthService {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    attempts: Arc<dyn AttemptStore>,
    cookie_name: String,
    auth_hash_cache: Arc<std::sync::RwLock<std::collections::HashMap<UserId, (String, AuthHash)>>>,
    config: AuthConfig,
    users: Arc<dyn UserStore>,
    perms: Arc<dyn PermissionChecker>,
    sessions: Arc<dyn SessionStore>,
    pool: HashPool,
    secret: Vec<u8>,
    origin: crate::http::origin::OriginPolicy,
    /// The session store's salt for a shared session auth hash (Django's), if any.
    auth_hash_salt: Option<&'static str>,
    cleanup: Option<Arc<builder::CleanupTask>>,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl AuthService {
    /// Builds the service over the given stores.
    pub fn new(
        config: AuthConfig,
        users: Arc<dyn UserStore>,
        perms: Arc<dyn PermissionChecker>,
        sessions: Arc<dyn SessionStore>,
    ) -> Self {
        // An empty key is one of `security_warnings`, logged below (once).
        let secret = if config.secret_key.is_empty() {
            let mut key = vec![0u8; 32];
            OsRng.fill_bytes(&mut key);
            key
        } else {
            config.secret_key.as_bytes().to_vec()
        };
        let pool = HashPool::with_idle_priority(
            config.password_hash_concurrency,
            config.password_hash_idle_priority,
        )
        .with_hasher(users.password_hasher().unwrap_or_default());
        let auth_hash_salt = sessions.session_auth_hash_salt();
        for warning in config.security_warnings() {
            tracing::warn!(event = "insecure_setting", "{warning}");
        }
        AuthService {
            inner: Arc::new(Inner {
                attempts: Arc::new(MemoryAttemptStore::new()),
                cookie_name: config.cookie_name(),
                origin: crate::http::origin::OriginPolicy::from_config(&config),
                auth_hash_cache: Arc::default(),
                auth_hash_salt,
                config,
                users,
                perms,
                sessions,
                pool,
                secret,
                cleanup: None,
            }),
        }
    }

    /// A builder: give it the stores (one value for all, or each piece), and it checks that
    /// none is missing and starts the expired-session cleanup.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use auth_core::{AuthConfig, AuthService, MemorySessionStore, MemoryStore, store::{MemoryAttemptStore, NoPermissions}};
    /// let auth = AuthService::builder(AuthConfig::default())
    ///     .users(MemoryStore::new())
    ///     .permissions(NoPermissions)
    ///     .sessions(MemorySessionStore::new())
    ///     .attempts(MemoryAttemptStore::new())
    ///     .build()
    ///     .unwrap();
    /// let err = AuthService::builder(AuthConfig::default()).users(MemoryStore::new()).build().unwrap_err();
    /// assert!(err.to_string().contains("no permission store"));
    /// # }
    /// ```
    pub fn builder(config: AuthConfig) -> AuthServiceBuilder {
        AuthServiceBuilder::new(config)
    }

    fn with_cleanup(self, task: Option<Arc<builder::CleanupTask>>) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| (*shared).clone());
        inner.cleanup = task;
        AuthService {
            inner: Arc::new(inner),
        }
    }

    /// The failed-login counters' store.
    pub fn attempts(&self) -> &Arc<dyn AttemptStore> {
        &self.inner.attempts
    }

    /// The service over fresh in-memory stores (users, permissions and sessions).
    pub fn in_memory(config: AuthConfig) -> Self {
        let store = Arc::new(MemoryStore::new());
        Self::new(
            config,
            store.clone(),
            store,
            Arc::new(MemorySessionStore::new()),
        )
    }

    /// Keeps failed-login counters in `store` (by default they are in this process's memory);
    /// give every process the same store so that limits hold across processes.
    pub fn with_attempt_store(self, store: Arc<dyn AttemptStore>) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| (*shared).clone());
        inner.attempts = store;
        AuthService {
            inner: Arc::new(inner),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The cross-origin rules the adapters' layers apply to every request.
    pub fn origin_policy(&self) -> &crate::http::origin::OriginPolicy {
        &self.inner.origin
    }

    /// The user store.
    pub fn users(&self) -> &Arc<dyn UserStore> {
        &self.inner.users
    }

    /// The permission store.
    pub fn permissions(&self) -> &Arc<dyn PermissionChecker> {
        &self.inner.perms
    }

    /// The session store.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.inner.sessions
    }

    /// The password hashing pool.
    pub fn hasher(&self) -> &HashPool {
        &self.inner.pool
    }

    /// The session cookie's name (with the `__Host-` prefix when configured), computed once.
    pub fn cookie_name(&self) -> &str {
        &self.inner.cookie_name
    }

    /// A password-reset token for `user`, made now under the secret key ([`crate::reset`]):
    /// it stops working when the user logs in, changes password or email, or after
    /// `password_reset_timeout_secs`.
    pub fn password_reset_token(&self, user: &crate::user::User) -> String {
        crate::reset::make_token(&self.inner.secret, user, crate::session::now_unix())
    }

    /// Whether `token` is a live password-reset token for `user` (see
    /// [`password_reset_token`](Self::password_reset_token)).
    pub fn check_password_reset_token(&self, user: &crate::user::User, token: &str) -> bool {
        crate::reset::check_token(
            &self.inner.secret,
            user,
            token,
            crate::session::now_unix(),
            self.inner.config.password_reset_timeout_secs,
        )
    }

    /// The secret key's bytes (for tokens derived from it).
    pub(crate) fn secret(&self) -> &[u8] {
        &self.inner.secret
    }
}
