//! The built-in pages' configuration on actix-web, in-process: the same scenarios as
//! `pages_axum.rs`.

use actix_web::{App, test, web};
use auth_actix::{
    Auth, AuthMiddleware, AuthPages, Page, add_auth_pages, add_auth_pages_only,
    add_auth_pages_with, login_required, login_ui,
};
use auth_tests::clients::ActixApp;
use auth_tests::fixture_with;
use auth_tests::pages::{self, Mount};

#[login_required]
async fn dashboard(_auth: Auth) -> &'static str {
    "dashboard"
}

async fn whoami(auth: Auth) -> String {
    auth.user()
        .map_or("anonymous".into(), |u| u.username.clone())
}

macro_rules! with_app {
    ($config:expr, $mount:expr, |$app:ident| $body:expr) => {{
        let config: auth_core::AuthConfig = $config;
        let f = fixture_with(config.clone()).await;
        let app = App::new()
            .route("/dashboard", web::get().to(dashboard))
            .route("/whoami", web::get().to(whoami))
            .wrap(AuthMiddleware::new(f.service.clone()));
        let app = match $mount {
            Mount::All => app.configure(add_auth_pages(&config)),
            Mount::Marked => app.configure(add_auth_pages_with(
                &config,
                AuthPages::new().renderer(pages::MarkedRenderer),
            )),
            Mount::LoginOnly => app.configure(add_auth_pages_only(
                &config,
                &[Page::Login, Page::Logout],
                AuthPages::new(),
            )),
            Mount::CustomUi => app.configure(login_ui(&pages::custom_login_ui())),
        };
        let $app = ActixApp(test::init_service(app).await);
        $body
    }};
}

fn config() -> auth_core::AuthConfig {
    auth_core::AuthConfig {
        secret_key: "k".into(),
        ..Default::default()
    }
}

#[actix_web::test]
async fn renderer_override_is_honoured() {
    with_app!(config(), Mount::Marked, |app| {
        pages::renderer_override_is_honoured(&app).await
    });
}

#[actix_web::test]
async fn register_functions_mount_one_page_each() {
    with_app!(config(), Mount::LoginOnly, |app| {
        pages::register_functions_mount_one_page_each(&app).await
    });
}

#[actix_web::test]
async fn custom_login_ui_runs_the_flow() {
    with_app!(config(), Mount::CustomUi, |app| {
        pages::custom_login_ui_runs_the_flow(&app).await
    });
}

#[actix_web::test]
async fn configuration_is_honoured() {
    with_app!(pages::variant_config(), Mount::All, |app| {
        pages::configuration_is_honoured(&app).await
    });
}
