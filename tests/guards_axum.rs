//! Guard rules 1–5 on axum, in-process (tower `oneshot`). The assertions live in
//! `support/scenarios.rs` and run unchanged against actix-web too.

use std::sync::Arc;

use auth_axum::{
    Auth, AuthLayer, Denial, group_required, login_required, permission_required, staff_required,
    superuser_required, user_passes_test,
};
use auth_core::{AuthConfig, AuthService, MemoryStore};
use auth_tests::clients::AxumApp;
use auth_tests::{Client, Fixture, Req, fixture, scenarios};
use axum::Router;
use axum::extract::{Form, Json, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

#[login_required]
async fn dashboard(auth: Auth) -> impl IntoResponse {
    format!("hi {}", auth.user().unwrap().username)
}

struct AppError(String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, format!("app error: {}", self.0)).into_response()
    }
}

#[derive(Deserialize)]
struct ModeQuery {
    mode: String,
}

fn parse_mode(mode: &str) -> Result<&str, AppError> {
    match mode {
        "ok" | "early" => Ok(mode),
        _ => Err(AppError("bad mode".into())),
    }
}

#[login_required]
async fn fallible(auth: Auth, Query(q): Query<ModeQuery>) -> Result<String, AppError> {
    let mode = parse_mode(&q.mode)?;
    if mode == "early" {
        return Ok("early".into());
    }
    Ok(format!("fine {}", auth.user().unwrap().username))
}

#[derive(Deserialize)]
struct NewPost {
    title: String,
}

#[login_required]
async fn create_post(
    auth: Auth,
    Json(post): Json<NewPost>,
) -> (StatusCode, Json<serde_json::Value>) {
    let owner = auth.user().unwrap().username.clone();
    (
        StatusCode::CREATED,
        Json(serde_json::json!({"title": post.title, "owner": owner})),
    )
}

#[derive(Deserialize)]
struct PublishForm {
    title: String,
}

#[permission_required("blog.publish_post")]
async fn publish(
    _auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> Result<Redirect, AppError> {
    if f.title.is_empty() {
        return Err(AppError("empty title".into()));
    }
    Ok(Redirect::to(&format!("/posts/{id}?published={}", f.title)))
}

/// Reports: doc comments and attributes survive the guards.
#[login_required]
#[group_required("Editors")]
#[permission_required("shop.view_reports")]
#[allow(clippy::unused_async)]
async fn reports(auth: Auth) -> String {
    format!("reports for {}", auth.user().unwrap().username)
}

fn sync_hook(d: Denial) -> (StatusCode, String) {
    let wants = match d.wants {
        auth_axum::Wants::Html => "html",
        auth_axum::Wants::Json => "json",
    };
    (
        StatusCode::IM_A_TEAPOT,
        format!("denied {} anonymous={} {wants}", d.path, d.anonymous),
    )
}

#[staff_required(on_denied = sync_hook)]
async fn staff(_auth: Auth) -> &'static str {
    "staff area"
}

async fn async_hook(d: Denial) -> Response {
    tokio::task::yield_now().await;
    (
        StatusCode::PAYMENT_REQUIRED,
        format!("async denied {}", d.requirement),
    )
        .into_response()
}

#[superuser_required(on_denied = async_hook)]
async fn superuser(_auth: Auth) -> &'static str {
    "root area"
}

#[login_required(redirect = "/signin")]
async fn elsewhere(_auth: Auth) -> &'static str {
    "elsewhere"
}

#[login_required(adapter = Auth)]
async fn no_auth_param() -> &'static str {
    "no auth param"
}

#[login_required]
async fn generic<T>(auth: Auth) -> String
where
    T: Default + std::fmt::Display + Send,
{
    let _ = auth;
    format!("generic {}", T::default())
}

async fn whoami(auth: Auth) -> String {
    auth.user()
        .map_or("anonymous".into(), |u| u.username.clone())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(mut auth: Auth, Form(f): Form<LoginForm>) -> Response {
    match auth.authenticate_and_login(&f.username, &f.password).await {
        Ok(u) => format!("welcome {}", u.username).into_response(),
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
    }
}

async fn logout(mut auth: Auth) -> &'static str {
    auth.logout().await.unwrap();
    "bye"
}

#[derive(Deserialize)]
struct ThemeForm {
    theme: String,
}

async fn set_theme(auth: Auth, Form(f): Form<ThemeForm>) -> &'static str {
    auth.session_insert("theme", f.theme.into()).await;
    "saved"
}

#[permission_required("blog.publish_post", "blog.review_post", any)]
async fn moderate(auth: Auth) -> String {
    format!("moderation for {}", auth.user().unwrap().username)
}

fn name_starts_with_c(user: &auth_core::User) -> bool {
    user.username.starts_with('c')
}

#[user_passes_test(name_starts_with_c)]
async fn desk(auth: Auth) -> String {
    format!("desk of {}", auth.user().unwrap().username)
}

fn method_hook(d: Denial) -> (StatusCode, String) {
    let cookie = if d.header("cookie").is_some() {
        "seen"
    } else {
        "hidden"
    };
    (
        StatusCode::IM_A_TEAPOT,
        format!(
            "{} {} cookie={cookie}",
            d.method,
            d.header("X-Client").unwrap_or("-")
        ),
    )
}

#[login_required(on_denied = method_hook)]
async fn hooked(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn second_denied(d: Denial) -> (StatusCode, String) {
    (
        StatusCode::IM_A_TEAPOT,
        format!("second: {}", d.requirement),
    )
}

async fn third_denied(d: Denial) -> (StatusCode, String) {
    let url = d.login_url.unwrap_or("-");
    (
        StatusCode::PAYMENT_REQUIRED,
        format!("third: {} {url}", d.requirement),
    )
}

/// Three guards, each with its own answer: the guard whose requirement fails answers.
#[login_required(redirect = "/signin")]
#[group_required("Editors", on_denied = second_denied)]
#[permission_required("shop.view_reports", on_denied = third_denied, redirect = "/third")]
async fn three_answers(auth: Auth) -> String {
    format!("three for {}", auth.user().unwrap().username)
}

fn not_staff(d: Denial) -> Result<String, Denial> {
    Ok(format!("hook: {}", d.requirement))
}

/// The same in the service layer: one check, the failing guard's hook or `Err`.
#[login_required]
#[staff_required(on_denied = not_staff)]
#[superuser_required]
async fn audit_log(auth: &Auth) -> Result<String, Denial> {
    Ok(format!("audit for {}", auth.user().unwrap().username))
}

async fn audit(auth: Auth) -> Response {
    match audit_log(&auth).await {
        Ok(s) => s.into_response(),
        Err(d) => (StatusCode::FORBIDDEN, format!("err: {}", d.requirement)).into_response(),
    }
}

#[derive(Serialize, Deserialize, Default)]
struct Cart {
    items: Vec<u32>,
}

#[login_required]
async fn add_to_cart(auth: Auth, Path(item): Path<u32>) -> String {
    let session = auth.session();
    let mut cart: Cart = session.get("cart").await.unwrap().unwrap_or_default();
    cart.items.push(item);
    session.insert("cart", &cart).await.unwrap();
    let items: Vec<String> = cart.items.iter().map(u32::to_string).collect();
    items.join(",")
}

#[login_required]
async fn theme_as_cart(auth: Auth) -> (axum::http::StatusCode, String) {
    match auth.session().get::<Cart>("theme").await {
        Ok(_) => (axum::http::StatusCode::OK, "a cart".into()),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn get_theme(auth: Auth) -> String {
    auth.session_get("theme")
        .await
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or("none".into())
}

#[derive(Deserialize)]
struct PasswordForm {
    old: String,
    new: String,
    confirm: String,
}

#[login_required]
async fn change_password(mut auth: Auth, Form(f): Form<PasswordForm>) -> Response {
    match auth.change_password(&f.old, &f.new, &f.confirm).await {
        Ok(()) => "changed".into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

fn routes() -> Router {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/fallible", get(fallible))
        .route("/posts", post(create_post))
        .route("/posts/{id}/publish", post(publish))
        .route("/reports", get(reports))
        .route("/staff", get(staff))
        .route("/superuser", get(superuser))
        .route("/elsewhere", get(elsewhere))
        .route("/no-auth-param", get(no_auth_param))
        .route("/generic", get(generic::<u8>))
        .route("/whoami", get(whoami))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/theme", get(get_theme).post(set_theme))
        .route("/cart/{item}", post(add_to_cart))
        .route("/theme-as-cart", get(theme_as_cart))
        .route("/moderate", get(moderate))
        .route("/desk", get(desk))
        .route("/hooked", get(hooked).post(hooked))
        .route("/password", post(change_password))
        .route("/three-answers", get(three_answers))
        .route("/audit", get(audit))
        .merge(staff_area())
}

/// Two routes behind one route layer: staff only, anonymous browsers to /signin.
fn staff_area() -> Router {
    Router::new()
        .route("/staff-area/one", get(whoami))
        .route("/staff-area/two", post(whoami))
        .route_layer(auth_axum::RequireAuth::new(
            auth_axum::RouteRequirements::staff().redirect("/signin"),
        ))
}

async fn app() -> (AxumApp, Fixture) {
    let f = fixture().await;
    (
        AxumApp(routes().layer(AuthLayer::new(f.service.clone()))),
        f,
    )
}

macro_rules! scenario {
    ($name:ident) => {
        #[tokio::test]
        async fn $name() {
            let (app, _f) = app().await;
            scenarios::$name(&app).await;
        }
    };
    ($name:ident, fixture) => {
        #[tokio::test]
        async fn $name() {
            let (app, f) = app().await;
            scenarios::$name(&app, &f).await;
        }
    };
}

scenario!(anonymous_html_is_redirected_to_login_with_next);
scenario!(anonymous_json_gets_401);
scenario!(hooks_see_method_and_headers);
scenario!(route_layer_guards_many_routes, fixture);
scenario!(predicate_guard, fixture);
scenario!(any_of_permissions, fixture);
scenario!(typed_session_values, fixture);
scenario!(htmx_requests_get_401_with_hx_redirect, fixture);
scenario!(logged_in_user_passes, fixture);
scenario!(result_bodies_with_question_mark_and_early_return, fixture);
scenario!(json_body_extractor, fixture);
scenario!(form_body_and_permission, fixture);
scenario!(stacked_guards, fixture);
scenario!(on_denied_hooks_sync_and_async, fixture);
scenario!(redirect_option_and_adapter_option, fixture);
scenario!(bad_cookies_are_anonymous, fixture);
scenario!(inactive_users_are_anonymous, fixture);
scenario!(login_rotates_logout_invalidates_and_replay_fails, fixture);
scenario!(password_change_logs_out_other_sessions, fixture);

#[tokio::test]
async fn a_stack_denies_with_the_failing_guards_answer() {
    let (app, f) = app().await;
    let r = app.send(Req::get("/three-answers").html()).await;
    assert_eq!(r.location(), Some("/signin?next=/three-answers"), "{r:?}");
    let r = app.send(Req::get("/three-answers").cookie(&f.alice)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (418, "second: membership in one of Editors")
    );
    let r = app.send(Req::get("/three-answers").cookie(&f.carol)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (402, "third: permission shop.view_reports /third")
    );
    let r = app.send(Req::get("/three-answers").cookie(&f.bob)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "three for bob"));

    let r = app.send(Req::get("/audit")).await;
    assert_eq!((r.status, r.body.as_str()), (403, "err: login"));
    let r = app.send(Req::get("/audit").cookie(&f.alice)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "hook: staff status"));
    let r = app.send(Req::get("/audit").cookie(&f.staff)).await;
    assert_eq!((r.status, r.body.as_str()), (403, "err: superuser status"));
}

#[tokio::test]
async fn app_wide_denial_handler() {
    let f = fixture().await;
    let layer = AuthLayer::new(f.service.clone()).on_denied(|d: Denial| async move {
        (
            StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
            format!("app-wide: {} anonymous={}", d.requirement, d.anonymous),
        )
    });
    scenarios::app_wide_denial_handler(&AxumApp(routes().layer(layer)), &f).await;
}

#[tokio::test]
async fn store_down_fails_closed() {
    let f = fixture().await;
    let store = Arc::new(MemoryStore::new());
    let down = AuthService::new(
        AuthConfig::default(),
        store.clone(),
        store,
        Arc::new(auth_tests::DownStore),
    );
    scenarios::store_down_fails_closed(&AxumApp(routes().layer(AuthLayer::new(down))), &f).await;
}

#[tokio::test]
async fn missing_layer_is_a_500_that_says_what_to_add() {
    let app = AxumApp(routes());
    let r = app.send(Req::get("/dashboard")).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("AuthLayer::new"), "{}", r.body);
    let r = app.send(Req::get("/whoami")).await;
    assert_eq!(r.status, 500);
}

#[tokio::test]
async fn one_session_load_and_one_permission_read_per_request() {
    let users = Arc::new(MemoryStore::new());
    let perms = Arc::new(auth_tests::CountingPerms::default());
    let sessions = Arc::new(auth_tests::CountingStore::default());
    let cfg = AuthConfig {
        secret_key: "k".into(),
        ..AuthConfig::default()
    };
    let service = AuthService::new(cfg, users.clone(), perms.clone(), sessions.clone());
    use auth_core::{PermissionChecker as _, UserStore as _};
    let bob = users
        .create_user(auth_core::user::NewUser::new("bob", "", "!"))
        .await
        .unwrap();
    perms
        .inner
        .create_user(auth_core::user::NewUser::new("bob", "", "!"))
        .await
        .unwrap();
    perms.add_user_to_group(&bob.id, "Editors").await.unwrap();
    perms
        .grant_user_permission(&bob.id, &"shop.view_reports".parse().unwrap())
        .await
        .unwrap();
    let cookie = auth_tests::login_cookie(&service, &bob).await;
    let app = AxumApp(routes().layer(AuthLayer::new(service)));
    scenarios::one_session_load_and_one_permission_read_per_request(
        &app,
        &cookie,
        &sessions.loads,
        &perms.reads,
    )
    .await;
}
