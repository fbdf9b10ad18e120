//! Django's signed values (`django.core.signing`), as its session engine stores them: JSON,
//! optionally zlib-compressed, base64url, a base62 timestamp, and an HMAC-SHA256 signature under
//! a key derived from the salt and `SECRET_KEY`. Verification accepts the fallback keys too.

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use subtle::ConstantTimeEq as _;

use auth_core::crypto::{SaltedHmac, salted_hmac_key};

/// Unpadded base64url out; padded or not in.
const B64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The most a compressed value may inflate to (a session is a few hundred bytes).
const MAX_INFLATED: usize = 1 << 20;

/// A value that is not a valid signed object under any of the keys.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The signature does not match under the key or any fallback key.
    #[error("bad signature (signed under another SECRET_KEY, or altered)")]
    BadSignature,
    /// The value is not in Django's signed format.
    #[error("malformed signed value: {0}")]
    Malformed(&'static str),
}

/// Signs and verifies values under one salt, as Django's `TimestampSigner` with the SHA-256
/// algorithm does.
///
/// ```
/// use auth_sql::django::Signer;
/// let signer = Signer::new("django-insecure-key", &[], "django.contrib.sessions.SessionStore");
/// let signed = signer.sign_object(&serde_json::json!({"_auth_user_id": "1"}), true);
/// assert_eq!(signer.unsign_object(&signed).unwrap()["_auth_user_id"], "1");
/// let rotated = Signer::new("new-key", &["django-insecure-key".into()], "django.contrib.sessions.SessionStore");
/// assert!(rotated.unsign_object(&signed).is_ok(), "fallback keys still verify");
/// assert!(Signer::new("other", &[], "django.contrib.sessions.SessionStore").unsign_object(&signed).is_err());
/// ```
#[derive(Clone)]
pub struct Signer {
    /// The current key first, then the fallbacks.
    keys: Vec<SaltedHmac>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `salt` (for sessions, `django.contrib.sessions.SessionStore`) under
    /// `secret` (Django's `SECRET_KEY`), verifying under `fallbacks` too.
    pub fn new(secret: &str, fallbacks: &[String], salt: &str) -> Self {
        let key_salt = format!("{salt}signer");
        let keys = std::iter::once(secret)
            .chain(fallbacks.iter().map(String::as_str))
            .map(|k| salted_hmac_key(key_salt.as_bytes(), k.as_bytes()))
            .collect();
        Signer { keys }
    }

    /// `value` as Django's `signing.dumps` makes it: compact JSON (non-ASCII escaped, as
    /// Python's `json.dumps` does), zlib-compressed when `compress` and that is shorter, then
    /// base64url, the current time and the signature.
    pub fn sign_object(&self, value: &serde_json::Value, compress: bool) -> String {
        let json = ascii_json(value);
        let mut data = json.into_bytes();
        let mut compressed = false;
        if compress {
            let packed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
            if packed.len() + 1 < data.len() {
                data = packed;
                compressed = true;
            }
        }
        let mut out = String::with_capacity(data.len() * 4 / 3 + 64);
        if compressed {
            out.push('.');
        }
        B64.encode_string(&data, &mut out);
        out.push(':');
        out.push_str(&base62(auth_core::session::now_unix().max(0) as u64));
        let sig = self.signature(0, &out);
        out.push(':');
        out.push_str(&sig);
        out
    }

    /// The object in a signed value, if the signature matches under any key. Django's session
    /// engine sets no maximum age, so the timestamp is checked for shape only.
    pub fn unsign_object(&self, signed: &str) -> Result<serde_json::Value, SigningError> {
        let (value, sig) = signed
            .rsplit_once(':')
            .ok_or(SigningError::Malformed("no signature"))?;
        let ok = (0..self.keys.len()).any(|i| {
            let expected = self.signature(i, value);
            bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
        });
        if !ok {
            return Err(SigningError::BadSignature);
        }
        let (payload, ts) = value
            .rsplit_once(':')
            .ok_or(SigningError::Malformed("no timestamp"))?;
        if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(SigningError::Malformed("the timestamp is not base62"));
        }
        let (compressed, payload) = match payload.strip_prefix('.') {
            Some(rest) => (true, rest),
            None => (false, payload),
        };
        let mut data = B64
            .decode(payload)
            .map_err(|_| SigningError::Malformed("not base64url"))?;
        if compressed {
            data = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&data, MAX_INFLATED)
                .map_err(|_| SigningError::Malformed("not zlib data, or too large"))?;
        }
        // Django decodes as Latin-1; what it writes is ASCII, where both agree.
        let text: String = match String::from_utf8(data) {
            Ok(t) => t,
            Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
        };
        serde_json::from_str(&text).map_err(|_| SigningError::Malformed("not JSON"))
    }

    /// The base64url HMAC of `value` under key `i`.
    fn signature(&self, i: usize, value: &str) -> String {
        B64.encode(self.keys[i].finalize_with(value.as_bytes()))
    }
}

/// Compact JSON with every non-ASCII character escaped as `\uXXXX` (UTF-16), which is what
/// Python's `json.dumps` writes by default and what Django decodes as Latin-1 correctly.
fn ascii_json(value: &serde_json::Value) -> String {
    let json = value.to_string();
    if json.is_ascii() {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// `n` in base 62 (`0-9A-Za-z`), as Django's `b62_encode`.
fn base62(n: u64) -> String {
    auth_core::crypto::in_base(
        n,
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: &str = "django.contrib.sessions.SessionStore";

    #[test]
    fn base62_matches_djangos_digits() {
        assert_eq!(base62(0), "0");
        assert_eq!(base62(61), "z");
        assert_eq!(base62(62), "10");
        assert_eq!(base62(1_700_000_000), "1r31eq");
    }

    #[test]
    fn non_ascii_is_escaped_as_python_does() {
        let v = serde_json::json!({"name": "Zoë 😀"});
        assert_eq!(ascii_json(&v), r#"{"name":"Zo\u00eb \ud83d\ude00"}"#);
        let s = Signer::new("k", &[], SALT);
        assert_eq!(s.unsign_object(&s.sign_object(&v, false)).unwrap(), v);
    }

    #[test]
    fn compression_is_used_only_when_shorter_and_round_trips() {
        let s = Signer::new("k", &[], SALT);
        let small = serde_json::json!({"a": 1});
        assert!(!s.sign_object(&small, true).starts_with('.'));
        let big = serde_json::json!({"list": vec!["same text again"; 50]});
        let signed = s.sign_object(&big, true);
        assert!(signed.starts_with('.'));
        assert_eq!(s.unsign_object(&signed).unwrap(), big);
    }

    #[test]
    fn tampering_and_garbage_are_refused() {
        let s = Signer::new("k", &[], SALT);
        let signed = s.sign_object(&serde_json::json!({"_auth_user_id": "1"}), false);
        let forged = signed.replacen("eyJ", "eyK", 1);
        assert_eq!(s.unsign_object(&forged), Err(SigningError::BadSignature));
        for bad in ["", ":", "a:b", "a:b:c", "::::", &"x".repeat(10_000)] {
            assert!(s.unsign_object(bad).is_err(), "{bad:?}");
        }
        // Another salt is another key.
        let other = Signer::new("k", &[], "django.core.signing");
        assert_eq!(
            other.unsign_object(&signed),
            Err(SigningError::BadSignature)
        );
    }

    #[test]
    fn a_zlib_bomb_is_refused() {
        let s = Signer::new("k", &[], SALT);
        let huge = format!("{{\"a\":\"{}\"}}", "a".repeat(4 << 20));
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(huge.as_bytes(), 9);
        let mut value = format!(".{}:1r31eq", B64.encode(packed));
        let sig = s.signature(0, &value);
        value.push(':');
        value.push_str(&sig);
        assert!(matches!(
            s.unsign_object(&value),
            Err(SigningError::Malformed(_))
        ));
    }
}
