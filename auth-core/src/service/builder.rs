//! [`AuthServiceBuilder`]: one call that wires the stores, checks that none is missing and
//! starts the expired-session cleanup.

use std::sync::Arc;
use std::time::Duration;

use crate::config::AuthConfig;
use crate::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};

use super::AuthService;

/// Builds an [`AuthService`]; see [`AuthService::builder`].
#[must_use = "call .build() to get the service"]
pub struct AuthServiceBuilder {
    config: AuthConfig,
    users: Option<Arc<dyn UserStore>>,
    perms: Option<Arc<dyn PermissionChecker>>,
    sessions: Option<Arc<dyn SessionStore>>,
    attempts: Option<Arc<dyn AttemptStore>>,
    cleanup_every: Option<Duration>,
}

impl std::fmt::Debug for AuthServiceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServiceBuilder")
            .field("users", &self.users.is_some())
            .field("permissions", &self.perms.is_some())
            .field("sessions", &self.sessions.is_some())
            .field("attempts", &self.attempts.is_some())
            .field("cleanup_every", &self.cleanup_every)
            .finish_non_exhaustive()
    }
}

/// A piece [`AuthServiceBuilder::build`] needs and was not given, or a cleanup task it
/// cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No store was given for `piece`.
    #[error("AuthService::builder(): no {piece} store; {hint}")]
    Missing {
        /// `"user"`, `"permission"`, `"session"` or `"attempt"`.
        piece: &'static str,
        /// What to call.
        hint: &'static str,
    },
    /// The cleanup task needs a tokio runtime and there is none on this thread.
    #[error(
        "AuthService::builder(): the expired-session cleanup needs a tokio runtime; call build() \
         inside one (for example in #[tokio::main]), or turn it off with .cleanup_every(None)"
    )]
    NoRuntime,
}

/// Aborts the cleanup task when the last clone of the service is dropped.
pub(super) struct CleanupTask(tokio::task::JoinHandle<()>);

impl Drop for CleanupTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl AuthServiceBuilder {
    pub(super) fn new(config: AuthConfig) -> Self {
        AuthServiceBuilder {
            config,
            users: None,
            perms: None,
            sessions: None,
            attempts: None,
            cleanup_every: Some(Duration::from_secs(600)),
        }
    }

    /// One store for everything: users, permissions, sessions and failed-login counters
    /// (the built-in SQLite and PostgreSQL stores, or your own that implements all four).
    pub fn store<S>(mut self, store: S) -> Self
    where
        S: UserStore + PermissionChecker + SessionStore + AttemptStore,
    {
        let store = Arc::new(store);
        self.users = Some(store.clone());
        self.perms = Some(store.clone());
        self.sessions = Some(store.clone());
        self.attempts = Some(store);
        self
    }

    /// Where users are read (and, if it can, written).
    pub fn users(mut self, users: impl UserStore) -> Self {
        self.users = Some(Arc::new(users));
        self
    }

    /// Users and permissions from one store.
    pub fn users_and_permissions<S: UserStore + PermissionChecker>(mut self, store: S) -> Self {
        let store = Arc::new(store);
        self.users = Some(store.clone());
        self.perms = Some(store);
        self
    }

    /// Where permissions and groups come from ([`crate::store::NoPermissions`] for users without any).
    pub fn permissions(mut self, perms: impl PermissionChecker) -> Self {
        self.perms = Some(Arc::new(perms));
        self
    }

    /// Where sessions are kept.
    pub fn sessions(mut self, sessions: impl SessionStore) -> Self {
        self.sessions = Some(Arc::new(sessions));
        self
    }

    /// Sessions and failed-login counters in one store (SQL or Redis).
    pub fn sessions_and_attempts<S: SessionStore + AttemptStore>(mut self, store: S) -> Self {
        let store = Arc::new(store);
        self.sessions = Some(store.clone());
        self.attempts = Some(store);
        self
    }

    /// Where failed-login counters are kept; give every process the same store.
    pub fn attempts(mut self, attempts: impl AttemptStore) -> Self {
        self.attempts = Some(Arc::new(attempts));
        self
    }

    /// Pieces that are already shared.
    pub fn stores_arc(
        mut self,
        users: Option<Arc<dyn UserStore>>,
        perms: Option<Arc<dyn PermissionChecker>>,
        sessions: Option<Arc<dyn SessionStore>>,
        attempts: Option<Arc<dyn AttemptStore>>,
    ) -> Self {
        self.users = users.or(self.users);
        self.perms = perms.or(self.perms);
        self.sessions = sessions.or(self.sessions);
        self.attempts = attempts.or(self.attempts);
        self
    }

    /// How often expired sessions are deleted (default every 10 minutes); `None` turns the
    /// task off (for a store that expires them itself, or when another process cleans up).
    pub fn cleanup_every(mut self, every: Option<Duration>) -> Self {
        self.cleanup_every = every;
        self
    }

    /// The service, with the cleanup task started on the current tokio runtime (it stops when
    /// the last clone of the service is dropped). Fails when a store is missing.
    pub fn build(self) -> Result<AuthService, BuildError> {
        let missing = |piece, hint| BuildError::Missing { piece, hint };
        let users = self.users.ok_or(missing(
            "user",
            "call .users(store) or .store(store) (a read-only store implements UserStore's three reads)",
        ))?;
        let perms = self.perms.ok_or(missing(
            "permission",
            "call .permissions(store), .users_and_permissions(store) or .store(store); \
             auth_core::store::NoPermissions if your users have none",
        ))?;
        let sessions = self.sessions.ok_or(missing(
            "session",
            "call .sessions(store) or .store(store): a SqliteStore, PgStore, RedisSessionStore \
             or MemorySessionStore",
        ))?;
        let attempts = self.attempts.ok_or(missing(
            "attempt",
            "call .attempts(store), .sessions_and_attempts(store) or .store(store); \
             MemoryAttemptStore::new() for a single process",
        ))?;
        let cleanup = match self.cleanup_every {
            None => None,
            Some(every) => {
                let rt =
                    tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
                let _entered = rt.enter();
                Some(Arc::new(CleanupTask(crate::store::spawn_cleanup(
                    sessions.clone(),
                    every,
                ))))
            }
        };
        Ok(AuthService::new(self.config, users, perms, sessions)
            .with_attempt_store(attempts)
            .with_cleanup(cleanup))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{SessionId, SessionRecord, now_unix};
    use crate::store::{MemoryAttemptStore, MemorySessionStore, MemoryStore, NoPermissions};

    #[tokio::test]
    async fn build_starts_the_cleanup_and_dropping_the_service_stops_it() {
        let sessions = Arc::new(MemorySessionStore::new());
        let expired = SessionRecord {
            id: SessionId::generate(),
            user_id: None,
            auth_hash: None,
            data: [("k".to_owned(), serde_json::json!(1))].into(),
            created_at: 1,
            last_seen: 1,
            expires_at: now_unix() - 10,
            meta: Default::default(),
        };
        sessions.save(&expired).await.unwrap();
        assert_eq!(sessions.len(), 1);
        let service = AuthService::builder(AuthConfig::default())
            .users(MemoryStore::new())
            .permissions(NoPermissions)
            .stores_arc(
                None,
                None,
                Some(sessions.clone() as Arc<dyn SessionStore>),
                None,
            )
            .attempts(MemoryAttemptStore::new())
            .cleanup_every(Some(Duration::from_millis(20)))
            .build()
            .unwrap();
        for _ in 0..100 {
            if sessions.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            sessions.is_empty(),
            "the cleanup task deleted the expired session"
        );
        let task = service.inner.cleanup.clone().expect("a cleanup task");
        drop(service);
        assert_eq!(Arc::strong_count(&task), 1, "only this test holds it now");
    }

    #[test]
    fn missing_pieces_and_a_missing_runtime_are_errors() {
        let err = AuthService::builder(AuthConfig::default())
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::Missing { piece: "user", .. }));
        let err = AuthService::builder(AuthConfig::default())
            .users(MemoryStore::new())
            .permissions(NoPermissions)
            .sessions(MemorySessionStore::new())
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("no attempt store"), "{err}");
        let err = AuthService::builder(AuthConfig::default())
            .users(MemoryStore::new())
            .permissions(NoPermissions)
            .sessions(MemorySessionStore::new())
            .attempts(MemoryAttemptStore::new())
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::NoRuntime);
        AuthService::builder(AuthConfig::default())
            .users(MemoryStore::new())
            .permissions(NoPermissions)
            .sessions(MemorySessionStore::new())
            .attempts(MemoryAttemptStore::new())
            .cleanup_every(None)
            .build()
            .expect("no runtime needed without the cleanup task");
    }
}
