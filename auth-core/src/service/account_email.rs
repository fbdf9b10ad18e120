//! The account lifecycle around the address and the account itself: verifying the email of a
//! new account, changing the address, deleting the account. The links are signed like reset
//! links ([`crate::reset::make_bound_token`]); the pages mail them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::config::AccountDeletion;
use crate::error::{AuthError, StoreError};
use crate::user::{User, UserId, fold_case};
use crate::validators::FormErrors;

use super::{AuthService, SessionState};

const VERIFY: &str = "auth-core.email-verification";
const CHANGE: &str = "auth-core.email-change";

impl AuthService {
    /// The token of `user`'s verification link (`{email_verification_url}/{uid}/{token}`).
    pub fn email_verification_token(&self, user: &User) -> String {
        let now = crate::session::now_unix();
        crate::reset::make_bound_token(self.secret(), VERIFY, user, "", now)
    }

    /// The account a verification link names, if the link is live: the account exists,
    /// is inactive, waits for verification, and the token is its own and not expired.
    /// Nothing changes (the page shows a button; [`verify_email`](Self::verify_email) acts).
    pub async fn email_verification_user(
        &self,
        uid: &str,
        token: &str,
    ) -> Result<Option<User>, StoreError> {
        let Some(id) = crate::reset::decode_uid(uid) else {
            return Ok(None);
        };
        let Some(user) = self.inner.users.get_user(&id).await? else {
            return Ok(None);
        };
        let live = !user.is_active
            && crate::reset::check_bound_token(
                self.secret(),
                VERIFY,
                &user,
                "",
                token,
                crate::session::now_unix(),
                self.inner.config.email_verification_timeout_secs,
            )
            && self.inner.users.email_unverified(&id).await?;
        Ok(live.then_some(user))
    }

    /// Follows a verification link: takes the account's mark off (atomically: a link
    /// followed twice at once verifies once) and activates it. `Ok(None)` for a link that is
    /// not live.
    pub async fn verify_email(&self, uid: &str, token: &str) -> Result<Option<User>, StoreError> {
        let Some(mut user) = self.email_verification_user(uid, token).await? else {
            return Ok(None);
        };
        if !self
            .inner
            .users
            .set_email_unverified(&user.id, false)
            .await?
        {
            return Ok(None);
        }
        user.is_active = true;
        if let Err(e) = self.inner.users.update_user(&user).await {
            // Put the mark back so that the link (or a new one) can still verify.
            if let Err(e2) = self.inner.users.set_email_unverified(&user.id, true).await {
                tracing::error!(user_id = %user.id, error = %e2, "verification mark lost; the account stays inactive");
            }
            return Err(e);
        }
        tracing::info!(event = "email_verified", user_id = %user.id, "email verified; account active");
        Ok(Some(user))
    }

    /// The account that `identifier` (a username or an address) names, if it still waits
    /// for verification: the one a "send the link again" request may mail.
    pub async fn awaiting_verification(
        &self,
        identifier: &str,
    ) -> Result<Option<User>, StoreError> {
        let identifier = identifier.trim();
        if identifier.is_empty() || identifier.len() > 512 {
            return Ok(None);
        }
        let users = &self.inner.users;
        let found = match users.find_by_username(identifier).await? {
            Some(u) => Some(u),
            None if identifier.contains('@') => users.find_by_email(identifier).await?,
            None => None,
        };
        match found {
            Some(u) if !u.is_active && users.email_unverified(&u.id).await? => Ok(Some(u)),
            _ => Ok(None),
        }
    }

    /// The token of a change-of-address link for `user` to `new_email`; it names the new
    /// address, and stops working once the address (or the password) changes.
    pub fn email_change_token(&self, user: &User, new_email: &str) -> String {
        let now = crate::session::now_unix();
        let token =
            crate::reset::make_bound_token(self.secret(), CHANGE, user, &fold_case(new_email), now);
        format!("{}.{token}", URL_SAFE_NO_PAD.encode(new_email))
    }

    /// The user and new address a change-of-address link names, if it is live.
    pub async fn email_change_target(
        &self,
        uid: &str,
        token: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let (Some(id), Some((b64, token))) = (crate::reset::decode_uid(uid), token.split_once('.'))
        else {
            return Ok(None);
        };
        let Some(new_email) = (b64.len() <= 400)
            .then(|| URL_SAFE_NO_PAD.decode(b64).ok())
            .flatten()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            return Ok(None);
        };
        let Some(user) = self.inner.users.get_user(&id).await? else {
            return Ok(None);
        };
        let live = user.is_active
            && crate::reset::check_bound_token(
                self.secret(),
                CHANGE,
                &user,
                &fold_case(&new_email),
                token,
                crate::session::now_unix(),
                self.inner.config.email_verification_timeout_secs,
            );
        Ok(live.then_some((user, new_email)))
    }

    /// Follows a change-of-address link: swaps the address if it is still the one the link
    /// was made under and nobody else has the new one (one atomic step in the store). Answers
    /// the user as they are now and the old address, or `None` for a link that is not live
    /// (expired, used, or the address was taken meanwhile).
    pub async fn confirm_email_change(
        &self,
        uid: &str,
        token: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let Some((mut user, new_email)) = self.email_change_target(uid, token).await? else {
            return Ok(None);
        };
        let old = user.email.clone();
        match self
            .inner
            .users
            .change_email(&user.id, &old, &new_email)
            .await
        {
            Ok(true) => {}
            Ok(false) | Err(StoreError::Conflict { .. }) => return Ok(None),
            Err(e) => return Err(e),
        }
        user.email = new_email;
        tracing::info!(event = "email_changed", user_id = %user.id, "email address changed");
        Ok(Some((user, old)))
    }

    /// Checks the logged-in user's password again (the change-email and delete-account
    /// forms). Wrong passwords count per account like failed logins, the place reserved
    /// before the check so that parallel guesses cannot beat the limit:
    /// [`AuthError::Throttled`] past `login_failures_per_client` in the window.
    pub async fn reauthenticate(&self, user: &User, password: &str) -> Result<bool, AuthError> {
        let c = &self.inner.config;
        let key = format!("reauth:{}", user.id);
        let attempts = &self.inner.attempts;
        if attempts
            .record_failure(&key, c.login_failure_window_secs)
            .await?
            > c.login_failures_per_client
        {
            tracing::warn!(event = "reauth_throttled", user_id = %user.id, "password re-entry refused: too many wrong passwords");
            return Err(AuthError::Throttled {
                retry_after_secs: c.login_failure_window_secs,
            });
        }
        let ok = crate::password::is_usable(&user.password_hash)
            && self
                .inner
                .pool
                .verify(password.to_owned(), user.password_hash.clone())
                .await
                .unwrap_or(false);
        if ok {
            attempts.release(&key).await?;
        } else {
            tracing::warn!(event = "reauth_failed", user_id = %user.id, "wrong password re-entered");
        }
        Ok(ok)
    }

    /// Checks a change-of-address request of the logged-in user: the password, and the new
    /// address (valid, not the current one). Answers the user and the normalised address to
    /// mail the link to, and whether another account has it (then the caller mails nothing
    /// and says the same, so the form does not tell which addresses have accounts).
    pub async fn request_email_change(
        &self,
        st: &SessionState,
        password: &str,
        new_email: &str,
    ) -> Result<EmailChangeRequest, AccountFormError> {
        let user = st.user.clone().ok_or(AuthError::NotLoggedIn)?;
        let m = &self.inner.config.messages;
        let mut errors = FormErrors::default();
        let email = crate::names::normalize_email(new_email.trim());
        match &email {
            _ if new_email.trim().is_empty() => errors.field("new_email", &m.email_required),
            None => errors.field("new_email", &m.email_invalid),
            Some(e) if fold_case(e) == fold_case(&user.email) => {
                errors.field("new_email", &m.email_change_same)
            }
            Some(_) => {}
        }
        if !self.reauthenticate(&user, password).await? {
            errors.field("password", &m.password_incorrect);
        }
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(AccountFormError::Invalid(errors));
        };
        let taken = self
            .inner
            .users
            .find_by_email(&email)
            .await
            .map_err(AuthError::from)?
            .is_some_and(|other| other.id != user.id);
        Ok(EmailChangeRequest {
            user: User::clone(&user),
            new_email: email,
            taken,
        })
    }

    /// Deletes (or deactivates, as `account_deletion` says) the logged-in user's account
    /// after checking the password again, ends every session of theirs, and logs this one
    /// out.
    pub async fn delete_account(
        &self,
        st: &mut SessionState,
        password: &str,
    ) -> Result<(), AccountFormError> {
        let user = st.user.clone().ok_or(AuthError::NotLoggedIn)?;
        let mode = self.inner.config.account_deletion;
        if mode == AccountDeletion::Off {
            return Err(AuthError::Store(StoreError::unsupported("account_deletion")).into());
        }
        if !self.reauthenticate(&user, password).await? {
            let mut errors = FormErrors::default();
            errors.field("password", &self.inner.config.messages.password_incorrect);
            return Err(AccountFormError::Invalid(errors));
        }
        // The account first: when the store cannot (read-only, down), nothing is lost and the
        // user stays logged in to read the error.
        match mode {
            AccountDeletion::Delete => {
                self.inner
                    .users
                    .delete_user(&user.id)
                    .await
                    .map_err(AuthError::from)?;
                self.end_all_sessions(&user.id).await?;
            }
            _ => self.deactivate(&user.id).await?,
        }
        self.logout(st).await?;
        tracing::info!(
            event = "account_deleted",
            user_id = %user.id,
            mode = if mode == AccountDeletion::Delete { "delete" } else { "deactivate" },
            "account closed by its owner"
        );
        Ok(())
    }

    async fn end_all_sessions(&self, id: &UserId) -> Result<u64, AuthError> {
        Ok(self.inner.sessions.delete_user_sessions(id, None).await?)
    }
}

/// A checked change-of-address request (see [`AuthService::request_email_change`]).
#[derive(Clone, Debug)]
pub struct EmailChangeRequest {
    /// The user.
    pub user: User,
    /// The new address, normalised.
    pub new_email: String,
    /// Whether another account has it: mail nothing, say the same.
    pub taken: bool,
}

/// A change-email or delete-account form that did not go through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountFormError {
    /// The form has errors to show the user.
    #[error("form invalid: {0}")]
    Invalid(FormErrors),
    /// Anything else.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<super::PasswordChangeError> for AccountFormError {
    fn from(e: super::PasswordChangeError) -> Self {
        match e {
            super::PasswordChangeError::Invalid(errors) => AccountFormError::Invalid(errors),
            super::PasswordChangeError::Auth(e) => AccountFormError::Auth(e),
        }
    }
}
