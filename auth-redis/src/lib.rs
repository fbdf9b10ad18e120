//! # auth-redis
//!
//! Redis session storage for the auth toolkit ([`RedisSessionStore`]): each session is one key with a server-side expiry
//! (`EXAT`), and each user has a set of their session ids, so "log out all of a user's
//! sessions" deletes exactly those keys without scanning.
//!
//! The connection is multiplexed and reconnects by itself after a failure; every command has
//! a response timeout, so a hung server fails the request (closed) instead of blocking it.
//!
//! Records are stored in a compact binary layout (read on every request: a few dozen
//! instructions instead of a JSON parse); records written as JSON by earlier versions are
//! still read.
//!
//! Applications reach it through their adapter's `redis` feature (`auth_axum::auth_redis`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), auth_core::StoreError> {
//! use std::sync::Arc;
//! use auth_core::{AuthConfig, AuthService, MemoryStore};
//! use auth_redis::RedisSessionStore;
//!
//! let users = Arc::new(MemoryStore::new());
//! let sessions = Arc::new(RedisSessionStore::connect("redis://127.0.0.1:6379", "auth:").await?);
//! let auth = AuthService::new(AuthConfig::default(), users.clone(), users, sessions.clone())
//!     .with_attempt_store(sessions);
//! # let _ = auth; Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, Client, SetExpiry, SetOptions};
use async_trait::async_trait;

use auth_core::StoreError;
use auth_core::session::{AuthHash, SessionId, SessionRecord, now_unix};
use auth_core::store::SessionStore;
use auth_core::user::UserId;

/// First byte of a binary record (a JSON record starts with `{`).
const BINARY_V1: u8 = 0xA1;

/// `[0xA1] id(32) [user kind] user(8 LE) [has_hash] auth_hash(32) created last_seen
/// expires (8 LE each) data(JSON object, only when not empty)`; absent values are zeros.
/// User kind 0: none; 1: an integer id in `user`; 2: `user` is the length of the id's
/// [`UserId::to_key`] text, which follows it.
fn encode(r: &SessionRecord) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(124);
    out.push(BINARY_V1);
    out.extend_from_slice(r.id.as_bytes());
    match &r.user_id {
        None => out.extend_from_slice(&[0; 9]),
        Some(UserId::Int(i)) => {
            out.push(1);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Some(other) => {
            let key = other.to_key();
            out.push(2);
            out.extend_from_slice(&(key.len() as u64).to_le_bytes());
            out.extend_from_slice(key.as_bytes());
        }
    }
    out.push(u8::from(r.auth_hash.is_some()));
    out.extend_from_slice(r.auth_hash.as_ref().map_or(&[0; 32], |h| h.as_bytes()));
    for t in [r.created_at, r.last_seen, r.expires_at] {
        out.extend_from_slice(&t.to_le_bytes());
    }
    let data = auth_core::session::meta::data_with_meta(r);
    if !data.is_empty() {
        serde_json::to_writer(&mut out, &*data)
            .map_err(|e| StoreError::Corrupt(format!("session data: {e}")))?;
    }
    Ok(out)
}

fn decode(raw: &[u8]) -> Result<SessionRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("session record: {what}"));
    if raw.first() == Some(&b'{') {
        return serde_json::from_slice(raw).map_err(|e| corrupt(&e.to_string()));
    }
    let (head, rest) = raw.split_first().ok_or_else(|| corrupt("empty"))?;
    if *head != BINARY_V1 {
        return Err(corrupt("unknown format"));
    }
    let mut cur = rest;
    let mut take = |n: usize| -> Result<&[u8], StoreError> {
        let (a, b) = cur
            .split_at_checked(n)
            .ok_or_else(|| corrupt("truncated"))?;
        cur = b;
        Ok(a)
    };
    let id = SessionId::parse_bytes(take(32)?).map_err(|_| corrupt("bad id"))?;
    let flag = |b: &[u8]| b[0] == 1;
    let user_kind = take(1)?[0];
    let user_word: [u8; 8] = take(8)?.try_into().expect("8 bytes");
    let user_id = match user_kind {
        0 => None,
        1 => Some(UserId::Int(i64::from_le_bytes(user_word))),
        2 => {
            let len = usize::try_from(u64::from_le_bytes(user_word))
                .map_err(|_| corrupt("bad user id length"))?;
            let key = std::str::from_utf8(take(len)?).map_err(|_| corrupt("bad user id"))?;
            Some(UserId::from_key(key).ok_or_else(|| corrupt("bad user id"))?)
        }
        _ => return Err(corrupt("bad user id kind")),
    };
    let has_hash = flag(take(1)?);
    let hash: [u8; 32] = take(32)?.try_into().expect("32 bytes");
    let mut times = [0i64; 3];
    for t in &mut times {
        *t = i64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
    }
    let mut data = if cur.is_empty() {
        Default::default()
    } else {
        serde_json::from_slice(cur).map_err(|e| corrupt(&e.to_string()))?
    };
    let meta = auth_core::session::meta::take_meta(&mut data);
    Ok(SessionRecord {
        id,
        user_id,
        auth_hash: has_hash.then(|| AuthHash::from_bytes(hash)),
        data,
        created_at: times[0],
        last_seen: times[1],
        expires_at: times[2],
        meta,
    })
}

/// Sessions in Redis. Implements [`SessionStore`].
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_redis::RedisSessionStore;
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

    fn user_key(&self, user_id: &UserId) -> String {
        format!("{}user_sessions:{}", self.prefix, user_id.to_key())
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let mut conn = self.conn.clone();
        let raw: Option<Vec<u8>> = conn.get(self.key(id)).await.map_err(unavailable)?;
        let Some(raw) = raw else { return Ok(None) };
        let record = decode(&raw)?;
        Ok((record.id == *id && !record.is_expired(now_unix())).then_some(record))
    }

    async fn save(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let raw = encode(r)?;
        let at = u64::try_from(r.expires_at).unwrap_or(0).max(1);
        let mut pipe = ::redis::pipe();
        pipe.atomic().set_options(
            self.key(&r.id),
            raw,
            SetOptions::default().with_expiration(SetExpiry::EXAT(at)),
        );
        if let Some(uid) = &r.user_id {
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

    async fn update(&self, r: &SessionRecord) -> Result<bool, StoreError> {
        let raw = encode(r)?;
        let at = u64::try_from(r.expires_at).unwrap_or(0).max(1);
        let mut conn = self.conn.clone();
        // `XX`: only over a key that still exists, so a session deleted meanwhile stays so.
        let set: Option<String> = ::redis::cmd("SET")
            .arg(self.key(&r.id))
            .arg(raw)
            .arg("EXAT")
            .arg(at)
            .arg("XX")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        if set.is_none() {
            return Ok(false);
        }
        if let Some(uid) = &r.user_id {
            ::redis::cmd("EXPIREAT")
                .arg(self.user_key(uid))
                .arg(at)
                .arg("GT")
                .query_async::<()>(&mut conn)
                .await
                .map_err(unavailable)?;
        }
        Ok(true)
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(self.key(id)).await.map_err(unavailable)
    }

    async fn user_sessions(&self, user_id: &UserId) -> Result<Vec<SessionRecord>, StoreError> {
        let mut conn = self.conn.clone();
        let set = self.user_key(user_id);
        let ids: Vec<String> = conn.smembers(&set).await.map_err(unavailable)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids
            .iter()
            .map(|id| format!("{}session:{id}", self.prefix))
            .collect();
        let raws: Vec<Option<Vec<u8>>> = ::redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let now = now_unix();
        let (mut out, mut stale) = (Vec::new(), Vec::new());
        for (id, raw) in ids.iter().zip(raws) {
            // A damaged record is not listed (and ends when it is next loaded).
            match raw.map(|r| decode(&r)) {
                Some(Ok(r)) if r.user_id.as_ref() == Some(user_id) && !r.is_expired(now) => {
                    out.push(r)
                }
                Some(Ok(_)) | Some(Err(_)) => {}
                None => stale.push(id.clone()),
            }
        }
        if !stale.is_empty() {
            // Ids whose session expired: the index sheds them now.
            conn.srem::<_, _, ()>(&set, &stale)
                .await
                .map_err(unavailable)?;
        }
        out.sort_by_key(|r| std::cmp::Reverse((r.last_seen, r.created_at)));
        out.truncate(auth_core::store::MAX_LISTED_SESSIONS);
        Ok(out)
    }

    async fn delete_user_sessions(
        &self,
        user_id: &UserId,
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
impl auth_core::store::AttemptStore for RedisSessionStore {
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

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        // Decrement only a live, positive counter: a plain DECR on an expired key would
        // create a counter without expiry.
        const SCRIPT: &str = "local n = tonumber(redis.call('GET', KEYS[1]) or '0') \
            if n > 0 then redis.call('DECR', KEYS[1]) end return 0";
        let mut conn = self.conn.clone();
        ::redis::cmd("EVAL")
            .arg(SCRIPT)
            .arg(1)
            .arg(format!("{}attempt:{key}", self.prefix))
            .query_async::<()>(&mut conn)
            .await
            .map_err(unavailable)
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(format!("{}attempt:{key}", self.prefix))
            .await
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(user: bool, data: bool) -> SessionRecord {
        let mut r = SessionRecord {
            id: SessionId::generate(),
            user_id: user.then_some(UserId::Int(-42)),
            auth_hash: user.then(|| AuthHash::from_bytes([0x5a; 32])),
            data: Default::default(),
            created_at: 1_700_000_000,
            last_seen: 1_700_000_100,
            expires_at: 1_700_086_400,
            meta: Default::default(),
        };
        if data {
            r.data
                .insert("theme".into(), serde_json::json!({"dark": true}));
        }
        r
    }

    #[test]
    fn records_round_trip_and_json_ones_still_read() {
        for (user, data) in [(true, false), (false, true), (true, true), (false, false)] {
            let r = record(user, data);
            let raw = encode(&r).unwrap();
            assert_eq!(raw[0], BINARY_V1);
            assert_eq!(decode(&raw).unwrap(), r);
            let json = serde_json::to_vec(&r).unwrap();
            assert_eq!(decode(&json).unwrap(), r, "written by an earlier version");
        }
        assert!(encode(&record(true, false)).unwrap().len() < 120);
        for id in [
            UserId::from(auth_core::uuid::Uuid::from_u128(9)),
            UserId::from("ann"),
            UserId::from("9"),
        ] {
            let mut r = record(true, true);
            r.user_id = Some(id);
            assert_eq!(decode(&encode(&r).unwrap()).unwrap(), r);
        }
    }

    #[test]
    fn damaged_records_are_errors_not_sessions() {
        let raw = encode(&record(true, true)).unwrap();
        for cut in [0, 1, 20, 33, 40, 90, 114] {
            assert!(
                matches!(decode(&raw[..cut]), Err(StoreError::Corrupt(_))),
                "cut at {cut}"
            );
        }
        let mut bad_id = raw.clone();
        bad_id[5] = b'!';
        assert!(decode(&bad_id).is_err());
        let mut bad_data = raw.clone();
        let n = bad_data.len();
        bad_data[n - 1] = b'x';
        assert!(decode(&bad_data).is_err());
        assert!(decode(&[0x00, 1, 2]).is_err(), "unknown format");
    }
}
