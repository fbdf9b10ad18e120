//! [`AuthService`]: authentication, login and logout, registration and password changes,
//! over any stores.

use std::collections::BTreeMap;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use password_hash::rand_core::{OsRng, RngCore};
use serde::Serialize;
use time::OffsetDateTime;

use crate::config::{AuthConfig, LoginField};
use crate::error::{AuthError, StoreError};
use crate::memory::{MemoryAttemptStore, MemorySessionStore, MemoryStore};
use crate::password::{self, HashPool, PasswordError};
use crate::session::{AuthHash, SessionId, SessionRecord, now_unix};
use crate::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use crate::user::{NewUser, User, UserId};

/// The longest password accepted, in bytes. Longer ones are refused with a message, never
/// truncated.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// The auth rules over a set of stores. Cheap to clone; share one per app.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{AuthConfig, AuthService, Registration};
/// let auth = AuthService::in_memory(AuthConfig::default());
/// auth.register(&Registration::new("alice", "alice@example.com", "s3cret-pass")).await.unwrap();
/// let user = auth.authenticate("alice", "s3cret-pass").await.unwrap();
/// assert_eq!(user.username, "alice");
/// assert!(auth.authenticate("alice", "wrong").await.is_err());
/// # }
/// ```
#[derive(Clone)]
pub struct AuthService {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    attempts: Arc<dyn AttemptStore>,
    cookie_name: String,
    auth_hash_cache: Arc<std::sync::RwLock<std::collections::HashMap<UserId, (String, AuthHash)>>>,
    config: AuthConfig,
    users: Arc<dyn UserStore>,
    perms: Arc<dyn PermissionChecker>,
    sessions: Arc<dyn SessionStore>,
    pool: HashPool,
    secret: Vec<u8>,
    origin: crate::origin::OriginPolicy,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl AuthService {
    /// Builds the service over the given stores.
    pub fn new(
        config: AuthConfig,
        users: Arc<dyn UserStore>,
        perms: Arc<dyn PermissionChecker>,
        sessions: Arc<dyn SessionStore>,
    ) -> Self {
        let secret = if config.secret_key.is_empty() {
            tracing::warn!(
                "auth secret_key is not set: using a random key for this process; sessions end \
                 when it restarts and processes cannot share them (set AUTH_SECRET_KEY)"
            );
            let mut key = vec![0u8; 32];
            OsRng.fill_bytes(&mut key);
            key
        } else {
            config.secret_key.as_bytes().to_vec()
        };
        let pool = HashPool::with_idle_priority(
            config.password_hash_concurrency,
            config.password_hash_idle_priority,
        );
        for warning in config.security_warnings() {
            tracing::warn!(event = "insecure_setting", "{warning}");
        }
        AuthService {
            inner: Arc::new(Inner {
                attempts: Arc::new(MemoryAttemptStore::new()),
                cookie_name: config.cookie_name(),
                origin: crate::origin::OriginPolicy::from_config(&config),
                auth_hash_cache: Arc::default(),
                config,
                users,
                perms,
                sessions,
                pool,
                secret,
            }),
        }
    }

    /// The service over fresh in-memory stores (users, permissions and sessions).
    pub fn in_memory(config: AuthConfig) -> Self {
        let store = Arc::new(MemoryStore::new());
        Self::new(
            config,
            store.clone(),
            store,
            Arc::new(MemorySessionStore::new()),
        )
    }

    /// Keeps failed-login counters in `store` (by default they are in this process's memory);
    /// give every process the same store so that limits hold across processes.
    pub fn with_attempt_store(self, store: Arc<dyn AttemptStore>) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| (*shared).clone());
        inner.attempts = store;
        AuthService {
            inner: Arc::new(inner),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The cross-origin rules the adapters' layers apply to every request.
    pub fn origin_policy(&self) -> &crate::origin::OriginPolicy {
        &self.inner.origin
    }

    /// The user store.
    pub fn users(&self) -> &Arc<dyn UserStore> {
        &self.inner.users
    }

    /// The permission store.
    pub fn permissions(&self) -> &Arc<dyn PermissionChecker> {
        &self.inner.perms
    }

    /// The session store.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.inner.sessions
    }

    /// The password hashing pool.
    pub fn hasher(&self) -> &HashPool {
        &self.inner.pool
    }

    /// HMAC-SHA256 of a password hash under the secret key: stored in the session at login, so
    /// that a password change ends the session.
    pub fn session_auth_hash(&self, password_hash: &str) -> AuthHash {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.inner.secret)
            .expect("HMAC takes any key length");
        mac.update(b"auth-core.session-auth-hash\0");
        // With the explicit opt-out, sessions do not depend on the password, so a password
        // change leaves the other sessions logged in (deactivation still ends them).
        if !self.inner.config.password_change_keeps_other_sessions {
            mac.update(password_hash.as_bytes());
        }
        AuthHash::from_bytes(mac.finalize().into_bytes().into())
    }

    /// Whether `stored` (a session's auth hash) matches `user`'s current password hash, in
    /// constant time. Every request of a logged-in user checks this, so the expected value is
    /// remembered per user and recomputed only when their password hash changes.
    fn session_hash_matches(&self, user: &User, stored: &AuthHash) -> bool {
        let cached = self.inner.auth_hash_cache.read().ok().and_then(|c| {
            c.get(&user.id)
                .filter(|(pw, _)| pw == &user.password_hash)
                .map(|(_, h)| *h)
        });
        let expected = match cached {
            Some(h) => h,
            None => {
                let h = self.session_auth_hash(&user.password_hash);
                if let Ok(mut c) = self.inner.auth_hash_cache.write() {
                    if c.len() >= 100_000 {
                        c.clear();
                    }
                    c.insert(user.id, (user.password_hash.clone(), h));
                }
                h
            }
        };
        stored.matches(&expected)
    }

    /// The session cookie's name (with the `__Host-` prefix when configured), computed once.
    pub fn cookie_name(&self) -> &str {
        &self.inner.cookie_name
    }

    /// Checks an identifier (username or email, as `login_fields` allow) and password.
    ///
    /// Every failure is [`AuthError::InvalidCredentials`]: unknown user, wrong password,
    /// unusable or malformed stored hash, inactive account. Each costs one hash, so timing
    /// does not tell them apart. A correct password stored in an old format is rehashed.
    pub async fn authenticate(&self, identifier: &str, password: &str) -> Result<User, AuthError> {
        self.authenticate_from(identifier, password, None).await
    }

    /// [`authenticate`](Self::authenticate) for a client at `client` (its IP address), with
    /// brute-force protection:
    /// - after `login_failures_per_client` failures for one identifier from one address within
    ///   `login_failure_window_secs`, that pair is locked out ([`AuthError::Throttled`]) until
    ///   the window ends; a success from that address clears its count;
    /// - after `login_failures_per_ip` failures from one address (any identifier), the address
    ///   is locked out likewise;
    /// - failures for one identifier from all addresses only raise an `account_under_attack`
    ///   warning at `login_failures_alert_per_account`: locking the account itself would let
    ///   anyone lock its owner out. Unknown identifiers are counted like known ones, so
    ///   lockouts say nothing about which accounts exist.
    ///
    /// If the counters cannot be read or written, the login is refused (fail closed).
    pub async fn authenticate_from(
        &self,
        identifier: &str,
        password: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<User, AuthError> {
        let cfg = &self.inner.config;
        let attempts = &self.inner.attempts;
        let window = cfg.login_failure_window_secs;
        let ident = crate::user::fold_case(identifier.trim());
        let client_str = client.map(|c| c.to_string()).unwrap_or_default();
        let pair = format!("pair:{client_str}|{ident}");
        let ip = client.map(|c| format!("ip:{c}"));
        // Each attempt reserves its place in the counters before any hashing, atomically in the
        // store: a burst of parallel attempts gets exactly as many password checks as the
        // limits allow one at a time, and the rest are refused without a hash.
        let throttled = || {
            tracing::warn!(event = "lockout", client = %client_str, "login refused: too many failures");
            Err(AuthError::Throttled {
                retry_after_secs: window,
            })
        };
        let reserved = attempts.record_failure(&pair, window).await?;
        if reserved > cfg.login_failures_per_client {
            return throttled();
        }
        if let Some(ip) = &ip
            && attempts.record_failure(ip, window).await? > cfg.login_failures_per_ip
        {
            // This attempt was never made: give the pair its place back.
            if let Err(e) = attempts.release(&pair).await {
                tracing::warn!(error = %e, "could not release a failed-login reservation");
            }
            return throttled();
        }
        match self.check_credentials(identifier, password).await {
            Ok(user) => {
                if let Err(e) = attempts.clear(&pair).await {
                    tracing::warn!(error = %e, "could not clear failed-login count");
                }
                if let Some(ip) = &ip
                    && let Err(e) = attempts.release(ip).await
                {
                    tracing::warn!(error = %e, "could not release a failed-login reservation");
                }
                Ok(user)
            }
            Err(AuthError::InvalidCredentials) => {
                // The reservations stand as the failure.
                let total = attempts
                    .record_failure(&format!("acct:{ident}"), window)
                    .await?;
                if total == cfg.login_failures_alert_per_account {
                    tracing::warn!(
                        event = "account_under_attack",
                        failures = total,
                        "many failed logins for one identifier from several addresses"
                    );
                }
                // This attempt's own place in the count: the one that reaches the limit logs it.
                if reserved == cfg.login_failures_per_client {
                    tracing::warn!(event = "lockout", client = %client_str, "client locked out after repeated failures");
                }
                Err(AuthError::InvalidCredentials)
            }
            Err(e) => {
                // Nothing was checked (a store or the hashing pool is down): no failure counts.
                for key in std::iter::once(&pair).chain(ip.as_ref()) {
                    if let Err(e) = attempts.release(key).await {
                        tracing::warn!(error = %e, "could not release a failed-login reservation");
                    }
                }
                Err(e)
            }
        }
    }

    /// Counts one use of a limited action under `key` in a window of `window_secs`, and says
    /// whether it is within `limit` (atomic in the attempt store, so parallel requests cannot
    /// overshoot). Fails closed: a store error is an error, not a pass.
    pub async fn rate_limit(
        &self,
        key: &str,
        limit: u32,
        window_secs: u64,
    ) -> Result<bool, StoreError> {
        let n = self
            .inner
            .attempts
            .record_failure(&format!("rate:{key}"), window_secs)
            .await?;
        Ok(n <= limit)
    }

    /// [`rate_limit`](Self::rate_limit) of `action` per client address per hour; requests
    /// without a known address share one counter.
    pub async fn rate_limit_client(
        &self,
        action: &str,
        client: Option<std::net::IpAddr>,
        per_hour: u32,
    ) -> Result<bool, StoreError> {
        let client = client.map(|c| c.to_string()).unwrap_or_default();
        self.rate_limit(&format!("{action}:{client}"), per_hour, 3600)
            .await
    }

    async fn check_credentials(&self, identifier: &str, password: &str) -> Result<User, AuthError> {
        if password.len() > MAX_PASSWORD_BYTES || identifier.len() > 512 {
            return Err(AuthError::InvalidCredentials);
        }
        let identifier = identifier.trim();
        let mut found = None;
        // An identifier with `@` is an address first: a username that equals someone's email
        // (possible in data from before `@` was refused in usernames) never takes over it.
        let fields = &self.inner.config.login_fields;
        let email_first = identifier.contains('@') && fields.contains(&LoginField::Email);
        let order: &[LoginField] = if email_first {
            &[LoginField::Email, LoginField::Username]
        } else {
            fields
        };
        for field in order.iter().filter(|f| fields.contains(f)) {
            found = match field {
                LoginField::Username => self.inner.users.find_by_username(identifier).await?,
                LoginField::Email if identifier.contains('@') => {
                    self.inner.users.find_by_email(identifier).await?
                }
                LoginField::Email => None,
            };
            if found.is_some() {
                break;
            }
        }
        let pool = &self.inner.pool;
        let Some(mut user) = found else {
            pool.verify_dummy(password.to_owned()).await?;
            tracing::info!(
                event = "login_failed",
                reason = "unknown_user",
                "login failed"
            );
            return Err(AuthError::InvalidCredentials);
        };
        let ok = if password::is_usable(&user.password_hash) {
            match pool
                .verify(password.to_owned(), user.password_hash.clone())
                .await
            {
                Ok(ok) => ok,
                Err(PasswordError::PoolClosed) => return Err(PasswordError::PoolClosed.into()),
                Err(e) => {
                    tracing::error!(user_id = user.id, error = %e, "stored password hash cannot be read; login refused");
                    false
                }
            }
        } else {
            pool.verify_dummy(password.to_owned()).await?;
            false
        };
        if !ok || !user.is_active {
            tracing::info!(event = "login_failed", user_id = user.id, "login failed");
            return Err(AuthError::InvalidCredentials);
        }
        if password::needs_rehash(&user.password_hash) {
            match pool.hash(password.to_owned()).await {
                Ok(new) => match self.inner.users.set_password_hash(user.id, &new).await {
                    Ok(()) => {
                        tracing::info!(user_id = user.id, "password rehashed to argon2id");
                        user.password_hash = new;
                    }
                    Err(e) => tracing::warn!(user_id = user.id, error = %e, "rehash not saved"),
                },
                Err(e) => tracing::warn!(user_id = user.id, error = %e, "rehash failed"),
            }
        }
        Ok(user)
    }

    fn new_record(
        &self,
        user: Option<&User>,
        data: BTreeMap<String, serde_json::Value>,
    ) -> SessionRecord {
        let now = now_unix();
        let mut rec = SessionRecord {
            id: SessionId::generate(),
            user_id: user.map(|u| u.id),
            auth_hash: user.map(|u| self.session_auth_hash(&u.password_hash)),
            data,
            created_at: now,
            last_seen: now,
            expires_at: 0,
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
        let user = match rec.user_id {
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
    /// once (an in-memory map, a local SQLite file: see [`SessionStore::load_now`]) and nothing
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
        let user = match rec.user_id {
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
            let valid = user.filter(|u| {
                u.is_active
                    && rec
                        .auth_hash
                        .as_ref()
                        .is_some_and(|h| self.session_hash_matches(u, h))
            });
            match valid {
                Some(u) => st.user = Some(u),
                None => return Err("user missing, inactive or password changed"),
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

    /// Logs `user` in on this session: a new session id (the old record is deleted), the
    /// session's data kept unless it belonged to another user, `last_login` updated.
    pub async fn login(&self, st: &mut SessionState, user: &User) -> Result<(), AuthError> {
        let old = st.record.take();
        let mut data = BTreeMap::new();
        if let Some(old) = old {
            self.inner.sessions.delete(&old.id).await?;
            if old.user_id.is_none() || old.user_id == Some(user.id) {
                data = old.data;
            }
        }
        let rec = self.new_record(Some(user), data);
        self.inner.sessions.save(&rec).await?;
        let now = OffsetDateTime::now_utc();
        self.inner.users.set_last_login(user.id, now).await?;
        let mut user = user.clone();
        user.last_login = Some(now);
        tracing::info!(event = "login", user_id = user.id, "user logged in");
        st.record = Some(rec);
        st.user = Some(Arc::new(user));
        st.dirty = false;
        Ok(())
    }

    /// Logs out: deletes the server-side session; only `logout_preserve_session_keys` survive,
    /// in a new anonymous session with a new id.
    pub async fn logout(&self, st: &mut SessionState) -> Result<(), AuthError> {
        let user_id = st.user.as_ref().map(|u| u.id);
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
            let rec = self.new_record(None, data);
            self.inner.sessions.save(&rec).await?;
            st.record = Some(rec);
        }
        tracing::info!(event = "logout", user_id, "user logged out");
        Ok(())
    }

    /// Saves what changed during the request and says what the cookie must become.
    pub async fn commit(&self, st: &mut SessionState) -> Result<CookieUpdate, StoreError> {
        if st.dirty
            && let Some(rec) = &st.record
        {
            self.inner.sessions.save(rec).await?;
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
                let max_age =
                    (rec.created_at + cfg.session_absolute_timeout_secs as i64 - now_unix()).max(0);
                CookieUpdate::Set(set_cookie(cfg, rec.id.as_str(), max_age))
            }
            (None, Some(_)) if !st.keep_cookie => CookieUpdate::Set(set_cookie(cfg, "", 0)),
            _ => CookieUpdate::Keep,
        }
    }

    /// Stores `value` under `key` in the session, creating an anonymous session if needed.
    pub fn session_insert(&self, st: &mut SessionState, key: &str, value: serde_json::Value) {
        if st.record.is_none() {
            st.record = Some(self.new_record(None, BTreeMap::new()));
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

    /// The secret key's bytes (for tokens derived from it).
    pub(crate) fn secret(&self) -> &[u8] {
        &self.inner.secret
    }

    /// Checks a new password against every configured rule (see [`crate::validators`]) and the
    /// confirmation; messages a user can act on. `username` and `email` feed the similarity
    /// rule.
    pub fn validate_new_password(
        &self,
        password: &str,
        confirm: &str,
        username: &str,
        email: &str,
    ) -> Vec<String> {
        let mut errors =
            crate::validators::validate_password(&self.inner.config, password, username, email);
        if password != confirm {
            errors.push(self.inner.config.messages.password_mismatch.clone());
        }
        errors
    }

    /// Normalises and validates a new account's username and email, as registration and the
    /// `createuser` admin command do: the username in NFKC, at most 150 characters of letters,
    /// digits and `@.+-_` (no `@` when `login_fields` includes email, so a username can never
    /// be someone's address); the email normalised and validated like Django's
    /// `EmailValidator`, or empty (admin commands may create users without one, as Django's
    /// `createsuperuser` does). Returns the normalised pair, or every problem found.
    pub fn validate_identity(
        &self,
        username: &str,
        email: &str,
    ) -> Result<(String, String), FormErrors> {
        let (u, e, mut errors) = self.check_identity(username, email);
        if email.trim().is_empty() {
            errors.fields.remove("email");
        }
        if errors.is_empty() {
            Ok((u, e))
        } else {
            Err(errors)
        }
    }

    fn check_identity(&self, username: &str, email: &str) -> (String, String, FormErrors) {
        let cfg = &self.inner.config;
        let m = &cfg.messages;
        let mut errors = FormErrors::default();
        let username = crate::names::normalize_username(username);
        if username.is_empty() {
            errors.field("username", &m.username_required);
        } else if username.chars().count() > 150 {
            errors.field("username", &m.username_too_long);
        } else if !username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_'))
        {
            errors.field("username", &m.username_invalid);
        } else if username.contains('@') && cfg.login_fields.contains(&LoginField::Email) {
            errors.field("username", &m.username_no_at);
        }
        let email = email.trim();
        let email = if email.is_empty() {
            errors.field("email", &m.email_required);
            String::new()
        } else {
            match crate::names::normalize_email(email) {
                Some(e) => e,
                None => {
                    errors.field("email", &m.email_invalid);
                    String::new()
                }
            }
        };
        (username, email, errors)
    }

    /// Validates a registration and creates an active user.
    ///
    /// All field checks run first. Only a valid form reaches the store, and the password is
    /// hashed before the uniqueness check, so a taken username or email costs the same time as
    /// a new one. A taken username and a taken email give one form-level message
    /// (`messages.account_unavailable`) that does not say which.
    pub async fn register(&self, reg: &Registration) -> Result<User, RegisterError> {
        let m = &self.inner.config.messages;
        let (username, email, mut errors) = self.check_identity(&reg.username, &reg.email);
        let username = username.as_str();
        for e in
            self.validate_new_password(&reg.password, &reg.confirm_password, username, &reg.email)
        {
            errors.field("password", &e);
        }
        if !errors.is_empty() {
            return Err(RegisterError::Invalid(errors));
        }
        let hash = self.inner.pool.hash(reg.password.clone()).await?;
        match self
            .inner
            .users
            .create_user(NewUser::new(username, email, hash))
            .await
        {
            Ok(user) => {
                tracing::info!(event = "registered", user_id = user.id, "user registered");
                Ok(user)
            }
            Err(StoreError::Conflict { field }) => {
                tracing::info!(
                    event = "register_conflict",
                    field,
                    "registration refused: taken"
                );
                let mut errors = FormErrors::default();
                errors.form.push(m.account_unavailable.clone());
                Err(RegisterError::Invalid(errors))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Changes the logged-in user's password after checking the old one. Every other session
    /// of the user ends; this one survives with a new id.
    pub async fn change_password(
        &self,
        st: &mut SessionState,
        old: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), PasswordChangeError> {
        let user = st.user.clone().ok_or(AuthError::NotLoggedIn)?;
        let mut errors = FormErrors::default();
        let verified = self
            .inner
            .pool
            .verify(old.to_owned(), user.password_hash.clone())
            .await
            .unwrap_or(false);
        if !verified {
            errors.field(
                "old_password",
                &self.inner.config.messages.password_incorrect,
            );
        }
        for e in self.validate_new_password(new, confirm, &user.username, &user.email) {
            errors.field("new_password", &e);
        }
        if !errors.is_empty() {
            return Err(PasswordChangeError::Invalid(errors));
        }
        let keep_others = self.inner.config.password_change_keeps_other_sessions;
        let user = self.store_password(user.id, new, keep_others).await?;
        self.login(st, &user).await?;
        Ok(())
    }

    /// Sets a user's password (admin commands, password reset) and ends all their sessions.
    pub async fn set_password(&self, user_id: UserId, new: &str) -> Result<User, AuthError> {
        self.store_password(user_id, new, false).await
    }

    /// Sets a user's password; ends all their sessions unless `keep_sessions` (the explicit
    /// opt-out, `password_change_keeps_other_sessions`).
    pub async fn store_password(
        &self,
        user_id: UserId,
        new: &str,
        keep_sessions: bool,
    ) -> Result<User, AuthError> {
        if new.len() > MAX_PASSWORD_BYTES {
            return Err(AuthError::InvalidPassword(
                self.inner.config.messages.password_too_long.clone(),
            ));
        }
        let hash = self.inner.pool.hash(new.to_owned()).await?;
        self.inner.users.set_password_hash(user_id, &hash).await?;
        let ended = if keep_sessions {
            0
        } else {
            self.inner
                .sessions
                .delete_user_sessions(user_id, None)
                .await?
        };
        log_sessions_ended(user_id, ended, "password changed");
        tracing::info!(
            event = "password_changed",
            user_id,
            sessions_ended = ended,
            "password changed"
        );
        Ok(self.existing_user(user_id).await?)
    }

    /// The user with this id, or [`StoreError::NotFound`].
    async fn existing_user(&self, user_id: UserId) -> Result<User, StoreError> {
        self.inner
            .users
            .get_user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("user {user_id}"),
            })
    }

    /// Marks a user inactive and ends every session they have.
    pub async fn deactivate(&self, user_id: UserId) -> Result<(), AuthError> {
        let mut user = self.existing_user(user_id).await?;
        user.is_active = false;
        self.inner.users.update_user(&user).await?;
        let ended = self
            .inner
            .sessions
            .delete_user_sessions(user_id, None)
            .await?;
        log_sessions_ended(user_id, ended, "user deactivated");
        tracing::info!(
            event = "user_deactivated",
            user_id,
            sessions_ended = ended,
            "user deactivated"
        );
        Ok(())
    }
}

/// `Set-Cookie` for the session cookie; `max_age` 0 deletes it.
fn set_cookie(cfg: &AuthConfig, value: &str, max_age: i64) -> String {
    let mut s = format!(
        "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
        cfg.cookie_name(),
        value,
        max_age
    );
    if cfg.cookie_secure() {
        s.push_str("; Secure");
    }
    s
}

/// Lower-cases the domain and checks the shape `local@domain.tld`.
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
    incoming: Option<SessionId>,
    record: Option<SessionRecord>,
    user: Option<Arc<User>>,
    unavailable: bool,
    keep_cookie: bool,
    dirty: bool,
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

/// A registration form's fields.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Registration {
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
    /// The password again.
    pub confirm_password: String,
}

impl Registration {
    /// A form whose confirmation equals the password.
    pub fn new(username: &str, email: &str, password: &str) -> Self {
        Registration {
            username: username.into(),
            email: email.into(),
            password: password.into(),
            confirm_password: password.into(),
        }
    }
}

/// Validation messages: per field, and for the form as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FormErrors {
    /// Messages per field name.
    pub fields: BTreeMap<String, Vec<String>>,
    /// Messages about the whole form.
    pub form: Vec<String>,
}

impl FormErrors {
    fn field(&mut self, name: &str, msg: &str) {
        self.fields
            .entry(name.to_owned())
            .or_default()
            .push(msg.to_owned());
    }

    /// Whether there are no messages.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_empty()
    }
}

impl std::fmt::Display for FormErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<String> = self
            .form
            .iter()
            .cloned()
            .chain(
                self.fields
                    .iter()
                    .flat_map(|(k, v)| v.iter().map(move |m| format!("{k}: {m}"))),
            )
            .collect();
        f.write_str(&all.join("; "))
    }
}

/// A registration that did not go through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The form has errors to show the user.
    #[error("registration invalid: {0}")]
    Invalid(FormErrors),
    /// A store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// A password change that did not go through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordChangeError {
    /// The form has errors to show the user.
    #[error("password change invalid: {0}")]
    Invalid(FormErrors),
    /// Anything else.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Logs `ended` sessions of `user_id` ended for `reason` (nothing when there were none).
fn log_sessions_ended(user_id: UserId, ended: u64, reason: &'static str) {
    if ended > 0 {
        tracing::info!(
            event = "session_invalidated",
            reason,
            user_id,
            sessions = ended,
            "sessions ended"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let cfg = AuthConfig::default();
        let c = set_cookie(&cfg, "abc", 10);
        assert_eq!(
            c,
            "sessionid=abc; Path=/; Max-Age=10; HttpOnly; SameSite=Lax"
        );
        let cfg = AuthConfig {
            session_cookie_host_prefix: true,
            ..AuthConfig::default()
        };
        assert!(set_cookie(&cfg, "abc", 10).starts_with("__Host-sessionid=abc; Path=/;"));
        assert!(set_cookie(&cfg, "abc", 10).ends_with("; Secure"));
    }
}
