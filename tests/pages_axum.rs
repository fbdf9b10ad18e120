//! The built-in pages' configuration on axum, in-process: renderer overrides, single-page
//! mounts, the custom login UI, and every configurable knob.

use auth_axum::{
    Auth, AuthLayer, AuthPages, add_auth_pages, add_auth_pages_with, login_required, login_ui,
    register_login, register_logout,
};
use auth_tests::pages::{self, Mount};
use auth_tests::{Client, Req, Resp, fixture_with};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use http_body_util::BodyExt;
use tower::ServiceExt;

#[login_required]
async fn dashboard(_auth: Auth) -> &'static str {
    "dashboard"
}

async fn whoami(auth: Auth) -> String {
    auth.user()
        .map_or("anonymous".into(), |u| u.username.clone())
}

struct App(Router);

impl Client for App {
    async fn send(&self, req: Req) -> Resp {
        let mut b = Request::builder().method(req.method).uri(&req.path);
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let res = self
            .0
            .clone()
            .oneshot(b.body(Body::from(req.body)).unwrap())
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

async fn app(config: auth_core::AuthConfig, mount: Mount) -> App {
    let f = fixture_with(config.clone()).await;
    let base = Router::new()
        .route("/dashboard", get(dashboard))
        .route("/whoami", get(whoami));
    let router = match mount {
        Mount::All => add_auth_pages(base, &config),
        Mount::Marked => add_auth_pages_with(
            base,
            &config,
            AuthPages::new().renderer(pages::MarkedRenderer),
        ),
        Mount::LoginOnly => register_logout(
            register_login(base, &config, AuthPages::new()),
            &config,
            AuthPages::new(),
        ),
        Mount::CustomUi => login_ui(base, &pages::custom_login_ui()),
    };
    App(router.layer(AuthLayer::new(f.service)))
}

fn config() -> auth_core::AuthConfig {
    auth_core::AuthConfig {
        secret_key: "k".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn renderer_override_is_honoured() {
    pages::renderer_override_is_honoured(&app(config(), Mount::Marked).await).await;
}

#[tokio::test]
async fn register_functions_mount_one_page_each() {
    pages::register_functions_mount_one_page_each(&app(config(), Mount::LoginOnly).await).await;
}

#[tokio::test]
async fn custom_login_ui_runs_the_flow() {
    pages::custom_login_ui_runs_the_flow(&app(config(), Mount::CustomUi).await).await;
}

#[tokio::test]
async fn configuration_is_honoured() {
    pages::configuration_is_honoured(&app(pages::variant_config(), Mount::All).await).await;
}
