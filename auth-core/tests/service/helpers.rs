//! The guard helpers over any context, and the start-up warnings.

use super::*;

struct Ctx(Option<User>, Grants);

#[auth_core::async_trait]
impl AuthContext for Ctx {
    fn current_user(&self) -> Option<&User> {
        self.0.as_ref()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        Ok(Arc::new(self.1.clone()))
    }
}

#[tokio::test]
async fn helpers_and_snapshot() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let grants = Grants {
        permissions: ["blog.add_post".to_string()].into(),
        groups: vec!["Editors".into()],
    };
    let cx = Ctx(Some(alice.clone()), grants.clone());
    assert!(user_has_perm(&cx, "blog.add_post").await.unwrap());
    assert!(!user_has_perm(&cx, "blog.delete_post").await.unwrap());
    assert!(
        user_has_perm(&cx, "add_post").await.is_err(),
        "a malformed permission is an error, never false"
    );
    assert!(user_in_group(&cx, "Editors").await.unwrap());
    assert!(!user_in_group(&cx, "editors").await.unwrap());
    assert!(auth_core::guard::require_login_user(&cx).is_ok());
    let anon = Ctx(None, grants.clone());
    assert!(auth_core::guard::require_login_user(&anon).is_err());
    assert!(!user_has_perm(&anon, "blog.add_post").await.unwrap());

    let snap = user_snapshot(&cx, true).await.unwrap().unwrap();
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["username"], "alice");
    assert_eq!(json["groups"], serde_json::json!(["Editors"]));
    assert!(json.get("password_hash").is_none());
    assert!(
        !serde_json::to_string(&alice).unwrap().contains("argon2"),
        "User never serializes its hash"
    );
    assert!(!format!("{alice:?}").contains("argon2"), "nor prints it");
    let snap = user_snapshot(&cx, false).await.unwrap().unwrap();
    assert!(serde_json::to_value(&snap).unwrap().get("groups").is_none());
    assert!(user_snapshot(&anon, true).await.unwrap().is_none());
}

#[test]
fn startup_warns_about_unsafe_settings() {
    let warnings = AuthConfig {
        site_origin: Some("https://shop.example".into()),
        password_min_length: 6,
        ..AuthConfig::default()
    }
    .security_warnings();
    assert!(warnings.iter().any(|w| w.contains("secret_key is empty")));
    assert!(warnings.iter().any(|w| w.contains("session_cookie_secure")));
    assert!(warnings.iter().any(|w| w.contains("password_min_length")));
    let safe = AuthConfig {
        secret_key: "x".repeat(40),
        site_origin: Some("https://shop.example".into()),
        session_cookie_host_prefix: true,
        ..AuthConfig::default()
    };
    assert!(
        safe.security_warnings().is_empty(),
        "{:?}",
        safe.security_warnings()
    );
}
