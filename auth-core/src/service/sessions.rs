//! The session lifecycle: loading a request's session, logging in (a new id) and out,
//! saving what changed, and the cookie that results.

use std::collections::BTreeMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::AuthConfig;
use crate::error::{AuthError, StoreError};
use crate::session::{SessionId, SessionMeta, SessionRecord, now_unix};
use crate::user::User;

use super::AuthService;
use super::auth_hash::HashCheck;

impl AuthService {
    fn new_record(
        &self,
        user: Option<&User>,
        data: BTreeMap<String, serde_json::Value>,
        meta: SessionMeta,
    ) -> SessionRecord {
        let now = now_unix();
        let mut rec = SessionRecord {
            id: SessionId::generate(),
            user_id: user.map(|u| u.id.clone()),
            auth_hash: user.map(|u| self.session_auth_hash(&u.password_hash)),
            data,
            created_at: now,
            last_seen: now,
            expires_at: 0,
            meta,
        };
        rec.expires_at = self.deadline(&rec);
        rec
    }

    fn deadline(&self, rec: &SessionRecord) -> i64 {
        let c = &self.inner.config;
        let abs = rec
            .created_at
            .saturating_add(c.session_absolute_timeout_secs as i64);
        let idle = rec
            .last_seen
            .saturating_add(c.session_idle_timeout_secs as i64);
        abs.min(idle)
    }

    /// Loads the session a request's cookie names. Never fails: a store error gives an
    /// anonymous state marked unavailable, so guards fail closed.
    pub async fn load_session(&self, id: Option<SessionId>) -> SessionState {
        let mut st = SessionState {
            incoming: id.clone(),
            ..SessionState::default()
        };
        let Some(id) = id else { return st };
        let rec = match self.inner.sessions.load(&id).await {
            Ok(Some(rec)) => rec,
            Ok(None) => return st,
            Err(e) => return Self::unavailable(st, &e, "session"),
        };
        let now = now_unix();
        if now >= self.deadline(&rec) {
            self.end_session(&id, "expired").await;
            return st;
        }
        let user = match &rec.user_id {
            None => None,
            Some(uid) => match self.inner.users.get_user_shared(uid).await {
                Ok(u) => Some(u),
                Err(e) => return Self::unavailable(st, &e, "user"),
            },
        };
        if let Err(why) = self.accept(&mut st, rec, user, now) {
            self.end_session(&id, why).await;
        }
        st
    }

    /// [`load_session`](Self::load_session) without waiting, when the stores can answer at
    /// once (an in-memory map, a local SQLite file: see [`SessionStore::load_now`](crate::store::SessionStore::load_now)) and nothing
    /// has to be written; `None` means "call `load_session`". Every request of a logged-in user
    /// takes this path with those stores, with no allocation and no await.
    pub fn load_session_now(&self, id: Option<SessionId>) -> Option<SessionState> {
        let mut st = SessionState {
            incoming: id.clone(),
            ..SessionState::default()
        };
        let Some(id) = id else { return Some(st) };
        // Errors, expiry and invalid sessions take the full path, which logs and deletes.
        let rec = match self.inner.sessions.load_now(&id)?.ok()? {
            Some(rec) => rec,
            None => return Some(st),
        };
        let now = now_unix();
        if now >= self.deadline(&rec) {
            return None;
        }
        let user = match &rec.user_id {
            None => None,
            Some(uid) => Some(self.inner.users.get_user_now(uid)?.ok()?),
        };
        self.accept(&mut st, rec, user, now).ok()?;
        Some(st)
    }

    fn unavailable(mut st: SessionState, e: &StoreError, which: &str) -> SessionState {
        tracing::error!(error = %e, store = which, "store unavailable; request treated as anonymous and guards fail closed");
        st.unavailable = true;
        st.keep_cookie = true;
        st
    }

    /// Takes a live record into `st` if its user (`None` for an anonymous session; `Some(None)`
    /// when the user no longer exists) is active and its auth hash still matches; else says why
    /// the session must end.
    fn accept(
        &self,
        st: &mut SessionState,
        mut rec: SessionRecord,
        user: Option<Option<Arc<User>>>,
        now: i64,
    ) -> Result<(), &'static str> {
        if let Some(user) = user {
            let checked = user.filter(|u| u.is_active).and_then(|u| {
                let check = self.check_session_hash(&u, rec.auth_hash.as_ref()?);
                Some((u, check))
            });
            match checked {
                Some((u, HashCheck::Current)) => st.user = Some(u),
                Some((u, HashCheck::Rotated(current))) => {
                    rec.auth_hash = Some(current);
                    st.dirty = true;
                    st.user = Some(u);
                }
                _ => return Err("user missing, inactive or password changed"),
            }
        }
        if now - rec.last_seen >= self.inner.config.session_touch_interval_secs as i64 {
            rec.last_seen = now;
            rec.expires_at = self.deadline(&rec);
            st.dirty = true;
        }
        st.record = Some(rec);
        Ok(())
    }

    async fn end_session(&self, id: &SessionId, why: &'static str) {
        tracing::info!(event = "session_invalidated", reason = why, "session ended");
        if let Err(e) = self.inner.sessions.delete(id).await {
            tracing::warn!(error = %e, "could not delete ended session");
        }
    }

    /// What a login records about its session: `ip` and `user_agent` as given, and whether
    /// the cookie ends with the browser. That is the user's "remember me" choice (`None`: not
    /// asked, `remember_me_default`) when `remember_me_enabled` is on; otherwise never.
    pub fn session_meta(
        &self,
        remember: Option<bool>,
        ip: Option<std::net::IpAddr>,
        user_agent: Option<&str>,
    ) -> SessionMeta {
        let c = &self.inner.config;
        SessionMeta {
            ip,
            user_agent: SessionMeta::clean_user_agent(user_agent),
            browser_session: c.remember_me_enabled && !remember.unwrap_or(c.remember_me_default),
        }
    }

    /// Logs `user` in on this session: a new session id (the old record is deleted), the
    /// session's data kept unless it belonged to another user, `last_login` updated. Records
    /// no address or user agent: see [`login_with`](Self::login_with).
    pub async fn login(&self, st: &mut SessionState, user: &User) -> Result<(), AuthError> {
        let meta = self.session_meta(None, None, None);
        self.login_with(st, user, meta).await
    }

    /// [`login`](Self::login) recording `meta` with the new session (see
    /// [`session_meta`](Self::session_meta)).
    pub async fn login_with(
        &self,
        st: &mut SessionState,
        user: &User,
        meta: SessionMeta,
    ) -> Result<(), AuthError> {
        let old = st.record.take();
        let mut data = BTreeMap::new();
        if let Some(old) = old {
            self.inner.sessions.delete(&old.id).await?;
            if old.user_id.is_none() || old.user_id.as_ref() == Some(&user.id) {
                data = old.data;
            }
        }
        let rec = self.new_record(Some(user), data, meta);
        self.inner.sessions.save(&rec).await?;
        let now = OffsetDateTime::now_utc();
        let recorded = match self.inner.users.set_last_login(&user.id, now).await {
            Ok(()) => true,
            // A read-only store: the login happens, `last_login` stays as the store has it.
            Err(StoreError::Unsupported { .. }) => false,
            Err(e) => return Err(e.into()),
        };
        let mut user = user.clone();
        if recorded {
            user.last_login = Some(now);
        }
        tracing::info!(event = "login", user_id = %user.id, "user logged in");
        st.record = Some(rec);
        st.user = Some(Arc::new(user));
        st.dirty = false;
        Ok(())
    }

    /// Logs out: deletes the server-side session; only `logout_preserve_session_keys` survive,
    /// in a new anonymous session with a new id.
    pub async fn logout(&self, st: &mut SessionState) -> Result<(), AuthError> {
        let user_id = st.user.as_ref().map(|u| u.id.to_string());
        st.user = None;
        st.dirty = false;
        let Some(old) = st.record.take() else {
            return Ok(());
        };
        self.inner.sessions.delete(&old.id).await?;
        let keep = &self.inner.config.logout_preserve_session_keys;
        let data: BTreeMap<_, _> = old
            .data
            .into_iter()
            .filter(|(k, _)| keep.contains(k))
            .collect();
        if !data.is_empty() {
            let rec = self.new_record(None, data, SessionMeta::default());
            self.inner.sessions.save(&rec).await?;
            st.record = Some(rec);
        }
        tracing::info!(event = "logout", user_id, "user logged out");
        Ok(())
    }

    /// Saves what changed during the request and says what the cookie must become.
    ///
    /// A session this request loaded is written back only if it still exists: one that a
    /// logout or a password change ended meanwhile (in another request, another process, or a
    /// Django beside this app) stays ended, and the cookie is cleared.
    pub async fn commit(&self, st: &mut SessionState) -> Result<CookieUpdate, StoreError> {
        if st.dirty
            && let Some(rec) = &st.record
        {
            if st.incoming.as_ref() == Some(&rec.id) {
                if !self.inner.sessions.update(rec).await? {
                    tracing::info!(
                        event = "session_invalidated",
                        reason = "ended meanwhile",
                        "session ended"
                    );
                    st.record = None;
                    st.user = None;
                }
            } else {
                self.inner.sessions.save(rec).await?;
            }
            st.dirty = false;
        }
        Ok(self.cookie_update(st))
    }

    /// [`commit`](Self::commit) without waiting, when there is nothing to save; `None`: call
    /// `commit`.
    pub fn commit_now(&self, st: &SessionState) -> Option<CookieUpdate> {
        let nothing_to_save = !st.dirty || st.record.is_none();
        nothing_to_save.then(|| self.cookie_update(st))
    }

    fn cookie_update(&self, st: &SessionState) -> CookieUpdate {
        let cfg = &self.inner.config;
        match (&st.record, &st.incoming) {
            (Some(rec), incoming) if incoming.as_ref() != Some(&rec.id) => {
                let max_age = (!rec.meta.browser_session).then(|| {
                    (rec.created_at + cfg.session_absolute_timeout_secs as i64 - now_unix()).max(0)
                });
                CookieUpdate::Set(set_cookie(cfg, rec.id.as_str(), max_age))
            }
            (None, Some(_)) if !st.keep_cookie => CookieUpdate::Set(set_cookie(cfg, "", Some(0))),
            _ => CookieUpdate::Keep,
        }
    }

    /// Stores `value` under `key` in the session, creating an anonymous session if needed.
    pub fn session_insert(&self, st: &mut SessionState, key: &str, value: serde_json::Value) {
        if st.record.is_none() {
            st.record = Some(self.new_record(None, BTreeMap::new(), SessionMeta::default()));
        }
        if let Some(rec) = &mut st.record {
            rec.data.insert(key.to_owned(), value);
            st.dirty = true;
        }
    }

    /// Removes `key` from the session and returns its value.
    pub fn session_remove(&self, st: &mut SessionState, key: &str) -> Option<serde_json::Value> {
        let v = st.record.as_mut()?.data.remove(key);
        if v.is_some() {
            st.dirty = true;
        }
        v
    }
}

/// `Set-Cookie` for the session cookie; `max_age` 0 deletes it, `None` makes a cookie that
/// ends with the browser session.
fn set_cookie(cfg: &AuthConfig, value: &str, max_age: Option<i64>) -> String {
    let mut s = format!("{}={}; Path=/", cfg.cookie_name(), value);
    if let Some(max_age) = max_age {
        s.push_str(&format!("; Max-Age={max_age}"));
    }
    s.push_str("; HttpOnly; SameSite=Lax");
    if cfg.cookie_secure() {
        s.push_str("; Secure");
    }
    s
}

/// What to do with the session cookie at the end of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CookieUpdate {
    /// Leave it.
    Keep,
    /// Send this `Set-Cookie` value.
    Set(String),
}

/// One request's view of its session. Adapters keep it for the request and hand it to
/// [`AuthService`] methods.
#[derive(Clone, Debug, Default)]
pub struct SessionState {
    pub(super) incoming: Option<SessionId>,
    pub(super) record: Option<SessionRecord>,
    pub(super) user: Option<Arc<User>>,
    pub(super) unavailable: bool,
    pub(super) keep_cookie: bool,
    pub(super) dirty: bool,
}

impl SessionState {
    /// The logged-in user.
    pub fn user(&self) -> Option<&Arc<User>> {
        self.user.as_ref()
    }

    /// The current session record.
    pub fn record(&self) -> Option<&SessionRecord> {
        self.record.as_ref()
    }

    /// Whether a store failed while loading the session.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }

    /// A session value.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.record.as_ref()?.data.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let cfg = AuthConfig::default();
        let c = set_cookie(&cfg, "abc", Some(10));
        assert_eq!(
            c,
            "sessionid=abc; Path=/; Max-Age=10; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            set_cookie(&cfg, "abc", None),
            "sessionid=abc; Path=/; HttpOnly; SameSite=Lax"
        );
        let cfg = AuthConfig {
            session_cookie_host_prefix: true,
            ..AuthConfig::default()
        };
        assert!(set_cookie(&cfg, "abc", Some(10)).starts_with("__Host-sessionid=abc; Path=/;"));
        assert!(set_cookie(&cfg, "abc", Some(10)).ends_with("; Secure"));
    }
}

#[cfg(test)]
mod race_tests {
    use crate::config::AuthConfig;
    use crate::service::{AuthService, CookieUpdate, Registration};
    use crate::store::SessionStore;

    /// A request that loaded a session while another ended it (a logout elsewhere) must not
    /// write it back when it saves: the session stays ended and the cookie is cleared.
    #[tokio::test]
    async fn a_session_ended_meanwhile_is_not_written_back() {
        let sessions = std::sync::Arc::new(crate::store::MemorySessionStore::new());
        let users = std::sync::Arc::new(crate::store::MemoryStore::new());
        let auth = AuthService::new(
            AuthConfig::default(),
            users.clone(),
            users,
            sessions.clone(),
        );
        auth.register(&Registration::new(
            "ann",
            "ann@example.com",
            "a long pass phrase",
        ))
        .await
        .unwrap();
        let user = auth
            .authenticate("ann", "a long pass phrase")
            .await
            .unwrap();
        let mut st = auth.load_session(None).await;
        auth.login(&mut st, &user).await.unwrap();
        let id = st.record().unwrap().id.clone();

        let mut racing = auth.load_session(Some(id.clone())).await;
        assert!(racing.user().is_some());
        auth.session_insert(&mut racing, "cart", serde_json::json!([1, 2]));
        sessions.delete(&id).await.unwrap(); // the logout, elsewhere
        let cookie = auth.commit(&mut racing).await.unwrap();
        assert!(
            matches!(cookie, CookieUpdate::Set(ref c) if c.contains("Max-Age=0")),
            "{cookie:?}"
        );
        assert!(racing.user().is_none());
        assert!(
            sessions.load(&id).await.unwrap().is_none(),
            "still logged out"
        );
    }

    /// After a key rotation, a session made under the old key (now a fallback) still logs in,
    /// and is re-hashed under the new key, so it survives the fallback's removal.
    #[tokio::test]
    async fn sessions_under_a_fallback_key_move_to_the_new_key() {
        let sessions = std::sync::Arc::new(crate::store::MemorySessionStore::new());
        let users = std::sync::Arc::new(crate::store::MemoryStore::new());
        let with = |key: &str, fallbacks: &[&str]| {
            let config = AuthConfig {
                secret_key: key.into(),
                secret_key_fallbacks: fallbacks.iter().map(|k| k.to_string()).collect(),
                ..AuthConfig::default()
            };
            AuthService::new(config, users.clone(), users.clone(), sessions.clone())
        };
        let old = with("old-key", &[]);
        old.register(&Registration::new(
            "ann",
            "ann@example.com",
            "a long pass phrase",
        ))
        .await
        .unwrap();
        let user = old.authenticate("ann", "a long pass phrase").await.unwrap();
        let login = || async {
            let mut st = old.load_session(None).await;
            old.login(&mut st, &user).await.unwrap();
            st.record().unwrap().id.clone()
        };
        let id = login().await;
        assert!(
            with("new-key", &[])
                .load_session(Some(id))
                .await
                .user()
                .is_none(),
            "without the fallback, the old key's sessions end"
        );
        let id = login().await;
        let rotated = with("new-key", &["old-key"]);
        let mut st = rotated.load_session(Some(id.clone())).await;
        assert!(st.user().is_some(), "the fallback key still verifies");
        rotated.commit(&mut st).await.unwrap();
        let st = with("new-key", &[]).load_session(Some(id)).await;
        assert!(st.user().is_some(), "re-hashed under the new key");
    }
}
