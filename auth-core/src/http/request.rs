//! The per-request auth state both adapters share: their middleware loads a
//! [`RequestAuth`] once per request, their `Auth` extractors wrap an [`AuthHandle`] to it, and
//! the middleware calls [`RequestAuth::finish`] after the handler.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, OnceCell};

use crate::error::{AuthError, StoreError};
use crate::guard::AuthContext;
use crate::http::csrf::Nonce;
use crate::permission::Grants;
use crate::service::{AuthService, CookieUpdate, PasswordChangeError, SessionState};
use crate::session::{SessionId, for_each_cookie};
use crate::user::User;

/// One request's session, loaded once by the adapter's middleware.
pub struct RequestAuth {
    service: AuthService,
    state: Mutex<SessionState>,
    csrf: std::sync::Mutex<Csrf>,
    user: Option<Arc<User>>,
    /// The grants of `user`, read at most once per request.
    grants: OnceCell<Arc<Grants>>,
    unavailable: bool,
    client_ip: Option<std::net::IpAddr>,
}

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAuth")
            .field("user", &self.user.as_ref().map(|u| &u.id))
            .field("unavailable", &self.unavailable)
            .finish_non_exhaustive()
    }
}

/// The CSRF nonce of a request: the one its cookie carried, or a new one to send.
#[derive(Default)]
struct Csrf {
    nonce: Option<Nonce>,
    send: bool,
}

/// What the middleware must add to the response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finish {
    /// `Set-Cookie` header values (the session cookie, the CSRF cookie) to append.
    pub set_cookies: Vec<String>,
    /// Whether a user was logged in at any point of the request; the response then gets
    /// `Cache-Control: no-store`.
    pub authenticated: bool,
    /// Whether saving the session failed (logged; the response goes out as it is).
    pub failed: bool,
}

impl Finish {
    /// The headers to append to the response: each `Set-Cookie`, `Cache-Control: no-store`
    /// for authenticated requests (unless the handler set its own `Cache-Control`), and
    /// `Vary: Cookie`.
    pub fn headers(&self, has_cache_control: bool) -> impl Iterator<Item = FinishHeader<'_>> {
        let no_store = self.authenticated && !has_cache_control;
        self.set_cookies
            .iter()
            .map(|c| FinishHeader::SetCookie(c))
            .chain(no_store.then_some(FinishHeader::NoStore))
            .chain([FinishHeader::VaryCookie])
    }
}

/// One header [`Finish::headers`] asks for; the fixed ones are variants, so an adapter can
/// use its framework's constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishHeader<'a> {
    /// `Set-Cookie` with this value.
    SetCookie(&'a str),
    /// `Cache-Control: no-store`.
    NoStore,
    /// `Vary: Cookie`.
    VaryCookie,
}

impl FinishHeader<'_> {
    /// The header's name, lower-case (valid for any framework's `HeaderName::from_static`).
    pub fn name(&self) -> &'static str {
        match self {
            FinishHeader::SetCookie(_) => "set-cookie",
            FinishHeader::NoStore => "cache-control",
            FinishHeader::VaryCookie => "vary",
        }
    }

    /// The header's value.
    pub fn value(&self) -> &str {
        match self {
            FinishHeader::SetCookie(c) => c,
            FinishHeader::NoStore => "no-store",
            FinishHeader::VaryCookie => "Cookie",
        }
    }
}

/// The cookies of a request whose session needs the stores' async path; see
/// [`RequestAuth::start`].
#[derive(Debug)]
pub struct PendingLoad {
    id: Option<SessionId>,
    nonce: Option<Nonce>,
    client_ip: Option<std::net::IpAddr>,
}

impl PendingLoad {
    /// Loads the session through the stores' async methods.
    pub async fn load(self, service: &AuthService) -> Arc<RequestAuth> {
        let state = service.load_session(self.id).await;
        RequestAuth::new(service, state, self.nonce, self.client_ip)
    }
}

impl RequestAuth {
    /// Loads the session named by the request's `Cookie` headers (their raw bytes): in place
    /// when the stores answer at once (memory, SQLite: no await, no allocation), otherwise
    /// through their async path, boxed so that it does not make every request's future larger.
    pub async fn load<'h>(
        service: &AuthService,
        cookie_headers: impl IntoIterator<Item = &'h [u8]>,
        client_ip: Option<std::net::IpAddr>,
    ) -> Arc<Self> {
        match Self::start(service, cookie_headers, client_ip) {
            Ok(ready) => ready,
            Err(pending) => Box::pin(pending.load(service)).await,
        }
    }

    /// After the handler: saves what changed ([`finish_now`](Self::finish_now) when nothing
    /// needs saving, else [`finish`](Self::finish), boxed) and says what the response needs.
    pub async fn close(&self) -> Finish {
        match self.finish_now() {
            Some(fin) => fin,
            None => Box::pin(self.finish()).await,
        }
    }

    /// The denial for a request the cross-origin check refused, on this request's session.
    pub fn cross_origin_denial(
        self: &Arc<Self>,
        request: crate::guard::DeniedRequest,
    ) -> crate::guard::Denial {
        crate::http::origin::cross_origin_denial(request, self.handle().user().is_none())
    }

    /// Reads the cookies and loads the session at once when the stores can answer without
    /// waiting (see [`AuthService::load_session_now`]); otherwise returns what
    /// [`PendingLoad::load`] needs. The adapters call this first, so with the memory or SQLite
    /// stores a logged-in request never awaits nor allocates for its session.
    pub fn start<'h>(
        service: &AuthService,
        cookie_headers: impl IntoIterator<Item = &'h [u8]>,
        client_ip: Option<std::net::IpAddr>,
    ) -> Result<Arc<Self>, PendingLoad> {
        let name = service.cookie_name().as_bytes();
        let (mut id, mut nonce) = (None, None);
        // One pass over each header. Within a header the first pair of a name decides (a
        // malformed value counts as absent); a later header is read only if nothing was found.
        for h in cookie_headers {
            let (mut seen_id, mut seen_nonce) = (id.is_some(), nonce.is_some());
            for_each_cookie(h, |k, v| {
                if !seen_id && k == name {
                    seen_id = true;
                    id = SessionId::parse_bytes(v).ok();
                } else if !seen_nonce && k == crate::http::csrf::CSRF_COOKIE.as_bytes() {
                    seen_nonce = true;
                    nonce = Nonce::parse(v);
                }
            });
        }
        match service.load_session_now(id.clone()) {
            Some(state) => Ok(Self::new(service, state, nonce, client_ip)),
            None => Err(PendingLoad {
                id,
                nonce,
                client_ip,
            }),
        }
    }

    fn new(
        service: &AuthService,
        state: SessionState,
        nonce: Option<Nonce>,
        client_ip: Option<std::net::IpAddr>,
    ) -> Arc<Self> {
        Arc::new(RequestAuth {
            service: service.clone(),
            csrf: std::sync::Mutex::new(Csrf { nonce, send: false }),
            client_ip,
            user: state.user().cloned(),
            unavailable: state.is_unavailable(),
            state: Mutex::new(state),
            grants: OnceCell::new(),
        })
    }

    /// A handle for an extractor.
    pub fn handle(self: &Arc<Self>) -> AuthHandle {
        AuthHandle {
            req: self.clone(),
            user: self.user.clone(),
            switched: None,
        }
    }

    /// [`finish`](Self::finish) without waiting, when there is nothing to save (the usual
    /// case); `None`: call `finish`.
    pub fn finish_now(&self) -> Option<Finish> {
        let st = self.state.try_lock().ok()?;
        let update = self.service.commit_now(&st)?;
        Some(self.finish_with(&st, Ok(update)))
    }

    /// Saves the session and says what the response needs. Call once, after the handler.
    pub async fn finish(&self) -> Finish {
        let mut st = self.state.lock().await;
        let update = self.service.commit(&mut st).await;
        self.finish_with(&st, update)
    }

    fn finish_with(&self, st: &SessionState, update: Result<CookieUpdate, StoreError>) -> Finish {
        let authenticated = self.user.is_some() || st.user().is_some();
        let mut set_cookies = Vec::new();
        let mut failed = false;
        match update {
            Ok(CookieUpdate::Set(c)) => set_cookies.push(c),
            Ok(CookieUpdate::Keep) => {}
            Err(e) => {
                tracing::error!(error = %e, "could not save the session");
                failed = true;
            }
        }
        let csrf = self.csrf.lock().unwrap_or_else(|p| p.into_inner());
        if csrf.send
            && let Some(nonce) = &csrf.nonce
        {
            set_cookies.push(crate::http::csrf::set_cookie(
                self.service.config(),
                nonce.as_str(),
            ));
        }
        Finish {
            set_cookies,
            authenticated,
            failed,
        }
    }
}

/// The current user and session, as a handler sees it. The adapters' `Auth` extractors deref
/// to this, so every method here works the same in axum and actix-web.
#[derive(Clone)]
pub struct AuthHandle {
    req: Arc<RequestAuth>,
    user: Option<Arc<User>>,
    /// Grants of the user after a login, logout or password change in this request (the
    /// request's own cell belongs to the user the middleware loaded).
    switched: Option<Arc<OnceCell<Arc<Grants>>>>,
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
    pub async fn login(&mut self, user: &User) -> Result<(), AuthError> {
        let mut st = self.req.state.lock().await;
        self.req.service.login(&mut st, user).await?;
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

    fn rotate_csrf(&self) {
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
        let user = self
            .req
            .service
            .authenticate_from(identifier, password, self.req.client_ip)
            .await?;
        self.login(&user).await?;
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
