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

#[path = "../../shared/demo.rs"]
mod demo;

use auth_axum::auth_core::guard::UserSnapshot;
use auth_axum::auth_core::http::SessionCheck;
use auth_axum::{
    Auth, AuthLayer, CurrentUser, Denial, User, add_auth_api, add_auth_pages_with, denial_response,
    group_required, page, permission_required, staff_required, superuser_required,
};
use auth_axum::{auth_admin, auth_core, auth_pages};
use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

fn page_html(auth: &Auth, title: &str, content: Markup) -> Html<String> {
    let cfg = auth.service().config();
    Html(demo::page(
        cfg,
        auth.user(),
        &auth.csrf_token(),
        title,
        content,
    ))
}

#[page(route = "/")]
async fn index(auth: Auth) -> Html<String> {
    let body = demo::index(auth.service().config(), auth.user().is_some());
    page_html(&auth, "Home", body)
}

#[page(route = "/protected", login_required)]
async fn protected(auth: Auth, me: CurrentUser<User>) -> Html<String> {
    // `CurrentUser<T>` is the logged-in user, typed (an app's own type with its own store).
    let body = demo::guarded("Only logged-in users see this page.");
    page_html(&auth, &format!("Protected Page for {}", me.username), body)
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

#[page(route = "/posts", method = "POST", login_required)]
async fn create_post(auth: Auth, headers: HeaderMap, body: Bytes) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match demo::create_post(ct, &body, auth.user()) {
        Ok(post) => (StatusCode::CREATED, Json(post)).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, Json(err)).into_response(),
    }
}

#[page(route = "/posts/{id}/publish", method = "POST")]
#[permission_required("blog.publish_post")]
async fn publish_post(auth: Auth, Path(id): Path<i64>) -> Json<serde_json::Value> {
    Json(demo::published(id, auth.user()))
}

#[page(route = "/reports")]
#[permission_required("shop.view_reports")]
async fn reports(auth: Auth) -> Html<String> {
    page_html(
        &auth,
        "Reports",
        demo::guarded("Quarterly numbers, for those with shop.view_reports."),
    )
}

#[page(route = "/editor")]
#[group_required("Editors")]
async fn editor(auth: Auth) -> Html<String> {
    page_html(&auth, "Editor", demo::guarded("The editors' desk."))
}

#[page(route = "/admin-tools")]
#[staff_required]
async fn admin_tools(auth: Auth) -> Html<String> {
    page_html(&auth, "Admin tools", demo::guarded("Tools for staff."))
}

#[page(route = "/superuser")]
#[superuser_required]
async fn superuser(auth: Auth) -> Html<String> {
    page_html(
        &auth,
        "Superuser area",
        demo::guarded("Only superusers get here."),
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
    (
        StatusCode::NOT_FOUND,
        Html(demo::not_found(req.uri().path())),
    )
}

#[tokio::main]
async fn main() {
    let setup = demo::boot("axum").await;
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
            demo::api_denials_in_json(&mut d);
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
