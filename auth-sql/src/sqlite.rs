//! SQLite storage (feature `sqlite`): users, groups, permissions and sessions in one database
//! file, with embedded migrations that run on [`SqliteStore::connect`].

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use time::OffsetDateTime;

use crate::sql::{self, SqlStoreOptions, unavailable};
#[cfg(feature = "sqlite-fast-reads")]
use crate::sqlite_reader::Readers;
use auth_core::error::StoreError;
use auth_core::permission::{Grants, Permission};
use auth_core::session::{SessionId, SessionRecord};
use auth_core::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use auth_core::user::{Group, NewUser, User, UserId, fold_case};

/// The embedded migrations, applied in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "login_attempts",
        include_str!("../migrations/sqlite/0002_login_attempts.sql"),
    ),
    (
        3,
        "unicode_name_keys",
        include_str!("../migrations/sqlite/0003_unicode_name_keys.sql"),
    ),
    (
        4,
        "session_user_key",
        include_str!("../migrations/sqlite/0004_session_user_key.sql"),
    ),
    (
        5,
        "email_unverified",
        include_str!("../migrations/sqlite/0005_email_unverified.sql"),
    ),
];

/// Users, groups, permissions and sessions in SQLite. Implements [`UserStore`],
/// [`PermissionChecker`] and [`SessionStore`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{UserStore, user::NewUser};
/// use auth_sql::SqliteStore;
/// let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
/// let u = store.create_user(NewUser::new("alice", "a@example.com", "!")).await.unwrap();
/// assert_eq!(store.find_by_username("Alice").await.unwrap().unwrap().id, u.id);
/// # }
/// ```
///
/// With the `sqlite-fast-reads` feature (which the adapters' `sqlite` feature turns on), the
/// reads every request of a logged-in user makes (its session, its user and its grants, by
/// primary key) run in place on reader connections instead of the pool's connection threads;
/// see the `sqlite_reader` module for why that never stalls the runtime nor serves stale data.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    pub(super) q: Arc<sql::Queries>,
    #[cfg(feature = "sqlite-fast-reads")]
    pub(super) readers: Arc<Readers>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path/to.db`, a plain path,
    /// or `sqlite::memory:`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &SqlStoreOptions::default()).await
    }

    /// [`connect`](Self::connect) with options (a table prefix).
    pub async fn connect_with(url: &str, options: &SqlStoreOptions) -> Result<Self, StoreError> {
        let q = options.queries()?;
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let opts = SqliteConnectOptions::from_str(&url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let opts = if memory {
            opts
        } else {
            opts.journal_mode(SqliteJournalMode::Wal)
        };
        #[cfg(feature = "sqlite-fast-reads")]
        let file = (!memory).then(|| opts.get_filename().to_path_buf());
        // Two processes opening a new file at once can both try to switch it to WAL; SQLite
        // then answers "database is locked" at once to one of them (its busy timeout does not
        // apply to that step), so that case is retried a few times.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let opened = async {
                let pool = SqlitePoolOptions::new()
                    // An in-memory database lives in one connection.
                    .max_connections(if memory { 1 } else { 8 })
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts.clone())
                    .await
                    .map_err(unavailable)?;
                let store = SqliteStore {
                    pool,
                    q: q.clone(),
                    #[cfg(feature = "sqlite-fast-reads")]
                    readers: Arc::new(Readers::new(file.clone())),
                };
                store.migrate().await?;
                Ok::<_, StoreError>(store)
            }
            .await;
            match opened {
                Err(e) if attempt < 5 && e.to_string().contains("database is locked") => {
                    tracing::debug!(attempt, "SQLite file busy while opening; retrying");
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// The store over the app's own pool (its tables live beside the app's), with the
    /// migrations applied. Give the pool a busy timeout and, for the in-place reads, WAL mode
    /// (as [`connect`](Self::connect) does); without WAL every read goes through the pool.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use auth_sql::{SqlStoreOptions, SqliteStore};
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    /// sqlx::query("CREATE TABLE app_orders (id INTEGER PRIMARY KEY)").execute(&pool).await.unwrap();
    /// let opts = SqlStoreOptions::default().table_prefix("app_auth_");
    /// let store = SqliteStore::from_pool_with(pool.clone(), &opts).await.unwrap();
    /// let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'app_%' ORDER BY name")
    ///     .fetch_all(&pool).await.unwrap();
    /// assert!(tables.contains(&"app_orders".to_owned()) && tables.contains(&"app_auth_session".to_owned()));
    /// # }
    /// ```
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        Self::from_pool_with(pool, &SqlStoreOptions::default()).await
    }

    /// [`from_pool`](Self::from_pool) with options (a table prefix).
    pub async fn from_pool_with(
        pool: SqlitePool,
        options: &SqlStoreOptions,
    ) -> Result<Self, StoreError> {
        let q = options.queries()?;
        #[cfg(feature = "sqlite-fast-reads")]
        let file = {
            // The main database's file ("" when in memory) and whether it is in WAL mode.
            let path: String =
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(&pool)
                    .await
                    .map_err(unavailable)?;
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&pool)
                .await
                .map_err(unavailable)?;
            (!path.is_empty() && mode.eq_ignore_ascii_case("wal")).then(|| path.into())
        };
        let store = SqliteStore {
            pool,
            q,
            #[cfg(feature = "sqlite-fast-reads")]
            readers: Arc::new(Readers::new(file)),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies any migration not yet applied. Safe to run from several processes at once: each
    /// runs under SQLite's write lock (`BEGIN IMMEDIATE`).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        if self.q.prefix() == sql::DEFAULT_PREFIX {
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut *conn)
                .await
                .map_err(unavailable)?;
            match Self::adopt_legacy_tables(&mut conn).await {
                Ok(()) => sqlx::raw_sql("COMMIT")
                    .execute(&mut *conn)
                    .await
                    .map(drop)
                    .map_err(unavailable)?,
                Err(e) => {
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                    return Err(unavailable(e));
                }
            }
        }
        let create = sql::with_prefix(
            "CREATE TABLE IF NOT EXISTS auth_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            self.q.prefix(),
        );
        sqlx::raw_sql(&create)
            .execute(&mut *conn)
            .await
            .map_err(unavailable)?;
        for (version, name, sql) in MIGRATIONS {
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut *conn)
                .await
                .map_err(unavailable)?;
            let result = Self::apply_migration(&self.q, &mut conn, *version, name, sql).await;
            match result {
                Ok(applied) => {
                    sqlx::raw_sql("COMMIT")
                        .execute(&mut *conn)
                        .await
                        .map_err(unavailable)?;
                    if applied {
                        tracing::info!(version, name, "applied auth migration");
                    }
                }
                Err(e) => {
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                    return Err(unavailable(e));
                }
            }
        }
        let _ = conn.ping().await;
        Ok(())
    }

    /// Renames the tables of a database made before 0.3 (`auth_user`, ..., Django's names)
    /// to the default prefix, with their indexes, unless that was done already. The caller
    /// holds the write lock.
    async fn adopt_legacy_tables(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        let exists = |name: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(name)
        };
        let new_migrations = sql::with_prefix("auth_migrations", sql::DEFAULT_PREFIX);
        let adopted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        )
        .bind(&new_migrations)
        .fetch_one(&mut *conn)
        .await?;
        if adopted > 0 || exists("auth_migrations").fetch_one(&mut *conn).await? == 0 {
            return Ok(());
        }
        // Only this crate's own tables: its first migration recorded, and `auth_user` of its
        // shape (Django's has no `username_key`). An `auth_migrations` left beside Django's
        // tables by an old version that failed to migrate there must not move Django's.
        let ours: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM auth_migrations WHERE version = 1)
                  * (SELECT COUNT(*) FROM pragma_table_info('auth_user') WHERE name = 'username_key')",
        )
        .fetch_one(&mut *conn)
        .await?;
        if ours == 0 {
            tracing::warn!(
                "auth_migrations and auth_* tables of another shape (Django's?) are left as they are"
            );
            return Ok(());
        }
        for table in sql::LEGACY_TABLES {
            if exists(table).fetch_one(&mut *conn).await? > 0 {
                let to = sql::with_prefix(table, sql::DEFAULT_PREFIX);
                sqlx::raw_sql(&format!("ALTER TABLE \"{table}\" RENAME TO \"{to}\""))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        // Named indexes keep their names through a table rename: make them again under the
        // new prefix (their SQL already names the renamed table).
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name LIKE 'auth\\_%' ESCAPE '\\'",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (name, create) in indexes {
            if sql::LEGACY_TABLES.iter().any(|t| {
                create.contains(&format!("\"{}\"", sql::with_prefix(t, sql::DEFAULT_PREFIX)))
            }) {
                sqlx::raw_sql(&format!("DROP INDEX \"{name}\""))
                    .execute(&mut *conn)
                    .await?;
                sqlx::raw_sql(&sql::with_prefix(&create, sql::DEFAULT_PREFIX))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        tracing::info!("renamed the auth tables of a database made before 0.3 to authkit_*");
        Ok(())
    }

    #[cfg(not(feature = "sqlite-fast-reads"))]
    fn fast_user(&self, _id: i64) -> Option<Option<User>> {
        None
    }

    #[cfg(not(feature = "sqlite-fast-reads"))]
    fn fast_session(&self, _id: &SessionId, _now: i64) -> Option<Option<sql::SessionRow>> {
        None
    }

    #[cfg(not(feature = "sqlite-fast-reads"))]
    fn fast_grants(&self, _user_id: i64) -> Option<Grants> {
        None
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[cfg(feature = "sqlite-fast-reads")]
impl SqliteStore {
    /// A read on the in-place reader connections; `None`: use the pool (also when the pool was
    /// closed, so that closing it stops every read).
    fn fast_read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        if self.pool.is_closed() {
            return None;
        }
        self.readers.read(read)
    }

    /// One row (or none) of `sql` from a reader connection; `None`: use the pool.
    fn row_now<T>(&self, sql: &str, params: impl rusqlite::Params) -> Option<Option<T>>
    where
        T: for<'a> TryFrom<&'a rusqlite::Row<'a>, Error = rusqlite::Error>,
    {
        use rusqlite::OptionalExtension as _;
        self.fast_read(|c| {
            c.prepare_cached(sql)?
                .query_row(params, |r| T::try_from(r))
                .optional()
        })
    }

    /// The user by id from a reader connection; `None`: use the pool.
    fn fast_user(&self, id: i64) -> Option<Option<User>> {
        let row: Option<sql::UserRow> = self.row_now(&self.q.USER_BY_ID, [id])?;
        Some(row.map(sql::user_from_row))
    }

    /// The live session row by id from a reader connection; `None`: use the pool.
    fn fast_session(&self, id: &SessionId, now: i64) -> Option<Option<sql::SessionRow>> {
        self.row_now(&self.q.SESSION_BY_ID, rusqlite::params![id.as_str(), now])
    }

    /// The user's grants from a reader connection (no thread hop, so a guard's check completes
    /// in its first poll: actix-web then answers the guard's denial before a later extractor's
    /// error, as axum does); `None`: use the pool.
    fn fast_grants(&self, user_id: i64) -> Option<Grants> {
        self.fast_read(|conn| {
            crate::sqlite_reader::read_grants(
                conn,
                &self.q.GRANTS_PERMS,
                &self.q.GRANTS_GROUPS,
                user_id,
            )
        })
    }
}

sql::sql_store!(SqliteStore, sqlx::SqliteConnection);
