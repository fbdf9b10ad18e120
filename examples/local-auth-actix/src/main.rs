//! The Reflex `local_auth` demo on actix-web, plus the permission features of the
//! reflex-django docs, on SQLite with zero set-up. Same routes, settings, admin commands and
//! behaviour as `local-auth-axum`.
//!
//! ```sh
//! cargo run -p local-auth-actix                       # serve on 127.0.0.1:3000
//! cargo run -p local-auth-actix -- createuser --username admin --superuser
//! ```
//!
//! Environment: `BIND_ADDR`, `DATABASE_URL` (default `sqlite://local_auth.db`), `AUTH_CONFIG`
//! (TOML), `AUTH_MAIL_DIR` (write mail as files), `SITE_ORIGIN`, and any `AUTH_*` key.
//! Beside Django: `AUTH_SCHEMA=django`, `DATABASE_URL` the Django project's database and
//! `AUTH_SECRET_KEY` its `SECRET_KEY`; the same routes and admin commands then read and write
//! Django's users, permissions and sessions.

use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use auth_actix::auth_admin::AdminCommand;
use auth_actix::auth_admin::setup::Setup;
use auth_actix::auth_core::guard::{UserSnapshot, Wants};
use auth_actix::auth_pages::render::layout;
use auth_actix::ws::Message;
use auth_actix::{
    Auth, AuthConfig, AuthMiddleware, CurrentUser, Denial, User, add_auth_api, add_auth_pages_with,
    denial_response, group_required, page, permission_required, staff_required, superuser_required,
};
use clap::Parser;
use futures_util::StreamExt;
use maud::{Markup, html};

#[derive(Parser)]
#[command(about = "The local-auth demo on actix-web. Without a subcommand, serves the app.")]
struct Cli {
    #[command(subcommand)]
    command: Option<AdminCommand>,
}

fn page_html(auth: &Auth, title: &str, content: Markup) -> HttpResponse {
    let cfg = auth.service().config();
    let body = html! {
        (content)
        @if let Some(user) = auth.user() {
            form method="post" action=(cfg.logout_url) {
                input type="hidden" name="csrf_token" value=(auth.csrf_token());
                p { "Logged in as " strong { (user.username) } }
                button type="submit" { "Log out" }
            }
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(layout(cfg, title, None, body))
}

#[page(route = "/")]
async fn index(auth: Auth) -> HttpResponse {
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
async fn protected(auth: Auth, me: CurrentUser<User>) -> HttpResponse {
    // `CurrentUser<T>` is the logged-in user, typed (an app's own type with its own store).
    let name = &me.username;
    let body = html! {
        p { "Only logged-in users see this page." }
        div.links { a href="/" { "Home" } }
    };
    page_html(&auth, &format!("Protected Page for {name}"), body)
}

#[page(route = "/api/me", login_required)]
async fn api_me(auth: Auth) -> web::Json<UserSnapshot> {
    let include = auth.service().config().user_snapshot_include_groups;
    let snap = auth_actix::auth_core::guard::user_snapshot(&auth, include)
        .await
        .ok()
        .flatten();
    web::Json(snap.expect("the guard let a user in"))
}

static NEXT_POST: AtomicI64 = AtomicI64::new(1);

#[page(route = "/posts", method = "POST", login_required)]
async fn create_post(auth: Auth, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let title = if ct.starts_with("application/json") {
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("title").and_then(|t| t.as_str()).map(str::to_owned))
    } else {
        auth_actix::auth_core::adapter::Form::parse(Some(ct), &body)
            .ok()
            .and_then(|f| f.opt("title").map(str::to_owned))
    };
    let Some(title) = title.filter(|t| !t.trim().is_empty() && t.len() <= 200) else {
        let err = serde_json::json!({"error": "invalid", "message": "Send a non-empty `title` of at most 200 bytes, as a form or JSON."});
        return HttpResponse::BadRequest().json(err);
    };
    let id = NEXT_POST.fetch_add(1, Ordering::Relaxed);
    let owner = auth.user().map(|u| u.username.clone());
    HttpResponse::Created().json(serde_json::json!({"id": id, "title": title, "owner": owner}))
}

#[page(route = "/posts/{id}/publish", method = "POST")]
#[permission_required("blog.publish_post")]
async fn publish_post(auth: Auth, id: web::Path<i64>) -> web::Json<serde_json::Value> {
    let by = auth.user().map(|u| u.username.clone());
    web::Json(serde_json::json!({"id": id.into_inner(), "published": true, "by": by}))
}

#[page(route = "/reports")]
#[permission_required("shop.view_reports")]
async fn reports(auth: Auth) -> HttpResponse {
    page_html(
        &auth,
        "Reports",
        html! { p { "Quarterly numbers, for those with shop.view_reports." } div.links { a href="/" { "Home" } } },
    )
}

#[page(route = "/editor")]
#[group_required("Editors")]
async fn editor(auth: Auth) -> HttpResponse {
    page_html(
        &auth,
        "Editor",
        html! { p { "The editors' desk." } div.links { a href="/" { "Home" } } },
    )
}

#[page(route = "/admin-tools")]
#[staff_required]
async fn admin_tools(auth: Auth) -> HttpResponse {
    page_html(
        &auth,
        "Admin tools",
        html! { p { "Tools for staff." } div.links { a href="/" { "Home" } } },
    )
}

#[page(route = "/superuser")]
#[superuser_required]
async fn superuser(auth: Auth) -> HttpResponse {
    page_html(
        &auth,
        "Superuser area",
        html! { p { "Only superusers get here." } div.links { a href="/" { "Home" } } },
    )
}

/// The middleware has already refused cross-origin upgrades (`Origin` must be this site). The
/// socket echoes, and closes once the login behind it ends (logout, password change,
/// deactivation, expiry), checked every second.
#[page(route = "/ws/echo", login_required)]
async fn ws_echo(
    auth: Auth,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let Some(check) = auth.session_check().await else {
        return Ok(HttpResponse::Unauthorized().finish());
    };
    let (response, mut session, mut stream) = auth_actix::ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(Ok(msg)) = msg else { return };
                    let sent = match msg {
                        Message::Text(text) => session.text(text).await,
                        Message::Binary(bin) => session.binary(bin).await,
                        Message::Ping(p) => session.pong(&p).await,
                        Message::Close(reason) => {
                            let _ = session.close(reason).await;
                            return;
                        }
                        _ => Ok(()),
                    };
                    if sent.is_err() {
                        return;
                    }
                }
                _ = tick.tick() => {
                    if !check.is_live().await {
                        let reason = auth_actix::ws::CloseReason {
                            code: auth_actix::ws::CloseCode::Other(4001),
                            description: Some("session ended".into()),
                        };
                        let _ = session.close(Some(reason)).await;
                        return;
                    }
                }
            }
        }
    });
    Ok(response)
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let cfg = AuthConfig::default();
    let body = html! { p { "Nothing lives at " code { (req.path()) } "." } div.links { a href="/" { "Home" } } };
    HttpResponse::build(StatusCode::NOT_FOUND)
        .content_type("text/html; charset=utf-8")
        .body(layout(&cfg, "Not found", None, body))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
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
        return Ok(());
    }

    let (service, pages) = (setup.service.clone(), setup.pages.clone());
    let server = HttpServer::new(move || {
        let config = service.config().clone();
        // API routes answer denials in JSON whatever the client's Accept header says.
        let deny_config = config.clone();
        let middleware = AuthMiddleware::new(service.clone()).on_denied(move |mut d: Denial| {
            let config = deny_config.clone();
            async move {
                if d.path.starts_with("/api/") {
                    d.wants = Wants::Json;
                }
                denial_response(&d, &config)
            }
        });
        App::new()
            .configure(auth_actix::pages![
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
            ])
            .configure(add_auth_pages_with(&service, pages.clone()))
            // The JSON API for SPAs and mobile clients: /api/auth/{login,logout,me,csrf}.
            .configure(add_auth_api())
            .default_service(web::to(not_found))
            .wrap(middleware)
    })
    .bind(&setup.bind_addr)
    .inspect_err(|e| eprintln!("error: cannot listen on {}: {e}", setup.bind_addr))?;
    tracing::info!(addr = %setup.bind_addr, database = %setup.database_url, "local-auth-actix listening on http://{}", setup.bind_addr);
    server.run().await
}
