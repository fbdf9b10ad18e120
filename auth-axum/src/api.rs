//! Mounting the JSON API ([`auth_core::api`]) on an axum `Router`.

use auth_core::adapter::{DRAIN_BYTES, FormError, MAX_FORM_BYTES};
use auth_core::api::{ApiRequest, DEFAULT_BASE, Endpoint, handle};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, header};
use axum::response::Response;
use axum::routing::any;

use crate::extract::Auth;

const X_CSRFTOKEN: HeaderName = HeaderName::from_static("x-csrftoken");

/// Mounts the JSON API at `/api/auth`: `POST login`, `POST logout`, `GET me`, `GET csrf`, and the account endpoints when enabled
/// (see [`auth_core::api`] for the contract). Needs [`crate::AuthLayer`] around it.
///
/// ```
/// use auth_axum::{AuthConfig, AuthLayer, AuthService, add_auth_api};
/// let service = AuthService::in_memory(AuthConfig::default());
/// let app: axum::Router = add_auth_api(axum::Router::new()).layer(AuthLayer::new(service));
/// ```
pub fn add_auth_api<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    add_auth_api_at(router, DEFAULT_BASE)
}

/// [`add_auth_api`] under another base path.
pub fn add_auth_api_at<S>(mut router: Router<S>, base: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    for (path, endpoint) in Endpoint::routes(base) {
        router = router.route(
            &path,
            any(move |auth: Auth, req: Request| serve(endpoint, auth, req)),
        );
    }
    router
}

async fn serve(endpoint: Endpoint, mut auth: Auth, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = if endpoint.reads_body() {
        match axum::body::to_bytes(body, DRAIN_BYTES).await {
            Ok(b) if b.len() <= MAX_FORM_BYTES => Ok(b),
            _ => Err(FormError::TooLarge),
        }
    } else {
        Ok(axum::body::Bytes::new())
    };
    let header = |name: &HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let request = ApiRequest {
        method: parts.method.as_str(),
        content_type: header(&header::CONTENT_TYPE),
        body: body.as_ref().map(|b| b.as_ref()).map_err(Clone::clone),
        csrf_token: header(&X_CSRFTOKEN),
        user_agent: header(&header::USER_AGENT),
    };
    crate::response::api_response(handle(endpoint, &mut auth, &request).await)
}
