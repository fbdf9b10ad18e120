//! The signed-in user's own sessions, from a handler: list them, end one, end all others.

use std::sync::Arc;

use crate::error::AuthError;
use crate::http::request::AuthHandle;
use crate::service::SessionInfo;
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
}
