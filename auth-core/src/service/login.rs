//! Checking credentials: [`AuthService::authenticate`], the per-account and per-client
//! lockout around it, and the generic rate limits the pages use.

use crate::config::LoginField;
use crate::error::{AuthError, StoreError};
use crate::password::{self, PasswordError};
use crate::user::User;

use super::AuthService;
use crate::validators::MAX_PASSWORD_BYTES;

impl AuthService {
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
        let checked = self.check_credentials(identifier, password).await;
        match checked {
            // The right password: the counters clear either way.
            Ok(_) | Err(AuthError::EmailNotVerified) => {
                if let Err(e) = attempts.clear(&pair).await {
                    tracing::warn!(error = %e, "could not clear failed-login count");
                }
                if let Some(ip) = &ip
                    && let Err(e) = attempts.release(ip).await
                {
                    tracing::warn!(error = %e, "could not release a failed-login reservation");
                }
                checked
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
                    tracing::error!(user_id = %user.id, error = %e, "stored password hash cannot be read; login refused");
                    false
                }
            }
        } else {
            pool.verify_dummy(password.to_owned()).await?;
            false
        };
        if ok
            && !user.is_active
            && self.inner.config.require_email_verification
            && self.inner.users.email_unverified(&user.id).await?
        {
            tracing::info!(event = "login_refused", reason = "email_not_verified", user_id = %user.id, "login refused: email not verified");
            return Err(AuthError::EmailNotVerified);
        }
        if !ok || !user.is_active {
            tracing::info!(event = "login_failed", user_id = %user.id, "login failed");
            return Err(AuthError::InvalidCredentials);
        }
        if pool.hasher().needs_rehash(&user.password_hash) && self.inner.users.is_writable() {
            match pool.hash(password.to_owned()).await {
                Ok(new) => match self.inner.users.set_password_hash(&user.id, &new).await {
                    Ok(()) => {
                        tracing::info!(user_id = %user.id, "password rehashed to argon2id");
                        user.password_hash = new;
                    }
                    Err(e) => tracing::warn!(user_id = %user.id, error = %e, "rehash not saved"),
                },
                Err(e) => tracing::warn!(user_id = %user.id, error = %e, "rehash failed"),
            }
        }
        Ok(user)
    }
}
