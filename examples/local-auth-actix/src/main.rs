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

#[path = "../../shared/demo.rs"]
mod demo;

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use auth_actix::auth_core::guard::UserSnapshot;
use auth_actix::ws::Message;
use auth_actix::{
    Auth, AuthMiddleware, CurrentUser, Denial, User, add_auth_api, add_auth_pages_with,
    denial_response, group_required, page, permission_required, staff_required, superuser_required,
};
use auth_actix::{auth_admin, auth_core, auth_pages};
use futures_util::StreamExt;
use maud::Markup;

fn page_html(auth: &Auth, title: &str, content: Markup) -> HttpResponse {
    let cfg = auth.service().config();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(demo::page(
            cfg,
            auth.user(),
            &auth.csrf_token(),
            title,
            content,
        ))
}

#[page(route = "/")]
async fn index(auth: Auth) -> HttpResponse {
    let body = demo::index(auth.service().config(), auth.user().is_some());
    page_html(&auth, "Home", body)
}

#[page(route = "/protected", login_required)]
async fn protected(auth: Auth, me: CurrentUser<User>) -> HttpResponse {
    // `CurrentUser<T>` is the logged-in user, typed (an app's own type with its own store).
    let body = demo::guarded("Only logged-in users see this page.");
    page_html(&auth, &format!("Protected Page for {}", me.username), body)
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

#[page(route = "/posts", method = "POST", login_required)]
async fn create_post(auth: Auth, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match demo::create_post(ct, &body, auth.user()) {
        Ok(post) => HttpResponse::Created().json(post),
        Err(err) => HttpResponse::BadRequest().json(err),
    }
}

#[page(route = "/posts/{id}/publish", method = "POST")]
#[permission_required("blog.publish_post")]
async fn publish_post(auth: Auth, id: web::Path<i64>) -> web::Json<serde_json::Value> {
    web::Json(demo::published(id.into_inner(), auth.user()))
}

#[page(route = "/reports")]
#[permission_required("shop.view_reports")]
async fn reports(auth: Auth) -> HttpResponse {
    page_html(
        &auth,
        "Reports",
        demo::guarded("Quarterly numbers, for those with shop.view_reports."),
    )
}

#[page(route = "/editor")]
#[group_required("Editors")]
async fn editor(auth: Auth) -> HttpResponse {
    page_html(&auth, "Editor", demo::guarded("The editors' desk."))
}

#[page(route = "/admin-tools")]
#[staff_required]
async fn admin_tools(auth: Auth) -> HttpResponse {
    page_html(&auth, "Admin tools", demo::guarded("Tools for staff."))
}

#[page(route = "/superuser")]
#[superuser_required]
async fn superuser(auth: Auth) -> HttpResponse {
    page_html(
        &auth,
        "Superuser area",
        demo::guarded("Only superusers get here."),
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
    HttpResponse::build(StatusCode::NOT_FOUND)
        .content_type("text/html; charset=utf-8")
        .body(demo::not_found(req.path()))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let setup = demo::boot("actix-web").await;
    let (service, pages) = (setup.service.clone(), setup.pages.clone());
    let server = HttpServer::new(move || {
        let config = service.config().clone();
        // API routes answer denials in JSON whatever the client's Accept header says.
        let deny_config = config.clone();
        let middleware = AuthMiddleware::new(service.clone()).on_denied(move |mut d: Denial| {
            let config = deny_config.clone();
            async move {
                demo::api_denials_in_json(&mut d);
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
