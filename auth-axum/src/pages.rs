//! Mounting the built-in pages (login, registration, password reset, logout) on an axum
//! `Router` (feature `pages`).

use auth_core::adapter::{DRAIN_BYTES, FormError, MAX_FORM_BYTES};
use auth_pages::{AuthPages, LoginUi, Page, PageRequest, PagesSetup, Route, check_mount, routes};
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, RawPathParams, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::any;

use crate::extract::Auth;

/// Mounts every enabled built-in page at the configured paths, with the default look and the
/// console mailer. Use [`add_auth_pages_with`] to change either.
///
/// `setup` is the service the [`crate::AuthLayer`] uses (or its configuration). Given the
/// service, it refuses (panics at start-up, saying why) to mount the registration or
/// password-reset page over a read-only user store.
///
/// ```
/// use auth_axum::{AuthConfig, AuthLayer, AuthService, add_auth_pages};
/// let service = AuthService::in_memory(AuthConfig::default());
/// let app: axum::Router = add_auth_pages(axum::Router::new(), &service).layer(AuthLayer::new(service));
/// ```
pub fn add_auth_pages<S>(router: Router<S>, setup: &(impl PagesSetup + ?Sized)) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    add_auth_pages_with(router, setup, AuthPages::new())
}

/// [`add_auth_pages`] with your renderer and mailer.
pub fn add_auth_pages_with<S>(
    router: Router<S>,
    setup: &(impl PagesSetup + ?Sized),
    pages: AuthPages,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    mount(router, setup, routes(setup.pages_config(), None), pages)
}

/// Mounts only the listed built-in pages (each still subject to its setting: the
/// registration page to `signup_enabled`, the password-reset flow to `password_reset_enabled`),
/// with your renderer and mailer.
///
/// ```
/// use auth_axum::{AuthConfig, AuthPages, Page, add_auth_pages_only};
/// let config = AuthConfig::default();
/// let app: axum::Router =
///     add_auth_pages_only(axum::Router::new(), &config, &[Page::Login, Page::Logout], AuthPages::new());
/// ```
pub fn add_auth_pages_only<S>(
    router: Router<S>,
    setup: &(impl PagesSetup + ?Sized),
    only: &[Page],
    pages: AuthPages,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    mount(
        router,
        setup,
        routes(setup.pages_config(), Some(only)),
        pages,
    )
}

/// Mounts an app-drawn login form with the toolkit's login and logout flows behind it.
pub fn login_ui<S: Clone + Send + Sync + 'static>(router: Router<S>, ui: &LoginUi) -> Router<S> {
    mount(
        router,
        &auth_core::AuthConfig::default(),
        ui.routes(),
        ui.pages().clone(),
    )
}

fn mount<S>(
    mut router: Router<S>,
    setup: &(impl PagesSetup + ?Sized),
    routes: Vec<Route>,
    pages: AuthPages,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if let Err(e) = check_mount(setup, &routes) {
        panic!("{e}");
    }
    for Route { path, page } in routes {
        let pages = pages.clone();
        router = router.route(
            &path,
            any(move |auth: Auth, req: Request| serve(page, pages, auth, req)),
        );
    }
    router
}

async fn serve(page: Page, pages: AuthPages, mut auth: Auth, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let params = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .ok();
    let param = |name: &str| {
        params.as_ref().and_then(|p| {
            p.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
        })
    };
    let (uid, token) = (param("uid"), param("token"));
    let body = match axum::body::to_bytes(body, DRAIN_BYTES).await {
        Ok(b) if b.len() <= MAX_FORM_BYTES => Ok(b),
        _ => Err(FormError::TooLarge),
    };
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let request = PageRequest {
        method: parts.method.as_str(),
        path: uri.path(),
        query: uri.query(),
        content_type: header("content-type"),
        body: body.as_ref().map(|b| b.as_ref()).map_err(Clone::clone),
        origin: header("origin"),
        referer: header("referer"),
        host: header("host"),
        user_agent: header("user-agent"),
        uid: uid.as_deref(),
        token: token.as_deref(),
    };
    let answer = pages.handle(page, &mut auth, &request).await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(axum::body::Body::from(
        answer.html.clone().unwrap_or_default(),
    ));
    *response.status_mut() = status;
    for (name, value) in answer.headers() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), v);
        }
    }
    response
}
