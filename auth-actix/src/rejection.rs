//! [`Rejection`]: `AuthError` and `Denial` as handler errors.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use auth_core::api::ApiResponse;
use auth_core::{AuthConfig, AuthError, Denial};

/// An error a handler returns with `?` from the toolkit's calls: an [`AuthError`] (log in,
/// change a password, ...) or a [`Denial`] (a service-layer guard, [`auth_core::guard::check`]).
///
/// (actix-web's `ResponseError` cannot be implemented on those core types here, so this wraps
/// them; `From` makes `?` work.) Under [`crate::AuthMiddleware`] the response is the one the
/// rest of the app gives: a denial goes through the middleware's `on_denied` handler or the
/// built-in answer (login redirect, 401, 403, 503), an auth error is JSON with the configured
/// messages (401 `invalid_credentials`, 429 `throttled` with `Retry-After`, 400
/// `invalid_password`, 503).
///
/// ```
/// use auth_actix::{Auth, Rejection};
/// async fn logout(mut auth: Auth) -> Result<&'static str, Rejection> {
///     auth.logout().await?;
///     Ok("bye")
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// A login, logout or password operation failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A guard refused.
    #[error(transparent)]
    Denied(#[from] Denial),
}

impl ResponseError for Rejection {
    /// 500 until [`crate::AuthMiddleware`] answers it with the app's configuration.
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    /// A placeholder that says what is missing: the answer is rendered once, by
    /// [`crate::AuthMiddleware`], with the app's configuration (its messages, login URL and
    /// denial handler).
    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError().body(
            "auth_actix::Rejection is answered by AuthMiddleware with the app's configuration, \
             and this route has no AuthMiddleware: add .wrap(AuthMiddleware::new(service))",
        )
    }
}

/// The answer to `r` under `cfg` (without the middleware's denial handler).
pub(crate) fn render(r: &Rejection, cfg: &AuthConfig) -> HttpResponse {
    match r {
        Rejection::Auth(e) => crate::response::api_response(ApiResponse::for_auth_error(e, cfg)),
        Rejection::Denied(d) => crate::response::denial_response(d, cfg),
    }
}
