//! What a session records about where it was opened ([`SessionMeta`]), for the "your
//! sessions" page, and whether its cookie outlives the browser.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::session::SessionRecord;

/// The key under which stores that keep a session's data as one JSON object (the SQL stores,
/// Redis, Django's `session_data`) keep its [`SessionMeta`] (see [`data_with_meta`]). Like
/// Django's `_auth_user_id`, it is the toolkit's own; apps should not write it.
pub const META_KEY: &str = "_auth_meta";

/// The longest user-agent text kept (longer ones are cut at a character boundary).
pub const MAX_USER_AGENT: usize = 256;

/// Where and how a session was opened, recorded at login: the client's address, its
/// `User-Agent`, and whether the user asked not to be remembered (a cookie that ends with the
/// browser session). Written when the session is created, never on an ordinary request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// The client address at login, as the service derived it (see `client_ip_header`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// The `User-Agent` at login, cut to [`MAX_USER_AGENT`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Arc<str>>,
    /// The cookie has no `Max-Age` (unchecked "remember me"): it ends when the browser
    /// closes. The server-side session still ends by the idle and absolute limits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub browser_session: bool,
}

impl SessionMeta {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.ip.is_none() && self.user_agent.is_none() && !self.browser_session
    }

    /// `ua` cut to [`MAX_USER_AGENT`] bytes (at a character boundary) and with control
    /// characters dropped; `None` when nothing is left.
    pub fn clean_user_agent(ua: Option<&str>) -> Option<Arc<str>> {
        let ua = ua?.trim();
        let mut end = ua.len().min(MAX_USER_AGENT);
        while !ua.is_char_boundary(end) {
            end -= 1;
        }
        let clean: String = ua[..end].chars().filter(|c| !c.is_control()).collect();
        (!clean.is_empty()).then(|| clean.into())
    }

    /// A short description of the user agent for people: `"Firefox on Linux"`, `"Safari on
    /// iPhone"`, `"curl"`; `"Unknown device"` when there is none.
    ///
    /// ```
    /// use auth_core::session::SessionMeta;
    /// let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    /// let meta = SessionMeta { user_agent: Some(ua.into()), ..SessionMeta::default() };
    /// assert_eq!(meta.device(), "Firefox on Linux");
    /// ```
    pub fn device(&self) -> String {
        let Some(ua) = self.user_agent.as_deref() else {
            return "Unknown device".into();
        };
        let has = |s: &str| ua.contains(s);
        let browser = if has("Edg/") {
            "Edge"
        } else if has("OPR/") || has("Opera") {
            "Opera"
        } else if has("Firefox/") {
            "Firefox"
        } else if has("Chrome/") || has("Chromium/") || has("CriOS/") {
            "Chrome"
        } else if has("Safari/") {
            "Safari"
        } else if let Some(tool) = ua.split(['/', ' ']).next().filter(|t| !t.is_empty()) {
            // A client that is not a browser (curl, python-requests, an app): its own name.
            return tool.chars().take(40).collect();
        } else {
            return "Unknown device".into();
        };
        let os = if has("iPhone") {
            "iPhone"
        } else if has("iPad") {
            "iPad"
        } else if has("Android") {
            "Android"
        } else if has("Windows") {
            "Windows"
        } else if has("Mac OS X") || has("Macintosh") {
            "macOS"
        } else if has("CrOS") {
            "ChromeOS"
        } else if has("Linux") || has("X11") {
            "Linux"
        } else {
            return browser.into();
        };
        format!("{browser} on {os}")
    }
}

/// For stores that keep a session's data as one JSON object: the data to write, with the
/// record's [`SessionMeta`] under [`META_KEY`] (borrowed as it is when there is none).
pub fn data_with_meta(r: &SessionRecord) -> Cow<'_, BTreeMap<String, serde_json::Value>> {
    if r.meta.is_empty() {
        return Cow::Borrowed(&r.data);
    }
    let mut data = r.data.clone();
    if let Ok(v) = serde_json::to_value(&r.meta) {
        data.insert(META_KEY.to_owned(), v);
    }
    Cow::Owned(data)
}

/// The other half of [`data_with_meta`]: takes [`META_KEY`] out of data read back. A
/// malformed value is dropped with a warning (the session keeps working, with nothing
/// recorded and a cookie that is persistent as before).
pub fn take_meta(data: &mut BTreeMap<String, serde_json::Value>) -> SessionMeta {
    let Some(v) = data.remove(META_KEY) else {
        return SessionMeta::default();
    };
    serde_json::from_value(v).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "stored session has malformed metadata; ignored");
        SessionMeta::default()
    })
}

impl SessionRecord {
    /// A public name for this session, for pages and APIs that list a user's sessions: 24 hex
    /// digits of a SHA-256 of the id. It names the session without being usable as its cookie
    /// (the id is a credential and is never shown).
    pub fn handle(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"auth-core session handle\0")
            .chain_update(self.id.as_bytes())
            .finalize();
        crate::crypto::hex_lower(&digest[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_described_shortly() {
        let d = |ua: &str| {
            SessionMeta {
                user_agent: SessionMeta::clean_user_agent(Some(ua)),
                ..SessionMeta::default()
            }
            .device()
        };
        assert_eq!(
            d(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"
            ),
            "Chrome on Linux"
        );
        assert_eq!(
            d(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iPhone"
        );
        assert_eq!(
            d(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
            ),
            "Edge on Windows"
        );
        assert_eq!(d("curl/8.5.0"), "curl");
        assert_eq!(SessionMeta::default().device(), "Unknown device");
    }

    #[test]
    fn user_agents_are_cut_and_cleaned() {
        let long = "é".repeat(300);
        let cut = SessionMeta::clean_user_agent(Some(&long)).unwrap();
        assert!(cut.len() <= MAX_USER_AGENT && cut.chars().all(|c| c == 'é'));
        assert_eq!(
            SessionMeta::clean_user_agent(Some("a\u{7}\nb")).as_deref(),
            Some("ab")
        );
        assert_eq!(SessionMeta::clean_user_agent(Some("  ")), None);
    }

    #[test]
    fn meta_round_trips_through_data() {
        let mut r = SessionRecord {
            id: crate::session::SessionId::generate(),
            user_id: None,
            auth_hash: None,
            data: BTreeMap::from([("theme".to_owned(), serde_json::json!("dark"))]),
            created_at: 1,
            last_seen: 1,
            expires_at: 2,
            meta: SessionMeta::default(),
        };
        assert!(matches!(data_with_meta(&r), Cow::Borrowed(_)));
        r.meta = SessionMeta {
            ip: Some("192.0.2.7".parse().unwrap()),
            user_agent: Some("curl/8".into()),
            browser_session: true,
        };
        let mut data = data_with_meta(&r).into_owned();
        assert_eq!(data.len(), 2);
        assert_eq!(take_meta(&mut data), r.meta);
        assert_eq!(data, r.data);
        let mut bad = BTreeMap::from([(META_KEY.to_owned(), serde_json::json!(7))]);
        assert_eq!(take_meta(&mut bad), SessionMeta::default());
        assert!(bad.is_empty());
        assert_ne!(r.handle(), r.id.as_str());
        assert_eq!(r.handle().len(), 24);
    }
}
