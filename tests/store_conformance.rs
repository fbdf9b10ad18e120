//! The store conformance suite against every backend available here: memory and SQLite.
//! (PostgreSQL and Redis join when their backends exist; they read `DATABASE_URL` and
//! `REDIS_URL`.)

use std::sync::Arc;

use auth_core::sqlite::SqliteStore;
use auth_core::{MemorySessionStore, MemoryStore, NewUser, UserStore};
use auth_tests::conformance;

async fn two_users(store: &dyn UserStore, prefix: &str) -> [i64; 2] {
    let a = store
        .create_user(NewUser::new(format!("{prefix}s1"), "", "!"))
        .await
        .unwrap();
    let b = store
        .create_user(NewUser::new(format!("{prefix}s2"), "", "!"))
        .await
        .unwrap();
    [a.id, b.id]
}

#[tokio::test]
async fn memory_backend() {
    let store = Arc::new(MemoryStore::new());
    conformance::users(store.as_ref(), "").await;
    conformance::concurrent_writers(store.clone(), "").await;
    conformance::permissions(store.as_ref(), store.as_ref(), "").await;
    let ids = two_users(store.as_ref(), "").await;
    conformance::sessions(&MemorySessionStore::new(), ids).await;
}

async fn sqlite_file() -> (SqliteStore, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "auth-conformance-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("auth.db");
    (
        SqliteStore::connect(path.to_str().unwrap()).await.unwrap(),
        dir,
    )
}

fn rand_suffix() -> String {
    auth_core::SessionId::generate().as_str()[..8].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backend() {
    let (store, dir) = sqlite_file().await;
    conformance::users(&store, "").await;
    conformance::concurrent_writers(Arc::new(store.clone()), "").await;
    conformance::permissions(&store, &store, "").await;
    let ids = two_users(&store, "").await;
    conformance::sessions(&store, ids).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sqlite_in_memory_backend() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    conformance::users(&store, "").await;
    conformance::permissions(&store, &store, "").await;
    let ids = two_users(&store, "").await;
    conformance::sessions(&store, ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrations_are_idempotent_and_safe_from_two_connections_at_once() {
    let dir = std::env::temp_dir().join(format!("auth-migrate-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("auth.db");
    let p = path.to_str().unwrap().to_owned();
    let (a, b) = tokio::join!(SqliteStore::connect(&p), SqliteStore::connect(&p));
    let (a, b) = (a.unwrap(), b.unwrap());
    a.create_user(NewUser::new("x", "", "!")).await.unwrap();
    assert!(b.find_by_username("x").await.unwrap().is_some());
    let again = SqliteStore::connect(&p).await.unwrap();
    again.migrate().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM auth_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sqlite_unreachable_is_a_clear_error() {
    let err = SqliteStore::connect("/nonexistent-dir/for/sure/auth.db")
        .await
        .unwrap_err();
    assert!(
        matches!(err, auth_core::StoreError::Unavailable { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("unavailable"), "{err}");
}
