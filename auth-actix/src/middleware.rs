//! [`AuthMiddleware`]: loads the session once per request and writes the cookie back.

use std::future::{Future, Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, Responder};
use auth_core::adapter::RequestAuth;
use auth_core::adapter::{BAD_HOST_MESSAGE, FinishHeader, RequestHeader, Verdict};
use auth_core::{AuthService, Denial};
use futures_util::future::LocalBoxFuture;

type DenyHandler = Rc<dyn Fn(Denial, HttpRequest) -> LocalBoxFuture<'static, HttpResponse>>;

pub(crate) struct Shared {
    service: AuthService,
    on_denied: Option<DenyHandler>,
}

impl Shared {
    pub(crate) async fn deny(&self, denial: Denial, req: HttpRequest) -> HttpResponse {
        match &self.on_denied {
            Some(handler) => handler(denial, req).await,
            None => crate::response::denial_response(&denial, self.service.config()),
        }
    }
}

/// What the middleware puts in each request's extensions.
#[derive(Clone)]
pub(crate) struct RequestExt {
    pub(crate) request: std::sync::Arc<RequestAuth>,
    pub(crate) shared: Rc<Shared>,
}

/// The middleware that makes [`crate::Auth`] and the guards work. Wrap the `App` in it once.
///
/// ```
/// use auth_actix::{AuthMiddleware, AuthService, AuthConfig, Denial};
/// use actix_web::{App, HttpResponse};
///
/// let auth = AuthService::in_memory(AuthConfig::default());
/// let app = App::new().wrap(
///     AuthMiddleware::new(auth)
///         // app-wide denial handler: used by guards without their own `on_denied`
///         .on_denied(|d: Denial| async move { HttpResponse::Forbidden().body(format!("no: {}", d.requirement)) }),
/// );
/// ```
#[derive(Clone)]
pub struct AuthMiddleware {
    shared: Rc<Shared>,
}

impl std::fmt::Debug for AuthMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthMiddleware").finish_non_exhaustive()
    }
}

impl AuthMiddleware {
    /// Middleware over `service` with the built-in denial answers.
    pub fn new(service: AuthService) -> Self {
        AuthMiddleware {
            shared: Rc::new(Shared {
                service,
                on_denied: None,
            }),
        }
    }

    /// Sets the app-wide denial handler, used when a guard has no `on_denied` of its own.
    pub fn on_denied<F, Fut, R>(self, handler: F) -> Self
    where
        F: Fn(Denial) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: Responder + 'static,
    {
        let boxed: DenyHandler = Rc::new(move |d, req| {
            let fut = handler(d);
            Box::pin(async move { fut.await.respond_to(&req).map_into_boxed_body() })
        });
        AuthMiddleware {
            shared: Rc::new(Shared {
                service: self.shared.service.clone(),
                on_denied: Some(boxed),
            }),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for AuthMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = AuthMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthMiddlewareService {
            service: Rc::new(service),
            shared: self.shared.clone(),
        }))
    }
}

/// The service [`AuthMiddleware`] wraps around an app.
pub struct AuthMiddlewareService<S> {
    service: Rc<S>,
    shared: Rc<Shared>,
}

impl<S> std::fmt::Debug for AuthMiddlewareService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthMiddlewareService")
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for AuthMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let shared = self.shared.clone();
        Box::pin(async move {
            let verdict = origin_verdict(&shared.service, &req);
            if verdict == Verdict::BadHost {
                let res = HttpResponse::BadRequest()
                    .content_type("text/plain; charset=utf-8")
                    .body(BAD_HOST_MESSAGE);
                return Ok(req.into_response(res).map_into_right_body());
            }
            let cookies = req.headers().get_all(header::COOKIE).map(|v| v.as_bytes());
            let peer = req.peer_addr().map(|a| a.ip());
            let client = shared.service.config().client_ip(peer, |name| {
                req.headers().get(name).and_then(|v| v.to_str().ok())
            });
            let request = RequestAuth::load(&shared.service, cookies, client).await;
            if verdict == Verdict::CrossOrigin {
                let target = crate::response::request_info(req.request());
                let denial = request.cross_origin_denial(target);
                let res = shared.deny(denial, req.request().clone()).await;
                return Ok(req.into_response(res).map_into_right_body());
            }
            req.extensions_mut().insert(RequestExt {
                request: request.clone(),
                shared: shared.clone(),
            });
            let res = service.call(req).await?;
            // A handler's `Rejection` is answered again with the app's configuration and
            // denial handler.
            let deferred = match res
                .response()
                .error()
                .and_then(|e| e.as_error::<crate::rejection::Rejection>())
            {
                None => None,
                Some(crate::rejection::Rejection::Denied(d)) => Some(Err(d.clone())),
                Some(other) => Some(Ok(crate::rejection::render(other, shared.service.config()))),
            };
            let mut res = match deferred {
                None => res.map_into_left_body(),
                Some(answer) => {
                    let (http, _) = res.into_parts();
                    let answer = match answer {
                        Ok(a) => a,
                        Err(denial) => shared.deny(denial, http.clone()).await,
                    };
                    ServiceResponse::new(http, answer).map_into_right_body()
                }
            };
            append_finish_headers(res.headers_mut(), &request.close().await);
            Ok(res)
        })
    }
}

/// `Sec-Fetch-Site`, which has no constant of its own in the framework.
const SEC_FETCH_SITE: header::HeaderName = header::HeaderName::from_static("sec-fetch-site");

/// The cross-origin check of [`auth_core::adapter::OriginPolicy`] on this request. The header
/// names are the framework's constants: looking one up by its `&str` name parses it first.
fn origin_verdict(service: &AuthService, req: &ServiceRequest) -> Verdict {
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
    service
        .origin_policy()
        .check_request(req.method().as_str(), req.path(), authority, header)
}

/// Appends what [`RequestAuth::finish`] asks for (static values are not re-validated).
fn append_finish_headers(
    headers: &mut actix_web::http::header::HeaderMap,
    fin: &auth_core::adapter::Finish,
) {
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
