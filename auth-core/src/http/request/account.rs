//! The signed-in user's own account, from a handler: their sessions (list them, end one, end
//! all others), a change of address, deleting the account.

use std::sync::Arc;

use crate::error::AuthError;
use crate::http::request::AuthHandle;
use crate::service::{AccountFormError, EmailChangeRequest, SessionInfo};
use crate::user::User;

impl AuthHandle {
    fn signed_in(&self) -> Result<Arc<User>, AuthError> {
        self.user.clone().ok_or(AuthError::NotLoggedIn)
    }

    /// The logged-in user's live sessions, this one first (see [`SessionInfo`]).
    /// [`AuthError::NotLoggedIn`] for an anonymous request; a store that cannot list sessions
    /// answers [`StoreError::Unsupported`](crate::error::StoreError::Unsupported) inside
    /// [`AuthError::Store`].
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, AuthError> {
        let user = self.signed_in()?;
        let current = self.req.state.lock().await.record().map(|r| r.id.clone());
        Ok(self
            .req
            .service
            .list_sessions(&user.id, current.as_ref())
            .await?)
    }

    /// Ends the logged-in user's session named `handle` ([`SessionInfo::handle`]); `false`
    /// when they have no such session. Naming this request's own session logs out.
    pub async fn end_session(&mut self, handle: &str) -> Result<bool, AuthError> {
        let user = self.signed_in()?;
        let current = self.req.state.lock().await.record().map(|r| r.handle());
        if current.as_deref() == Some(handle) {
            self.logout().await?;
            return Ok(true);
        }
        Ok(self
            .req
            .service
            .end_session_by_handle(&user.id, handle)
            .await?)
    }

    /// Ends every session of the logged-in user except this one; how many ended.
    pub async fn end_other_sessions(&self) -> Result<u64, AuthError> {
        let user = self.signed_in()?;
        let current = self.req.state.lock().await.record().map(|r| r.id.clone());
        let Some(current) = current else {
            return Err(AuthError::NotLoggedIn);
        };
        Ok(self
            .req
            .service
            .end_other_sessions(&user.id, &current)
            .await?)
    }

    /// Checks a change-of-address request (the password again, the new address); see
    /// [`AuthService::request_email_change`](crate::service::AuthService::request_email_change).
    /// Nothing changes until the mailed link is followed.
    pub async fn request_email_change(
        &self,
        password: &str,
        new_email: &str,
    ) -> Result<EmailChangeRequest, AccountFormError> {
        let st = self.req.state.lock().await;
        self.req
            .service
            .request_email_change(&st, password, new_email)
            .await
    }

    /// Deletes or deactivates the logged-in user's account (as `account_deletion` says) after
    /// checking the password again; every session of theirs ends and this request is logged
    /// out.
    pub async fn delete_account(&mut self, password: &str) -> Result<(), AccountFormError> {
        let mut st = self.req.state.lock().await;
        self.req.service.delete_account(&mut st, password).await?;
        drop(st);
        self.user = None;
        self.switched = Some(Arc::default());
        self.rotate_csrf();
        Ok(())
    }
}
