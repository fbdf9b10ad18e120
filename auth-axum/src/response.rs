//! Turning core's denial answers into axum responses.

use auth_core::{AuthConfig, Denial, DenialResponse};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The built-in answer to a denial: what guards answer when neither the guard nor the layer
/// has an `on_denied` handler. Useful inside your own handler to fall back to it.
pub fn denial_response(d: &Denial, cfg: &AuthConfig) -> Response {
    match DenialResponse::for_denial(d, cfg) {
        DenialResponse::Redirect { location } => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        DenialResponse::Body {
            status,
            content_type,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
        }
    }
}
