// A crate outside the workspace that depends on auth-axum by a path under `packages/`
// (see tests/packaging.rs): one guarded handler, asked twice over real HTTP.
use auth_axum::{Auth, AuthConfig, AuthLayer, AuthService, login_required};
use axum::{Router, routing::get};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[login_required]
async fn secret(auth: Auth) -> String {
    format!("hi {}", auth.user().map_or("?", |u| u.username.as_str()))
}

async fn ask(addr: std::net::SocketAddr, accept: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /secret HTTP/1.1\r\nhost: {addr}\r\naccept: {accept}\r\nconnection: close\r\n\r\n"
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
    let auth = AuthService::in_memory(AuthConfig::default());
    let app = Router::new()
        .route("/secret", get(secret))
        .layer(AuthLayer::new(auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    println!("json: {}", ask(addr, "application/json").await);
    println!("html: {}", ask(addr, "text/html").await);
}
