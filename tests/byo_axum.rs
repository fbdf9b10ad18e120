//! An app's own user type (UUID ids, a read-only store) on axum: `support/byo.rs` has the
//! scenarios, which `byo_actix.rs` runs unchanged.

use std::collections::HashMap;

use auth_axum::{Auth, AuthLayer, CurrentUser, Denial, Rejection, User, permission_required};
use auth_tests::byo::{self, ByoFixture, Member, byo_fixture};
use auth_tests::clients::{AxumApp, serve_axum};
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

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

async fn rejected(Query(q): Query<HashMap<String, String>>) -> Result<&'static str, Rejection> {
    byo::outcome(q.get("what").map(String::as_str))
}

fn app(f: &ByoFixture) -> AxumApp {
    AxumApp(router(f))
}

fn router(f: &ByoFixture) -> Router {
    let router = Router::new()
        .route("/member", get(member))
        .route("/builtin", get(builtin))
        .route("/wrong-type", get(wrong_type))
        .route("/leads", get(leads))
        .route("/rejected", get(rejected));
    let config = f.service.config().clone();
    let layer = AuthLayer::new(f.service.clone()).on_denied(move |d: Denial| {
        let config = config.clone();
        async move {
            if d.anonymous {
                auth_axum::denial_response(&d, &config)
            } else {
                (StatusCode::IM_A_TEAPOT, format!("layer {}", d.requirement)).into_response()
            }
        }
    });
    auth_axum::add_auth_api(router).layer(layer)
}

#[tokio::test]
async fn app_user_type_in_handlers() {
    let f = byo_fixture().await;
    byo::app_user_type_in_handlers(&app(&f), &f).await;
}

#[tokio::test]
async fn rejections_follow_the_layer() {
    let f = byo_fixture().await;
    byo::rejections_follow_the_layer(&app(&f), &f).await;
}

#[tokio::test]
async fn json_api_with_app_users() {
    let f = byo_fixture().await;
    byo::json_api_with_app_users(&app(&f)).await;
}

/// The same scenarios through `axum::serve` on a real port.
#[tokio::test]
async fn over_real_http() {
    let f = byo_fixture().await;
    let live = serve_axum(router(&f)).await;
    byo::app_user_type_in_handlers(&live, &f).await;
    byo::rejections_follow_the_layer(&live, &f).await;
    byo::json_api_with_app_users(&live).await;
}

#[tokio::test]
async fn pages_refuse_to_mount_over_read_only_users() {
    let f = byo_fixture().await;
    // The fixture turned registration and reset off: login and logout mount.
    let _ok: Router = auth_axum::add_auth_pages(Router::new(), &f.service);
    let service = byo::read_only_service_with_default_config();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        auth_axum::add_auth_pages(Router::<()>::new(), &service)
    }));
    let message = *refused.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("read-only"), "{message}");
}

#[tokio::test]
async fn deleting_an_account_over_read_only_users_is_not_supported() {
    let f = byo::byo_fixture_with(|c| {
        c.account_deletion = auth_core::config::AccountDeletion::Deactivate;
    })
    .await;
    let app = AxumApp(auth_axum::add_auth_api(Router::new()).layer(AuthLayer::new(f.service)));
    byo::account_delete_is_not_supported(&app, &f.mia).await;
}
