// A crate outside the workspace that depends on auth-axum (feature `sqlite`) by a path under
// `packages/` (see tests/packaging.rs): the README's handlers over the SQLite store, asked over
// real HTTP.
use std::sync::Arc;

use auth_axum::auth_sql::SqliteStore;
use auth_axum::{Auth, AuthConfig, AuthLayer, AuthService, Registration, login_required, permission_required};
use axum::{Router, extract::Path, routing::{get, post}};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[login_required]
async fn secret(auth: Auth) -> String {
    format!("hi {}", auth.user().map_or("?", |u| u.username.as_str()))
}

#[permission_required("blog.publish_post")]
async fn publish(auth: Auth, Path(id): Path<i64>) -> String {
    format!("{} published post {id}", auth.user().unwrap().username)
}

async fn ask(addr: std::net::SocketAddr, accept: &str) -> String {
    request(addr, "GET /secret", accept).await
}

async fn request(addr: std::net::SocketAddr, line: &str, accept: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{line} HTTP/1.1\r\nhost: {addr}\r\norigin: http://{addr}\r\naccept: {accept}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out.lines().next().unwrap_or("").to_owned();
    let location = out
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("location:"))
        .map(|l| l[9..].trim().to_owned())
        .unwrap_or_default();
    format!("{status} {location}").trim().to_owned()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Arc::new(SqliteStore::connect("sqlite::memory:").await.unwrap());
    let auth = AuthService::new(AuthConfig::default(), store.clone(), store.clone(), store.clone());
    let alice = auth
        .register(&Registration::new("alice", "alice@example.com", "correct horse battery"))
        .await
        .unwrap();
    let found = auth_axum::auth_core::UserStore::find_by_username(&*store, "alice").await.unwrap();
    println!("sqlite: {}", found.map_or(false, |u| u.id == alice.id));
    let app = Router::new()
        .route("/secret", get(secret))
        .route("/posts/{id}/publish", post(publish))
        .layer(AuthLayer::new(auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    println!("json: {}", ask(addr, "application/json").await);
    println!("html: {}", ask(addr, "text/html").await);
    println!("publish: {}", request(addr, "POST /posts/7/publish", "application/json").await);
}
