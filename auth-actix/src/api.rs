//! Mounting the JSON API ([`auth_core::api`]) on an actix-web `App`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use auth_core::api::{ApiRequest, DEFAULT_BASE, Endpoint, handle};

use crate::extract::Auth;

/// The JSON API at `/api/auth` (`POST login`, `POST logout`, `GET me`, `GET csrf`, and the account endpoints when enabled; see
/// [`auth_core::api`] for the contract), for `App::configure`. Needs
/// [`crate::AuthMiddleware`] around it.
///
/// ```
/// use auth_actix::{AuthConfig, AuthMiddleware, AuthService, add_auth_api};
/// let service = AuthService::in_memory(AuthConfig::default());
/// let app = actix_web::App::new().configure(add_auth_api()).wrap(AuthMiddleware::new(service));
/// ```
pub fn add_auth_api() -> impl FnOnce(&mut web::ServiceConfig) {
    add_auth_api_at(DEFAULT_BASE)
}

/// [`add_auth_api`] under another base path.
pub fn add_auth_api_at(base: &str) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let routes = Endpoint::routes(base);
    move |cfg| {
        for (path, endpoint) in routes {
            cfg.route(
                &path,
                web::route().to(move |auth: Auth, req: HttpRequest, body: web::Payload| {
                    serve(endpoint, auth, req, body)
                }),
            );
        }
    }
}

async fn serve(
    endpoint: Endpoint,
    mut auth: Auth,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = if endpoint.reads_body() {
        crate::body::read_body(payload).await
    } else {
        Ok(Vec::new())
    };
    let header = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let request = ApiRequest {
        method: req.method().as_str(),
        content_type: header(header::CONTENT_TYPE),
        body: body.as_deref().map_err(Clone::clone),
        csrf_token: header(header::HeaderName::from_static("x-csrftoken")),
        user_agent: header(header::USER_AGENT),
    };
    crate::response::api_response(handle(endpoint, &mut auth, &request).await)
}
