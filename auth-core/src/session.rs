//! Session records, session ids and the session cookie.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use password_hash::rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::user::UserId;

/// Number of random bytes in a session id: 192 bits from the OS CSPRNG.
pub const SESSION_ID_BYTES: usize = 24;
/// Length of a session id as text (unpadded base64url of [`SESSION_ID_BYTES`]).
pub const SESSION_ID_LEN: usize = 32;

/// An opaque session id: 192 random bits, as 32 base64url characters, stored inline (no heap).
///
/// `Debug` shows only a prefix, so ids do not end up whole in logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId([u8; SESSION_ID_LEN]);

/// A string that is not a well-formed session id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed session id: expected {SESSION_ID_LEN} base64url characters")]
pub struct MalformedSessionId;

impl SessionId {
    /// A new id from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SESSION_ID_BYTES];
        OsRng.fill_bytes(&mut bytes);
        let mut id = [0u8; SESSION_ID_LEN];
        let n = URL_SAFE_NO_PAD
            .encode_slice(bytes, &mut id)
            .expect("24 bytes encode to 32 characters");
        debug_assert_eq!(n, SESSION_ID_LEN);
        SessionId(id)
    }

    /// Validates the shape of an id that came from a client. Forged ids of the right shape
    /// still have to exist in the store.
    pub fn parse(s: &str) -> Result<Self, MalformedSessionId> {
        if s.len() == SESSION_ID_LEN
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            let mut id = [0u8; SESSION_ID_LEN];
            id.copy_from_slice(s.as_bytes());
            Ok(SessionId(id))
        } else {
            Err(MalformedSessionId)
        }
    }

    /// The id as text, as it goes into the cookie.
    pub fn as_str(&self) -> &str {
        // Only base64url characters are ever stored (generate and parse guarantee it).
        std::str::from_utf8(&self.0).expect("session ids are ASCII")
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({}…)", &self.as_str()[..6])
    }
}

impl TryFrom<String> for SessionId {
    type Error = MalformedSessionId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        SessionId::parse(&s)
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.as_str().to_owned()
    }
}

/// One server-side session, as the [`crate::SessionStore`] keeps it. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The id the cookie carries.
    pub id: SessionId,
    /// The logged-in user, if any.
    pub user_id: Option<UserId>,
    /// HMAC of the user's password hash at login: when the password changes, this no
    /// longer matches and the session ends.
    pub auth_hash: Option<String>,
    /// Arbitrary keys (for example `theme`), kept across logout when configured.
    pub data: BTreeMap<String, serde_json::Value>,
    /// When the session was created (absolute expiry counts from here).
    pub created_at: i64,
    /// When the session was last seen (idle expiry counts from here).
    pub last_seen: i64,
    /// The earlier of the absolute and the idle deadline; stores drop the record after it.
    pub expires_at: i64,
}

impl SessionRecord {
    /// Whether the record is past its deadline at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }
}

/// Finds the value of cookie `name` in a `Cookie` request header.
///
/// The first pair with that exact name wins (browsers send the most specific path first).
/// Returns `None` when the header has no such cookie.
///
/// ```
/// use auth_core::session::cookie_value;
/// assert_eq!(cookie_value("a=1; sessionid=abc; b=2", "sessionid"), Some("abc"));
/// assert_eq!(cookie_value("xsessionid=abc", "sessionid"), None);
/// ```
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// The session id in a `Cookie` header, if there is a well-formed one.
///
/// Every `Cookie` header the request has should be passed in turn; malformed values are
/// treated as absent.
pub fn session_id_from_cookie_header(header: &str, name: &str) -> Option<SessionId> {
    cookie_value(header, name).and_then(|v| SessionId::parse(v).ok())
}

/// Current Unix time in seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Deletes expired sessions from `store` every `every`, in a background task, until the
/// returned handle is aborted or the runtime stops. Failures are logged and retried next time.
pub fn spawn_cleanup(
    store: std::sync::Arc<dyn crate::store::SessionStore>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.delete_expired(now_unix()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "expired sessions cleaned up"),
                Err(e) => tracing::warn!(error = %e, "expired session cleanup failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_long_random_and_parse_back() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), SESSION_ID_LEN);
        assert_eq!(SessionId::parse(a.as_str()), Ok(a.clone()));
        const { assert!(SESSION_ID_BYTES * 8 >= 128) };
        assert!(!format!("{a:?}").contains(a.as_str()));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "short",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u{e9}",
            "../../../../../../../../etc/pass",
        ] {
            assert!(SessionId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cookie_header_parsing() {
        let id = SessionId::generate();
        let h = format!("theme=dark; sessionid={}; other=x", id.as_str());
        assert_eq!(
            session_id_from_cookie_header(&h, "sessionid"),
            Some(id.clone())
        );
        assert_eq!(
            session_id_from_cookie_header("sessionid=forged", "sessionid"),
            None
        );
        assert_eq!(session_id_from_cookie_header("", "sessionid"), None);
        assert_eq!(session_id_from_cookie_header(";;;=;", "sessionid"), None);
        assert_eq!(cookie_value("sessionid=\"v\"", "sessionid"), Some("v"));
        let first = format!("sessionid={}; sessionid=zzz", id.as_str());
        assert_eq!(session_id_from_cookie_header(&first, "sessionid"), Some(id));
    }
}
