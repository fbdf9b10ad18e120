//! A port of the Reflex `local_auth` demo to axum, plus the permission features of the
//! reflex-django docs, on SQLite with zero set-up.
//!
//! ```sh
//! cargo run -p local-auth-axum                       # serve on 127.0.0.1:3000
//! cargo run -p local-auth-axum -- createuser --username admin --superuser
//! ```
//!
//! Environment: `BIND_ADDR`, `DATABASE_URL` (default `sqlite://local_auth.db`), `AUTH_CONFIG`
//! (TOML), `AUTH_MAIL_DIR` (write mail as files), `SITE_ORIGIN`, and any `AUTH_*` key.
//! Beside Django: `AUTH_SCHEMA=django`, `DATABASE_URL` the Django project's database and
//! `AUTH_SECRET_KEY` its `SECRET_KEY`; the same routes and admin commands then read and write
//! Django's users, permissions and sessions.

use std::sync::atomic::{AtomicI64, Ordering};

use auth_axum::auth_admin::AdminCommand;
use auth_axum::auth_admin::setup::Setup;
use auth_axum::auth_core::{
    guard::{UserSnapshot, Wants},
    http::SessionCheck,
};
use auth_axum::auth_pages::render::layout;
use auth_axum::{
    Auth, AuthConfig, AuthLayer, CurrentUser, Denial, User, add_auth_api, add_auth_pages_with,
    denial_response, group_required, page, permission_required, staff_required, superuser_required,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use clap::Parser;
use maud::{Markup, html};

#[derive(Parser)]
#[command(about = "The local-auth demo on axum. Without a subcommand, serves the app.")]
struct Cli {
    #[command(subcommand)]
    command: Option<AdminCommand>,
}

fn page_html(auth: &Auth, title: &str, content: Markup) -> Html<String> {
    let cfg = auth.service().config();
    let user_bar = html! {
        (content)
        @if let Some(user) = auth.user() {
            form method="post" action=(cfg.logout_url) {
                input type="hidden" name="csrf_token" value=(auth.csrf_token());
                p { "Logged in as " strong { (user.username) } }
                button type="submit" { "Log out" }
            }
        }
    };
    Html(layout(cfg, title, None, user_bar))
}

#[page(route = "/")]
async fn index(auth: Auth) -> Html<String> {
    let cfg = auth.service().config().clone();
    let body = html! {
        p { "This demo shows login, registration, logout and password reset, and pages guarded by permissions, groups and staff status." }
        div.links {
            a href="/protected" { "Protected page" }
            a href="/reports" { "Reports (needs shop.view_reports)" }
            a href="/editor" { "Editor (needs the Editors group)" }
            a href="/admin-tools" { "Admin tools (staff only)" }
            a href="/superuser" { "Superuser area" }
            @if auth.user().is_none() {
                a href=(cfg.login_url) { "Log in" }
                a href=(cfg.signup_url) { "Create an account" }
            }
        }
    };
    page_html(&auth, "Home", body)
}

#[page(route = "/protected", login_required)]
async fn protected(auth: Auth, me: CurrentUser<User>) -> Html<String> {
    // `CurrentUser<T>` is the logged-in user, typed (an app's own type with its own store).
    let name = &me.username;
    let body = html! {
        p { "Only logged-in users see this page." }
        div.links { a href="/" { "Home" } }
    };
    page_html(&auth, &format!("Protected Page for {name}"), body)
}

#[page(route = "/api/me", login_required)]
async fn api_me(auth: Auth) -> Json<UserSnapshot> {
    let include = auth.service().config().user_snapshot_include_groups;
    let snap = auth_axum::auth_core::guard::user_snapshot(&auth, include)
        .await
        .ok()
        .flatten();
    Json(snap.expect("the guard let a user in"))
}

static NEXT_POST: AtomicI64 = AtomicI64::new(1);

#[page(route = "/posts", method = "POST", login_required)]
async fn create_post(auth: Auth, headers: HeaderMap, body: Bytes) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let title = if ct.starts_with("application/json") {
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("title").and_then(|t| t.as_str()).map(str::to_owned))
    } else {
        auth_axum::auth_core::adapter::Form::parse(Some(ct), &body)
            .ok()
            .and_then(|f| f.opt("title").map(str::to_owned))
    };
    let Some(title) = title.filter(|t| !t.trim().is_empty() && t.len() <= 200) else {
        let err = serde_json::json!({"error": "invalid", "message": "Send a non-empty `title` of at most 200 bytes, as a form or JSON."});
        return (StatusCode::BAD_REQUEST, Json(err)).into_response();
    };
    let id = NEXT_POST.fetch_add(1, Ordering::Relaxed);
    let owner = auth.user().map(|u| u.username.clone());
    (
        StatusCode::CREATED,
        Json(serde_json::json!({"id": id, "title": title, "owner": owner})),
    )
        .into_response()
}

#[page(route = "/posts/{id}/publish", method = "POST")]
#[permission_required("blog.publish_post")]
async fn publish_post(auth: Auth, Path(id): Path<i64>) -> Json<serde_json::Value> {
    let by = auth.user().map(|u| u.username.clone());
    Json(serde_json::json!({"id": id, "published": true, "by": by}))
}

#[page(route = "/reports")]
#[permission_required("shop.view_reports")]
async fn reports(auth: Auth) -> Html<String> {
    page_html(
        &auth,
        "Reports",
        html! { p { "Quarterly numbers, for those with shop.view_reports." } div.links { a href="/" { "Home" } } },
    )
}

#[page(route = "/editor")]
#[group_required("Editors")]
async fn editor(auth: Auth) -> Html<String> {
    page_html(
        &auth,
        "Editor",
        html! { p { "The editors' desk." } div.links { a href="/" { "Home" } } },
    )
}

#[page(route = "/admin-tools")]
#[staff_required]
async fn admin_tools(auth: Auth) -> Html<String> {
    page_html(
        &auth,
        "Admin tools",
        html! { p { "Tools for staff." } div.links { a href="/" { "Home" } } },
    )
}

#[page(route = "/superuser")]
#[superuser_required]
async fn superuser(auth: Auth) -> Html<String> {
    page_html(
        &auth,
        "Superuser area",
        html! { p { "Only superusers get here." } div.links { a href="/" { "Home" } } },
    )
}

/// The layer has already refused cross-origin upgrades (`Origin` must be this site).
#[page(route = "/ws/echo", login_required)]
async fn ws_echo(auth: Auth, ws: WebSocketUpgrade) -> Response {
    let Some(check) = auth.session_check().await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    ws.on_upgrade(move |socket| echo(socket, check))
}

/// Echoes messages, and closes the socket once the login behind it ends (logout, password
/// change, deactivation, expiry), checked every second.
async fn echo(mut socket: WebSocket, check: SessionCheck) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(msg)) => {
                    if socket.send(msg).await.is_err() {
                        return;
                    }
                }
                _ => return,
            },
            _ = tick.tick() => {
                if !check.is_live().await {
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: 4001,
                            reason: "session ended".into(),
                        })))
                        .await;
                    return;
                }
            }
        }
    }
}

async fn not_found(req: Request) -> (StatusCode, Html<String>) {
    let cfg = AuthConfig::default();
    let body = html! { p { "Nothing lives at " code { (req.uri().path()) } "." } div.links { a href="/" { "Home" } } };
    (
        StatusCode::NOT_FOUND,
        Html(layout(&cfg, "Not found", None, body)),
    )
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let setup = match Setup::from_env().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Some(cmd) = cli.command {
        match cmd.run(&setup.service).await {
            Ok(msg) => println!("{msg}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        return;
    }

    let config = setup.service.config().clone();
    let app = auth_axum::pages![
        index,
        protected,
        api_me,
        create_post,
        publish_post,
        reports,
        editor,
        admin_tools,
        superuser,
        ws_echo
    ];
    let app = add_auth_pages_with(app, &setup.service, setup.pages.clone());
    // The JSON API for SPAs and mobile clients: /api/auth/{login,logout,me,csrf}.
    let app = add_auth_api(app).fallback(not_found);
    // API routes answer denials in JSON whatever the client's Accept header says.
    let layer = AuthLayer::new(setup.service.clone()).on_denied(move |mut d: Denial| {
        let config = config.clone();
        async move {
            if d.path.starts_with("/api/") {
                d.wants = Wants::Json;
            }
            denial_response(&d, &config)
        }
    });
    let app = app.layer(layer);
    let listener = match tokio::net::TcpListener::bind(&setup.bind_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", setup.bind_addr);
            std::process::exit(2);
        }
    };
    tracing::info!(addr = %setup.bind_addr, database = %setup.database_url, "local-auth-axum listening on http://{}", setup.bind_addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .expect("server error");
}
