//! Turning core's denial answers into actix-web responses.

use actix_web::http::header::HeaderValue;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use auth_core::api::ApiResponse;
use auth_core::{AuthConfig, Denial, guard::DeniedRequest, http::DenialResponse};

/// The built-in answer to a denial: what guards answer when neither the guard nor the
/// middleware has an `on_denied` handler. Useful inside your own handler to fall back to it.
pub fn denial_response(d: &Denial, cfg: &AuthConfig) -> HttpResponse {
    match DenialResponse::for_denial(d, cfg) {
        DenialResponse::Redirect { location } => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish(),
        DenialResponse::HxRedirect { location } => HttpResponse::Unauthorized()
            .insert_header(("hx-redirect", location))
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

/// What a denial needs to know of the request.
pub(crate) fn request_info(req: &HttpRequest) -> DeniedRequest {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
    DeniedRequest::new(req.method().as_str(), path, headers)
}

/// An [`ApiResponse`] as an actix-web response (JSON, `Cache-Control: no-store`).
pub(crate) fn api_response(answer: ApiResponse) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut b = HttpResponse::build(status);
    b.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if let Some(secs) = answer.retry_after {
        b.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    if let Some(allow) = answer.allow {
        b.insert_header((header::ALLOW, allow));
    }
    if answer.body.is_empty() {
        b.finish()
    } else {
        b.content_type("application/json").body(answer.body)
    }
}
