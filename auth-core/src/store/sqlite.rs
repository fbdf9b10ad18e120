//! SQLite storage (feature `sqlite`): users, groups, permissions and sessions in one database
//! file, with embedded migrations that run on [`SqliteStore::connect`].

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::OptionalExtension as _;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use time::OffsetDateTime;

use super::sql::{self, unavailable};
use super::sqlite_reader::Readers;
use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::session::{SessionId, SessionRecord};
use crate::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use crate::user::{Group, NewUser, User, UserId, fold_case};

/// The embedded migrations, applied in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "login_attempts",
        include_str!("../../migrations/sqlite/0002_login_attempts.sql"),
    ),
    (
        3,
        "unicode_name_keys",
        include_str!("../../migrations/sqlite/0003_unicode_name_keys.sql"),
    ),
];

/// Users, groups, permissions and sessions in SQLite. Implements [`UserStore`],
/// [`PermissionChecker`] and [`SessionStore`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{NewUser, SqliteStore, UserStore};
/// let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
/// let u = store.create_user(NewUser::new("alice", "a@example.com", "!")).await.unwrap();
/// assert_eq!(store.find_by_username("Alice").await.unwrap().unwrap().id, u.id);
/// # }
/// ```
///
/// The two reads every request of a logged-in user makes (its session and its user, by
/// primary key) run in place on reader connections instead of the pool's connection threads;
/// see the `sqlite_reader` module for why that never stalls the runtime nor serves stale data.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    readers: Arc<Readers>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path/to.db`, a plain path,
    /// or `sqlite::memory:`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
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

    /// Applies any migration not yet applied. Safe to run from several processes at once: each
    /// runs under SQLite's write lock (`BEGIN IMMEDIATE`).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS auth_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )
        .execute(&mut *conn)
        .await
        .map_err(unavailable)?;
        for (version, name, sql) in MIGRATIONS {
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut *conn)
                .await
                .map_err(unavailable)?;
            let result = Self::apply_migration(&mut conn, *version, name, sql).await;
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
        self.fast_read(|c| {
            c.prepare_cached(sql)?
                .query_row(params, |r| T::try_from(r))
                .optional()
        })
    }

    /// The user by id from a reader connection; `None`: use the pool.
    fn fast_user(&self, id: UserId) -> Option<Option<User>> {
        let row: Option<sql::UserRow> = self.row_now(sql::USER_BY_ID, [id])?;
        Some(row.map(sql::user_from_row))
    }

    /// The live session row by id from a reader connection; `None`: use the pool.
    fn fast_session(&self, id: &SessionId, now: i64) -> Option<Option<sql::SessionRow>> {
        self.row_now(sql::SESSION_BY_ID, rusqlite::params![id.as_str(), now])
    }

    /// The user's grants from a reader connection (no thread hop, so a guard's check completes
    /// in its first poll: actix-web then answers the guard's denial before a later extractor's
    /// error, as axum does); `None`: use the pool.
    fn fast_grants(&self, user_id: UserId) -> Option<Grants> {
        self.fast_read(|conn| {
            let mut perms = conn.prepare_cached(sql::GRANTS_PERMS)?;
            let permissions = perms
                .query_map([user_id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut groups = conn.prepare_cached(sql::GRANTS_GROUPS)?;
            let groups = groups
                .query_map([user_id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Grants {
                permissions,
                groups,
            })
        })
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

sql::sql_store!(SqliteStore, sqlx::SqliteConnection);
