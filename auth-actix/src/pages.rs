//! Mounting the built-in pages (login, registration, password reset, logout) and `#[page]`
//! handlers on an actix-web `App`, through `ServiceConfig`.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use auth_pages::{AuthPages, LoginUi, Page, PageRequest, PagesSetup, Route, check_mount, routes};

use crate::extract::Auth;

/// Every enabled built-in page at the configured paths, with the default look and the console
/// mailer, for `App::configure`. Use [`add_auth_pages_with`] to change either.
///
/// `setup` is the service the [`crate::AuthMiddleware`] uses (or its configuration). Given the
/// service, it refuses (panics at start-up, saying why) to mount the registration or
/// password-reset page over a read-only user store.
///
/// ```
/// use auth_actix::{AuthConfig, AuthMiddleware, AuthService, add_auth_pages};
/// let service = AuthService::in_memory(AuthConfig::default());
/// let app = actix_web::App::new().configure(add_auth_pages(&service)).wrap(AuthMiddleware::new(service));
/// ```
pub fn add_auth_pages(setup: &(impl PagesSetup + ?Sized)) -> impl FnOnce(&mut web::ServiceConfig) {
    add_auth_pages_with(setup, AuthPages::new())
}

/// [`add_auth_pages`] with your renderer and mailer.
pub fn add_auth_pages_with(
    setup: &(impl PagesSetup + ?Sized),
    pages: AuthPages,
) -> impl FnOnce(&mut web::ServiceConfig) {
    mount(checked(setup, routes(setup.pages_config(), None)), pages)
}

/// Only the listed built-in pages (each still subject to its setting: the registration page to
/// `signup_enabled`, the password-reset flow to `password_reset_enabled`), with your renderer
/// and mailer, for `App::configure`.
///
/// ```
/// use auth_actix::{AuthConfig, AuthPages, Page, add_auth_pages_only};
/// let config = AuthConfig::default();
/// let app = actix_web::App::new()
///     .configure(add_auth_pages_only(&config, &[Page::Login, Page::Logout], AuthPages::new()));
/// ```
pub fn add_auth_pages_only(
    setup: &(impl PagesSetup + ?Sized),
    only: &[Page],
    pages: AuthPages,
) -> impl FnOnce(&mut web::ServiceConfig) {
    mount(
        checked(setup, routes(setup.pages_config(), Some(only))),
        pages,
    )
}

/// An app-drawn login form with the toolkit's login and logout flows behind it.
pub fn login_ui(ui: &LoginUi) -> impl FnOnce(&mut web::ServiceConfig) {
    mount(ui.routes(), ui.pages().clone())
}

/// `routes`, once [`check_mount`] accepts them (a start-up panic with its reason otherwise).
fn checked(setup: &(impl PagesSetup + ?Sized), routes: Vec<Route>) -> Vec<Route> {
    if let Err(e) = check_mount(setup, &routes) {
        panic!("{e}");
    }
    routes
}

fn mount(routes: Vec<Route>, pages: AuthPages) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        for Route { path, page } in routes {
            let pages = pages.clone();
            cfg.route(
                &path,
                web::route().to(move |auth: Auth, req: HttpRequest, body: web::Payload| {
                    serve(page, pages.clone(), auth, req, body)
                }),
            );
        }
    }
}

async fn serve(
    page: Page,
    pages: AuthPages,
    mut auth: Auth,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = crate::body::read_body(payload).await;
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let request = PageRequest {
        method: req.method().as_str(),
        path: req.path(),
        query: Some(req.query_string()).filter(|q| !q.is_empty()),
        content_type: header("content-type"),
        body: body.as_deref().map_err(Clone::clone),
        origin: header("origin"),
        referer: header("referer"),
        host: header("host"),
        user_agent: header("user-agent"),
        uid: req.match_info().get("uid"),
        token: req.match_info().get("token"),
    };
    let answer = pages.handle(page, &mut auth, &request).await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status).body(answer.html.clone().unwrap_or_default());
    for (name, value) in answer.headers() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), v);
        }
    }
    response
}
