//! The built-in pages' configuration on actix-web, in-process: the same scenarios as
//! `pages_axum.rs`.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, test, web};
use auth_actix::{
    Auth, AuthMiddleware, AuthPages, add_auth_pages, add_auth_pages_with, login_required, login_ui,
    register_login, register_logout,
};
use auth_tests::pages::{self, Mount};
use auth_tests::{Client, Req, Resp, fixture_with};

#[login_required]
async fn dashboard(_auth: Auth) -> &'static str {
    "dashboard"
}

async fn whoami(auth: Auth) -> String {
    auth.user()
        .map_or("anonymous".into(), |u| u.username.clone())
}

struct TestApp<S>(S);

impl<S, B> Client for TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn send(&self, req: Req) -> Resp {
        let mut t = test::TestRequest::default()
            .method(req.method.parse().unwrap())
            .uri(&req.path);
        for (k, v) in &req.headers {
            t = t.append_header((k.as_str(), v.as_str()));
        }
        let res = test::call_service(&self.0, t.set_payload(req.body).to_request()).await;
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
        let body = test::read_body(res).await;
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
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
            Mount::LoginOnly => app
                .configure(register_login(&config, AuthPages::new()))
                .configure(register_logout(&config, AuthPages::new())),
            Mount::CustomUi => app.configure(login_ui(&pages::custom_login_ui())),
        };
        let $app = TestApp(test::init_service(app).await);
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
