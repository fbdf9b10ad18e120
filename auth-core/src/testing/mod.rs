//! The store conformance suite (feature `testing`): the checks every backend of
//! [`UserStore`], [`PermissionChecker`], [`SessionStore`](crate::store::SessionStore) and
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

mod account_checks;
mod session_checks;

use std::sync::Arc;

use crate::error::StoreError;
use crate::permission::Permission;
use crate::store::{PermissionChecker, UserStore};
use crate::user::{NewUser, UserId};

pub use crate::testing::account_checks::account_lifecycle;
pub use crate::testing::session_checks::{
    attempts, attempts_under_a_burst, session_listing, session_updates, sessions,
};

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
