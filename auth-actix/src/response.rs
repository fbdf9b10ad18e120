//! Turning core's denial answers into actix-web responses.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use auth_core::{AuthConfig, Denial, DenialResponse};

/// The built-in answer to a denial: what guards answer when neither the guard nor the
/// middleware has an `on_denied` handler. Useful inside your own handler to fall back to it.
pub fn denial_response(d: &Denial, cfg: &AuthConfig) -> HttpResponse {
    match DenialResponse::for_denial(d, cfg) {
        DenialResponse::Redirect { location } => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish(),
        DenialResponse::Body {
            status,
            content_type,
            body,
        } => HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN))
            .content_type(content_type)
            .body(body),
    }
}
