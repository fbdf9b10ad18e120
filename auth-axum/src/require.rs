//! [`RequireAuth`]: the guard attributes' checks for every route of a router at once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use auth_core::guard::RouteRequirements;
use axum::extract::{OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::extract::{Auth, MissingAuthLayer};
use crate::layer::RequestExt;
use crate::response::request_info;

/// A route layer that checks [`RouteRequirements`] before every route under it, with the
/// attributes' denial contract (the [`crate::AuthLayer`]'s `on_denied`, else the built-in
/// answer). Put it on the routes with `route_layer`, and the `AuthLayer` outside it.
///
/// ```
/// use auth_axum::{AuthConfig, AuthLayer, AuthService, RequireAuth, RouteRequirements};
/// use axum::{Router, routing::get};
///
/// let admin = Router::new()
///     .route("/admin/users", get(|| async { "users" }))
///     .route("/admin/logs", get(|| async { "logs" }))
///     .route_layer(RequireAuth::new(RouteRequirements::staff().and_permission("admin.view_logs")));
/// let app: Router = Router::new()
///     .merge(admin)
///     .route("/", get(|| async { "home" }))
///     .layer(AuthLayer::new(AuthService::in_memory(AuthConfig::default())));
/// ```
#[derive(Clone, Debug)]
pub struct RequireAuth {
    requirements: RouteRequirements,
}

impl RequireAuth {
    /// A layer that requires `requirements` of every route under it.
    pub fn new(requirements: RouteRequirements) -> Self {
        RequireAuth { requirements }
    }
}

impl<S> Layer<S> for RequireAuth {
    type Service = RequireAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuthService {
            inner,
            requirements: self.requirements.clone(),
        }
    }
}

/// The service of [`RequireAuth`].
#[derive(Clone, Debug)]
pub struct RequireAuthService<S> {
    inner: S,
    requirements: RouteRequirements,
}

impl<S> Service<Request> for RequireAuthService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone that was made ready is the one that serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let requirements = self.requirements.clone();
        Box::pin(async move {
            let Some(ext) = req.extensions().get::<RequestExt>().cloned() else {
                return Ok(MissingAuthLayer.into_response());
            };
            let auth = Auth::from_handle(ext.request.handle());
            // The body is not `Sync`: keep only the parts borrowed across the check.
            let (parts, body) = req.into_parts();
            let checked = auth_core::adapter::evaluate(
                &auth,
                requirements.requirements(),
                requirements.login_url(),
                || {
                    let uri = parts
                        .extensions
                        .get::<OriginalUri>()
                        .map_or(&parts.uri, |o| &o.0);
                    request_info(&parts.method, uri, &parts.headers)
                },
            )
            .await;
            match checked {
                Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                Err(denial) => Ok(ext.shared.deny(denial).await),
            }
        })
    }
}
