//! The smallest app: a guarded page, a login form and logout, on the in-memory stores.
//! Run with `cargo run -p hello-axum`, open http://127.0.0.1:3000/ and log in as
//! `demo` / `demo-password`.

use auth_axum::{Auth, AuthConfig, AuthLayer, AuthService, Registration, login_required};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

#[login_required]
async fn protected(auth: Auth) -> impl IntoResponse {
    Html(format!(
        "<h1>Protected Page for {}</h1><form method=post action=/logout><button>Log out</button></form>",
        auth_axum::auth_core::html::escape(&auth.user().unwrap().username)
    ))
}

async fn login_form() -> Html<&'static str> {
    Html(
        "<form method=post><input name=username placeholder=username> \
         <input name=password type=password placeholder=password> <button>Log in</button></form>",
    )
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(mut auth: Auth, Form(f): Form<Login>) -> impl IntoResponse {
    match auth.authenticate_and_login(&f.username, &f.password).await {
        Ok(_) => Redirect::to("/protected").into_response(),
        Err(_) => Html("Wrong username or password. <a href=/login>Try again</a>").into_response(),
    }
}

async fn logout(mut auth: Auth) -> Redirect {
    let _ = auth.logout().await;
    Redirect::to("/")
}

#[tokio::main]
async fn main() {
    let auth = AuthService::in_memory(AuthConfig::default());
    auth.register(&Registration::new(
        "demo",
        "demo@example.com",
        "demo-password",
    ))
    .await
    .expect("demo user");
    let app = Router::new()
        .route(
            "/",
            get(|| async { Html("<a href=/protected>Protected page</a>") }),
        )
        .route("/protected", get(protected))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .layer(AuthLayer::new(auth));
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("listening on http://{addr}");
    axum::serve(listener, app).await.expect("server");
}
