//! The store conformance suite (feature `testing`): the checks every backend of
//! [`UserStore`], [`PermissionChecker`], [`SessionStore`] and
//! [`AttemptStore`](crate::store::AttemptStore) passes, for store authors to run on theirs. Each
//! function panics with a message on the first failure.
//!
//! A read-only store over an app's own users table runs [`read_only_users`] against users its
//! test fixture created:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use auth_core::testing::{KnownUser, read_only_users};
//! use auth_core::{MemoryStore, UserStore, password, user::NewUser};
//! // (A writable store passes the read-only checks too, except the "writes are refused" one.)
//! let store = MemoryStore::new();
//! let hash = password::hash("pass-word-1").unwrap();
//! let u = store.create_user(NewUser::new("Ann", "ann@example.com", hash)).await.unwrap();
//! read_only_users(&store, &KnownUser { id: u.id, username: "Ann".into(), password: "pass-word-1".into() }).await;
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::StoreError;
use crate::permission::Permission;
use crate::session::{SessionId, SessionRecord};
use crate::store::{PermissionChecker, SessionStore, UserStore};
use crate::user::{NewUser, UserId};

/// A user that exists in the store under test, with their password in clear.
#[derive(Clone, Debug)]
pub struct KnownUser {
    /// Their id.
    pub id: UserId,
    /// Their login name, as stored.
    pub username: String,
    /// Their password.
    pub password: String,
}

/// The reads every user store must get right, and, for a store that says it is read-only,
/// that its writes answer [`StoreError::Unsupported`]:
///
/// - `get_user` finds `known` by id; an unknown id, and an id of another kind, are `Ok(None)`;
/// - `find_by_username` finds them case-insensitively, and nobody for an unknown name;
/// - `find_by_email("")` is nobody;
/// - the stored hash verifies `known.password` (and not a wrong one);
/// - `get_user_shared` agrees with `get_user`.
pub async fn read_only_users(store: &dyn UserStore, known: &KnownUser) {
    let got = store
        .get_user(&known.id)
        .await
        .expect("get_user must not fail")
        .expect("get_user must find the known user by id");
    assert_eq!(got.id, known.id, "get_user returns the user with that id");
    assert_eq!(got.username, known.username);
    let shared = store.get_user_shared(&known.id).await.unwrap().unwrap();
    assert_eq!(shared.id, known.id, "get_user_shared agrees with get_user");
    for other in [
        UserId::from(i64::MAX - 11),
        UserId::from(uuid::Uuid::from_u128(0x5eed)),
        UserId::from("no such user"),
    ] {
        if other != known.id {
            assert!(
                store
                    .get_user(&other)
                    .await
                    .expect("unknown ids are not errors")
                    .is_none(),
                "get_user({other:?}) must be None"
            );
        }
    }
    for name in [
        known.username.clone(),
        known.username.to_uppercase(),
        known.username.to_lowercase(),
    ] {
        let found = store
            .find_by_username(&name)
            .await
            .expect("find_by_username must not fail")
            .unwrap_or_else(|| {
                panic!("find_by_username({name:?}) must find the user (case-insensitive)")
            });
        assert_eq!(found.id, known.id);
    }
    assert!(
        store
            .find_by_username("\u{1F47B} nobody by this name")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.find_by_email("").await.unwrap().is_none(),
        "empty emails never match"
    );
    assert!(
        crate::password::verify(&known.password, &got.password_hash).unwrap_or(false),
        "the stored password hash must verify the known password"
    );
    assert!(!crate::password::verify("not the password", &got.password_hash).unwrap_or(false));
    if !store.is_writable() {
        let refused = store.create_user(NewUser::new("x", "", "!")).await;
        assert!(
            matches!(refused, Err(StoreError::Unsupported { .. })),
            "a read-only store answers Unsupported to writes, got {refused:?}"
        );
        let refused = store.set_password_hash(&known.id, "!").await;
        assert!(matches!(refused, Err(StoreError::Unsupported { .. })));
    }
}

/// The permission reads of a store with permissions: `grants` of `known` includes each of
/// `expected` permissions and groups, and an unknown user has none.
pub async fn read_only_grants(
    perms: &dyn PermissionChecker,
    known: &UserId,
    expected_permissions: &[&str],
    expected_groups: &[&str],
) {
    let g = perms.grants(known).await.expect("grants must not fail");
    for p in expected_permissions {
        assert!(g.has_permission(p), "grants must include {p}");
    }
    for name in expected_groups {
        assert!(g.in_group(name), "grants must include the group {name}");
    }
    let nobody = perms
        .grants(&UserId::from("no such user"))
        .await
        .expect("grants of an unknown user are not an error");
    assert!(nobody.permissions.is_empty() && nobody.groups.is_empty());
}

fn new_user(name: &str) -> NewUser {
    NewUser::new(name, format!("{name}@example.com"), "!unusable")
}

/// Create, read, update; case-insensitive unique usernames and emails; empty emails.
pub async fn users(store: &dyn UserStore, prefix: &str) {
    let name = format!("{prefix}Alice");
    let alice = store.create_user(new_user(&name)).await.unwrap();
    assert!(alice.is_active && !alice.is_staff && !alice.is_superuser);
    let got = store.get_user(&alice.id).await.unwrap().unwrap();
    assert_eq!(got.username, name);
    assert_eq!(got.email, format!("{name}@example.com"));
    assert_eq!(
        got.date_joined.unix_timestamp(),
        alice.date_joined.unix_timestamp()
    );
    assert_eq!(
        store
            .find_by_username(&name.to_lowercase())
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id
    );
    assert_eq!(
        store
            .find_by_username(&name.to_uppercase())
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id
    );
    assert_eq!(
        store
            .find_by_email(&format!("{name}@EXAMPLE.com").to_uppercase())
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id
    );
    assert!(
        store
            .find_by_username(&format!("{prefix}nobody"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.find_by_email("").await.unwrap().is_none());
    assert!(
        store
            .get_user(&UserId::from(i64::MAX - 7))
            .await
            .unwrap()
            .is_none()
    );

    // Unique usernames and emails, case-insensitively.
    let dup_name = store
        .create_user(NewUser::new(
            name.to_uppercase(),
            format!("{prefix}x@example.com"),
            "!",
        ))
        .await;
    assert!(
        matches!(dup_name, Err(StoreError::Conflict { field: "username" })),
        "{dup_name:?}"
    );
    let dup_mail = store
        .create_user(NewUser::new(
            format!("{prefix}other"),
            format!("{name}@example.com").to_uppercase(),
            "!",
        ))
        .await;
    assert!(
        matches!(dup_mail, Err(StoreError::Conflict { field: "email" })),
        "{dup_mail:?}"
    );
    // Empty emails do not clash.
    store
        .create_user(NewUser::new(format!("{prefix}e1"), "", "!"))
        .await
        .unwrap();
    store
        .create_user(NewUser::new(format!("{prefix}e2"), "", "!"))
        .await
        .unwrap();

    // Update.
    let mut changed = got.clone();
    changed.is_staff = true;
    changed.email = format!("{prefix}new@example.com");
    store.update_user(&changed).await.unwrap();
    let got = store.get_user(&alice.id).await.unwrap().unwrap();
    assert!(got.is_staff);
    assert!(
        store
            .find_by_email(&format!("{name}@example.com"))
            .await
            .unwrap()
            .is_none(),
        "old email freed"
    );
    assert_eq!(
        store
            .find_by_email(&format!("{prefix}new@example.com"))
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id
    );
    store
        .set_password_hash(&alice.id, "$argon2id$x")
        .await
        .unwrap();
    let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    store.set_last_login(&alice.id, at).await.unwrap();
    let got = store.get_user(&alice.id).await.unwrap().unwrap();
    assert_eq!(got.password_hash, "$argon2id$x");
    assert_eq!(got.last_login, Some(at));
    let mut missing = got.clone();
    missing.id = UserId::from(i64::MAX - 7);
    assert!(matches!(
        store.update_user(&missing).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .set_password_hash(&UserId::from(i64::MAX - 7), "x")
            .await
            .is_err()
    );
}

/// Concurrent writers: many tasks create the same username; exactly one wins, none errors
/// other than with a conflict.
pub async fn concurrent_writers(store: Arc<dyn UserStore>, prefix: &str) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let name = format!("{prefix}racer");
        let mail = format!("{prefix}racer{i}@example.com");
        tasks.push(tokio::spawn(async move {
            store.create_user(NewUser::new(name, mail, "!")).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict { field: "username" }) => {}
            Err(e) => panic!("unexpected error under concurrency: {e}"),
        }
    }
    assert_eq!(ok, 1);
    // Distinct users in parallel all succeed.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let name = format!("{prefix}par{i}");
        tasks.push(tokio::spawn(async move {
            store.create_user(NewUser::new(name, "", "!")).await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 16);
}

/// Groups and permissions.
pub async fn permissions(users: &dyn UserStore, perms: &dyn PermissionChecker, prefix: &str) {
    let u = users
        .create_user(new_user(&format!("{prefix}perm")))
        .await
        .unwrap();
    let g = format!("{prefix}Editors");
    let p1: Permission = "blog.publish_post".parse().unwrap();
    let p2: Permission = "blog.review_post".parse().unwrap();
    assert_eq!(perms.grants(&u.id).await.unwrap(), Default::default());
    perms.grant_user_permission(&u.id, &p1).await.unwrap();
    perms.grant_user_permission(&u.id, &p1).await.unwrap(); // idempotent
    perms.grant_group_permission(&g, &p2).await.unwrap();
    let grants = perms.grants(&u.id).await.unwrap();
    assert!(grants.has_permission("blog.publish_post"));
    assert!(
        !grants.has_permission("blog.review_post"),
        "not a member yet"
    );
    perms.add_user_to_group(&u.id, &g).await.unwrap();
    perms.add_user_to_group(&u.id, &g).await.unwrap();
    let grants = perms.grants(&u.id).await.unwrap();
    assert!(grants.has_permission("blog.review_post"));
    assert_eq!(grants.groups, vec![g.clone()]);
    let group = perms.ensure_group(&g).await.unwrap();
    assert_eq!(perms.ensure_group(&g).await.unwrap(), group);
    perms.revoke_user_permission(&u.id, &p1).await.unwrap();
    perms.remove_user_from_group(&u.id, &g).await.unwrap();
    assert_eq!(perms.grants(&u.id).await.unwrap(), Default::default());
    assert!(
        perms
            .add_user_to_group(&UserId::from(i64::MAX - 3), &g)
            .await
            .is_err(),
        "unknown user"
    );
    assert!(
        perms
            .grant_user_permission(&UserId::from(i64::MAX - 3), &p1)
            .await
            .is_err()
    );
}

fn record(user_id: Option<&UserId>, now: i64, expires_in: i64) -> SessionRecord {
    let mut data = BTreeMap::new();
    data.insert("theme".to_string(), serde_json::json!("dark"));
    data.insert("n".to_string(), serde_json::json!({"nested": [1, 2, 3]}));
    SessionRecord {
        id: SessionId::generate(),
        user_id: user_id.cloned(),
        auth_hash: user_id.map(|_| crate::session::AuthHash::from_bytes([0xab; 32])),
        data,
        created_at: now,
        last_seen: now,
        expires_at: now + expires_in,
    }
}

/// Sessions: save/load round trip, update, delete, per-user deletion, expiry and cleanup.
/// `user_ids` are ids of two distinct users of this store (sessions may reference users), of
/// any kind (sessions must keep UUID and text ids as well as integers).
/// With `server_side_expiry` (Redis), the server drops expired records by itself, so
/// `delete_expired` has nothing left to count.
pub async fn sessions(store: &dyn SessionStore, user_ids: [UserId; 2], server_side_expiry: bool) {
    let now = crate::session::now_unix();
    let [u1, u2] = &user_ids;
    let a = record(Some(u1), now, 3600);
    store.save(&a).await.unwrap();
    assert_eq!(store.load(&a.id).await.unwrap().as_ref(), Some(&a));
    let mut a2 = a.clone();
    a2.last_seen = now + 5;
    a2.data.insert("k".into(), serde_json::json!(1));
    store.save(&a2).await.unwrap();
    assert_eq!(
        store.load(&a.id).await.unwrap().as_ref(),
        Some(&a2),
        "save replaces"
    );
    assert!(store.load(&SessionId::generate()).await.unwrap().is_none());

    let b = record(Some(u1), now, 3600);
    let c = record(Some(u2), now, 3600);
    let anon = record(None, now, 3600);
    for r in [&b, &c, &anon] {
        store.save(r).await.unwrap();
    }
    assert_eq!(
        store.delete_user_sessions(u1, Some(&b.id)).await.unwrap(),
        1
    );
    assert!(store.load(&a.id).await.unwrap().is_none());
    assert!(store.load(&b.id).await.unwrap().is_some(), "kept");
    assert!(
        store.load(&c.id).await.unwrap().is_some(),
        "other user untouched"
    );
    assert_eq!(store.delete_user_sessions(u1, None).await.unwrap(), 1);
    assert!(store.load(&b.id).await.unwrap().is_none());
    store.delete(&c.id).await.unwrap();
    store.delete(&c.id).await.unwrap(); // deleting twice is fine
    assert!(store.load(&c.id).await.unwrap().is_none());
    assert!(store.load(&anon.id).await.unwrap().is_some());

    // Expiry: an expired record is never returned, and cleanup removes it.
    let old = record(Some(u2), now - 100, 50);
    store.save(&old).await.unwrap();
    assert!(store.load(&old.id).await.unwrap().is_none());
    let removed = store.delete_expired(now).await.unwrap();
    if !server_side_expiry {
        assert!(removed >= 1, "cleanup removed {removed}");
    }
    assert_eq!(
        store.delete_user_sessions(u2, None).await.unwrap(),
        0,
        "the expired one is gone"
    );
    store.delete(&anon.id).await.unwrap();
}

/// [`SessionStore::update`] writes back a live session and never
/// brings back one that was deleted meanwhile (a logout elsewhere). Every store of this crate
/// passes it; a store that keeps the trait's default `update` (which saves) does not.
pub async fn session_updates(store: &dyn SessionStore, user_id: UserId) {
    let now = crate::session::now_unix();
    let mut rec = record(Some(&user_id), now, 3600);
    store.save(&rec).await.unwrap();
    rec.data.insert("theme".into(), serde_json::json!("light"));
    rec.last_seen = now + 1;
    assert!(
        store.update(&rec).await.unwrap(),
        "a live session is updated"
    );
    let back = store.load(&rec.id).await.unwrap().expect("still there");
    assert_eq!(back.data.get("theme"), Some(&serde_json::json!("light")));
    store.delete(&rec.id).await.unwrap();
    assert!(
        !store.update(&rec).await.unwrap(),
        "a deleted session is not written back"
    );
    assert!(
        store.load(&rec.id).await.unwrap().is_none(),
        "and stays deleted"
    );
}

/// Failed-login counters: counting in a window, reading, clearing, expiry.
pub async fn attempts(store: &dyn crate::store::AttemptStore, prefix: &str) {
    let k = format!("{prefix}pair:1.2.3.4|alice");
    assert_eq!(store.failures(&k).await.unwrap(), 0);
    assert_eq!(store.record_failure(&k, 60).await.unwrap(), 1);
    assert_eq!(store.record_failure(&k, 60).await.unwrap(), 2);
    assert_eq!(store.failures(&k).await.unwrap(), 2);
    let other = format!("{prefix}ip:1.2.3.4");
    assert_eq!(
        store.record_failure(&other, 60).await.unwrap(),
        1,
        "keys are separate"
    );
    store.clear(&k).await.unwrap();
    assert_eq!(store.failures(&k).await.unwrap(), 0);
    let short = format!("{prefix}short");
    store.record_failure(&short, 1).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        store.failures(&short).await.unwrap(),
        0,
        "the window passed"
    );
    assert_eq!(
        store.record_failure(&short, 1).await.unwrap(),
        1,
        "a new window starts at 1"
    );
}

/// The attempt store under a burst (security review 2, finding 3): reservations are atomic,
/// `release` gives one back, and through the service a burst of parallel wrong passwords gets
/// exactly as many password checks as the limit allows one at a time.
pub async fn attempts_under_a_burst(store: Arc<dyn crate::store::AttemptStore>, prefix: &str) {
    let k = format!("{prefix}burst-key");
    let counts = futures_util::future::join_all((0..50).map(|_| store.record_failure(&k, 60)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect::<std::collections::BTreeSet<u32>>();
    assert_eq!(
        counts,
        (1..=50).collect(),
        "each reservation sees its own count"
    );
    store.release(&k).await.unwrap();
    assert_eq!(store.failures(&k).await.unwrap(), 49);
    let fresh = format!("{prefix}never-counted");
    store.release(&fresh).await.unwrap();
    assert_eq!(
        store.failures(&fresh).await.unwrap(),
        0,
        "release never goes below 0"
    );
    assert_eq!(store.record_failure(&fresh, 60).await.unwrap(), 1);

    let config = crate::config::AuthConfig {
        secret_key: "burst-secret-burst-secret-burst-secret".into(),
        ..crate::config::AuthConfig::default()
    };
    let service = crate::service::AuthService::in_memory(config).with_attempt_store(store.clone());
    let name = format!(
        "burst{}",
        prefix.replace(|c: char| !c.is_alphanumeric(), "")
    );
    service
        .register(&crate::service::Registration::new(
            &name,
            &format!("{name}@example.com"),
            "correct horse battery",
        ))
        .await
        .unwrap();
    let client = Some("203.0.113.50".parse().unwrap());
    let answers = futures_util::future::join_all(
        (0..30).map(|_| service.authenticate_from(&name, "wrong guess", client)),
    )
    .await;
    let checked = answers
        .iter()
        .filter(|r| matches!(r, Err(crate::error::AuthError::InvalidCredentials)))
        .count();
    let throttled = answers
        .iter()
        .filter(|r| matches!(r, Err(crate::error::AuthError::Throttled { .. })))
        .count();
    assert_eq!((checked, throttled), (5, 25), "{answers:?}");
    assert!(matches!(
        service
            .authenticate_from(&name, "correct horse battery", client)
            .await,
        Err(crate::error::AuthError::Throttled { .. })
    ));
    // Another client still logs in, and a success gives its address reservation back.
    let other = Some("198.51.100.50".parse().unwrap());
    service
        .authenticate_from(&name, "correct horse battery", other)
        .await
        .unwrap();
    assert_eq!(store.failures("ip:198.51.100.50").await.unwrap(), 0);
}
