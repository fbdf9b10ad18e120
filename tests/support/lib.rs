//! Shared test support: a framework-neutral HTTP client trait, a fixture of users, and the
//! guard scenarios that run unchanged against the axum and the actix-web app.
//!
//! The browser driver (`browser.rs`) and the multi-process harness (`multiprocess.rs`) are not
//! part of this library: the two test binaries that use them include them with `#[path]`, so
//! no other test builds them.

/// The README's examples compile (both frameworks).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

use std::future::Future;
use std::sync::Arc;

use auth_core::{
    AuthConfig, AuthService, MemorySessionStore, MemoryStore, Permission, SessionStore,
    user::NewUser,
};

/// The crates `browser.rs` and `multiprocess.rs` use, for the test binaries that include them.
#[doc(hidden)]
pub mod deps {
    pub use auth_core;
    pub use base64;
    pub use http_body_util;
    pub use hyper;
    pub use hyper_util;
    pub use serde_json;
}

pub mod account;
pub mod account_email;
pub mod attacks;
pub mod blackbox;

/// The "Bring your own users" guide, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/bring-your-own-users.md")]
struct GuideDoctests;
pub mod byo;
pub mod clients;
pub mod django;
/// The store conformance suite, published by auth-core behind its `testing` feature.
pub use auth_core::testing as conformance;
pub mod pages;
pub mod parity;
pub mod scenarios;
pub mod server;

/// A request, framework-neutral.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn get(path: &str) -> Self {
        Req {
            method: "GET",
            path: path.into(),
            headers: vec![],
            body: vec![],
        }
    }
    pub fn post(path: &str) -> Self {
        Req {
            method: "POST",
            path: path.into(),
            headers: vec![],
            body: vec![],
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn html(self) -> Self {
        self.header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
    }
    pub fn json_client(self) -> Self {
        self.header("accept", "application/json")
    }
    pub fn cookie(self, c: &str) -> Self {
        self.header("cookie", c)
    }
    pub fn form(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self.header("content-type", "application/x-www-form-urlencoded")
    }
    pub fn json(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self.header("content-type", "application/json")
    }
}

/// A response, framework-neutral.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
    /// The `name=value` part of the session cookie the response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers_named("set-cookie")
            .into_iter()
            .find(|c| c.starts_with("sessionid="))
            .map(|c| c.split(';').next().unwrap().to_owned())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends requests to an app under test.
pub trait Client {
    fn send(&self, req: Req) -> impl Future<Output = Resp>;
}

pub const PASSWORD: &str = "correct horse battery";

/// The users every scenario uses, with cookies of logged-in sessions.
pub struct Fixture {
    pub service: AuthService,
    pub sessions: Arc<MemorySessionStore>,
    /// A plain user.
    pub alice: String,
    /// Has `blog.publish_post` and `shop.view_reports` directly, and is in Editors.
    pub bob: String,
    /// In Editors (which grants `blog.review_post`), nothing else.
    pub carol: String,
    /// Staff.
    pub staff: String,
    /// Superuser.
    pub root: String,
    /// Logged in, then deactivated.
    pub dave: String,
    pub dave_id: auth_core::UserId,
}

pub async fn fixture() -> Fixture {
    fixture_with(AuthConfig {
        secret_key: "test-secret-key-of-some-length".into(),
        ..AuthConfig::default()
    })
    .await
}

/// [`fixture`] with a given configuration.
pub async fn fixture_with(config: AuthConfig) -> Fixture {
    let store = Arc::new(MemoryStore::new());
    let sessions = Arc::new(MemorySessionStore::new());
    let service = AuthService::new(config, store.clone(), store.clone(), sessions.clone());
    let hash = service.hasher().hash(PASSWORD.into()).await.unwrap();
    let mk = |name: &str| NewUser::new(name, format!("{name}@example.com"), hash.clone());
    use auth_core::{PermissionChecker as _, UserStore as _};
    let alice = store.create_user(mk("alice")).await.unwrap();
    let bob = store.create_user(mk("bob")).await.unwrap();
    let carol = store.create_user(mk("carol")).await.unwrap();
    let staff = store
        .create_user(NewUser {
            is_staff: true,
            ..mk("staffer")
        })
        .await
        .unwrap();
    let root = store
        .create_user(NewUser {
            is_superuser: true,
            ..mk("root")
        })
        .await
        .unwrap();
    let dave = store.create_user(mk("dave")).await.unwrap();
    let publish: Permission = "blog.publish_post".parse().unwrap();
    let reports: Permission = "shop.view_reports".parse().unwrap();
    store
        .grant_user_permission(&bob.id, &publish)
        .await
        .unwrap();
    let publish_group: Permission = "blog.review_post".parse().unwrap();
    store
        .grant_group_permission("Editors", &publish_group)
        .await
        .unwrap();
    store
        .grant_user_permission(&bob.id, &reports)
        .await
        .unwrap();
    store.add_user_to_group(&bob.id, "Editors").await.unwrap();
    store.add_user_to_group(&carol.id, "Editors").await.unwrap();

    let mut cookies = Vec::new();
    for u in [&alice, &bob, &carol, &staff, &root, &dave] {
        cookies.push(login_cookie(&service, u).await);
    }
    service.deactivate(&dave.id).await.unwrap();
    let mut it = cookies.into_iter();
    Fixture {
        service,
        sessions,
        alice: it.next().unwrap(),
        bob: it.next().unwrap(),
        carol: it.next().unwrap(),
        staff: it.next().unwrap(),
        root: it.next().unwrap(),
        dave: it.next().unwrap(),
        dave_id: dave.id.clone(),
    }
}

/// Logs `user` in on a fresh session and returns the `sessionid=...` cookie pair.
pub async fn login_cookie(service: &AuthService, user: &auth_core::User) -> String {
    let mut st = service.load_session(None).await;
    service.login(&mut st, user).await.unwrap();
    format!("sessionid={}", st.record().unwrap().id.as_str())
}

/// A session store that is down: every call fails. Used to prove guards fail closed.
pub struct DownStore;

#[auth_core::async_trait]
impl SessionStore for DownStore {
    async fn load(
        &self,
        _: &auth_core::SessionId,
    ) -> Result<Option<auth_core::session::SessionRecord>, auth_core::StoreError> {
        Err(auth_core::StoreError::unavailable("connection refused"))
    }
    async fn save(
        &self,
        _: &auth_core::session::SessionRecord,
    ) -> Result<(), auth_core::StoreError> {
        Err(auth_core::StoreError::unavailable("connection refused"))
    }
    async fn delete(&self, _: &auth_core::SessionId) -> Result<(), auth_core::StoreError> {
        Err(auth_core::StoreError::unavailable("connection refused"))
    }
    async fn delete_user_sessions(
        &self,
        _: &auth_core::UserId,
        _: Option<&auth_core::SessionId>,
    ) -> Result<u64, auth_core::StoreError> {
        Err(auth_core::StoreError::unavailable("connection refused"))
    }
    async fn delete_expired(&self, _: i64) -> Result<u64, auth_core::StoreError> {
        Err(auth_core::StoreError::unavailable("connection refused"))
    }
}

/// A session store that counts loads, over the memory store: proves one lookup per request.
#[derive(Default)]
pub struct CountingStore {
    pub inner: MemorySessionStore,
    pub loads: std::sync::atomic::AtomicUsize,
}

#[auth_core::async_trait]
impl SessionStore for CountingStore {
    async fn load(
        &self,
        id: &auth_core::SessionId,
    ) -> Result<Option<auth_core::session::SessionRecord>, auth_core::StoreError> {
        self.loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.load(id).await
    }
    async fn save(
        &self,
        r: &auth_core::session::SessionRecord,
    ) -> Result<(), auth_core::StoreError> {
        self.inner.save(r).await
    }
    async fn delete(&self, id: &auth_core::SessionId) -> Result<(), auth_core::StoreError> {
        self.inner.delete(id).await
    }
    async fn delete_user_sessions(
        &self,
        u: &auth_core::UserId,
        k: Option<&auth_core::SessionId>,
    ) -> Result<u64, auth_core::StoreError> {
        self.inner.delete_user_sessions(u, k).await
    }
    async fn delete_expired(&self, now: i64) -> Result<u64, auth_core::StoreError> {
        self.inner.delete_expired(now).await
    }
}

/// A permission store that counts grant reads, over the memory store.
#[derive(Default)]
pub struct CountingPerms {
    pub inner: MemoryStore,
    pub reads: std::sync::atomic::AtomicUsize,
}

#[auth_core::async_trait]
impl auth_core::PermissionChecker for CountingPerms {
    async fn grants(
        &self,
        user_id: &auth_core::UserId,
    ) -> Result<auth_core::Grants, auth_core::StoreError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.grants(user_id).await
    }
    async fn ensure_group(
        &self,
        name: &str,
    ) -> Result<auth_core::user::Group, auth_core::StoreError> {
        self.inner.ensure_group(name).await
    }
    async fn add_user_to_group(
        &self,
        u: &auth_core::UserId,
        g: &str,
    ) -> Result<(), auth_core::StoreError> {
        self.inner.add_user_to_group(u, g).await
    }
    async fn remove_user_from_group(
        &self,
        u: &auth_core::UserId,
        g: &str,
    ) -> Result<(), auth_core::StoreError> {
        self.inner.remove_user_from_group(u, g).await
    }
    async fn grant_user_permission(
        &self,
        u: &auth_core::UserId,
        p: &Permission,
    ) -> Result<(), auth_core::StoreError> {
        self.inner.grant_user_permission(u, p).await
    }
    async fn revoke_user_permission(
        &self,
        u: &auth_core::UserId,
        p: &Permission,
    ) -> Result<(), auth_core::StoreError> {
        self.inner.revoke_user_permission(u, p).await
    }
    async fn grant_group_permission(
        &self,
        g: &str,
        p: &Permission,
    ) -> Result<(), auth_core::StoreError> {
        self.inner.grant_group_permission(g, p).await
    }
}
