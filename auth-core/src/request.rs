//! The per-request auth state both adapters share: their middleware loads a
//! [`RequestAuth`] once per request, their `Auth` extractors wrap an [`AuthHandle`] to it, and
//! the middleware calls [`RequestAuth::finish`] after the handler.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, OnceCell};

use crate::error::{AuthError, StoreError};
use crate::guard::AuthContext;
use crate::permission::Grants;
use crate::service::{AuthService, CookieUpdate, PasswordChangeError, SessionState};
use crate::session::session_id_from_cookie_header;
use crate::user::User;

/// One request's session, loaded once by the adapter's middleware.
pub struct RequestAuth {
    service: AuthService,
    state: Mutex<SessionState>,
    user: Option<Arc<User>>,
    grants: Arc<OnceCell<Arc<Grants>>>,
    unavailable: bool,
}

/// What the middleware must add to the response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finish {
    /// A `Set-Cookie` header value, when the session cookie changes.
    pub set_cookie: Option<String>,
    /// Whether a user was logged in at any point of the request; the response then gets
    /// `Cache-Control: no-store`.
    pub authenticated: bool,
    /// Whether saving the session failed (the adapter answers 503 rather than pretend).
    pub failed: bool,
}

impl RequestAuth {
    /// Loads the session named by the request's `Cookie` headers.
    pub async fn load<'h>(
        service: &AuthService,
        cookie_headers: impl IntoIterator<Item = &'h str>,
    ) -> Arc<Self> {
        let name = service.config().cookie_name();
        let id = cookie_headers
            .into_iter()
            .find_map(|h| session_id_from_cookie_header(h, &name));
        let state = service.load_session(id).await;
        Arc::new(RequestAuth {
            service: service.clone(),
            user: state.user().cloned(),
            unavailable: state.is_unavailable(),
            state: Mutex::new(state),
            grants: Arc::default(),
        })
    }

    /// A handle for an extractor.
    pub fn handle(self: &Arc<Self>) -> AuthHandle {
        AuthHandle {
            req: self.clone(),
            user: self.user.clone(),
            grants: self.grants.clone(),
        }
    }

    /// Saves the session and says what the response needs. Call once, after the handler.
    pub async fn finish(&self) -> Finish {
        let mut st = self.state.lock().await;
        let authenticated = self.user.is_some() || st.user().is_some();
        match self.service.commit(&mut st).await {
            Ok(CookieUpdate::Set(c)) => Finish {
                set_cookie: Some(c),
                authenticated,
                failed: false,
            },
            Ok(CookieUpdate::Keep) => Finish {
                set_cookie: None,
                authenticated,
                failed: false,
            },
            Err(e) => {
                tracing::error!(error = %e, "could not save the session");
                Finish {
                    set_cookie: None,
                    authenticated,
                    failed: true,
                }
            }
        }
    }
}

/// The current user and session, as a handler sees it. The adapters' `Auth` extractors deref
/// to this, so every method here works the same in axum and actix-web.
#[derive(Clone)]
pub struct AuthHandle {
    req: Arc<RequestAuth>,
    user: Option<Arc<User>>,
    grants: Arc<OnceCell<Arc<Grants>>>,
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

    /// Whether a user is logged in.
    pub fn is_authenticated(&self) -> bool {
        self.user.is_some()
    }

    /// The service (stores and configuration).
    pub fn service(&self) -> &AuthService {
        &self.req.service
    }

    /// Logs `user` in: rotates the session id and sets the cookie on the response.
    pub async fn login(&mut self, user: &User) -> Result<(), AuthError> {
        let mut st = self.req.state.lock().await;
        self.req.service.login(&mut st, user).await?;
        self.user = st.user().cloned();
        self.grants = Arc::default();
        Ok(())
    }

    /// Checks credentials and logs in. Every failure is [`AuthError::InvalidCredentials`].
    pub async fn authenticate_and_login(
        &mut self,
        identifier: &str,
        password: &str,
    ) -> Result<User, AuthError> {
        let user = self.req.service.authenticate(identifier, password).await?;
        self.login(&user).await?;
        Ok(user)
    }

    /// Logs out: deletes the server-side session, keeping only the configured keys.
    pub async fn logout(&mut self) -> Result<(), AuthError> {
        let mut st = self.req.state.lock().await;
        self.req.service.logout(&mut st).await?;
        self.user = None;
        self.grants = Arc::default();
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
        self.grants = Arc::default();
        Ok(())
    }

    /// A value from the session.
    pub async fn session_get(&self, key: &str) -> Option<serde_json::Value> {
        self.req.state.lock().await.get(key).cloned()
    }

    /// Stores a value in the session (saved when the response is sent).
    pub async fn session_insert(&self, key: &str, value: serde_json::Value) {
        let mut st = self.req.state.lock().await;
        self.req.service.session_insert(&mut st, key, value);
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
        self.grants
            .get_or_try_init(|| async {
                self.req
                    .service
                    .permissions()
                    .grants(user.id)
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
