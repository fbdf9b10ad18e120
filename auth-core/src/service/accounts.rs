//! Accounts: registration, password changes (by the user, by an admin, by reset) and
//! deactivation, each with its validation.

use crate::config::LoginField;
use crate::error::{AuthError, StoreError};
use crate::password::PasswordError;
use crate::user::{NewUser, User, UserId};

use super::{AuthService, SessionState};
use crate::validators::{FormErrors, MAX_PASSWORD_BYTES};

impl AuthService {
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

    /// Validates a registration and creates an active user (inactive and waiting for
    /// verification, with `require_email_verification`: mail it
    /// [`email_verification_token`](Self::email_verification_token)'s link).
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
        let verify = self.inner.config.require_email_verification;
        let mut new = NewUser::new(username, email, hash);
        // With verification, the account starts inactive and marked; the link activates it.
        new.is_active = !verify;
        match self.inner.users.create_user(new).await {
            Ok(user) => {
                if verify {
                    self.inner
                        .users
                        .set_email_unverified(&user.id, true)
                        .await?;
                }
                tracing::info!(event = "registered", user_id = %user.id, verification_pending = verify, "user registered");
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
        // Wrong current passwords count like failed logins, per account.
        if !self.reauthenticate(&user, old).await? {
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
        let user = self.store_password(&user.id, new, keep_others).await?;
        // The session continues under a new id, as it was opened (address, remember me).
        let meta = st
            .record
            .as_ref()
            .map(|r| r.meta.clone())
            .unwrap_or_default();
        self.login_with(st, &user, meta).await?;
        Ok(())
    }

    /// Sets a user's password (admin commands, password reset) and ends all their sessions.
    pub async fn set_password(&self, user_id: &UserId, new: &str) -> Result<User, AuthError> {
        self.store_password(user_id, new, false).await
    }

    /// Sets a user's password; ends all their sessions unless `keep_sessions` (the explicit
    /// opt-out, `password_change_keeps_other_sessions`).
    pub async fn store_password(
        &self,
        user_id: &UserId,
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
            user_id = %user_id,
            sessions_ended = ended,
            "password changed"
        );
        Ok(self.existing_user(user_id).await?)
    }

    /// The user with this id, or [`StoreError::NotFound`].
    async fn existing_user(&self, user_id: &UserId) -> Result<User, StoreError> {
        self.inner
            .users
            .get_user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("user {user_id}"),
            })
    }

    /// Marks a user inactive and ends every session they have.
    pub async fn deactivate(&self, user_id: &UserId) -> Result<(), AuthError> {
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
            user_id = %user_id,
            sessions_ended = ended,
            "user deactivated"
        );
        Ok(())
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
fn log_sessions_ended(user_id: &UserId, ended: u64, reason: &'static str) {
    if ended > 0 {
        tracing::info!(
            event = "session_invalidated",
            reason,
            user_id = %user_id,
            sessions = ended,
            "sessions ended"
        );
    }
}
