//! A [`SessionRecord`] as a row of `django_session`: its data, signed as Django signs it, and
//! its `expire_date`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::{SESSION_SALT, Signer};
use auth_core::config::AuthConfig;
use auth_core::session::{AuthHash, SessionId, SessionRecord};
use auth_core::user::UserId;

/// Django's session keys for the logged-in user.
const USER_ID: &str = "_auth_user_id";
const BACKEND: &str = "_auth_user_backend";
const HASH: &str = "_auth_user_hash";
/// This side's session clocks, which Django does not keep (Django carries unknown keys along).
const CREATED: &str = "_authkit_created";
const SEEN: &str = "_authkit_seen";

/// Encodes and decodes `django_session.session_data` for one project (its `SECRET_KEY`,
/// fallbacks and authentication backends).
///
/// ```
/// use auth_core::{AuthConfig, SessionId, UserId, config::Schema, session::SessionRecord};
/// use auth_sql::django::SessionCodec;
/// let config = AuthConfig { schema: Schema::Django, secret_key: "django-key".into(), ..AuthConfig::default() };
/// let codec = SessionCodec::new(&config);
/// let rec = SessionRecord {
///     id: SessionId::generate(), user_id: Some(UserId::Int(7)), auth_hash: None,
///     data: Default::default(), created_at: 100, last_seen: 100, expires_at: 2_000_000_000,
///     meta: Default::default(),
/// };
/// let data = codec.encode(&rec);
/// let back = codec.decode(rec.id.clone(), &data, rec.expires_at, 150).unwrap();
/// assert_eq!(back.user_id, Some(UserId::Int(7)));
/// ```
#[derive(Clone, Debug)]
pub struct SessionCodec {
    signer: Signer,
    backends: Vec<String>,
    /// `session_touch_interval_secs`: a row without this side's clocks (one Django made) is
    /// read as last seen that long ago, so the service writes the clocks back at once and its
    /// idle and absolute limits apply from the first request it sees.
    touch: i64,
    /// Rows decoded before, by their exact `session_data`: the same text always decodes to the
    /// same record, so a request whose row did not change skips the signature check, base64,
    /// zlib and JSON (most of a request's cost otherwise). Cleared when it reaches its bound.
    decoded: Arc<RwLock<HashMap<Box<str>, Arc<Decoded>>>>,
}

/// What a row's data says, before the per-row values (id, expiry) and the current time.
#[derive(Debug)]
struct Decoded {
    user_id: Option<UserId>,
    auth_hash: Option<AuthHash>,
    data: BTreeMap<String, Value>,
    meta: auth_core::session::SessionMeta,
    created_at: Option<i64>,
    last_seen: Option<i64>,
}

/// The most decoded rows kept (about a kilobyte each).
const CACHE_BOUND: usize = 10_000;

impl SessionCodec {
    /// The codec for `config`'s `secret_key`, `secret_key_fallbacks` and
    /// `django_auth_backends`.
    pub fn new(config: &AuthConfig) -> Self {
        SessionCodec {
            signer: Signer::new(
                &config.secret_key,
                &config.secret_key_fallbacks,
                SESSION_SALT,
            ),
            backends: config.django_auth_backends.clone(),
            touch: config.session_touch_interval_secs.min(i64::MAX as u64) as i64,
            decoded: Arc::default(),
        }
    }

    /// `session_data` for `rec`: its data, and for a login Django's three keys (the backend
    /// is the first configured one) and this side's clocks.
    pub fn encode(&self, rec: &SessionRecord) -> String {
        let mut map: serde_json::Map<String, Value> = auth_core::session::meta::data_with_meta(rec)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(user) = &rec.user_id {
            map.insert(USER_ID.into(), Value::String(user.to_string()));
            map.insert(
                BACKEND.into(),
                Value::String(self.backends.first().cloned().unwrap_or_default()),
            );
            match &rec.auth_hash {
                Some(h) => map.insert(HASH.into(), Value::String(h.to_hex())),
                None => map.remove(HASH),
            };
        }
        map.insert(CREATED.into(), Value::from(rec.created_at));
        map.insert(SEEN.into(), Value::from(rec.last_seen));
        self.signer.sign_object(&Value::Object(map), true)
    }

    /// The record in a row, or `None` when the data does not verify (another `SECRET_KEY`, or
    /// altered; logged) or is not an object. A user whose backend is not among the configured
    /// ones is anonymous here, and Django's keys stay in the data untouched.
    pub fn decode(
        &self,
        id: SessionId,
        session_data: &str,
        expires_at: i64,
        now: i64,
    ) -> Option<SessionRecord> {
        let cached = self
            .decoded
            .read()
            .ok()
            .and_then(|c| c.get(session_data).cloned());
        let decoded = match cached {
            Some(d) => d,
            None => {
                let d = Arc::new(self.decode_data(session_data)?);
                if let Ok(mut c) = self.decoded.write() {
                    if c.len() >= CACHE_BOUND {
                        c.clear();
                    }
                    c.insert(session_data.into(), d.clone());
                }
                d
            }
        };
        Some(SessionRecord {
            id,
            user_id: decoded.user_id.clone(),
            auth_hash: decoded.auth_hash,
            data: decoded.data.clone(),
            meta: decoded.meta.clone(),
            created_at: decoded.created_at.unwrap_or(now),
            last_seen: decoded
                .last_seen
                .unwrap_or_else(|| now.saturating_sub(self.touch)),
            expires_at,
        })
    }

    /// Verifies and reads a row's data.
    fn decode_data(&self, session_data: &str) -> Option<Decoded> {
        let value = match self.signer.unsign_object(session_data) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "a django_session row does not verify; treated as no session");
                return None;
            }
        };
        let Value::Object(map) = value else {
            tracing::warn!("a django_session row holds no object; treated as no session");
            return None;
        };
        let mut data: BTreeMap<String, Value> = map.into_iter().collect();
        let clock = |v: Option<Value>| v.and_then(|v| v.as_i64());
        let meta = auth_core::session::meta::take_meta(&mut data);
        let created_at = clock(data.remove(CREATED));
        let last_seen = clock(data.remove(SEEN));
        let backend_ok = data
            .get(BACKEND)
            .and_then(Value::as_str)
            .is_some_and(|b| self.backends.iter().any(|ok| ok == b));
        let (mut user_id, mut auth_hash) = (None, None);
        if backend_ok {
            user_id = match data.get(USER_ID) {
                Some(Value::String(s)) => s.parse::<i64>().ok().map(UserId::Int),
                Some(Value::Number(n)) => n.as_i64().map(UserId::Int),
                _ => None,
            };
            if user_id.is_some() {
                auth_hash = data
                    .get(HASH)
                    .and_then(Value::as_str)
                    .and_then(|h| AuthHash::parse_hex(h).ok());
                for k in [USER_ID, BACKEND, HASH] {
                    data.remove(k);
                }
            }
        }
        Some(Decoded {
            user_id,
            auth_hash,
            data,
            meta,
            created_at,
            last_seen,
        })
    }

    /// The logged-in user of a row's data, for scans over every session. Past the cache: a
    /// scan of every row must not push out the rows that requests read.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn user_of(&self, session_data: &str) -> Option<UserId> {
        self.decode_data(session_data)?.user_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> SessionCodec {
        SessionCodec::new(&AuthConfig {
            schema: auth_core::config::Schema::Django,
            secret_key: "k".into(),
            ..AuthConfig::default()
        })
    }

    fn record(user: Option<i64>) -> SessionRecord {
        SessionRecord {
            id: SessionId::generate(),
            user_id: user.map(UserId::Int),
            auth_hash: user.map(|_| AuthHash::from_bytes([0xab; 32])),
            data: [("theme".to_owned(), Value::from("dark"))].into(),
            created_at: 10,
            last_seen: 20,
            expires_at: 30,
            meta: Default::default(),
        }
    }

    #[test]
    fn records_round_trip() {
        let c = codec();
        for rec in [record(Some(42)), record(None)] {
            let back = c.decode(rec.id.clone(), &c.encode(&rec), 30, 99).unwrap();
            assert_eq!(back, rec);
        }
    }

    #[test]
    fn djangos_keys_are_written_as_django_does() {
        let c = codec();
        let data = c.encode(&record(Some(42)));
        let map = c.signer.unsign_object(&data).unwrap();
        assert_eq!(map[USER_ID], "42", "a string, as Django's value_to_string");
        assert_eq!(map[BACKEND], auth_core::config::DJANGO_MODEL_BACKEND);
        assert_eq!(map[HASH], "ab".repeat(32));
    }

    #[test]
    fn a_row_django_made_gets_this_sides_clocks_at_once() {
        let c = codec();
        let signed = c.signer.sign_object(
            &serde_json::json!({"_auth_user_id": "3", "_auth_user_backend": auth_core::config::DJANGO_MODEL_BACKEND}),
            true,
        );
        let rec = c
            .decode(SessionId::generate(), &signed, 9_999, 1_000)
            .unwrap();
        assert_eq!(rec.user_id, Some(UserId::Int(3)));
        assert_eq!(rec.created_at, 1_000);
        assert_eq!(
            rec.last_seen,
            1_000 - 60,
            "due for a touch, which stores the clocks"
        );
    }

    #[test]
    fn a_decoded_row_is_remembered_by_its_exact_text() {
        let c = codec();
        let rec = record(Some(42));
        let data = c.encode(&rec);
        let first = c.decode(rec.id.clone(), &data, 30, 99).unwrap();
        assert_eq!(c.decoded.read().unwrap().len(), 1);
        let again = c.decode(rec.id.clone(), &data, 31, 99).unwrap();
        assert_eq!((again.user_id, again.expires_at), (first.user_id, 31));
        // A changed row is decoded (and verified) anew; a forged one is still refused.
        let mut forged = data.clone();
        forged.insert(0, 'x');
        assert!(c.decode(rec.id.clone(), &forged, 30, 99).is_none());
        assert_eq!(c.decoded.read().unwrap().len(), 1, "failures are not kept");
    }

    #[test]
    fn another_backend_is_anonymous_and_kept() {
        let c = codec();
        let mut rec = record(None);
        rec.data.insert(USER_ID.into(), Value::from("5"));
        rec.data
            .insert(BACKEND.into(), Value::from("allauth.Backend"));
        let back = c.decode(rec.id.clone(), &c.encode(&rec), 30, 99).unwrap();
        assert_eq!(back.user_id, None);
        assert_eq!(back.data[USER_ID], "5", "Django's login is left as it was");
    }

    #[test]
    fn another_key_or_garbage_is_no_session() {
        let c = codec();
        let other = SessionCodec::new(&AuthConfig {
            secret_key: "other".into(),
            ..AuthConfig::default()
        });
        let rec = record(Some(1));
        assert!(
            c.decode(rec.id.clone(), &other.encode(&rec), 30, 0)
                .is_none()
        );
        assert!(c.decode(rec.id.clone(), "garbage", 30, 0).is_none());
        assert!(
            c.decode(rec.id, &c.signer.sign_object(&Value::from(3), false), 30, 0)
                .is_none()
        );
    }
}
