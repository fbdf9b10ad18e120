//! The store conformance suite against every backend: memory, SQLite, PostgreSQL (users,
//! permissions, sessions; `DATABASE_URL`) and Redis (sessions; `REDIS_URL`). Each PostgreSQL
//! run works in its own schema and each Redis run under its own key prefix, so runs never
//! collide. Without `DATABASE_URL` / `REDIS_URL` those tests say that they skipped.

use std::sync::Arc;

use auth_core::{
    MemorySessionStore, MemoryStore, PermissionChecker, SessionStore, UserStore, user::NewUser,
};
use auth_sql::SqliteStore;
use auth_tests::conformance;

async fn two_users(store: &dyn UserStore, prefix: &str) -> [auth_core::UserId; 2] {
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

/// Ids of a UUID and a text key: sessions keep users of any id kind.
fn other_kinds() -> [auth_core::UserId; 2] {
    [
        auth_core::uuid::Uuid::from_u128(0x1234_5678).into(),
        "user-two".into(),
    ]
}

#[tokio::test]
async fn memory_backend() {
    let store = Arc::new(MemoryStore::new());
    conformance::users(store.as_ref(), "").await;
    conformance::concurrent_writers(store.clone(), "").await;
    conformance::permissions(store.as_ref(), store.as_ref(), "").await;
    conformance::account_lifecycle(store.clone(), store.as_ref(), "").await;
    let ids = two_users(store.as_ref(), "").await;
    conformance::sessions(&MemorySessionStore::new(), ids, false).await;
    conformance::sessions(&MemorySessionStore::new(), other_kinds(), false).await;
    conformance::session_updates(&MemorySessionStore::new(), auth_core::UserId::Int(1)).await;
    conformance::session_listing(&MemorySessionStore::new(), [31.into(), 32.into()]).await;
    conformance::attempts(&auth_core::store::MemoryAttemptStore::new(), "").await;
    conformance::attempts_under_a_burst(Arc::new(auth_core::store::MemoryAttemptStore::new()), "")
        .await;
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
    conformance::account_lifecycle(Arc::new(store.clone()), &store, "").await;
    let ids = two_users(&store, "").await;
    conformance::sessions(&store, ids, false).await;
    conformance::sessions(&store, other_kinds(), false).await;
    conformance::session_updates(&store, auth_core::UserId::Int(1)).await;
    conformance::attempts(&store, "").await;
    conformance::attempts_under_a_burst(Arc::new(store.clone()), "").await;
    let ids = two_users(&store, "listing-").await;
    conformance::session_listing(&store, ids).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sqlite_in_memory_backend() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    conformance::users(&store, "").await;
    conformance::permissions(&store, &store, "").await;
    let ids = two_users(&store, "").await;
    conformance::sessions(&store, ids, false).await;
    conformance::sessions(&store, other_kinds(), false).await;
    conformance::session_updates(&store, auth_core::UserId::Int(1)).await;
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
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM authkit_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap();
    assert_eq!(n, 5, "every migration, once");
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

/// `DATABASE_URL` if it names PostgreSQL, else a clear skip message.
pub fn postgres_url() -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(u) if u.starts_with("postgres") => Some(u),
        _ => {
            eprintln!(
                "SKIPPED: set DATABASE_URL=postgres://... to run the PostgreSQL tests (.ci/run does)"
            );
            None
        }
    }
}

/// `REDIS_URL`, else a clear skip message.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(u) if u.starts_with("redis") => Some(u),
        _ => {
            eprintln!("SKIPPED: set REDIS_URL=redis://... to run the Redis tests (.ci/run does)");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_test_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let store = auth_sql::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    conformance::users(&store, "").await;
    conformance::concurrent_writers(Arc::new(store.clone()), "").await;
    conformance::permissions(&store, &store, "").await;
    conformance::account_lifecycle(Arc::new(store.clone()), &store, "").await;
    let ids = two_users(&store, "").await;
    conformance::sessions(&store, ids, false).await;
    conformance::sessions(&store, other_kinds(), false).await;
    conformance::session_updates(&store, auth_core::UserId::Int(1)).await;
    let ids = two_users(&store, "listing-").await;
    conformance::session_listing(&store, ids).await;
    conformance::attempts(&store, "").await;
    conformance::attempts_under_a_burst(Arc::new(store.clone()), "").await;
    // The hot paths are index lookups.
    let plan: Vec<String> =
        sqlx::query_scalar("EXPLAIN SELECT * FROM authkit_session WHERE id = 'x'")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert!(plan.join(" ").contains("authkit_session_pkey"), "{plan:?}");
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrations_run_once_from_two_processes_at_once() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_mig_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let (a, b) = tokio::join!(
        auth_sql::PgStore::connect_in_schema(&url, Some(&schema)),
        auth_sql::PgStore::connect_in_schema(&url, Some(&schema)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    a.create_user(NewUser::new("x", "", "!")).await.unwrap();
    assert!(b.find_by_username("x").await.unwrap().is_some());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM authkit_migrations")
        .fetch_one(a.pool())
        .await
        .unwrap();
    assert_eq!(n, 5, "every migration, once");
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(a.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_backend() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("auth-test-{}:", rand_suffix());
    let sessions = auth_redis::RedisSessionStore::connect(&url, &prefix)
        .await
        .unwrap();
    conformance::sessions(&sessions, [1.into(), 2.into()], true).await;
    conformance::sessions(&sessions, other_kinds(), true).await;
    conformance::session_updates(&sessions, auth_core::UserId::Int(1)).await;
    conformance::session_listing(&sessions, [41.into(), 42.into()]).await;
    conformance::attempts(&sessions, "").await;
    conformance::attempts_under_a_burst(Arc::new(sessions.clone()), "").await;
    // Server-side expiry: the key carries a TTL no later than the session's deadline.
    let now = auth_core::session::now_unix();
    let rec = auth_core::session::SessionRecord {
        id: auth_core::SessionId::generate(),
        user_id: Some(7.into()),
        auth_hash: None,
        data: Default::default(),
        created_at: now,
        last_seen: now,
        expires_at: now + 100,
        meta: Default::default(),
    };
    auth_core::SessionStore::save(&sessions, &rec)
        .await
        .unwrap();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("{prefix}session:{}", rec.id.as_str()))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((90..=100).contains(&ttl), "ttl {ttl}");
    assert_eq!(
        auth_core::SessionStore::delete_user_sessions(&sessions, &7.into(), None)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn unreachable_servers_are_clear_errors() {
    let err = auth_sql::PgStore::connect("postgres://postgres@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(
        matches!(err, auth_core::StoreError::Unavailable { .. }),
        "{err}"
    );
    let err = auth_redis::RedisSessionStore::connect("redis://127.0.0.1:1", "x:")
        .await
        .unwrap_err();
    assert!(
        matches!(err, auth_core::StoreError::Unavailable { .. }),
        "{err}"
    );
}

/// Two stores on one file stand for two processes: the reads every request makes (session,
/// user) see the other's commits at once, and stop when the pool is closed (fail closed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_request_reads_see_other_processes_at_once_and_fail_closed() {
    use auth_core::SessionStore as _;
    let (a, dir) = sqlite_file().await;
    let b = SqliteStore::connect(dir.join("auth.db").to_str().unwrap())
        .await
        .unwrap();
    let user = a
        .create_user(NewUser::new("carol", "c@example.com", "!"))
        .await
        .unwrap();
    let now = auth_core::session::now_unix();
    let rec = auth_core::session::SessionRecord {
        id: auth_core::SessionId::generate(),
        user_id: Some(user.id.clone()),
        auth_hash: Some(auth_core::session::AuthHash::from_bytes([9; 32])),
        data: Default::default(),
        created_at: now,
        last_seen: now,
        expires_at: now + 3600,
        meta: Default::default(),
    };
    a.save(&rec).await.unwrap();
    assert_eq!(b.load(&rec.id).await.unwrap(), Some(rec.clone()));
    assert!(b.get_user(&user.id).await.unwrap().unwrap().is_active);

    let mut off = user.clone();
    off.is_active = false;
    a.update_user(&off).await.unwrap();
    assert!(!b.get_user(&user.id).await.unwrap().unwrap().is_active);
    a.delete(&rec.id).await.unwrap();
    assert_eq!(b.load(&rec.id).await.unwrap(), None);

    a.save(&rec).await.unwrap();
    b.pool().close().await;
    assert!(b.load(&rec.id).await.is_err(), "closed pool: no read");
    assert!(b.get_user(&user.id).await.is_err(), "closed pool: no read");
    std::fs::remove_dir_all(dir).ok();
}

/// Migration 3 recomputes the comparison keys of rows written before usernames were
/// NFKC-folded, so `ﬀuser` from then is found as `FFUSER` now and blocks a new `ffuser`.
#[tokio::test]
async fn sqlite_existing_rows_get_unicode_keys() {
    use sqlx::Connection as _;
    let (store, dir) = sqlite_file().await;
    store
        .create_user(auth_core::user::NewUser::new("seed", "", "!"))
        .await
        .unwrap();
    drop(store);
    let url = format!("sqlite://{}", dir.join("auth.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // A row as the old code wrote it (key = lower-case), and migration 3 not yet applied.
    sqlx::query("INSERT INTO authkit_user (username, username_key, email, email_key, password_hash, is_active, is_staff, is_superuser, date_joined) VALUES ('\u{FB00}user', '\u{FB00}user', 'Old@Example.com', 'old@example.com', '!', 1, 0, 0, 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM authkit_migrations WHERE version = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let store = SqliteStore::connect(&url).await.unwrap();
    let found = store.find_by_username("FFUSER").await.unwrap();
    assert_eq!(found.map(|u| u.username), Some("\u{FB00}user".to_string()));
    let err = store
        .create_user(auth_core::user::NewUser::new("ffuser", "", "!"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, auth_core::StoreError::Conflict { .. }),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// Migration 3 on PostgreSQL: keys of rows written before NFKC folding are recomputed; when two
/// old rows now fold to one name, the older keeps the name and the newer its old key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_existing_rows_get_unicode_keys() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_rekey_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let store = auth_sql::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    for (name, key) in [
        ("\u{FB00}user", "\u{FB00}user"),
        ("STRASSE", "strasse"),
        ("straße", "straße"),
    ] {
        sqlx::query("INSERT INTO authkit_user (username, username_key, email, email_key, password_hash, date_joined) VALUES ($1, $2, '', NULL, '!', 0)")
            .bind(name)
            .bind(key)
            .execute(store.pool())
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM authkit_migrations WHERE version = 3")
        .execute(store.pool())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let by = |n: &'static str| {
        let store = store.clone();
        async move { store.find_by_username(n).await.unwrap().map(|u| u.username) }
    };
    assert_eq!(by("FFUSER").await, Some("\u{FB00}user".to_string()));
    assert_eq!(
        by("Straße").await,
        Some("STRASSE".to_string()),
        "the older row keeps the name"
    );
    assert!(
        store
            .create_user(NewUser::new("ffuser", "", "!"))
            .await
            .is_err()
    );
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}

/// Two prefixed stores on one pool (the app's) are two independent sets of tables.
async fn prefixed_stores_are_independent(a: &dyn UserStore, b: &dyn UserStore) {
    let ann = a
        .create_user(NewUser::new("prefixed-ann", "", "!"))
        .await
        .unwrap();
    assert!(b.find_by_username("prefixed-ann").await.unwrap().is_none());
    assert_eq!(
        a.find_by_username("prefixed-ann")
            .await
            .unwrap()
            .unwrap()
            .id,
        ann.id
    );
    b.create_user(NewUser::new("prefixed-ann", "", "!"))
        .await
        .expect("the same name in the other set of tables");
}

#[tokio::test]
async fn sqlite_table_prefixes_on_the_apps_pool() {
    let dir = std::env::temp_dir().join(format!("auth-prefix-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE auth_user (app_column TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    let opts = |p: &str| auth_sql::SqlStoreOptions::default().table_prefix(p);
    let a = SqliteStore::from_pool_with(pool.clone(), &opts("appa_"))
        .await
        .unwrap();
    let b = SqliteStore::from_pool_with(pool.clone(), &opts("appb_"))
        .await
        .unwrap();
    prefixed_stores_are_independent(&a, &b).await;
    conformance::users(&a, "").await;
    conformance::sessions(&a, other_kinds(), false).await;
    conformance::attempts(&b, "").await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'app%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in [
        "appa_user",
        "appa_session",
        "appa_migrations",
        "appb_attempt",
    ] {
        assert!(tables.contains(&t.to_owned()), "{t} in {tables:?}");
    }
    // The app's own table of the default name was left alone.
    let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('auth_user')")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(cols, ["app_column"]);
    let bad = SqliteStore::from_pool_with(pool, &opts("Bad-Prefix")).await;
    assert!(bad.unwrap_err().to_string().contains("table prefix"));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn postgres_table_prefixes_on_the_apps_pool() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_prefix_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let base = auth_sql::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let pool = base.pool().clone();
    let opts = |p: &str| auth_sql::SqlStoreOptions::default().table_prefix(p);
    let a = auth_sql::PgStore::from_pool_with(pool.clone(), &opts("appa_"))
        .await
        .unwrap();
    let b = auth_sql::PgStore::from_pool_with(pool.clone(), &opts("appb_"))
        .await
        .unwrap();
    prefixed_stores_are_independent(&a, &b).await;
    conformance::users(&a, "").await;
    conformance::permissions(&a, &a, "").await;
    conformance::sessions(&a, other_kinds(), false).await;
    conformance::attempts(&b, "").await;
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('appa_user', 'appa_session', 'appb_attempt', 'appb_migrations')",
    )
    .bind(&schema)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 4);
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&pool)
        .await
        .unwrap();
}

/// A session saved before migration 4 (its user in `user_id` only) is still a login after it.
#[tokio::test]
async fn sqlite_sessions_survive_the_user_key_migration() {
    let (store, dir) = sqlite_file().await;
    let [uid, _] = two_users(&store, "").await;
    let n = uid.as_i64().unwrap();
    sqlx::raw_sql(&format!(
        "DROP INDEX authkit_session_user_key; ALTER TABLE authkit_session DROP COLUMN user_key;
         INSERT INTO authkit_session (id, user_id, auth_hash, data, created_at, last_seen, expires_at)
           VALUES ('{id}', {n}, NULL, '{{}}', 1, 1, 4000000000);
         DELETE FROM authkit_migrations WHERE version = 4;",
        id = "A".repeat(32)
    ))
    .execute(store.pool())
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let id = auth_core::SessionId::parse(&"A".repeat(32)).unwrap();
    let rec = store
        .load(&id)
        .await
        .unwrap()
        .expect("the session survived");
    assert_eq!(rec.user_id, Some(uid.clone()));
    assert_eq!(store.delete_user_sessions(&uid, None).await.unwrap(), 1);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn postgres_sessions_survive_the_user_key_migration() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_ukey_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let store = auth_sql::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let [uid, _] = two_users(&store, "").await;
    let n = uid.as_i64().unwrap();
    sqlx::raw_sql(&format!(
        "ALTER TABLE authkit_session DROP COLUMN user_key;
         INSERT INTO authkit_session (id, user_id, auth_hash, data, created_at, last_seen, expires_at)
           VALUES ('{id}', {n}, NULL, '{{}}', 1, 1, 4000000000);
         DELETE FROM authkit_migrations WHERE version = 4;",
        id = "A".repeat(32)
    ))
    .execute(store.pool())
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let id = auth_core::SessionId::parse(&"A".repeat(32)).unwrap();
    let rec = store
        .load(&id)
        .await
        .unwrap()
        .expect("the session survived");
    assert_eq!(rec.user_id, Some(uid.clone()));
    assert_eq!(store.delete_user_sessions(&uid, None).await.unwrap(), 1);
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(store.pool())
        .await
        .unwrap();
}

/// What a database made before 0.3 holds: the built-in tables under Django's `auth_` names,
/// with a user, a grant and a live session.
async fn legacy_rows(
    store: &dyn UserStore,
    perms: &dyn PermissionChecker,
    sessions: &dyn SessionStore,
) -> (auth_core::UserId, auth_core::SessionId) {
    let u = store
        .create_user(NewUser::new("old-timer", "old@example.com", "!"))
        .await
        .unwrap();
    perms
        .grant_user_permission(&u.id, &"blog.publish_post".parse().unwrap())
        .await
        .unwrap();
    let id = auth_core::SessionId::generate();
    let now = auth_core::session::now_unix();
    sessions
        .save(&auth_core::session::SessionRecord {
            id: id.clone(),
            user_id: Some(u.id.clone()),
            auth_hash: None,
            data: Default::default(),
            created_at: now,
            last_seen: now,
            expires_at: now + 3600,
            meta: Default::default(),
        })
        .await
        .unwrap();
    (u.id, id)
}

/// After the rename, the rows are where the store looks, and Django's tables of the old names
/// (with their indexes and, on PostgreSQL, primary-key constraints and sequences) can be made.
async fn legacy_rows_survive(
    store: &(impl UserStore + PermissionChecker + SessionStore),
    uid: &auth_core::UserId,
    sid: &auth_core::SessionId,
) {
    assert_eq!(
        store
            .find_by_username("old-timer")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(uid.clone())
    );
    assert!(
        store
            .grants(uid)
            .await
            .unwrap()
            .has_permission("blog.publish_post")
    );
    assert_eq!(
        store.load(sid).await.unwrap().and_then(|r| r.user_id),
        Some(uid.clone())
    );
    let fresh = store
        .create_user(NewUser::new("newcomer", "", "!"))
        .await
        .unwrap();
    assert_ne!(&fresh.id, uid, "the id sequence went on");
}

const DJANGO_LIKE: &str = "CREATE TABLE auth_user (id SERIAL PRIMARY KEY, username VARCHAR(150) NOT NULL UNIQUE);
     CREATE TABLE auth_group (id SERIAL PRIMARY KEY, name VARCHAR(150) NOT NULL UNIQUE);
     CREATE TABLE auth_user_groups (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL, group_id INTEGER NOT NULL);
     CREATE TABLE auth_group_permissions (id SERIAL PRIMARY KEY, group_id INTEGER NOT NULL, permission_id INTEGER NOT NULL);
     CREATE INDEX auth_user_groups_user_id ON auth_user_groups (user_id);";

#[tokio::test]
async fn sqlite_tables_made_before_0_3_are_renamed_off_djangos_names() {
    let (store, dir) = sqlite_file().await;
    drop(store);
    let url = format!("sqlite://{}", dir.join("legacy.db").display());
    let old = SqliteStore::connect_with(
        &url,
        &auth_sql::SqlStoreOptions::default().table_prefix("auth_"),
    )
    .await
    .unwrap();
    let (uid, sid) = legacy_rows(&old, &old, &old).await;
    drop(old);
    let store = SqliteStore::connect(&url).await.unwrap();
    legacy_rows_survive(&store, &uid, &sid).await;
    let left: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name LIKE 'auth\\_%' ESCAPE '\\'")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert!(left.is_empty(), "nothing keeps an old name: {left:?}");
    sqlx::raw_sql(&DJANGO_LIKE.replace("SERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"))
        .execute(store.pool())
        .await
        .expect("Django's tables fit beside");
    // Connecting again leaves both sets alone.
    let again = SqliteStore::connect(&url).await.unwrap();
    assert!(again.find_by_username("newcomer").await.unwrap().is_some());
    assert_eq!(
        again.load(&sid).await.unwrap().and_then(|r| r.user_id),
        Some(uid)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn postgres_tables_made_before_0_3_are_renamed_off_djangos_names() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_legacy_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let base = auth_sql::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let pool = base.pool().clone();
    sqlx::raw_sql("DROP TABLE authkit_email_unverified, authkit_user, authkit_group, authkit_user_groups, authkit_user_permissions, authkit_group_permissions, authkit_session, authkit_attempt, authkit_migrations")
        .execute(&pool)
        .await
        .unwrap();
    let legacy = auth_sql::SqlStoreOptions::default().table_prefix("auth_");
    let old = auth_sql::PgStore::from_pool_with(pool.clone(), &legacy)
        .await
        .unwrap();
    let (uid, sid) = legacy_rows(&old, &old, &old).await;
    let store = auth_sql::PgStore::from_pool(pool.clone()).await.unwrap();
    legacy_rows_survive(&store, &uid, &sid).await;
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND relname LIKE 'auth\\_%'",
    )
    .bind(&schema)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        left.is_empty(),
        "no table, index or sequence keeps an old name: {left:?}"
    );
    sqlx::raw_sql(DJANGO_LIKE)
        .execute(&pool)
        .await
        .expect("Django's tables fit beside");
    let again = auth_sql::PgStore::from_pool(pool.clone()).await.unwrap();
    assert!(again.find_by_username("newcomer").await.unwrap().is_some());
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&pool)
        .await
        .unwrap();
}

/// A Django database where an old version left an empty `auth_migrations` (its first migration
/// failed on Django's `auth_user`): the native store leaves Django's tables where they are.
#[tokio::test]
async fn sqlite_djangos_tables_are_never_renamed() {
    let dir = std::env::temp_dir().join(format!("auth-djkeep-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("dj.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!(
        "{}; CREATE TABLE auth_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);",
        DJANGO_LIKE.replace("SERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
    ))
    .execute(&pool)
    .await
    .unwrap();
    let store = SqliteStore::from_pool(pool.clone()).await.unwrap();
    store
        .create_user(NewUser::new("native", "", "!"))
        .await
        .unwrap();
    let django_cols: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('auth_user') ORDER BY cid")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(django_cols, ["id", "username"], "Django's auth_user stays");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn postgres_djangos_tables_are_never_renamed() {
    let Some(url) = postgres_url() else { return };
    let schema = format!(
        "auth_djkeep_{}",
        rand_suffix().to_lowercase().replace('-', "_")
    );
    let base = auth_sql::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let pool = base.pool().clone();
    sqlx::raw_sql(&format!(
        "DROP TABLE authkit_email_unverified, authkit_user, authkit_group, authkit_user_groups, authkit_user_permissions, authkit_group_permissions, authkit_session, authkit_attempt, authkit_migrations;
         {DJANGO_LIKE}
         CREATE TABLE auth_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);"
    ))
    .execute(&pool)
    .await
    .unwrap();
    let store = auth_sql::PgStore::from_pool(pool.clone()).await.unwrap();
    store
        .create_user(NewUser::new("native", "", "!"))
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'auth_user'",
    )
    .bind(&schema)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 2, "Django's auth_user stays");
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&pool)
        .await
        .unwrap();
}
