//! The [`Auth`] extractor and the [`Guard`] extractor the guard macros insert.

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::rc::Rc;

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder, ResponseError};
use auth_core::__private::Resolve;
use auth_core::adapter::{Adapter, Answer, Policy};
use auth_core::http::AuthHandle;
use futures_util::future::LocalBoxFuture;

use crate::middleware::{RequestExt, Shared};
use crate::response::request_info;

/// The current user and session. Requires [`crate::AuthMiddleware`].
///
/// Derefs to [`AuthHandle`]: `user()`, `login()`, `logout()`, `change_password()`,
/// `session_get()`/`session_insert()` and more.
#[derive(Clone, Debug)]
pub struct Auth(AuthHandle);

auth_core::__auth_handle_newtype!(Auth);

/// The error when [`Auth`] is used without [`crate::AuthMiddleware`]: a 500, since it is a
/// setup bug, with a message that says what to add.
#[derive(Debug, Clone, Copy)]
pub struct MissingAuthMiddleware;

impl MissingAuthMiddleware {
    const MESSAGE: &'static str = "auth_actix::Auth needs auth_actix::AuthMiddleware, which this request did not \
pass through. Add `.wrap(AuthMiddleware::new(auth_service.clone()))` to the App.";
}

impl std::fmt::Display for MissingAuthMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Self::MESSAGE)
    }
}

impl ResponseError for MissingAuthMiddleware {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
    fn error_response(&self) -> HttpResponse {
        tracing::error!("{}", Self::MESSAGE);
        HttpResponse::InternalServerError().body(Self::MESSAGE)
    }
}

impl Auth {
    pub(crate) fn from_req(req: &HttpRequest) -> Result<(Self, Rc<Shared>), MissingAuthMiddleware> {
        let ext = req.extensions();
        let ext = ext.get::<RequestExt>().ok_or(MissingAuthMiddleware)?;
        Ok((Auth(ext.request.handle()), ext.shared.clone()))
    }

    #[doc(hidden)]
    pub fn __auth_deny<K, R>(kind: K, value: R) -> Deny
    where
        K: Resolve<R> + 'static,
        K::Fut: 'static,
        K::Output: Responder + 'static,
        R: 'static,
    {
        Deny(Box::new(move |req| {
            Box::pin(async move {
                kind.resolve(value)
                    .await
                    .respond_to(&req)
                    .map_into_boxed_body()
            })
        }))
    }
}

impl FromRequest for Auth {
    type Error = MissingAuthMiddleware;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Auth::from_req(req).map(|(a, _)| a))
    }
}

/// What an `on_denied` hook's answer becomes: a response built once the request is at hand.
pub struct Deny(Box<dyn FnOnce(HttpRequest) -> LocalBoxFuture<'static, HttpResponse<BoxBody>>>);

impl std::fmt::Debug for Deny {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deny(..)")
    }
}

impl Deny {
    pub(crate) async fn respond(self, req: HttpRequest) -> HttpResponse {
        (self.0)(req).await
    }
}

/// The extractor a guard macro puts first in a handler's parameters. It checks the policy `P`
/// and, on failure, answers with the denial response; on success it yields the [`Auth`].
pub struct Guard<P> {
    auth: Auth,
    _policy: PhantomData<fn() -> P>,
}

/// So that `#[tracing::instrument]` (which records every argument) can sit above a guard.
impl<P> std::fmt::Debug for Guard<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guard")
    }
}

impl Adapter for Auth {
    type Guard<P: Policy<Self>> = Guard<P>;
    type DenyFuture = Deny;
    fn unguard<P: Policy<Self>>(guard: Guard<P>) -> Auth {
        guard.auth
    }
}

impl<P: Policy<Auth>> FromRequest for Guard<P> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (auth, shared) = Auth::from_req(&req)?;
            match auth_core::adapter::evaluate(&auth, P::REQUIREMENTS, P::LOGIN_URL, || {
                request_info(&req)
            })
            .await
            {
                Ok(()) => Ok(Guard {
                    auth,
                    _policy: PhantomData,
                }),
                Err(denial) => {
                    let response = match auth_core::adapter::answer::<Auth, P>(denial) {
                        Answer::Hook(hook) => hook.respond(req).await,
                        Answer::App(denial) => shared.deny(denial, req).await,
                    };
                    Err(
                        InternalError::from_response("access denied by an auth guard", response)
                            .into(),
                    )
                }
            }
        })
    }
}
