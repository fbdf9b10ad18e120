//! [`RequireAuth`]: the guard attributes' checks for every route of a scope at once.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, ResponseError};
use auth_core::guard::RouteRequirements;
use futures_util::future::LocalBoxFuture;

use crate::extract::Auth;
use crate::response::request_info;

/// Middleware that checks [`RouteRequirements`] before every route of the scope it wraps,
/// with the attributes' denial contract (the [`crate::AuthMiddleware`]'s `on_denied`, else the
/// built-in answer). The `AuthMiddleware` wraps the `App`, outside it.
///
/// ```
/// use actix_web::{App, web};
/// use auth_actix::{AuthConfig, AuthMiddleware, AuthService, RequireAuth, RouteRequirements};
///
/// let auth = AuthService::in_memory(AuthConfig::default());
/// let app = App::new()
///     .service(
///         web::scope("/admin")
///             .wrap(RequireAuth::new(RouteRequirements::staff().and_permission("admin.view_logs")))
///             .route("/users", web::get().to(|| async { "users" }))
///             .route("/logs", web::get().to(|| async { "logs" })),
///     )
///     .route("/", web::get().to(|| async { "home" }))
///     .wrap(AuthMiddleware::new(auth));
/// ```
#[derive(Clone, Debug)]
pub struct RequireAuth {
    requirements: RouteRequirements,
}

impl RequireAuth {
    /// Middleware that requires `requirements` of every route it wraps.
    pub fn new(requirements: RouteRequirements) -> Self {
        RequireAuth { requirements }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RequireAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RequireAuthService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireAuthService {
            service: Rc::new(service),
            requirements: self.requirements.clone(),
        }))
    }
}

/// The service of [`RequireAuth`].
pub struct RequireAuthService<S> {
    service: Rc<S>,
    requirements: RouteRequirements,
}

impl<S> std::fmt::Debug for RequireAuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireAuthService").finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for RequireAuthService<S>
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
        let requirements = self.requirements.clone();
        Box::pin(async move {
            let (auth, shared) = match Auth::from_req(req.request()) {
                Ok(found) => found,
                Err(missing) => {
                    let res = missing.error_response();
                    return Ok(req.into_response(res).map_into_right_body());
                }
            };
            let checked = auth_core::adapter::evaluate(
                &auth,
                requirements.requirements(),
                requirements.login_url(),
                || request_info(req.request()),
            )
            .await;
            match checked {
                Ok(()) => Ok(service.call(req).await?.map_into_left_body()),
                Err(denial) => {
                    let res = shared.deny(denial, req.request().clone()).await;
                    Ok(req.into_response(res).map_into_right_body())
                }
            }
        })
    }
}
