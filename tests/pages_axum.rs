//! The built-in pages' configuration on axum, in-process: renderer overrides, single-page
//! mounts, the custom login UI, and every configurable knob.

use auth_axum::{
    Auth, AuthLayer, AuthPages, Page, add_auth_pages, add_auth_pages_only, add_auth_pages_with,
    login_required, login_ui,
};
use auth_tests::clients::AxumApp;
use auth_tests::fixture_with;
use auth_tests::pages::{self, Mount};
use axum::Router;
use axum::routing::get;

#[login_required]
async fn dashboard(_auth: Auth) -> &'static str {
    "dashboard"
}

async fn whoami(auth: Auth) -> String {
    auth.user()
        .map_or("anonymous".into(), |u| u.username.clone())
}

async fn app(config: auth_core::AuthConfig, mount: Mount) -> AxumApp {
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
        Mount::LoginOnly => add_auth_pages_only(
            base,
            &config,
            &[Page::Login, Page::Logout],
            AuthPages::new(),
        ),
        Mount::CustomUi => login_ui(base, &pages::custom_login_ui()),
    };
    AxumApp(router.layer(AuthLayer::new(f.service)))
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
