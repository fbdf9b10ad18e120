//! Redis session storage (feature `redis`): each session is one key with a server-side expiry
//! (`EXAT`), and each user has a set of their session ids, so "log out all of a user's
//! sessions" deletes exactly those keys without scanning.
//!
//! The connection is multiplexed and reconnects by itself after a failure; every command has
//! a response timeout, so a hung server fails the request (closed) instead of blocking it.

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, Client, SetExpiry, SetOptions};
use async_trait::async_trait;

use crate::error::StoreError;
use crate::session::{SessionId, SessionRecord, now_unix};
use crate::store::SessionStore;
use crate::user::UserId;

/// Sessions in Redis. Implements [`SessionStore`].
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::redis::RedisSessionStore;
/// let sessions = RedisSessionStore::connect("redis://127.0.0.1:6379", "myapp:").await.unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: ::redis::RedisError) -> StoreError {
    StoreError::unavailable(e)
}

impl RedisSessionStore {
    /// Connects to `url` (`redis://host:port/db`); every key starts with `prefix` (for example
    /// `myapp:`), so several apps or test runs can share one server.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(2))
            .set_number_of_retries(2)
            .set_max_delay(500);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(unavailable)?;
        Ok(RedisSessionStore {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, id: &SessionId) -> String {
        format!("{}session:{}", self.prefix, id.as_str())
    }

    fn user_key(&self, user_id: UserId) -> String {
        format!("{}user_sessions:{user_id}", self.prefix)
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let mut conn = self.conn.clone();
        let raw: Option<String> = conn.get(self.key(id)).await.map_err(unavailable)?;
        let Some(raw) = raw else { return Ok(None) };
        let record: SessionRecord = serde_json::from_str(&raw)
            .map_err(|e| StoreError::Corrupt(format!("session record: {e}")))?;
        Ok((record.id == *id && !record.is_expired(now_unix())).then_some(record))
    }

    async fn save(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let raw = serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let at = u64::try_from(r.expires_at).unwrap_or(0).max(1);
        let mut pipe = ::redis::pipe();
        pipe.atomic().set_options(
            self.key(&r.id),
            raw,
            SetOptions::default().with_expiration(SetExpiry::EXAT(at)),
        );
        if let Some(uid) = r.user_id {
            let set = self.user_key(uid);
            pipe.sadd(&set, r.id.as_str())
                // Keep the index at least as long as its longest-lived session.
                .cmd("EXPIREAT")
                .arg(&set)
                .arg(at)
                .arg("GT")
                .cmd("EXPIREAT")
                .arg(&set)
                .arg(at)
                .arg("NX");
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(unavailable)
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(self.key(id)).await.map_err(unavailable)
    }

    async fn delete_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let set = self.user_key(user_id);
        let ids: Vec<String> = conn.smembers(&set).await.map_err(unavailable)?;
        let doomed: Vec<String> = ids
            .into_iter()
            .filter(|id| keep.is_none_or(|k| k.as_str() != id))
            .collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = doomed
            .iter()
            .map(|id| format!("{}session:{id}", self.prefix))
            .collect();
        let (deleted, _): (u64, u64) = ::redis::pipe()
            .atomic()
            .del(&keys)
            .srem(&set, &doomed)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(deleted)
    }

    async fn delete_expired(&self, _now: i64) -> Result<u64, StoreError> {
        // Redis expires session keys itself; the per-user sets shed stale ids on the next
        // delete_user_sessions and expire with their last session.
        Ok(0)
    }
}

/// Failed-login counters in Redis (`INCR` with an expiry set by the first failure).
#[async_trait]
impl crate::store::AttemptStore for RedisSessionStore {
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
        let key = format!("{}attempt:{key}", self.prefix);
        let mut conn = self.conn.clone();
        let (n, _): (u32, bool) = ::redis::pipe()
            .atomic()
            .incr(&key, 1)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(window_secs.max(1))
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(n)
    }

    async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        let mut conn = self.conn.clone();
        let n: Option<u32> = conn
            .get(format!("{}attempt:{key}", self.prefix))
            .await
            .map_err(unavailable)?;
        Ok(n.unwrap_or(0))
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(format!("{}attempt:{key}", self.prefix))
            .await
            .map_err(unavailable)
    }
}
