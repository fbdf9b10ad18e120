//! Turning core's denial answers into axum responses.

use std::future::Future;
use std::pin::Pin;

use auth_core::api::ApiResponse;
use auth_core::{AuthConfig, Denial, guard::DeniedRequest, http::DenialResponse};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// `HX-Redirect`, which htmx follows as a full navigation.
const HX_REDIRECT: axum::http::HeaderName = axum::http::HeaderName::from_static("hx-redirect");

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
        DenialResponse::HxRedirect { location } => {
            let mut r = StatusCode::UNAUTHORIZED.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(HX_REDIRECT, v);
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

/// A boxed response future: what an `on_denied` hook's answer becomes.
pub type DenyFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// What a denial needs to know of the request.
pub(crate) fn request_info(method: &Method, uri: &Uri, headers: &HeaderMap) -> DeniedRequest {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let headers = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
    DeniedRequest::new(method.as_str(), path, headers)
}

/// An [`ApiResponse`] as an axum response (JSON, `Cache-Control: no-store`).
pub(crate) fn api_response(answer: ApiResponse) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let empty = answer.body.is_empty();
    let mut response = Response::new(axum::body::Body::from(answer.body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    if !empty {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(secs) = answer.retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(allow) = answer.allow {
        h.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}
