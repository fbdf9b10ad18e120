//! An app's own user type (UUID ids, a read-only store) on actix-web: the scenarios of
//! `support/byo.rs`, as `byo_axum.rs` runs them.

use std::collections::HashMap;

use actix_web::{App, HttpResponse, HttpServer, test, web};
use auth_actix::{Auth, AuthMiddleware, CurrentUser, Denial, Rejection, User, permission_required};
use auth_tests::byo::{self, Member, byo_fixture};
use auth_tests::clients::{ActixApp, free_listener, serve_actix};

async fn member(me: CurrentUser<Member>) -> String {
    format!("{} of {}", me.display_name, me.team)
}

async fn builtin(me: CurrentUser<User>) -> String {
    me.username.clone()
}

async fn wrong_type(_me: CurrentUser<String>) -> &'static str {
    "unreachable"
}

#[permission_required("crm.view_leads")]
async fn leads(auth: Auth) -> String {
    format!("leads for {}", auth.user().unwrap().username)
}

async fn rejected(q: web::Query<HashMap<String, String>>) -> Result<&'static str, Rejection> {
    byo::outcome(q.get("what").map(String::as_str))
}

fn middleware(service: &auth_actix::AuthService) -> AuthMiddleware {
    let config = service.config().clone();
    AuthMiddleware::new(service.clone()).on_denied(move |d: Denial| {
        let config = config.clone();
        async move {
            if d.anonymous {
                auth_actix::denial_response(&d, &config)
            } else {
                HttpResponse::ImATeapot().body(format!("layer {}", d.requirement))
            }
        }
    })
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/member", web::get().to(member))
        .route("/builtin", web::get().to(builtin))
        .route("/wrong-type", web::get().to(wrong_type))
        .route("/leads", web::get().to(leads))
        .route("/rejected", web::get().to(rejected));
}

macro_rules! byo_scenario {
    ($name:ident $(, $with_fixture:tt)?) => {
        #[actix_web::test]
        async fn $name() {
            let f = byo_fixture().await;
            let app = test::init_service(
                App::new()
                    .configure(routes)
                    .configure(auth_actix::add_auth_api())
                    .wrap(middleware(&f.service)),
            )
            .await;
            byo_scenario!(@run $name, app, f $(, $with_fixture)?);
        }
    };
    (@run $name:ident, $app:ident, $f:ident, fixture) => {
        byo::$name(&ActixApp($app), &$f).await
    };
    (@run $name:ident, $app:ident, $f:ident) => {
        byo::$name(&ActixApp($app)).await
    };
}

byo_scenario!(app_user_type_in_handlers, fixture);
byo_scenario!(rejections_follow_the_layer, fixture);
byo_scenario!(json_api_with_app_users);

/// The same scenarios through an actix-web `HttpServer` on a real port.
#[actix_web::test]
async fn over_real_http() {
    let f = byo_fixture().await;
    let listener = free_listener();
    let addr = listener.local_addr().unwrap();
    let service = f.service.clone();
    let server = HttpServer::new(move || {
        App::new()
            .configure(routes)
            .configure(auth_actix::add_auth_api())
            .wrap(middleware(&service))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let live = serve_actix(server, addr);
    byo::app_user_type_in_handlers(&live, &f).await;
    byo::rejections_follow_the_layer(&live, &f).await;
    byo::json_api_with_app_users(&live).await;
}

#[actix_web::test]
async fn pages_refuse_to_mount_over_read_only_users() {
    let f = byo_fixture().await;
    let _ok = auth_actix::add_auth_pages(&f.service);
    let service = byo::read_only_service_with_default_config();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = auth_actix::add_auth_pages(&service);
    }));
    let message = *refused.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("read-only"), "{message}");
}

#[actix_web::test]
async fn deleting_an_account_over_read_only_users_is_not_supported() {
    let f = byo::byo_fixture_with(|c| {
        c.account_deletion = auth_core::config::AccountDeletion::Deactivate;
    })
    .await;
    let app = test::init_service(
        App::new()
            .configure(auth_actix::add_auth_api())
            .wrap(middleware(&f.service)),
    )
    .await;
    byo::account_delete_is_not_supported(&ActixApp(app), &f.mia).await;
}
