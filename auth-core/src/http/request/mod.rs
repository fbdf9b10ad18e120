//! The per-request auth state both adapters share: their middleware loads a
//! [`RequestAuth`] once per request, their `Auth` extractors wrap an [`AuthHandle`] to it, and
//! the middleware calls [`RequestAuth::finish`] after the handler.

mod account;
mod handle;

use std::sync::Arc;

use tokio::sync::{Mutex, OnceCell};

use crate::error::StoreError;
use crate::http::csrf::Nonce;
use crate::permission::Grants;
use crate::service::{AuthService, CookieUpdate, SessionState};
use crate::session::{SessionId, for_each_cookie};
use crate::user::User;

pub use crate::http::request::handle::{AuthHandle, LoginOptions, SessionCheck};

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
