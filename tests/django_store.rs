//! The Django store's session and counter halves through the store conformance suite, on
//! databases a real Django 5.2 migrated (SQLite and PostgreSQL), and its refusals. The users and
//! permissions halves follow Django's rules instead (exact usernames first, emails not unique,
//! permissions that must exist in `auth_permission`); the interop scenario of the example apps
//! checks them against Django itself.

use std::sync::Arc;

use auth_core::UserId;
use auth_core::django::DjangoStore;
use auth_tests::conformance;
use auth_tests::django::{DjangoDb, migrated_store};

async fn conformance_on(store: DjangoStore) {
    conformance::sessions(&store, [UserId::Int(1), UserId::Int(2)], false).await;
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
        schema: auth_core::Schema::Django,
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
