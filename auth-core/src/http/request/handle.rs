//! [`AuthHandle`]: what a handler sees of its request's auth state (the adapters' `Auth`
//! extractors deref to it), and [`SessionCheck`], a login kept alive past the request.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::RequestAuth;
use crate::error::{AuthError, StoreError};
use crate::guard::AuthContext;
use crate::http::csrf::Nonce;
use crate::permission::Grants;
use crate::service::{AuthService, PasswordChangeError};
use crate::session::SessionId;
use crate::user::User;

/// How a login keeps its session: see [`AuthHandle::login_with`].
///
/// ```
/// use auth_core::http::LoginOptions;
/// let opts = LoginOptions { remember: Some(false), user_agent: Some("curl/8.5.0") };
/// assert_eq!(LoginOptions::default().remember, None);
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginOptions<'a> {
    /// The user's "remember me" choice; `None`: not asked (`remember_me_default`). Only
    /// honoured with `remember_me_enabled`.
    pub remember: Option<bool>,
    /// The request's `User-Agent`, shown on the sessions page.
    pub user_agent: Option<&'a str>,
}

/// The current user and session, as a handler sees it. The adapters' `Auth` extractors deref
/// to this, so every method here works the same in axum and actix-web.
#[derive(Clone)]
pub struct AuthHandle {
    pub(super) req: Arc<RequestAuth>,
    pub(super) user: Option<Arc<User>>,
    /// Grants of the user after a login, logout or password change in this request (the
    /// request's own cell belongs to the user the middleware loaded).
    pub(super) switched: Option<Arc<OnceCell<Arc<Grants>>>>,
}

impl std::fmt::Debug for AuthHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHandle")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl AuthHandle {
    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.user.as_deref()
    }

    /// The logged-in user as the app's own type `T` (see [`crate::user::AuthUser`]): `None` when
    /// nobody is logged in or the store did not make this user from a `T`. The built-in
    /// [`User`] itself is also a `T`. The adapters' `CurrentUser<T>` extractors are this
    /// without the `Option`.
    pub fn user_as<T: std::any::Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let user = self.user.as_ref()?;
        if let Some(app) = user.app_arc::<T>() {
            return Some(app);
        }
        (user.clone() as Arc<dyn std::any::Any + Send + Sync>)
            .downcast::<T>()
            .ok()
    }

    /// Whether a user is logged in.
    pub fn is_authenticated(&self) -> bool {
        self.user.is_some()
    }

    /// The client's address, as the middleware determined it (see
    /// [`crate::config::AuthConfig::client_ip`]).
    pub fn client_ip(&self) -> Option<std::net::IpAddr> {
        self.req.client_ip
    }

    /// The service (stores and configuration).
    pub fn service(&self) -> &AuthService {
        &self.req.service
    }

    /// Logs `user` in: rotates the session id and the CSRF token, and sets the cookies on the
    /// response.
    /// Records the client's address with the session; [`login_with`](Self::login_with) also
    /// records the user agent and the "remember me" choice.
    pub async fn login(&mut self, user: &User) -> Result<(), AuthError> {
        self.login_with(user, &LoginOptions::default()).await
    }

    /// [`login`](Self::login) with what the request says about how to keep the session.
    pub async fn login_with(
        &mut self,
        user: &User,
        options: &LoginOptions<'_>,
    ) -> Result<(), AuthError> {
        let meta =
            self.req
                .service
                .session_meta(options.remember, self.req.client_ip, options.user_agent);
        let mut st = self.req.state.lock().await;
        self.req.service.login_with(&mut st, user, meta).await?;
        self.user = st.user().cloned();
        self.switched = Some(Arc::default());
        self.rotate_csrf();
        Ok(())
    }

    /// The CSRF token to put in a form (field [`crate::http::csrf::CSRF_FIELD`]). Creates the
    /// nonce cookie if the request had none.
    pub fn csrf_token(&self) -> String {
        let mut c = self.req.csrf.lock().unwrap_or_else(|p| p.into_inner());
        let nonce = match c.nonce {
            Some(n) => n,
            None => {
                let n = Nonce::generate();
                c.nonce = Some(n);
                c.send = true;
                n
            }
        };
        crate::http::csrf::token_for(self.req.service.secret(), nonce.as_str())
    }

    /// Whether `token` is this request's valid CSRF token. False when the request carried no
    /// CSRF cookie.
    ///
    /// Token mode (Django's `X-CSRFToken`), on top of the layer's cross-origin check: put
    /// [`csrf_token`](Self::csrf_token) into the page (a `<meta>` tag), have its script send it
    /// back in an `X-CSRFToken` header, and check that header here in the handler:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use auth_core::adapter::RequestAuth;
    /// use auth_core::{AuthConfig, AuthService};
    /// let service = AuthService::in_memory(AuthConfig::default());
    /// // The page: a browser without the CSRF cookie gets one (the layer sends it) and a token.
    /// let page = RequestAuth::load(&service, std::iter::empty::<&[u8]>(), None).await;
    /// let token = page.handle().csrf_token();
    /// let set = page.finish().await.set_cookies;
    /// let cookie = set.iter().find(|c| c.starts_with("authkit_csrf=")).unwrap();
    /// let cookie = cookie.split(';').next().unwrap();
    /// // The script's POST carries the cookie, and `X-CSRFToken: <token>`:
    /// let post = RequestAuth::load(&service, [cookie.as_bytes()], None).await;
    /// assert!(post.handle().verify_csrf(&token));
    /// assert!(!post.handle().verify_csrf("forged"));
    /// # }
    /// ```
    pub fn verify_csrf(&self, token: &str) -> bool {
        let c = self.req.csrf.lock().unwrap_or_else(|p| p.into_inner());
        match (&c.nonce, c.send) {
            (Some(nonce), false) => {
                crate::http::csrf::token_matches(self.req.service.secret(), nonce.as_str(), token)
            }
            _ => false,
        }
    }

    pub(super) fn rotate_csrf(&self) {
        let mut c = self.req.csrf.lock().unwrap_or_else(|p| p.into_inner());
        c.nonce = Some(Nonce::generate());
        c.send = true;
    }

    /// Checks credentials and logs in. Every failure is [`AuthError::InvalidCredentials`].
    pub async fn authenticate_and_login(
        &mut self,
        identifier: &str,
        password: &str,
    ) -> Result<User, AuthError> {
        self.authenticate_and_login_with(identifier, password, &LoginOptions::default())
            .await
    }

    /// [`authenticate_and_login`](Self::authenticate_and_login) with [`LoginOptions`].
    pub async fn authenticate_and_login_with(
        &mut self,
        identifier: &str,
        password: &str,
        options: &LoginOptions<'_>,
    ) -> Result<User, AuthError> {
        let user = self
            .req
            .service
            .authenticate_from(identifier, password, self.req.client_ip)
            .await?;
        self.login_with(&user, options).await?;
        Ok(user)
    }

    /// Logs out: deletes the server-side session, keeping only the configured keys.
    pub async fn logout(&mut self) -> Result<(), AuthError> {
        let mut st = self.req.state.lock().await;
        self.req.service.logout(&mut st).await?;
        self.user = None;
        self.switched = Some(Arc::default());
        self.rotate_csrf();
        Ok(())
    }

    /// Changes the password; other sessions end, this one continues with a new id.
    pub async fn change_password(
        &mut self,
        old: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), PasswordChangeError> {
        let mut st = self.req.state.lock().await;
        self.req
            .service
            .change_password(&mut st, old, new, confirm)
            .await?;
        self.user = st.user().cloned();
        self.switched = Some(Arc::default());
        Ok(())
    }

    /// A cheap, cloneable check that this request's login is still alive, for handlers of
    /// long-lived connections (WebSockets, server-sent events) that outlive the request: call
    /// [`SessionCheck::is_live`] now and then (one session-store read, no password work) and
    /// close the connection when it says no. `None` when nobody is logged in.
    ///
    /// A logout, a password change elsewhere, a deactivation or an expiry each end the session,
    /// so each makes the check fail.
    pub async fn session_check(&self) -> Option<SessionCheck> {
        let user_id = self.user.as_ref()?.id.clone();
        let st = self.req.state.lock().await;
        let id = st.record()?.id.clone();
        Some(SessionCheck {
            service: self.req.service.clone(),
            id,
            user_id,
        })
    }

    /// A value from the session.
    pub async fn session_get(&self, key: &str) -> Option<serde_json::Value> {
        self.req.state.lock().await.get(key).cloned()
    }

    /// Removes a value from the session and returns it.
    pub async fn session_take(&self, key: &str) -> Option<serde_json::Value> {
        let mut st = self.req.state.lock().await;
        self.req.service.session_remove(&mut st, key)
    }

    /// Stores a value in the session (saved when the response is sent).
    pub async fn session_insert(&self, key: &str, value: serde_json::Value) {
        let mut st = self.req.state.lock().await;
        self.req.service.session_insert(&mut st, key, value);
    }
}

/// See [`AuthHandle::session_check`].
#[derive(Clone)]
pub struct SessionCheck {
    service: AuthService,
    id: SessionId,
    user_id: crate::user::UserId,
}

impl std::fmt::Debug for SessionCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCheck")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl SessionCheck {
    /// Whether the session still exists, unexpired, for the same user. A store error answers
    /// `false` (fail closed).
    pub async fn is_live(&self) -> bool {
        match self.service.sessions().load(&self.id).await {
            Ok(Some(r)) => {
                r.user_id.as_ref() == Some(&self.user_id)
                    && r.expires_at > crate::session::now_unix()
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "session check failed: treating the session as ended");
                false
            }
        }
    }
}

#[async_trait]
impl AuthContext for AuthHandle {
    fn current_user(&self) -> Option<&User> {
        self.user.as_deref()
    }

    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        let Some(user) = &self.user else {
            return Ok(Arc::default());
        };
        let cell = self.switched.as_deref().unwrap_or(&self.req.grants);
        cell.get_or_try_init(|| async {
            self.req
                .service
                .permissions()
                .grants(&user.id)
                .await
                .map(Arc::new)
        })
        .await
        .cloned()
    }

    fn is_unavailable(&self) -> bool {
        self.req.unavailable
    }
}
