//! An app's own user type with UUID ids behind a read-only in-memory store, and the scenarios
//! both adapters run over it (`byo_axum.rs`, `byo_actix.rs`).
//!
//! Routes of the test apps:
//! - `GET /member`: `CurrentUser<Member>`, "{display_name} of {team}"
//! - `GET /builtin`: `CurrentUser<User>` (the built-in view of the same user), "{username}"
//! - `GET /wrong-type`: `CurrentUser<String>`: 500 for a logged-in user
//! - `GET /leads`: `#[permission_required("crm.view_leads")]`, "leads for {username}"
//! - `GET /rejected?what=denial|throttled|credentials`: a handler returning `Rejection`
//! - the JSON API at `/api/auth`
//!
//! The layer's `on_denied` handler answers 418 "layer {requirement}" to logged-in users and
//! the built-in answer otherwise.

use std::collections::HashMap;

use auth_core::{
    AuthConfig, AuthService, AuthUser, Grants, MemorySessionStore, PermissionChecker, StoreError,
    User, UserId, UserStore, async_trait, store::MemoryAttemptStore, uuid::Uuid,
};

use crate::{Client, Req};

/// The app's own user.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: Uuid,
    pub login: String,
    pub display_name: String,
    pub team: String,
    pub hash: String,
    pub perms: Vec<String>,
}

impl AuthUser for Member {
    fn id(&self) -> UserId {
        self.id.into()
    }
    fn username(&self) -> &str {
        &self.login
    }
    fn password_hash(&self) -> &str {
        &self.hash
    }
}

/// A read-only store of members: only the reads, no writes.
#[derive(Default)]
pub struct Members(pub HashMap<Uuid, Member>);

#[async_trait]
impl UserStore for Members {
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        Ok(id
            .as_uuid()
            .and_then(|id| self.0.get(&id))
            .cloned()
            .map(User::from_app))
    }
    async fn find_by_username(&self, name: &str) -> Result<Option<User>, StoreError> {
        let key = auth_core::names::name_key(name);
        Ok(self
            .0
            .values()
            .find(|m| auth_core::names::name_key(&m.login) == key)
            .cloned()
            .map(User::from_app))
    }
}

#[async_trait]
impl PermissionChecker for Members {
    async fn grants(&self, id: &UserId) -> Result<Grants, StoreError> {
        let mut g = Grants::default();
        if let Some(m) = id.as_uuid().and_then(|id| self.0.get(&id)) {
            g.permissions.extend(m.perms.iter().cloned());
        }
        Ok(g)
    }
}

/// The service and session cookies of `mia` (has `crm.view_leads`) and `max` (nothing).
pub struct ByoFixture {
    pub service: AuthService,
    pub mia: String,
    pub max: String,
}

pub async fn byo_fixture() -> ByoFixture {
    byo_fixture_with(|_| {}).await
}

/// [`byo_fixture`] with `edit` applied to its configuration.
pub async fn byo_fixture_with(edit: impl FnOnce(&mut AuthConfig)) -> ByoFixture {
    let hash = auth_core::password::hash(crate::PASSWORD).unwrap();
    let member = |n: u128, login: &str, name: &str, perms: &[&str]| Member {
        id: Uuid::from_u128(n),
        login: login.into(),
        display_name: name.into(),
        team: "Blue".into(),
        hash: hash.clone(),
        perms: perms.iter().map(|p| p.to_string()).collect(),
    };
    let mut members = Members::default();
    for m in [
        member(0xa1, "mia", "Mia Wong", &["crm.view_leads"]),
        member(0xb2, "max", "Max Roe", &[]),
    ] {
        members.0.insert(m.id, m);
    }
    let mut config = AuthConfig {
        secret_key: "byo-test-secret-key".into(),
        signup_enabled: false,
        password_reset_enabled: false,
        ..AuthConfig::default()
    };
    config.messages.login_throttled = "Slow down for {minutes} minutes.".into();
    edit(&mut config);
    let service = AuthService::builder(config)
        .users_and_permissions(members)
        .sessions(MemorySessionStore::new())
        .attempts(MemoryAttemptStore::new())
        .build()
        .unwrap();
    let mut cookies = Vec::new();
    for name in ["mia", "max"] {
        let user = service.authenticate(name, crate::PASSWORD).await.unwrap();
        cookies.push(crate::login_cookie(&service, &user).await);
    }
    let [mia, max] = <[String; 2]>::try_from(cookies).unwrap();
    ByoFixture { service, mia, max }
}

/// What the `/rejected` handlers return, as the adapter's `Rejection`.
pub fn outcome<R>(what: Option<&str>) -> Result<&'static str, R>
where
    R: From<auth_core::Denial> + From<auth_core::AuthError>,
{
    match what {
        Some("denial") => Err(auth_core::Denial::new(
            auth_core::Requirement::Staff,
            auth_core::guard::DenialReason::Forbidden,
        )
        .into()),
        Some("throttled") => Err(auth_core::AuthError::Throttled {
            retry_after_secs: 120,
        }
        .into()),
        Some("credentials") => Err(auth_core::AuthError::InvalidCredentials.into()),
        _ => Ok("fine"),
    }
}

/// The same user type in handlers, guards and the JSON API, on both adapters.
pub async fn app_user_type_in_handlers(c: &impl Client, f: &ByoFixture) {
    let r = c.send(Req::get("/member").cookie(&f.mia)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "Mia Wong of Blue"));
    let r = c.send(Req::get("/builtin").cookie(&f.max)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "max"));
    // Anonymous: CurrentUser refuses as #[login_required] does.
    let r = c.send(Req::get("/member").html()).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=/member"));
    let r = c.send(Req::get("/member").json_client()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "unauthenticated");
    // A type the store never makes is a setup bug, never a silent anonymous.
    let r = c.send(Req::get("/wrong-type").cookie(&f.mia)).await;
    assert_eq!(r.status, 500);
    assert!(
        r.body.contains("CurrentUser<alloc::string::String>"),
        "{}",
        r.body
    );
    // Guards read the flags and grants of the app's users.
    let r = c.send(Req::get("/leads").cookie(&f.mia)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "leads for mia"));
    let r = c.send(Req::get("/leads").cookie(&f.max)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (418, "layer permission crm.view_leads")
    );
    // A forged cookie is anonymous.
    let r = c
        .send(Req::get("/member").json_client().cookie("sessionid=forged"))
        .await;
    assert_eq!(r.status, 401);
}

/// `Rejection` answers through the layer: its denial handler and the app's messages.
pub async fn rejections_follow_the_layer(c: &impl Client, f: &ByoFixture) {
    let r = c
        .send(Req::get("/rejected?what=denial").cookie(&f.mia))
        .await;
    assert_eq!((r.status, r.body.as_str()), (418, "layer staff status"));
    let r = c
        .send(Req::get("/rejected?what=throttled").json_client())
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("120"));
    assert_eq!(r.json()["message"], "Slow down for 2 minutes.");
    let r = c
        .send(Req::get("/rejected?what=credentials").json_client())
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "invalid_credentials");
    let r = c.send(Req::get("/rejected?what=none").cookie(&f.mia)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "fine"));
}

/// The JSON API over the app's users: login, me, logout, with the CSRF header.
pub async fn json_api_with_app_users(c: &impl Client) {
    let r = c.send(Req::get("/api/auth/csrf")).await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let cookie = r
        .headers_named("set-cookie")
        .iter()
        .find(|c| c.starts_with("authkit_csrf="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap();
    let login = |pw: &str| {
        Req::post("/api/auth/login")
            .json(&serde_json::json!({"username": "MIA", "password": pw}).to_string())
            .header("x-csrftoken", &token)
            .cookie(&cookie)
    };
    assert_eq!(c.send(login("wrong")).await.status, 401);
    let r = c.send(login(crate::PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["id"], "00000000-0000-0000-0000-0000000000a1");
    assert_eq!(r.json()["username"], "mia");
    let session = r
        .headers_named("set-cookie")
        .iter()
        .find(|c| c.starts_with("sessionid="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap();
    let r = c.send(Req::get("/api/auth/me").cookie(&session)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["username"], "mia");
    let r = c.send(Req::get("/member").cookie(&session)).await;
    assert_eq!(r.body, "Mia Wong of Blue");
}

/// A service over an empty read-only store with the default configuration (registration and
/// reset on), built outside any runtime.
pub fn read_only_service_with_default_config() -> AuthService {
    AuthService::builder(AuthConfig::default())
        .users_and_permissions(Members::default())
        .sessions(MemorySessionStore::new())
        .attempts(MemoryAttemptStore::new())
        .cleanup_every(None)
        .build()
        .unwrap()
}

/// `POST /api/auth/account/delete` over users the app keeps read-only: `501 not_supported`
/// (not "try again later"), and the session and the user are still there.
pub async fn account_delete_is_not_supported(c: &impl Client, session: &str) {
    let r = c.send(Req::get("/api/auth/csrf").cookie(session)).await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let csrf = r
        .headers_named("set-cookie")
        .iter()
        .find(|c| c.starts_with("authkit_csrf="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap_or_default();
    let cookies = format!("{session}; {csrf}");
    let body = serde_json::json!({ "password": crate::PASSWORD }).to_string();
    let r = c
        .send(
            Req::post("/api/auth/account/delete")
                .json(&body)
                .header("x-csrftoken", &token)
                .cookie(&cookies),
        )
        .await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert_eq!(r.json()["error"], "not_supported");
    let r = c.send(Req::get("/api/auth/me").cookie(session)).await;
    assert_eq!(r.status, 200, "still logged in: {}", r.body);
}
