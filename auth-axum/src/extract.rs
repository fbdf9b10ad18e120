//! The [`Auth`] extractor and the [`Guard`] extractor the guard macros insert.

use std::marker::PhantomData;
use std::sync::Arc;

use auth_core::__private::Resolve;
use auth_core::adapter::{Adapter, Answer, Policy};
use auth_core::http::AuthHandle;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::layer::RequestExt;
use crate::response::{DenyFuture, request_info};

/// The current user and session. Requires [`crate::AuthLayer`].
///
/// Derefs to [`AuthHandle`]: `user()`, `login()`, `logout()`, `change_password()`,
/// `session_get()`/`session_insert()` and more.
#[derive(Clone, Debug)]
pub struct Auth(AuthHandle);

auth_core::__auth_handle_newtype!(Auth);

/// The rejection when [`Auth`] is used without [`crate::AuthLayer`]: a 500, since it is a setup
/// bug, with a message that says what to add.
#[derive(Debug, Clone, Copy)]
pub struct MissingAuthLayer;

impl MissingAuthLayer {
    const MESSAGE: &'static str = "auth_axum::Auth needs auth_axum::AuthLayer, which this request did not pass \
through. Add `.layer(AuthLayer::new(auth_service))` to the Router, after the routes that use Auth or a guard.";
}

impl std::fmt::Display for MissingAuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Self::MESSAGE)
    }
}

impl std::error::Error for MissingAuthLayer {}

impl IntoResponse for MissingAuthLayer {
    fn into_response(self) -> Response {
        tracing::error!("{}", Self::MESSAGE);
        (StatusCode::INTERNAL_SERVER_ERROR, Self::MESSAGE).into_response()
    }
}

impl Auth {
    pub(crate) fn from_handle(handle: AuthHandle) -> Self {
        Auth(handle)
    }

    pub(crate) fn from_parts(
        parts: &Parts,
    ) -> Result<(Self, Arc<crate::layer::Shared>), MissingAuthLayer> {
        let ext = parts
            .extensions
            .get::<RequestExt>()
            .ok_or(MissingAuthLayer)?;
        Ok((Auth(ext.request.handle()), ext.shared.clone()))
    }

    #[doc(hidden)]
    pub fn __auth_deny<K, R>(kind: K, value: R) -> DenyFuture
    where
        K: Resolve<R> + Send + 'static,
        K::Fut: Send + 'static,
        K::Output: IntoResponse,
        R: Send + 'static,
    {
        Box::pin(async move { kind.resolve(value).await.into_response() })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = MissingAuthLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Auth::from_parts(parts).map(|(a, _)| a)
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
    type DenyFuture = DenyFuture;
    fn unguard<P: Policy<Self>>(guard: Guard<P>) -> Auth {
        guard.auth
    }
}

impl<S, P> FromRequestParts<S> for Guard<P>
where
    S: Send + Sync,
    P: Policy<Auth>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let (auth, shared) = Auth::from_parts(parts).map_err(IntoResponse::into_response)?;
        match auth_core::adapter::evaluate(&auth, P::REQUIREMENTS, P::LOGIN_URL, || {
            let uri = parts
                .extensions
                .get::<OriginalUri>()
                .map(|o| &o.0)
                .unwrap_or(&parts.uri);
            request_info(&parts.method, uri, &parts.headers)
        })
        .await
        {
            Ok(()) => Ok(Guard {
                auth,
                _policy: PhantomData,
            }),
            Err(denial) => Err(match auth_core::adapter::answer::<Auth, P>(denial) {
                Answer::Hook(hook) => hook.await,
                Answer::App(denial) => shared.deny(denial).await,
            }),
        }
    }
}
