//! [`Rejection`]: `AuthError` and `Denial` as handler errors.

use auth_core::api::ApiResponse;
use auth_core::{AuthConfig, AuthError, Denial};

use axum::response::{IntoResponse, Response};

/// An error a handler returns with `?` from the toolkit's calls: an [`AuthError`] (log in,
/// change a password, ...) or a [`Denial`] (a service-layer guard, [`auth_core::guard::check`]).
///
/// (axum's `IntoResponse` cannot be implemented on those core types here, so this wraps them;
/// `From` makes `?` work.) Under [`crate::AuthLayer`] the response is the one the rest of the
/// app gives: a denial goes through the layer's `on_denied` handler or the built-in answer
/// (login redirect, 401, 403, 503), an auth error is JSON with the configured messages (401
/// `invalid_credentials`, 429 `throttled` with `Retry-After`, 400 `invalid_password`, 503).
///
/// ```
/// use auth_axum::{Auth, Rejection};
/// async fn change(mut auth: Auth) -> Result<&'static str, Rejection> {
///     auth.change_password("old", "new-pass-1", "new-pass-1").await.map_err(|e| match e {
///         auth_axum::auth_core::service::PasswordChangeError::Auth(e) => Rejection::from(e),
///         other => Rejection::from(auth_axum::AuthError::InvalidPassword(other.to_string())),
///     })?;
///     Ok("changed")
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

/// Marks a response for [`crate::AuthLayer`] to answer with the app's configuration.
#[derive(Clone)]
pub(crate) struct Deferred(pub(crate) std::sync::Arc<Rejection>);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        // Rendered once, by the layer, with the app's configuration (its messages, login URL
        // and denial handler). Outside the layer there is none: say what is missing.
        let mut response =
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, MISSING_LAYER).into_response();
        response
            .extensions_mut()
            .insert(Deferred(std::sync::Arc::new(self)));
        response
    }
}

/// The body of a `Rejection` that no layer answered.
const MISSING_LAYER: &str = "auth_axum::Rejection is answered by AuthLayer with the app's \
    configuration, and this route has no AuthLayer: add .layer(AuthLayer::new(service)) \
    around it";

/// The answer to `r` under `cfg` (without the layer's denial handler).
pub(crate) fn render(r: &Rejection, cfg: &AuthConfig) -> Response {
    match r {
        Rejection::Auth(e) => crate::response::api_response(ApiResponse::for_auth_error(e, cfg)),
        Rejection::Denied(d) => crate::response::denial_response(d, cfg),
    }
}
