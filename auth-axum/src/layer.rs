//! [`AuthLayer`]: loads the session once per request and writes the cookie back.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use auth_core::adapter::RequestAuth;
use auth_core::adapter::{BAD_HOST_MESSAGE, FinishHeader, RequestHeader, Verdict};
use auth_core::{AuthService, Denial};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::response::DenyFuture;

type DenyHandler = Arc<dyn Fn(Denial) -> DenyFuture + Send + Sync>;

pub(crate) struct Shared {
    service: AuthService,
    on_denied: Option<DenyHandler>,
}

impl Shared {
    pub(crate) async fn deny(&self, denial: Denial) -> Response {
        match &self.on_denied {
            Some(handler) => handler(denial).await,
            None => crate::response::denial_response(&denial, self.service.config()),
        }
    }
}

/// What the layer puts in each request's extensions.
#[derive(Clone)]
pub(crate) struct RequestExt {
    pub(crate) request: Arc<RequestAuth>,
    pub(crate) shared: Arc<Shared>,
}

/// The tower layer that makes [`crate::Auth`] and the guards work. Add it once, on the router.
///
/// ```
/// use auth_axum::{AuthLayer, AuthService, AuthConfig, Denial};
/// use axum::{Router, http::StatusCode};
///
/// let layer = AuthLayer::new(AuthService::in_memory(AuthConfig::default()))
///     // app-wide denial handler: used by guards without their own `on_denied`
///     .on_denied(|d: Denial| async move { (StatusCode::FORBIDDEN, format!("no: {}", d.requirement)) });
/// let app: Router = Router::new().layer(layer);
/// ```
#[derive(Clone)]
pub struct AuthLayer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// A layer over `service` with the built-in denial answers.
    pub fn new(service: AuthService) -> Self {
        AuthLayer {
            shared: Arc::new(Shared {
                service,
                on_denied: None,
            }),
        }
    }

    /// Sets the app-wide denial handler, used when a guard has no `on_denied` of its own.
    pub fn on_denied<F, Fut, R>(self, handler: F) -> Self
    where
        F: Fn(Denial) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        let handler = Arc::new(handler);
        let boxed: DenyHandler = Arc::new(move |d| {
            let fut = handler(d);
            Box::pin(async move { fut.await.into_response() })
        });
        AuthLayer {
            shared: Arc::new(Shared {
                service: self.shared.service.clone(),
                on_denied: Some(boxed),
            }),
        }
    }

    /// The service this layer uses.
    pub fn service(&self) -> &AuthService {
        &self.shared.service
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthMiddleware<S>;
    fn layer(&self, inner: S) -> AuthMiddleware<S> {
        AuthMiddleware {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around a router.
#[derive(Clone)]
pub struct AuthMiddleware<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> std::fmt::Debug for AuthMiddleware<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthMiddleware").finish_non_exhaustive()
    }
}

impl<S> Service<Request> for AuthMiddleware<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        Box::pin(async move {
            let verdict = origin_verdict(&shared.service, &req);
            if verdict == Verdict::BadHost {
                return Ok((StatusCode::BAD_REQUEST, BAD_HOST_MESSAGE).into_response());
            }
            let cookies = req
                .headers()
                .get_all(header::COOKIE)
                .iter()
                .map(|v| v.as_bytes());
            let peer = req
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip());
            let client = shared.service.config().client_ip(peer, |name| {
                req.headers().get(name).and_then(|v| v.to_str().ok())
            });
            let request = RequestAuth::load(&shared.service, cookies, client).await;
            if verdict == Verdict::CrossOrigin {
                let target = crate::response::request_info(req.method(), req.uri(), req.headers());
                return Ok(shared.deny(request.cross_origin_denial(target)).await);
            }
            req.extensions_mut().insert(RequestExt {
                request: request.clone(),
                shared: shared.clone(),
            });
            let mut res = inner.call(req).await?;
            if let Some(crate::rejection::Deferred(r)) =
                res.extensions_mut().remove::<crate::rejection::Deferred>()
            {
                res = match &*r {
                    crate::rejection::Rejection::Denied(d) => shared.deny(d.clone()).await,
                    other => crate::rejection::render(other, shared.service.config()),
                };
            }
            append_finish_headers(res.headers_mut(), &request.close().await);
            Ok(res)
        })
    }
}

/// `Sec-Fetch-Site`, which has no constant of its own in the framework.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The cross-origin check of [`auth_core::adapter::OriginPolicy`] on this request. The header
/// names are the framework's constants: looking one up by its `&str` name parses it first.
fn origin_verdict(service: &AuthService, req: &Request) -> Verdict {
    let authority = req.uri().authority().map(|a| a.as_str().as_bytes());
    let header = |h: RequestHeader| {
        let name = match h {
            RequestHeader::Origin => header::ORIGIN,
            RequestHeader::SecFetchSite => SEC_FETCH_SITE,
            RequestHeader::Host => header::HOST,
            RequestHeader::Upgrade => header::UPGRADE,
        };
        req.headers().get(name).map(HeaderValue::as_bytes)
    };
    service.origin_policy().check_request(
        req.method().as_str(),
        req.uri().path(),
        authority,
        header,
    )
}

/// Appends what [`RequestAuth::finish`] asks for (static values are not re-validated).
fn append_finish_headers(headers: &mut axum::http::HeaderMap, fin: &auth_core::adapter::Finish) {
    for h in fin.headers(headers.contains_key(header::CACHE_CONTROL)) {
        let (name, value) = match h {
            FinishHeader::SetCookie(c) => match HeaderValue::from_str(c) {
                Ok(v) => (header::SET_COOKIE, v),
                Err(_) => continue,
            },
            FinishHeader::NoStore => (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            FinishHeader::VaryCookie => (header::VARY, HeaderValue::from_static("Cookie")),
        };
        headers.append(name, value);
    }
}
