//! Session records, session ids and the session cookie.

pub(crate) mod data;
pub mod meta;

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use password_hash::rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::user::UserId;

pub use crate::session::data::{Session, SessionDataError};
pub use crate::session::meta::SessionMeta;

/// Number of random bytes in a session id: 192 bits from the OS CSPRNG.
pub const SESSION_ID_BYTES: usize = 24;
/// Length of a session id as text (unpadded base64url of [`SESSION_ID_BYTES`]).
pub const SESSION_ID_LEN: usize = 32;

/// An opaque session id: 192 random bits, as 32 base64url characters, stored inline (no heap).
///
/// `Debug` shows only a prefix, so ids do not end up whole in logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
        Self::from_bytes(bytes)
    }

    /// Validates the shape of an id that came from a client. Forged ids of the right shape
    /// still have to exist in the store.
    pub fn parse(s: &str) -> Result<Self, MalformedSessionId> {
        Self::parse_bytes(s.as_bytes())
    }

    /// [`parse`](Self::parse) for bytes straight from a header.
    pub fn parse_bytes(s: &[u8]) -> Result<Self, MalformedSessionId> {
        match <[u8; SESSION_ID_LEN]>::try_from(s) {
            Ok(id) if is_base64url(&id) => Ok(SessionId(id)),
            _ => Err(MalformedSessionId),
        }
    }

    /// The 32 characters as bytes.
    pub fn as_bytes(&self) -> &[u8; SESSION_ID_LEN] {
        &self.0
    }

    /// The id as text, as it goes into the cookie.
    pub fn as_str(&self) -> &str {
        // Only base64url characters are ever stored (generate and parse guarantee it).
        std::str::from_utf8(&self.0).expect("session ids are ASCII")
    }

    /// The 24 random bytes behind the text (a compact key for stores that hold many ids).
    ///
    /// ```
    /// use auth_core::SessionId;
    /// let id = SessionId::generate();
    /// assert_eq!(SessionId::from_bytes(id.to_bytes()), id);
    /// ```
    pub fn to_bytes(&self) -> [u8; SESSION_ID_BYTES] {
        let mut out = [0u8; SESSION_ID_BYTES];
        // 32 base64url characters are exactly 24 bytes with no leftover bits, so every
        // well-formed id decodes, and decodes to one value only.
        let n = URL_SAFE_NO_PAD
            .decode_slice(self.0, &mut out)
            .expect("a well-formed id decodes to 24 bytes");
        debug_assert_eq!(n, SESSION_ID_BYTES);
        out
    }

    /// The id whose bytes [`to_bytes`](Self::to_bytes) returned.
    pub fn from_bytes(bytes: [u8; SESSION_ID_BYTES]) -> Self {
        let mut id = [0u8; SESSION_ID_LEN];
        URL_SAFE_NO_PAD
            .encode_slice(bytes, &mut id)
            .expect("24 bytes encode to 32 characters");
        SessionId(id)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({}…)", &self.as_str()[..6])
    }
}

/// Serde as text, read without an intermediate `String` (sessions are decoded on every
/// request by stores that keep them serialized, as Redis does).
macro_rules! serde_as_text {
    ($ty:ty, $what:literal, $to_text:expr, $parse:expr) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let text: &dyn Fn(&$ty) -> String = &$to_text;
                s.serialize_str(&text(self))
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Text;
                impl serde::de::Visitor<'_> for Text {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        let parse: &dyn Fn(&str) -> Option<$ty> = &$parse;
                        parse(v)
                            .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
                    }
                }
                d.deserialize_str(Text)
            }
        }
    };
}

serde_as_text!(
    SessionId,
    "a session id (32 base64url characters)",
    |id: &SessionId| id.as_str().to_owned(),
    |v: &str| SessionId::parse(v).ok()
);
serde_as_text!(
    AuthHash,
    "a session auth hash (64 hex digits)",
    |h: &AuthHash| h.to_hex(),
    |v: &str| AuthHash::parse_hex(v).ok()
);

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

/// The session auth hash: an HMAC-SHA256 tag that ties a session to its user's credentials
/// (see [`crate::service::AuthService::session_auth_hash`]). Stores keep it as 64 lowercase hex digits.
///
/// `Debug` hides it; compare with [`matches`](Self::matches), which takes constant time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthHash([u8; 32]);

/// Text that is not 64 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed session auth hash: expected 64 hex digits")]
pub struct MalformedAuthHash;

impl AuthHash {
    /// The hash with these bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        AuthHash(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 hex digits (either case).
    ///
    /// ```
    /// use auth_core::session::AuthHash;
    /// let h = AuthHash::from_bytes([0xab; 32]);
    /// assert_eq!(AuthHash::parse_hex(&h.to_hex()), Ok(h));
    /// assert!(AuthHash::parse_hex("abc").is_err());
    /// ```
    pub fn parse_hex(s: &str) -> Result<Self, MalformedAuthHash> {
        let nibble = |c| crate::crypto::hex_value(c).ok_or(MalformedAuthHash);
        let s = s.as_bytes();
        if s.len() != 64 {
            return Err(MalformedAuthHash);
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = nibble(s[2 * i])? << 4 | nibble(s[2 * i + 1])?;
        }
        Ok(AuthHash(out))
    }

    /// The 64 lowercase hex digits stores keep.
    pub fn to_hex(&self) -> String {
        crate::crypto::hex_lower(&self.0)
    }

    /// Whether the two hashes are equal, in time that does not depend on where they differ.
    pub fn matches(&self, other: &AuthHash) -> bool {
        use subtle::ConstantTimeEq as _;
        // Four 64-bit comparisons instead of 32 byte ones: as fast as a plain XOR.
        let word = |h: &AuthHash, i: usize| {
            u64::from_ne_bytes(h.0[8 * i..8 * i + 8].try_into().expect("8 bytes"))
        };
        let same = word(self, 0).ct_eq(&word(other, 0))
            & word(self, 1).ct_eq(&word(other, 1))
            & word(self, 2).ct_eq(&word(other, 2))
            & word(self, 3).ct_eq(&word(other, 3));
        same.into()
    }
}

impl fmt::Debug for AuthHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthHash(…)")
    }
}

impl TryFrom<String> for AuthHash {
    type Error = MalformedAuthHash;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AuthHash::parse_hex(&s)
    }
}

impl From<AuthHash> for String {
    fn from(h: AuthHash) -> String {
        h.to_hex()
    }
}

/// Reads a stored auth hash. A malformed one is logged and read as none, so the session no
/// longer matches its user and ends (fail closed).
pub fn parse_stored_auth_hash(stored: Option<String>) -> Option<AuthHash> {
    let text = stored?;
    match AuthHash::parse_hex(&text) {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "stored session has a malformed auth hash; it will end");
            None
        }
    }
}

/// One server-side session, as the [`crate::store::SessionStore`] keeps it. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The id the cookie carries.
    pub id: SessionId,
    /// The logged-in user, if any.
    pub user_id: Option<UserId>,
    /// HMAC of the user's password hash at login: when the password changes, this no
    /// longer matches and the session ends.
    pub auth_hash: Option<AuthHash>,
    /// Arbitrary keys (for example `theme`), kept across logout when configured.
    pub data: BTreeMap<String, serde_json::Value>,
    /// When the session was created (absolute expiry counts from here).
    pub created_at: i64,
    /// When the session was last seen (idle expiry counts from here).
    pub last_seen: i64,
    /// The earlier of the absolute and the idle deadline; stores drop the record after it.
    pub expires_at: i64,
    /// Where the session was opened and whether its cookie ends with the browser (see
    /// [`SessionMeta`]); empty for anonymous sessions and for sessions from before it existed.
    #[serde(default, skip_serializing_if = "SessionMeta::is_empty")]
    pub meta: SessionMeta,
}

impl SessionRecord {
    /// Whether the record is past its deadline at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }
}

/// Whether every byte is a base64url character (`A-Z a-z 0-9 - _`).
pub(crate) fn is_base64url(bytes: &[u8]) -> bool {
    const TABLE: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
            c += 1;
        }
        t
    };
    bytes.iter().fold(true, |ok, &b| ok & TABLE[b as usize])
}

/// Calls `f(name, value)` for each `name=value` pair of a `Cookie` header, in order (names and
/// values trimmed of spaces and tabs, one pair of quotes around a value removed).
///
/// Works on bytes, so the adapters need not check the whole header as text first: the values
/// the callers accept (session ids, CSRF nonces) are checked byte by byte anyway.
pub(crate) fn for_each_cookie<'h>(header: &'h [u8], mut f: impl FnMut(&'h [u8], &'h [u8])) {
    let mut rest = header;
    while !rest.is_empty() {
        let end = memchr::memchr(b';', rest).unwrap_or(rest.len());
        if let Some(eq) = memchr::memchr(b'=', &rest[..end]) {
            let value = rest[eq + 1..end].trim_ascii();
            let value = match value {
                [b'"', inner @ .., b'"'] => inner,
                v => v,
            };
            f(rest[..eq].trim_ascii(), value);
        }
        rest = rest.get(end + 1..).unwrap_or_default();
    }
}

/// Finds the value of cookie `name` in a `Cookie` request header.
///
/// The first pair with that exact name wins (browsers send the most specific path first).
/// Returns `None` when the header has no such cookie.
///
/// ```
/// use auth_core::adapter::cookie_value;
/// assert_eq!(cookie_value("a=1; sessionid=abc; b=2", "sessionid"), Some("abc"));
/// assert_eq!(cookie_value("xsessionid=abc", "sessionid"), None);
/// ```
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    let mut found = None;
    for_each_cookie(header.as_bytes(), |k, v| {
        if found.is_none() && k == name.as_bytes() {
            found = Some(v);
        }
    });
    // The cuts are next to ASCII bytes, so the value is a whole UTF-8 substring.
    found.map(|v| std::str::from_utf8(v).expect("cut at ASCII bytes"))
}

/// The session id in a `Cookie` header, if there is a well-formed one.
///
/// Every `Cookie` header the request has should be passed in turn; malformed values are
/// treated as absent.
pub fn session_id_from_cookie_header(header: &str, name: &str) -> Option<SessionId> {
    cookie_value(header, name).and_then(|v| SessionId::parse(v).ok())
}

/// Current Unix time in seconds.
///
/// On Linux this reads the coarse real-time clock (a few milliseconds of resolution, several
/// times cheaper than the precise one); sessions count in whole seconds.
pub fn now_unix() -> i64 {
    crate::sys::coarse_unix_seconds()
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp())
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
    fn ids_round_trip_through_bytes() {
        for _ in 0..100 {
            let id = SessionId::generate();
            assert_eq!(SessionId::from_bytes(id.to_bytes()), id);
        }
        let parsed = SessionId::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_").unwrap();
        assert_eq!(parsed.to_bytes()[23], 0x3f);
    }

    #[test]
    fn auth_hashes_parse_compare_and_hide() {
        let a = AuthHash::from_bytes([7; 32]);
        let mut other = [7; 32];
        other[31] = 8;
        let b = AuthHash::from_bytes(other);
        assert!(a.matches(&a));
        assert!(!a.matches(&b));
        assert_eq!(AuthHash::parse_hex(&a.to_hex().to_uppercase()), Ok(a));
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"a".repeat(65)] {
            assert!(AuthHash::parse_hex(bad).is_err(), "{bad:?}");
        }
        assert!(!format!("{a:?}").contains("07"));
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"{}\"", "07".repeat(32)));
        assert!(serde_json::from_str::<AuthHash>("\"zz\"").is_err());
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
