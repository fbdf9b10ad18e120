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
    fn status_code(&self) -> StatusCode {
        let status = match self {
            Rejection::Auth(e) => ApiResponse::for_auth_error(e, &AuthConfig::default()).status,
            Rejection::Denied(d) => {
                match auth_core::http::DenialResponse::for_denial(d, &AuthConfig::default()) {
                    auth_core::http::DenialResponse::Redirect { .. } => 303,
                    auth_core::http::DenialResponse::HxRedirect { .. } => 401,
                    auth_core::http::DenialResponse::Body { status, .. } => status,
                }
            }
        };
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The answer under the default configuration; [`crate::AuthMiddleware`] replaces it
    /// with the app's.
    fn error_response(&self) -> HttpResponse {
        render(self, &AuthConfig::default())
    }
}

/// The answer to `r` under `cfg` (without the middleware's denial handler).
pub(crate) fn render(r: &Rejection, cfg: &AuthConfig) -> HttpResponse {
    match r {
        Rejection::Auth(e) => crate::response::api_response(ApiResponse::for_auth_error(e, cfg)),
        Rejection::Denied(d) => crate::response::denial_response(d, cfg),
    }
}
