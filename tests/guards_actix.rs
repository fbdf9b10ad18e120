//! Guard rules 1–5 on actix-web, in-process (`actix_web::test`). The assertions live in
//! `support/scenarios.rs` and run unchanged against axum too.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, Responder, ResponseError, test, web};
use auth_actix::{
    Auth, AuthMiddleware, Denial, group_required, login_required, permission_required,
    staff_required, superuser_required, user_passes_test,
};
use auth_core::{AuthConfig, AuthService, MemoryStore};
use auth_tests::clients::ActixApp;
use auth_tests::{Client, Fixture, Req, fixture, scenarios};
use serde::{Deserialize, Serialize};

#[login_required]
async fn dashboard(auth: Auth) -> impl Responder {
    format!("hi {}", auth.user().unwrap().username)
}

#[derive(Debug, thiserror::Error)]
#[error("app error: {0}")]
struct AppError(String);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
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
async fn fallible(auth: Auth, q: web::Query<ModeQuery>) -> Result<String, AppError> {
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
async fn create_post(auth: Auth, post: web::Json<NewPost>) -> HttpResponse {
    let owner = auth.user().unwrap().username.clone();
    HttpResponse::Created().json(serde_json::json!({"title": post.title, "owner": owner}))
}

#[derive(Deserialize)]
struct PublishForm {
    title: String,
}

#[permission_required("blog.publish_post")]
async fn publish(
    _auth: Auth,
    id: web::Path<i64>,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    if form.title.is_empty() {
        return Err(AppError("empty title".into()));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", format!("/posts/{id}?published={}", form.title)))
        .finish())
}

/// Reports: doc comments and attributes survive the guards.
#[login_required]
#[group_required("Editors")]
#[permission_required("shop.view_reports")]
#[allow(clippy::unused_async)]
async fn reports(auth: Auth) -> String {
    format!("reports for {}", auth.user().unwrap().username)
}

fn sync_hook(d: Denial) -> HttpResponse {
    let wants = match d.wants {
        auth_actix::Wants::Html => "html",
        auth_actix::Wants::Json => "json",
    };
    HttpResponse::build(StatusCode::IM_A_TEAPOT).body(format!(
        "denied {} anonymous={} {wants}",
        d.path, d.anonymous
    ))
}

#[staff_required(on_denied = sync_hook)]
async fn staff(_auth: Auth) -> &'static str {
    "staff area"
}

async fn async_hook(d: Denial) -> impl Responder {
    tokio::task::yield_now().await;
    HttpResponse::PaymentRequired().body(format!("async denied {}", d.requirement))
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
    T: Default + std::fmt::Display,
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

async fn login(mut auth: Auth, f: web::Form<LoginForm>) -> HttpResponse {
    match auth.authenticate_and_login(&f.username, &f.password).await {
        Ok(u) => HttpResponse::Ok().body(format!("welcome {}", u.username)),
        Err(e) => HttpResponse::Unauthorized().body(e.to_string()),
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

async fn set_theme(auth: Auth, f: web::Form<ThemeForm>) -> &'static str {
    auth.session_insert("theme", f.into_inner().theme.into())
        .await;
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

fn method_hook(d: Denial) -> HttpResponse {
    let cookie = if d.header("cookie").is_some() {
        "seen"
    } else {
        "hidden"
    };
    HttpResponse::build(actix_web::http::StatusCode::IM_A_TEAPOT).body(format!(
        "{} {} cookie={cookie}",
        d.method,
        d.header("X-Client").unwrap_or("-")
    ))
}

#[login_required(on_denied = method_hook)]
async fn hooked(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

#[derive(Serialize, Deserialize, Default)]
struct Cart {
    items: Vec<u32>,
}

#[login_required]
async fn add_to_cart(auth: Auth, item: web::Path<u32>) -> String {
    let session = auth.session();
    let mut cart: Cart = session.get("cart").await.unwrap().unwrap_or_default();
    cart.items.push(item.into_inner());
    session.insert("cart", &cart).await.unwrap();
    let items: Vec<String> = cart.items.iter().map(u32::to_string).collect();
    items.join(",")
}

#[login_required]
async fn theme_as_cart(auth: Auth) -> actix_web::HttpResponse {
    match auth.session().get::<Cart>("theme").await {
        Ok(_) => actix_web::HttpResponse::Ok().body("a cart"),
        Err(e) => actix_web::HttpResponse::InternalServerError().body(e.to_string()),
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
async fn change_password(mut auth: Auth, f: web::Form<PasswordForm>) -> HttpResponse {
    match auth.change_password(&f.old, &f.new, &f.confirm).await {
        Ok(()) => HttpResponse::Ok().body("changed"),
        Err(e) => HttpResponse::BadRequest().body(e.to_string()),
    }
}

fn second_denied(d: Denial) -> HttpResponse {
    HttpResponse::build(StatusCode::IM_A_TEAPOT).body(format!("second: {}", d.requirement))
}

async fn third_denied(d: Denial) -> HttpResponse {
    let url = d.login_url.unwrap_or("-");
    HttpResponse::PaymentRequired().body(format!("third: {} {url}", d.requirement))
}

/// Three guards, each with its own answer: the guard whose requirement fails answers.
#[login_required(redirect = "/signin")]
#[group_required("Editors", on_denied = second_denied)]
#[permission_required("shop.view_reports", on_denied = third_denied, redirect = "/third")]
async fn three_answers(auth: Auth) -> String {
    format!("three for {}", auth.user().unwrap().username)
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(dashboard))
        .route("/fallible", web::get().to(fallible))
        .route("/posts", web::post().to(create_post))
        .route("/posts/{id}/publish", web::post().to(publish))
        .route("/reports", web::get().to(reports))
        .route("/staff", web::get().to(staff))
        .route("/superuser", web::get().to(superuser))
        .route("/elsewhere", web::get().to(elsewhere))
        .route("/no-auth-param", web::get().to(no_auth_param))
        .route("/generic", web::get().to(generic::<u8>))
        .route("/whoami", web::get().to(whoami))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/theme", web::get().to(get_theme))
        .route("/theme", web::post().to(set_theme))
        .route("/cart/{item}", web::post().to(add_to_cart))
        .route("/theme-as-cart", web::get().to(theme_as_cart))
        .route("/moderate", web::get().to(moderate))
        .route("/desk", web::get().to(desk))
        .route("/hooked", web::get().to(hooked))
        .route("/hooked", web::post().to(hooked))
        .route("/password", web::post().to(change_password))
        .route("/three-answers", web::get().to(three_answers))
        // Two routes behind one middleware: staff only, anonymous browsers to /signin.
        .service(
            web::scope("/staff-area")
                .wrap(auth_actix::RequireAuth::new(
                    auth_actix::RouteRequirements::staff().redirect("/signin"),
                ))
                .route("/one", web::get().to(whoami))
                .route("/two", web::post().to(whoami)),
        );
}

macro_rules! scenario {
    ($name:ident) => {
        #[actix_web::test]
        async fn $name() {
            let f = fixture().await;
            let app = test::init_service(
                App::new()
                    .configure(routes)
                    .wrap(AuthMiddleware::new(f.service.clone())),
            )
            .await;
            scenarios::$name(&ActixApp(app)).await;
        }
    };
    ($name:ident, fixture) => {
        #[actix_web::test]
        async fn $name() {
            let f: Fixture = fixture().await;
            let app = test::init_service(
                App::new()
                    .configure(routes)
                    .wrap(AuthMiddleware::new(f.service.clone())),
            )
            .await;
            scenarios::$name(&ActixApp(app), &f).await;
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

#[actix_web::test]
async fn a_stack_denies_with_the_failing_guards_answer() {
    let f = fixture().await;
    let app = ActixApp(
        test::init_service(
            App::new()
                .configure(routes)
                .wrap(AuthMiddleware::new(f.service.clone())),
        )
        .await,
    );
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
}

#[actix_web::test]
async fn app_wide_denial_handler() {
    let f = fixture().await;
    let mw = AuthMiddleware::new(f.service.clone()).on_denied(|d: Denial| async move {
        HttpResponse::build(StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS).body(format!(
            "app-wide: {} anonymous={}",
            d.requirement, d.anonymous
        ))
    });
    let app = test::init_service(App::new().configure(routes).wrap(mw)).await;
    scenarios::app_wide_denial_handler(&ActixApp(app), &f).await;
}

#[actix_web::test]
async fn store_down_fails_closed() {
    let f = fixture().await;
    let store = Arc::new(MemoryStore::new());
    let down = AuthService::new(
        AuthConfig::default(),
        store.clone(),
        store,
        Arc::new(auth_tests::DownStore),
    );
    let app =
        test::init_service(App::new().configure(routes).wrap(AuthMiddleware::new(down))).await;
    scenarios::store_down_fails_closed(&ActixApp(app), &f).await;
}

#[actix_web::test]
async fn missing_middleware_is_a_500_that_says_what_to_add() {
    let app = ActixApp(test::init_service(App::new().configure(routes)).await);
    let r = app.send(Req::get("/dashboard")).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("AuthMiddleware::new"), "{}", r.body);
    let r = app.send(Req::get("/whoami")).await;
    assert_eq!(r.status, 500);
}

#[actix_web::test]
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
    let app = test::init_service(
        App::new()
            .configure(routes)
            .wrap(AuthMiddleware::new(service)),
    )
    .await;
    scenarios::one_session_load_and_one_permission_read_per_request(
        &ActixApp(app),
        &cookie,
        &sessions.loads,
        &perms.reads,
    )
    .await;
}
