//! Bring your own users: the app keeps its users in its own `users` table (UUID keys,
//! `display_name`, `tenant_id`, made by its own migration below); the auth toolkit reads
//! them through a read-only store ([`store::AppUsers`]) and keeps only its sessions and
//! failed-login counters in tables of its own (prefix `authkit_`) in the same database, on
//! the app's pool.
//!
//! - `/`: a single-page front end (plain HTML and `fetch`) that logs in through the JSON API
//!   with the CSRF header;
//! - `/dashboard`: a page only for logged-in users, that greets them by `display_name`;
//! - `/api/whoami`: the app's user as JSON; `/invoices`: needs `billing.view_invoices`;
//! - `/api/auth/{login,logout,me,csrf}`: the toolkit's JSON API.

use auth_axum::auth_sql::{SqlStoreOptions, SqliteStore};
use auth_axum::{Auth, AuthConfig, AuthLayer, AuthService, CurrentUser, permission_required};
use axum::Json;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

pub mod model;
pub mod store;

pub use model::AppUser;
pub use store::AppUsers;

/// The app's own schema: its users and their permissions.
pub async fn migrate(pool: &sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS users (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            tenant_id INTEGER NOT NULL,
            password_hash TEXT NOT NULL,
            is_active INTEGER NOT NULL DEFAULT 1,
            is_admin INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS user_permissions (
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            permission TEXT NOT NULL,
            PRIMARY KEY (user_id, permission)
        );",
    )
    .execute(pool)
    .await
    .map(|_| ())
}

/// The app's own way of adding a user (the toolkit never writes `users`).
pub async fn add_user(
    pool: &sqlx::SqlitePool,
    email: &str,
    display_name: &str,
    tenant_id: i64,
    password: &str,
) -> Result<uuid::Uuid, Box<dyn std::error::Error + Send + Sync>> {
    let id = uuid::Uuid::new_v4();
    let hash = auth_axum::auth_core::password::hash(password)?;
    sqlx::query("INSERT INTO users (id, email, display_name, tenant_id, password_hash) VALUES (?, ?, ?, ?, ?)")
        .bind(id.to_string())
        .bind(email)
        .bind(display_name)
        .bind(tenant_id)
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(id)
}

/// The auth service: users and permissions from the app's tables, sessions and failed-login
/// counters in the toolkit's own tables on the same pool.
pub async fn service(
    pool: sqlx::SqlitePool,
    config: AuthConfig,
) -> Result<AuthService, Box<dyn std::error::Error + Send + Sync>> {
    let opts = SqlStoreOptions::default().table_prefix("authkit_");
    let sessions = SqliteStore::from_pool_with(pool.clone(), &opts).await?;
    Ok(AuthService::builder(config)
        .users_and_permissions(AppUsers { pool })
        .sessions_and_attempts(sessions)
        .build()?)
}

/// The routes, behind the auth layer.
pub fn app(service: AuthService) -> Router {
    let router = Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("../static/index.html")) }),
        )
        .route("/dashboard", get(dashboard))
        .route("/api/whoami", get(whoami))
        .route("/invoices", get(invoices));
    auth_axum::add_auth_api(router).layer(AuthLayer::new(service))
}

/// `CurrentUser<AppUser>` is itself a login guard: anonymous visitors get the same denial as
/// `#[login_required]` (a redirect to the login page, here the front end at `/`).
async fn dashboard(me: CurrentUser<AppUser>) -> Html<String> {
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>Dashboard</title>\
         <h1 id=greeting>Welcome, {}</h1><p id=tenant>Tenant {}</p><p><a href=\"/\">Back</a></p>",
        escape(&me.display_name),
        me.tenant_id
    ))
}

async fn whoami(me: CurrentUser<AppUser>) -> Json<AppUser> {
    Json(AppUser::clone(&me))
}

#[permission_required("billing.view_invoices")]
async fn invoices(_auth: Auth, me: CurrentUser<AppUser>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "tenant_id": me.tenant_id, "invoices": [] }))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
