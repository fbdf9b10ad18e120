//! The Django store's sessions, in `django_session` (Django's signed format), and its
//! failed-login counters (`authkit_django_attempt`, a table of its own).

use crate::sql::unavailable;
use async_trait::async_trait;
use auth_core::error::StoreError;
use auth_core::session::{SessionId, SessionRecord, now_unix};
use auth_core::store::{AttemptStore, SessionStore};
use auth_core::user::UserId;

use super::{Db, DjangoStore};

/// The expiry a Django app set on a session with `set_expiry`, as Unix seconds: `_session_expiry`
/// is seconds of inactivity (an integer; 0 means "when the browser closes", which leaves the
/// row's expiry to the usual rules) or a moment (ISO 8601 text).
pub(super) fn session_expiry(
    data: &std::collections::BTreeMap<String, serde_json::Value>,
    now: i64,
) -> Option<i64> {
    match data.get("_session_expiry")? {
        serde_json::Value::Number(n) => {
            n.as_i64().filter(|&s| s > 0).map(|s| now.saturating_add(s))
        }
        serde_json::Value::String(at) => {
            let at = time::OffsetDateTime::parse(
                at,
                &time::format_description::well_known::Iso8601::DEFAULT,
            )
            .ok()?;
            Some(at.unix_timestamp())
        }
        _ => None,
    }
}

#[async_trait]
impl SessionStore for DjangoStore {
    fn session_auth_hash_salt(&self) -> Option<&'static str> {
        Some(crate::django::SESSION_AUTH_HASH_SALT)
    }

    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let now = now_unix();
        if let Some(row) = self.fast_session(id, now) {
            return Ok(
                row.and_then(|(data, expires)| self.codec.decode(id.clone(), &data, expires, now))
            );
        }
        let row: Option<(String, i64)> = on_db!(self, pool => sqlx::query_as(&self.sql.session_by_key).bind(id.as_str()).bind(now).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(row.and_then(|(data, expires)| self.codec.decode(id.clone(), &data, expires, now)))
    }

    fn load_now(&self, id: &SessionId) -> Option<Result<Option<SessionRecord>, StoreError>> {
        let now = now_unix();
        let row = self.fast_session(id, now)?;
        Some(Ok(row.and_then(|(data, expires)| {
            self.codec.decode(id.clone(), &data, expires, now)
        })))
    }

    async fn save(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.write_session(&self.sql.save_session, record)
            .await
            .map(drop)
    }

    async fn update(&self, record: &SessionRecord) -> Result<bool, StoreError> {
        Ok(self.write_session(&self.sql.update_session, record).await? > 0)
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.delete_session).bind(id.as_str()).execute(pool).await.map(drop))
            .map_err(unavailable)
    }

    /// Django's rows name their user only inside the signed data, so this reads every live
    /// session and keeps the user's (sessions Django made are among them).
    async fn user_sessions(&self, user_id: &UserId) -> Result<Vec<SessionRecord>, StoreError> {
        let now = now_unix();
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => sqlx::query_as(&self.sql.live_sessions_expiry).bind(now).fetch_all(pool).await)
            .map_err(unavailable)?;
        let (codec, user) = (self.codec.clone(), user_id.clone());
        let mut out: Vec<SessionRecord> = tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .filter(|(_, data, _)| codec.user_of(data).as_ref() == Some(&user))
                .filter_map(|(key, data, expires)| {
                    codec.decode(SessionId::parse(&key).ok()?, &data, expires, now)
                })
                .collect()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("session scan: {e}")))?;
        out.sort_by_key(|r| std::cmp::Reverse((r.last_seen, r.created_at)));
        out.truncate(auth_core::store::MAX_LISTED_SESSIONS);
        Ok(out)
    }

    /// Like [`user_sessions`](Self::user_sessions), this reads every live session (a password
    /// change or deactivation; sessions Django made are among them).
    async fn delete_user_sessions(
        &self,
        user_id: &UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let rows: Vec<(String, String)> = on_db!(self, pool => sqlx::query_as(&self.sql.live_sessions).bind(now_unix()).fetch_all(pool).await)
            .map_err(unavailable)?;
        // Verifying every row (an HMAC each, zlib for some) is CPU work that grows with the
        // table: off the async threads.
        let (codec, user, keep) = (self.codec.clone(), user_id.clone(), keep.cloned());
        let doomed: Vec<String> = tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .filter(|(key, data)| {
                    keep.as_ref().is_none_or(|k| k.as_str() != key)
                        && codec.user_of(data).as_ref() == Some(&user)
                })
                .map(|(key, _)| key)
                .collect()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("session scan: {e}")))?;
        for key in &doomed {
            on_db!(self, pool => sqlx::query(&self.sql.delete_session).bind(key).execute(pool).await.map(drop))
                .map_err(unavailable)?;
        }
        Ok(doomed.len() as u64)
    }

    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.delete_expired).bind(now).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(unavailable)
    }
}

#[async_trait]
impl AttemptStore for DjangoStore {
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
        let n: i32 = on_db!(self, pool => sqlx::query_scalar(&self.sql.record_failure)
            .bind(key)
            .bind(now_unix())
            .bind(window_secs as i64)
            .fetch_one(pool)
            .await)
        .map_err(unavailable)?;
        Ok(n.max(0) as u32)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.release_failure).bind(key).execute(pool).await.map(drop))
            .map_err(unavailable)
    }

    async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        let n: Option<i32> = on_db!(self, pool => sqlx::query_scalar(&self.sql.failures).bind(key).bind(now_unix()).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(n.unwrap_or(0).max(0) as u32)
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.clear_failures).bind(key).execute(pool).await.map(drop))
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn set_expiry_caps_the_rows_expiry() {
        let data = |v| [("_session_expiry".to_owned(), v)].into();
        assert_eq!(super::session_expiry(&data(json!(300)), 1_000), Some(1_300));
        assert_eq!(
            super::session_expiry(&data(json!(0)), 1_000),
            None,
            "browser session"
        );
        assert_eq!(
            super::session_expiry(&data(json!("2026-12-01T03:00:00.250000+00:00")), 1_000),
            Some(1_796_094_000)
        );
        assert_eq!(super::session_expiry(&data(json!("soon")), 1_000), None);
        assert_eq!(super::session_expiry(&Default::default(), 1_000), None);
    }
}
