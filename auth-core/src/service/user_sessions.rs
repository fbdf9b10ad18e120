//! A user's own view of their sessions: list them ([`SessionInfo`]), end one, end every other
//! one. What the "your sessions" page and its JSON endpoints run.

use std::net::IpAddr;

use serde::Serialize;

use crate::error::StoreError;
use crate::session::{SessionId, SessionRecord};
use crate::user::UserId;

use super::AuthService;

/// One of a user's live sessions, as the sessions page shows it. The session id is never
/// part of it: [`handle`](Self::handle) names the session without being its cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// A public name for the session ([`SessionRecord::handle`]), what "end this session" sends.
    pub handle: String,
    /// When it was opened (Unix seconds).
    pub created_at: i64,
    /// When it was last seen (Unix seconds; written at most every `session_touch_interval_secs`).
    pub last_seen: i64,
    /// When it ends unless used again (Unix seconds).
    pub expires_at: i64,
    /// The client address at login, if known.
    pub ip: Option<IpAddr>,
    /// A short description of the browser and system (`"Firefox on Linux"`).
    pub device: String,
    /// The `User-Agent` at login, cut to 256 bytes.
    pub user_agent: Option<String>,
    /// Whether it is the session of the request asking.
    pub current: bool,
    /// Whether its cookie outlives the browser ("remember me" checked, or not offered).
    pub remembered: bool,
}

impl SessionInfo {
    fn of(r: &SessionRecord, current: Option<&SessionId>) -> Self {
        SessionInfo {
            handle: r.handle(),
            created_at: r.created_at,
            last_seen: r.last_seen,
            expires_at: r.expires_at,
            ip: r.meta.ip,
            device: r.meta.device(),
            user_agent: r.meta.user_agent.as_deref().map(str::to_owned),
            current: current == Some(&r.id),
            remembered: !r.meta.browser_session,
        }
    }
}

impl AuthService {
    /// The live sessions of `user_id`, the one with id `current` first, then the most recently
    /// seen. [`StoreError::Unsupported`] when the session store cannot list a user's sessions.
    pub async fn list_sessions(
        &self,
        user_id: &UserId,
        current: Option<&SessionId>,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let records = self.inner.sessions.user_sessions(user_id).await?;
        let mut out: Vec<SessionInfo> = records
            .iter()
            .filter(|r| r.user_id.as_ref() == Some(user_id))
            .map(|r| SessionInfo::of(r, current))
            .collect();
        out.sort_by_key(|s| !s.current);
        Ok(out)
    }

    /// Ends the session of `user_id` named `handle` (see [`SessionInfo::handle`]); `false` when
    /// the user has no such live session (another user's handle included: it is never
    /// touched).
    pub async fn end_session_by_handle(
        &self,
        user_id: &UserId,
        handle: &str,
    ) -> Result<bool, StoreError> {
        let records = self.inner.sessions.user_sessions(user_id).await?;
        let Some(found) = records
            .iter()
            .find(|r| r.user_id.as_ref() == Some(user_id) && r.handle() == handle)
        else {
            return Ok(false);
        };
        self.inner.sessions.delete(&found.id).await?;
        tracing::info!(
            event = "session_ended",
            reason = "ended by its user",
            user_id = %user_id,
            "session ended"
        );
        Ok(true)
    }

    /// Ends every session of `user_id` but `keep`; how many ended.
    pub async fn end_other_sessions(
        &self,
        user_id: &UserId,
        keep: &SessionId,
    ) -> Result<u64, StoreError> {
        let ended = self
            .inner
            .sessions
            .delete_user_sessions(user_id, Some(keep))
            .await?;
        tracing::info!(
            event = "session_ended",
            reason = "other sessions ended by their user",
            user_id = %user_id,
            sessions = ended,
            "sessions ended"
        );
        Ok(ended)
    }
}
