//! The Django store's session and counter halves through the store conformance suite, on
//! databases a real Django 5.2 migrated (SQLite and PostgreSQL), and its refusals. The users and
//! permissions halves follow Django's rules instead (exact usernames first, emails not unique,
//! permissions that must exist in `auth_permission`); the interop scenario of the example apps
//! checks them against Django itself.

use std::sync::Arc;

use auth_core::UserId;
use auth_sql::django::DjangoStore;
use auth_tests::conformance;
use auth_tests::django::{DjangoDb, migrated_store};

async fn conformance_on(store: DjangoStore) {
    conformance::sessions(&store, [UserId::Int(1), UserId::Int(2)], false).await;
    conformance::session_updates(&store, UserId::Int(1)).await;
    conformance::session_listing(&store, [UserId::Int(3), UserId::Int(4)]).await;
    let shared = Arc::new(store.clone());
    conformance::account_lifecycle(shared, &store, "dj").await;
    conformance::attempts(&store, "dj-").await;
    conformance::attempts_under_a_burst(Arc::new(store), "dj-").await;
}

#[tokio::test]
async fn sessions_and_counters_on_sqlite() {
    let db = DjangoDb::sqlite();
    let Some(store) = migrated_store(&db).await else {
        return;
    };
    conformance_on(store).await;
    db.drop_db().await;
}

#[tokio::test]
async fn sessions_and_counters_on_postgres() {
    let Some(db) = DjangoDb::postgres().await else {
        return;
    };
    let Some(store) = migrated_store(&db).await else {
        return;
    };
    conformance_on(store).await;
    db.drop_db().await;
}

#[tokio::test]
async fn refuses_without_a_secret_or_djangos_tables() {
    let db = DjangoDb::sqlite();
    let DjangoDb::Sqlite(path) = &db else {
        unreachable!()
    };
    std::fs::File::create(path).unwrap();
    let config = auth_core::AuthConfig {
        schema: auth_core::config::Schema::Django,
        secret_key: "k".into(),
        ..auth_core::AuthConfig::default()
    };
    let err = DjangoStore::connect(&db.url(), &config)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("manage.py migrate") && err.contains("django_session"),
        "{err}"
    );
    let no_secret = auth_core::AuthConfig {
        secret_key: String::new(),
        ..config.clone()
    };
    let err = DjangoStore::connect(&db.url(), &no_secret)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("SECRET_KEY"), "{err}");
    // A native config would make the service write hashes Django cannot read.
    let native = auth_core::AuthConfig {
        schema: auth_core::config::Schema::Native,
        ..config.clone()
    };
    let err = DjangoStore::connect(&db.url(), &native)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("AUTH_SCHEMA=django"), "{err}");
    // The config says the same before any store is made.
    let err = auth_core::AuthConfig::from_toml_str("schema = \"django\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("SECRET_KEY"), "{err}");
    // A file that does not exist is not created.
    let missing = db.url().replace("django.db", "nothing-here.db");
    let err = DjangoStore::connect(&missing, &config)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("manage.py migrate"), "{err}");
    assert!(!std::path::Path::new(&missing["sqlite://".len()..]).exists());
    db.drop_db().await;
}

/// Users and grants the way Django keeps them: exact usernames first, emails that two users
/// share log in neither, writes that Django's tables accept, and permissions that must exist.
async fn users_follow_djangos_rules(store: &DjangoStore, db: &DjangoDb) {
    use auth_core::{PermissionChecker, StoreError, UserStore, user::NewUser};
    use auth_sql::django::DjangoUser;
    let bob = store
        .create_user(NewUser::new("Bob", "bob@example.com", "!"))
        .await
        .unwrap();
    let app = bob
        .app::<DjangoUser>()
        .expect("Django's own user type rides along");
    assert_eq!(
        (app.first_name.as_str(), app.display_name().as_str()),
        ("", "Bob")
    );
    assert!(store.is_writable());
    // Another case of a taken name, or a taken email, is a conflict (as Django's forms say).
    for (name, email, field) in [
        ("BOB", "x@example.com", "username"),
        ("rob", "BOB@example.com", "email"),
    ] {
        let err = store
            .create_user(NewUser::new(name, email, "!"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { field: f } if f == field),
            "{err}"
        );
    }
    // Exact match first, then a case-insensitive one when it is unambiguous.
    assert_eq!(
        store.find_by_username("Bob").await.unwrap().map(|u| u.id),
        Some(bob.id.clone())
    );
    assert_eq!(
        store.find_by_username("bob").await.unwrap().map(|u| u.id),
        Some(bob.id.clone())
    );
    assert!(store.find_by_username("nobody").await.unwrap().is_none());
    assert_eq!(
        store
            .find_by_email("BOB@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(bob.id.clone())
    );
    assert!(store.find_by_email("").await.unwrap().is_none());
    // Writes: flags, password, last login.
    let mut changed = bob.clone();
    changed.is_staff = true;
    changed.password_hash = "pbkdf2_sha256$1$salt$AAAA".into();
    store.update_user(&changed).await.unwrap();
    let t = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    store.set_last_login(&bob.id, t).await.unwrap();
    let again = store.get_user(&bob.id).await.unwrap().unwrap();
    assert!(again.is_staff && again.password_hash.starts_with("pbkdf2_sha256$1$"));
    assert_eq!(again.last_login, Some(t));
    assert!(matches!(
        store.set_password_hash(&UserId::Int(999_999), "!").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .get_user(&UserId::from("not-an-int"))
            .await
            .unwrap()
            .is_none()
    );
    // Permissions are Django's: a real one is granted, an unknown one is refused with the fix.
    let publish = "blog.publish_post".parse().unwrap();
    store
        .grant_user_permission(&bob.id, &publish)
        .await
        .unwrap();
    store
        .grant_group_permission("Analysts", &"shop.view_reports".parse().unwrap())
        .await
        .unwrap();
    store.add_user_to_group(&bob.id, "Analysts").await.unwrap();
    let grants = store.grants(&bob.id).await.unwrap();
    assert!(
        grants.has_permission("blog.publish_post") && grants.has_permission("shop.view_reports")
    );
    assert_eq!(grants.groups, ["Analysts"]);
    let err = store
        .grant_user_permission(&bob.id, &"blog.fly".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Meta.permissions"), "{err}");
    store
        .revoke_user_permission(&bob.id, &publish)
        .await
        .unwrap();
    store
        .remove_user_from_group(&bob.id, "Analysts")
        .await
        .unwrap();
    assert_eq!(
        store.grants(&bob.id).await.unwrap(),
        auth_core::Grants::default()
    );
    // Two users sharing an email (Django allows it): that email logs in neither.
    store
        .create_user(NewUser::new("twin1", "", "!"))
        .await
        .unwrap();
    let mut twin = store.find_by_username("twin1").await.unwrap().unwrap();
    twin.email = "shared@example.com".into();
    store.update_user(&twin).await.unwrap();
    sqlx_insert_twin(store, db).await;
    assert!(
        store
            .find_by_email("shared@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

/// A second user with the same email, written as Django's admin could (it does not check).
async fn sqlx_insert_twin(store: &DjangoStore, db: &DjangoDb) {
    use auth_core::UserStore;
    let twin = store
        .create_user(auth_core::user::NewUser::new("twin2", "", "!"))
        .await
        .unwrap();
    let mut u = twin.clone();
    // Through update_user the toolkit refuses a taken email; Django's ORM would not.
    u.email = "shared@example.com".into();
    assert!(store.update_user(&u).await.is_err());
    auth_tests::django::exec_sql(
        db,
        &format!(
            "UPDATE auth_user SET email = 'shared@example.com' WHERE id = {}",
            twin.id
        ),
    )
    .await;
}

#[tokio::test]
async fn users_on_sqlite() {
    let db = DjangoDb::sqlite();
    let Some(store) = migrated_store(&db).await else {
        return;
    };
    users_follow_djangos_rules(&store, &db).await;
    db.drop_db().await;
}

#[tokio::test]
async fn users_on_postgres() {
    let Some(db) = DjangoDb::postgres().await else {
        return;
    };
    let Some(store) = migrated_store(&db).await else {
        return;
    };
    users_follow_djangos_rules(&store, &db).await;
    db.drop_db().await;
}
