//! PostgreSQL storage (feature `postgres`): users, groups, permissions and sessions, with
//! embedded migrations that run on [`PgStore::connect`] (or the `migrate` admin command) and are
//! safe to run from several processes at once.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Acquire;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use time::OffsetDateTime;

use crate::sql::{self, SqlStoreOptions, unavailable};
use auth_core::error::StoreError;
use auth_core::permission::{Grants, Permission};
use auth_core::session::{SessionId, SessionRecord};
use auth_core::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use auth_core::user::{Group, NewUser, User, UserId, fold_case};

/// The advisory lock key migrations hold ("authcore" in ASCII).
const MIGRATION_LOCK: i64 = 0x6175_7468_636f_7265;

/// The embedded migrations, applied in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "login_attempts",
        include_str!("../migrations/postgres/0002_login_attempts.sql"),
    ),
    (
        3,
        "unicode_name_keys",
        include_str!("../migrations/postgres/0003_unicode_name_keys.sql"),
    ),
    (
        4,
        "session_user_key",
        include_str!("../migrations/postgres/0004_session_user_key.sql"),
    ),
    (
        5,
        "email_unverified",
        include_str!("../migrations/postgres/0005_email_unverified.sql"),
    ),
];

/// Users, groups, permissions and sessions in PostgreSQL. Implements [`UserStore`],
/// [`PermissionChecker`] and [`SessionStore`].
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_sql::PgStore;
/// let store = PgStore::connect("postgres://postgres@127.0.0.1/app").await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    q: std::sync::Arc<sql::Queries>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_in_schema(url, None).await
    }

    /// [`connect`](Self::connect) with options (a table prefix).
    pub async fn connect_with(url: &str, options: &SqlStoreOptions) -> Result<Self, StoreError> {
        let q = options.queries()?;
        let pool = Self::open_pool(PgConnectOptions::from_str(url).map_err(unavailable)?).await?;
        let store = PgStore { pool, q };
        store.migrate().await?;
        Ok(store)
    }

    /// The store over the app's own pool (its tables live beside the app's), with the
    /// migrations applied.
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        Self::from_pool_with(pool, &SqlStoreOptions::default()).await
    }

    /// [`from_pool`](Self::from_pool) with options (a table prefix).
    pub async fn from_pool_with(
        pool: PgPool,
        options: &SqlStoreOptions,
    ) -> Result<Self, StoreError> {
        let store = PgStore {
            pool,
            q: options.queries()?,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn open_pool(opts: PgConnectOptions) -> Result<PgPool, StoreError> {
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(opts)
            .await
            .map_err(unavailable)
    }

    /// Connects with every table in `schema` (created if missing; ASCII letters, digits and `_`
    /// only), for example to keep test runs apart, and applies the migrations there.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut opts = PgConnectOptions::from_str(url).map_err(unavailable)?;
        if let Some(schema) = schema {
            if schema.is_empty()
                || !schema
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Corrupt(format!(
                    "invalid schema name {schema:?}"
                )));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts.clone())
                .await
                .map_err(unavailable)?;
            // Under the migration lock: two processes creating the schema at once would
            // otherwise race in the catalog.
            let mut conn = admin.acquire().await.map_err(unavailable)?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await
                .map_err(unavailable)?;
            let created = sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .execute(&mut *conn)
                .await;
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await;
            created.map_err(unavailable)?;
            unlocked.map_err(unavailable)?;
            drop(conn);
            admin.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = Self::open_pool(opts).await?;
        let store = PgStore {
            pool,
            q: SqlStoreOptions::default().queries()?,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies any migration not yet applied, under a PostgreSQL advisory lock, so that several
    /// processes starting at once apply each migration exactly once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await
            .map_err(unavailable)?;
        let result = async {
            if self.q.prefix() == sql::DEFAULT_PREFIX {
                let mut tx = conn.begin().await?;
                Self::adopt_legacy_tables(&mut tx).await?;
                tx.commit().await?;
            }
            let create = sql::with_prefix(
                "CREATE TABLE IF NOT EXISTS auth_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                self.q.prefix(),
            );
            sqlx::raw_sql(&create)
            .execute(&mut *conn)
            .await?;
            for (version, name, sql) in MIGRATIONS {
                let mut tx = conn.begin().await?;
                let applied = Self::apply_migration(&self.q, &mut tx, *version, name, sql).await?;
                tx.commit().await?;
                if applied {
                    tracing::info!(version, name, "applied auth migration");
                }
            }
            Ok::<_, sqlx::Error>(())
        }
        .await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await;
        result.map_err(unavailable)?;
        unlocked.map_err(unavailable)?;
        Ok(())
    }

    /// Renames the tables of a database made before 0.3 (`auth_user`, ..., Django's names)
    /// to the default prefix, with their indexes, constraints and sequences (which PostgreSQL
    /// names in the same namespace as tables), unless that was done already. The caller holds
    /// the migration lock.
    async fn adopt_legacy_tables(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
        let exists = |name: String| {
            sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL").bind(name)
        };
        let new_name = |t: &str| sql::with_prefix(t, sql::DEFAULT_PREFIX);
        if exists(new_name("auth_migrations"))
            .fetch_one(&mut *conn)
            .await?
            || !exists("auth_migrations".into())
                .fetch_one(&mut *conn)
                .await?
        {
            return Ok(());
        }
        // Only this crate's own tables: its first migration recorded, and `auth_user` of its
        // shape (Django's has no `username_key`). An `auth_migrations` left beside Django's
        // tables by an old version that failed to migrate there must not move Django's.
        let ours: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM auth_migrations WHERE version = 1)
                AND EXISTS (SELECT 1 FROM information_schema.columns
                            WHERE table_schema = current_schema() AND table_name = 'auth_user'
                              AND column_name = 'username_key')",
        )
        .fetch_one(&mut *conn)
        .await?;
        if !ours {
            tracing::warn!(
                "auth_migrations and auth_* tables of another shape (Django's?) are left as they are"
            );
            return Ok(());
        }
        for table in sql::LEGACY_TABLES {
            if !exists(table.into()).fetch_one(&mut *conn).await? {
                continue;
            }
            let to = new_name(table);
            sqlx::raw_sql(&format!("ALTER TABLE \"{table}\" RENAME TO \"{to}\""))
                .execute(&mut *conn)
                .await?;
            // Its indexes (renaming one renames the constraint it backs) and sequences.
            let owned: Vec<(String, String)> = sqlx::query_as(
                "SELECT c.relname::text, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'INDEX' END
                 FROM pg_class c
                 WHERE c.relname LIKE 'auth\\_%' AND (
                   c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = to_regclass($1))
                   OR (c.relkind = 'S' AND c.oid IN (SELECT objid FROM pg_depend WHERE refobjid = to_regclass($1))))",
            )
            .bind(&to)
            .fetch_all(&mut *conn)
            .await?;
            for (name, kind) in owned {
                let renamed = new_name(&name);
                sqlx::raw_sql(&format!("ALTER {kind} \"{name}\" RENAME TO \"{renamed}\""))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        tracing::info!("renamed the auth tables of a database made before 0.3 to authkit_*");
        Ok(())
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn fast_user(&self, _id: i64) -> Option<Option<User>> {
        None
    }

    fn fast_session(&self, _id: &SessionId, _now: i64) -> Option<Option<sql::SessionRow>> {
        None
    }

    fn fast_grants(&self, _user_id: i64) -> Option<Grants> {
        None
    }
}

sql::sql_store!(PgStore, sqlx::PgConnection);
