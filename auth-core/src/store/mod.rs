//! Storage: the traits (async and object-safe, so `Arc<dyn UserStore>` works) and the
//! backends that implement them.
//!
//! - here: [`MemoryStore`], [`MemoryAttemptStore`] and [`MemorySessionStore`], in memory, for
//!   tests and single-process apps;
//! - in the crate `auth-sql`: SQLite and PostgreSQL (everything), and Django's own tables;
//! - in the crate `auth-redis`: sessions and attempt counters in Redis.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::session::{SessionId, SessionRecord};
use crate::user::{Group, NewUser, User, UserId};

pub(crate) mod memory;
pub(crate) mod memory_sessions;

pub use crate::store::memory::{MemoryAttemptStore, MemoryStore};
pub use crate::store::memory_sessions::MemorySessionStore;

/// Where users live.
///
/// A read-only store (an app's own users table) implements the three reads and, if its users
/// have permissions, [`PermissionChecker::grants`]; every write has a default that answers
/// [`StoreError::Unsupported`], and [`is_writable`](Self::is_writable) says `false`, so the
/// built-in registration and password-reset pages refuse to mount over it. A store that
/// implements the writes says so by returning `true` there.
///
/// Usernames and non-empty emails are unique case-insensitively; lookups by either are
/// case-insensitive too, so `Alice` and `alice` are one account.
///
/// A store over an app's own type returns [`User::from_app`]`(row)`; the app reads its type
/// back in handlers. Errors: a store that cannot be reached answers
/// [`StoreError::Unavailable`] (the guards then fail closed); "no such user" is `Ok(None)`,
/// never an error, including for an id of another kind than the store's keys.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// The user with this id, active or not (the service treats inactive users as
    /// anonymous itself).
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError>;
    /// The user with this id, shared. Every request of a logged-in user calls this; a store
    /// that keeps its users in memory can override it to hand out an `Arc` without copying.
    async fn get_user_shared(&self, id: &UserId) -> Result<Option<Arc<User>>, StoreError> {
        Ok(self.get_user(id).await?.map(Arc::new))
    }
    /// [`get_user_shared`](Self::get_user_shared) without waiting, for a store that can answer
    /// at once (memory, a local file); `None` means "call `get_user_shared`" and is the default.
    /// Never block here on a network or a lock held across I/O.
    fn get_user_now(&self, id: &UserId) -> Option<Result<Option<Arc<User>>, StoreError>> {
        let _ = id;
        None
    }
    /// The user with this username (case-insensitive: compare
    /// [`name_key`](crate::names::name_key)s, or use a case-insensitive collation). Logins by
    /// username call this.
    async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// The user with this email (case-insensitive). Empty emails never match. Logins by email
    /// and password resets call this; the default finds nobody (a store without emails).
    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let _ = email;
        Ok(None)
    }
    /// Whether the writes below are implemented. Default `false` (a read-only store): the
    /// registration and password-reset pages refuse to mount, and logins skip recording
    /// `last_login` and upgrading old hashes.
    fn is_writable(&self) -> bool {
        false
    }
    /// How new password hashes for this store's users are made, when its users are shared with
    /// another system that must read them: `None` (the default) is the toolkit's own argon2id.
    /// The Django store answers Django's `pbkdf2_sha256` with the configured iteration count,
    /// so that Django's `check_password` accepts every hash this side writes.
    fn password_hasher(&self) -> Option<crate::password::Hasher> {
        None
    }
    /// Creates a user; [`StoreError::Conflict`] when the username or email is taken.
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let _ = new;
        Err(StoreError::unsupported("create_user"))
    }
    /// Writes every field of `user` back (uniqueness is checked as on create).
    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let _ = user;
        Err(StoreError::unsupported("update_user"))
    }
    /// Replaces the password hash.
    async fn set_password_hash(&self, id: &UserId, encoded: &str) -> Result<(), StoreError> {
        let _ = (id, encoded);
        Err(StoreError::unsupported("set_password_hash"))
    }
    /// Records a successful login.
    async fn set_last_login(&self, id: &UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        let _ = (id, at);
        Err(StoreError::unsupported("set_last_login"))
    }
    /// Whether the account waits for its owner to follow the link mailed at registration
    /// (`require_email_verification`). Only such accounts can be activated by a link: an
    /// account an admin deactivated never can. Default `false` (a store without the mark).
    async fn email_unverified(&self, id: &UserId) -> Result<bool, StoreError> {
        let _ = id;
        Ok(false)
    }
    /// Puts the waiting-for-verification mark on `id` (`true`) or takes it off (`false`),
    /// and answers whether it was on before, in one atomic step: a link followed twice at once
    /// verifies once. Default: [`StoreError::Unsupported`].
    async fn set_email_unverified(
        &self,
        id: &UserId,
        unverified: bool,
    ) -> Result<bool, StoreError> {
        let _ = (id, unverified);
        Err(StoreError::unsupported("set_email_unverified"))
    }
    /// Replaces the user's email by `to` if it is still `from`, in one step: `Ok(false)` when
    /// it changed meanwhile (or the user is gone), [`StoreError::Conflict`] when `to` is
    /// another user's. The default reads, compares and writes with
    /// [`update_user`](Self::update_user), which is not atomic: a store that can should
    /// override it with a conditional update.
    async fn change_email(&self, id: &UserId, from: &str, to: &str) -> Result<bool, StoreError> {
        let Some(mut user) = self.get_user(id).await? else {
            return Ok(false);
        };
        if user.email != from {
            return Ok(false);
        }
        user.email = to.to_owned();
        self.update_user(&user).await?;
        Ok(true)
    }
    /// Deletes the user with their group memberships, permissions and verification mark;
    /// `Ok(false)` when there was no such user. Default: [`StoreError::Unsupported`].
    async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
        let _ = id;
        Err(StoreError::unsupported("delete_user"))
    }
}

/// Who may do what: groups and `app_label.codename` permissions.
///
/// Only [`grants`](Self::grants) is read on requests; it defaults to "no permissions, no
/// groups" (for apps whose users have none: `impl PermissionChecker for MyStore {}`). The
/// writes default to [`StoreError::Unsupported`].
#[async_trait]
pub trait PermissionChecker: Send + Sync + 'static {
    /// Everything the user was granted, directly and through groups, and their groups
    /// (permission strings as `app_label.codename`). Called at most once per request, only
    /// when a guard or handler asks.
    async fn grants(&self, user_id: &UserId) -> Result<Grants, StoreError> {
        let _ = user_id;
        Ok(Grants::default())
    }
    /// Creates a group, or returns the existing one of that name.
    async fn ensure_group(&self, name: &str) -> Result<Group, StoreError> {
        let _ = name;
        Err(StoreError::unsupported("ensure_group"))
    }
    /// Adds a user to a group (creating the group if needed).
    async fn add_user_to_group(&self, user_id: &UserId, group: &str) -> Result<(), StoreError> {
        let _ = (user_id, group);
        Err(StoreError::unsupported("add_user_to_group"))
    }
    /// Removes a user from a group.
    async fn remove_user_from_group(
        &self,
        user_id: &UserId,
        group: &str,
    ) -> Result<(), StoreError> {
        let _ = (user_id, group);
        Err(StoreError::unsupported("remove_user_from_group"))
    }
    /// Grants a permission to one user.
    async fn grant_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let _ = (user_id, perm);
        Err(StoreError::unsupported("grant_user_permission"))
    }
    /// Takes a permission back from one user.
    async fn revoke_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let _ = (user_id, perm);
        Err(StoreError::unsupported("revoke_user_permission"))
    }
    /// Grants a permission to every member of a group (creating the group if needed).
    async fn grant_group_permission(
        &self,
        group: &str,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let _ = (group, perm);
        Err(StoreError::unsupported("grant_group_permission"))
    }
}

/// The permission source of an app whose users have no permissions or groups: every
/// permission guard denies (superusers aside), every group guard denies.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPermissions;

impl PermissionChecker for NoPermissions {}

/// The most sessions [`SessionStore::user_sessions`] lists (the most recently seen).
pub const MAX_LISTED_SESSIONS: usize = 100;

/// Where sessions live. Records past `expires_at` must not be returned by [`load`](Self::load).
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The live session with this id.
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError>;
    /// [`load`](Self::load) without waiting, for a store that can answer at once (memory, a
    /// local file); `None` means "call `load`" and is the default. Never block here on a
    /// network or a lock held across I/O.
    fn load_now(&self, id: &SessionId) -> Option<Result<Option<SessionRecord>, StoreError>> {
        let _ = id;
        None
    }
    /// Inserts or replaces a session.
    async fn save(&self, record: &SessionRecord) -> Result<(), StoreError>;
    /// Writes back a session loaded earlier, only if it still exists: `Ok(false)` when it was
    /// deleted meanwhile (a logout or a password change in another request or process), which
    /// must not bring it back. The default calls [`save`](Self::save) and says `true`, for a
    /// store that cannot tell; every store of this crate updates in place.
    async fn update(&self, record: &SessionRecord) -> Result<bool, StoreError> {
        self.save(record).await.map(|()| true)
    }
    /// Deletes a session (no error if it does not exist).
    async fn delete(&self, id: &SessionId) -> Result<(), StoreError>;
    /// The user's live (unexpired) sessions, most recently seen first, at most
    /// [`MAX_LISTED_SESSIONS`], for the "your sessions" page. The default answers
    /// [`StoreError::Unsupported`]: that page then says the store cannot list sessions.
    async fn user_sessions(&self, user_id: &UserId) -> Result<Vec<SessionRecord>, StoreError> {
        let _ = user_id;
        Err(StoreError::unsupported("user_sessions"))
    }
    /// Deletes every session of a user except `keep`; returns how many were deleted.
    async fn delete_user_sessions(
        &self,
        user_id: &UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError>;
    /// Deletes every session that expired before `now` (Unix seconds); returns the count.
    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError>;
    /// For sessions shared with another system: the key salt of that system's session auth
    /// hash (a salted HMAC-SHA256 of the password hash, [`crate::crypto::salted_hmac`]), so a
    /// password change on either side ends the other's sessions. `None` (the default) is the
    /// toolkit's own keyed MAC. The Django store answers Django's salt.
    fn session_auth_hash_salt(&self) -> Option<&'static str> {
        None
    }
}

/// Counters of failed logins, for brute-force protection. Keep them in a store every process
/// shares (the database or Redis) so that limits hold across processes.
#[async_trait]
pub trait AttemptStore: Send + Sync + 'static {
    /// Counts one failure under `key` in a fixed window of `window_secs` that starts with the
    /// first failure; returns the count in the current window, including this one.
    ///
    /// Must be atomic: the service reserves an attempt with it *before* checking a password,
    /// so concurrent calls must each see a distinct count (an SQL upsert with `RETURNING`,
    /// Redis `INCR`, a mutex), or a burst of parallel logins would beat the lockout.
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError>;
    /// Gives back one reservation made by [`record_failure`](Self::record_failure) (the
    /// attempt turned out to be a success or was never made): decrements the count if it is
    /// positive, never below zero, and leaves the window as it is.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
    /// The count in the current window (0 once it has passed).
    async fn failures(&self, key: &str) -> Result<u32, StoreError>;
    /// Forgets `key` (after a successful login).
    async fn clear(&self, key: &str) -> Result<(), StoreError>;
}

/// Deletes expired sessions from `store` every `every`, in a background task, until the
/// returned handle is aborted or the runtime stops. Failures are logged and retried next time.
pub fn spawn_cleanup(
    store: Arc<dyn SessionStore>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.delete_expired(crate::session::now_unix()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "expired sessions cleaned up"),
                Err(e) => tracing::warn!(error = %e, "expired session cleanup failed"),
            }
        }
    })
}
