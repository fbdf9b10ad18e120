//! SQLite storage (feature `sqlite`): users, groups, permissions and sessions in one database
//! file, with embedded migrations that run on [`SqliteStore::connect`].

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::OptionalExtension as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};
use sqlx::{Connection, Row};
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::session::{SessionId, SessionRecord};
use crate::sqlite_reader::Readers;
use crate::store::{PermissionChecker, SessionStore, UserStore};
use crate::user::{Group, NewUser, User, UserId, fold_case};

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
];

/// Users, groups, permissions and sessions in SQLite. Implements [`UserStore`],
/// [`PermissionChecker`] and [`SessionStore`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::{NewUser, UserStore, sqlite::SqliteStore};
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

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::unavailable(e)
}

fn map_write(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let msg = db.message();
        if msg.contains("email") {
            return StoreError::Conflict { field: "email" };
        }
        if msg.contains("username") {
            return StoreError::Conflict { field: "username" };
        }
        return StoreError::Conflict { field: "name" };
    }
    unavailable(e)
}

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_ts(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn email_key(email: &str) -> Option<String> {
    (!email.is_empty()).then(|| fold_case(email))
}

const USER_COLUMNS: &str = "id, username, email, password_hash, is_active, is_staff, is_superuser, last_login, date_joined";
const USER_BY_ID: &str = "SELECT id, username, email, password_hash, is_active, is_staff, is_superuser, last_login, date_joined FROM auth_user WHERE id = ?";
const SESSION_BY_ID: &str = "SELECT user_id, auth_hash, data, created_at, last_seen, expires_at FROM auth_session WHERE id = ? AND expires_at > ?";

const GRANTS_PERMS: &str = "SELECT permission FROM auth_user_permissions WHERE user_id = ?1
     UNION
     SELECT gp.permission FROM auth_group_permissions gp
       JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = ?1";
const GRANTS_GROUPS: &str = "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = ?1 ORDER BY g.name";

/// A session row as stored, before its data is parsed.
struct SessionRow {
    user_id: Option<UserId>,
    auth_hash: Option<String>,
    data: String,
    created_at: i64,
    last_seen: i64,
    expires_at: i64,
}

impl SessionRow {
    fn into_record(self, id: &SessionId) -> Result<SessionRecord, StoreError> {
        let data: BTreeMap<String, serde_json::Value> = serde_json::from_str(&self.data)
            .map_err(|e| StoreError::Corrupt(format!("session data: {e}")))?;
        Ok(SessionRecord {
            id: id.clone(),
            user_id: self.user_id,
            auth_hash: crate::session::parse_stored_auth_hash(self.auth_hash),
            data,
            created_at: self.created_at,
            last_seen: self.last_seen,
            expires_at: self.expires_at,
        })
    }
}

fn user_from_row(row: &SqliteRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        is_active: row.try_get("is_active")?,
        is_staff: row.try_get("is_staff")?,
        is_superuser: row.try_get("is_superuser")?,
        last_login: row.try_get::<Option<i64>, _>("last_login")?.map(from_ts),
        date_joined: from_ts(row.try_get("date_joined")?),
    })
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
            let applied: Option<i64> =
                sqlx::query_scalar("SELECT version FROM auth_migrations WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(unavailable)?;
            if applied.is_some() {
                sqlx::raw_sql("COMMIT")
                    .execute(&mut *conn)
                    .await
                    .map_err(unavailable)?;
                continue;
            }
            let result = async {
                sqlx::raw_sql(sql).execute(&mut *conn).await?;
                if *version == 3 {
                    rekey_users(&mut conn).await?;
                }
                sqlx::query(
                    "INSERT INTO auth_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                )
                .bind(version)
                .bind(name)
                .bind(ts(OffsetDateTime::now_utc()))
                .execute(&mut *conn)
                .await?;
                Ok::<_, sqlx::Error>(())
            }
            .await;
            match result {
                Ok(()) => {
                    sqlx::raw_sql("COMMIT")
                        .execute(&mut *conn)
                        .await
                        .map_err(unavailable)?;
                    tracing::info!(version, name, "applied auth migration");
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
    fn row_now<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Option<Option<T>> {
        self.fast_read(|c| c.prepare_cached(sql)?.query_row(params, map).optional())
    }

    /// The user by id from a reader connection; `None`: use the pool.
    fn user_now(&self, id: UserId) -> Option<Option<User>> {
        self.row_now(USER_BY_ID, [id], |r| {
            Ok(User {
                id: r.get(0)?,
                username: r.get(1)?,
                email: r.get(2)?,
                password_hash: r.get(3)?,
                is_active: r.get(4)?,
                is_staff: r.get(5)?,
                is_superuser: r.get(6)?,
                last_login: r.get::<_, Option<i64>>(7)?.map(from_ts),
                date_joined: from_ts(r.get(8)?),
            })
        })
    }

    /// The live session row by id from a reader connection; `None`: use the pool.
    fn session_row_now(&self, id: &SessionId, now: i64) -> Option<Option<SessionRow>> {
        self.row_now(SESSION_BY_ID, rusqlite::params![id.as_str(), now], |r| {
            Ok(SessionRow {
                user_id: r.get(0)?,
                auth_hash: r.get(1)?,
                data: r.get(2)?,
                created_at: r.get(3)?,
                last_seen: r.get(4)?,
                expires_at: r.get(5)?,
            })
        })
    }

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn user_where(&self, clause: &str, value: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM auth_user WHERE {clause} = ?");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|r| user_from_row(&r))
            .transpose()
            .map_err(unavailable)
    }

    async fn group_id(&self, name: &str) -> Result<i64, StoreError> {
        sqlx::query("INSERT INTO auth_group (name) VALUES (?) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        sqlx::query_scalar("SELECT id FROM auth_group WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn require_user(&self, id: UserId) -> Result<(), StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM auth_user WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        found.map(|_| ()).ok_or_else(|| StoreError::NotFound {
            what: format!("user {id}"),
        })
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        if let Some(found) = self.user_now(id) {
            return Ok(found);
        }
        let sql = format!("SELECT {USER_COLUMNS} FROM auth_user WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|r| user_from_row(&r))
            .transpose()
            .map_err(unavailable)
    }

    fn get_user_now(&self, id: UserId) -> Option<Result<Option<Arc<User>>, StoreError>> {
        self.user_now(id).map(|u| Ok(u.map(Arc::new)))
    }

    async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.user_where("username_key", &fold_case(username)).await
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email.is_empty() {
            return Ok(None);
        }
        self.user_where("email_key", &fold_case(email)).await
    }

    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let now = OffsetDateTime::now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO auth_user (username, username_key, email, email_key, password_hash, is_active, is_staff, is_superuser, date_joined)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&new.username)
        .bind(fold_case(&new.username))
        .bind(&new.email)
        .bind(email_key(&new.email))
        .bind(&new.password_hash)
        .bind(new.is_active)
        .bind(new.is_staff)
        .bind(new.is_superuser)
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(map_write)?;
        Ok(User {
            id,
            username: new.username,
            email: new.email,
            password_hash: new.password_hash,
            is_active: new.is_active,
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
            last_login: None,
            date_joined: from_ts(ts(now)),
        })
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE auth_user SET username = ?, username_key = ?, email = ?, email_key = ?, password_hash = ?,
             is_active = ?, is_staff = ?, is_superuser = ?, last_login = ? WHERE id = ?",
        )
        .bind(&user.username)
        .bind(fold_case(&user.username))
        .bind(&user.email)
        .bind(email_key(&user.email))
        .bind(&user.password_hash)
        .bind(user.is_active)
        .bind(user.is_staff)
        .bind(user.is_superuser)
        .bind(user.last_login.map(ts))
        .bind(user.id)
        .execute(&self.pool)
        .await
        .map_err(map_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {}", user.id),
            });
        }
        Ok(())
    }

    async fn set_password_hash(&self, id: UserId, encoded: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE auth_user SET password_hash = ? WHERE id = ?")
            .bind(encoded)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        }
        Ok(())
    }

    async fn set_last_login(&self, id: UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE auth_user SET last_login = ? WHERE id = ?")
            .bind(ts(at))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }
}

#[async_trait]
impl PermissionChecker for SqliteStore {
    async fn grants(&self, user_id: UserId) -> Result<Grants, StoreError> {
        // In place on a reader when it can (no thread hop), so a guard's check completes in its
        // first poll: actix-web then answers the guard's denial before a later extractor's
        // error, as axum does.
        if let Some(g) = self.readers.read(|conn| {
            let mut perms = conn.prepare_cached(GRANTS_PERMS)?;
            let permissions = perms
                .query_map([user_id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut groups = conn.prepare_cached(GRANTS_GROUPS)?;
            let groups = groups
                .query_map([user_id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Grants {
                permissions,
                groups,
            })
        }) {
            return Ok(g);
        }
        let perms: Vec<String> = sqlx::query_scalar(GRANTS_PERMS)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        let groups: Vec<String> = sqlx::query_scalar(GRANTS_GROUPS)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(Grants {
            permissions: perms.into_iter().collect(),
            groups,
        })
    }

    async fn ensure_group(&self, name: &str) -> Result<Group, StoreError> {
        let id = self.group_id(name).await?;
        Ok(Group {
            id,
            name: name.to_owned(),
        })
    }

    async fn add_user_to_group(&self, user_id: UserId, group: &str) -> Result<(), StoreError> {
        self.require_user(user_id).await?;
        let gid = self.group_id(group).await?;
        sqlx::query(
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(gid)
        .execute(&self.pool)
        .await
        .map_err(map_write)?;
        Ok(())
    }

    async fn remove_user_from_group(&self, user_id: UserId, group: &str) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM auth_user_groups WHERE user_id = ? AND group_id = (SELECT id FROM auth_group WHERE name = ?)",
        )
        .bind(user_id)
        .bind(group)
        .execute(&self.pool)
        .await
        .map_err(map_write)?;
        Ok(())
    }

    async fn grant_user_permission(
        &self,
        user_id: UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        self.require_user(user_id).await?;
        sqlx::query("INSERT INTO auth_user_permissions (user_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(perm.as_str())
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }

    async fn revoke_user_permission(
        &self,
        user_id: UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_user_permissions WHERE user_id = ? AND permission = ?")
            .bind(user_id)
            .bind(perm.as_str())
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }

    async fn grant_group_permission(
        &self,
        group: &str,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let gid = self.group_id(group).await?;
        sqlx::query("INSERT INTO auth_group_permissions (group_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(gid)
            .bind(perm.as_str())
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let now = crate::session::now_unix();
        let row = match self.session_row_now(id, now) {
            Some(row) => row,
            None => sqlx::query(SESSION_BY_ID)
                .bind(id.as_str())
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?
                .map(|r| -> Result<SessionRow, sqlx::Error> {
                    Ok(SessionRow {
                        user_id: r.try_get("user_id")?,
                        auth_hash: r.try_get("auth_hash")?,
                        data: r.try_get("data")?,
                        created_at: r.try_get("created_at")?,
                        last_seen: r.try_get("last_seen")?,
                        expires_at: r.try_get("expires_at")?,
                    })
                })
                .transpose()
                .map_err(unavailable)?,
        };
        row.map(|r| r.into_record(id)).transpose()
    }

    fn load_now(&self, id: &SessionId) -> Option<Result<Option<SessionRecord>, StoreError>> {
        let row = self.session_row_now(id, crate::session::now_unix())?;
        Some(row.map(|r| r.into_record(id)).transpose())
    }

    async fn save(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let data =
            serde_json::to_string(&r.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO auth_session (id, user_id, auth_hash, data, created_at, last_seen, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, auth_hash = excluded.auth_hash,
               data = excluded.data, created_at = excluded.created_at, last_seen = excluded.last_seen,
               expires_at = excluded.expires_at",
        )
        .bind(r.id.as_str())
        .bind(r.user_id)
        .bind(r.auth_hash.map(|h| h.to_hex()))
        .bind(data)
        .bind(r.created_at)
        .bind(r.last_seen)
        .bind(r.expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_write)?;
        Ok(())
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_session WHERE id = ?")
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }

    async fn delete_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM auth_session WHERE user_id = ? AND id != ?")
            .bind(user_id)
            .bind(keep.map_or("", |k| k.as_str()))
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(done.rows_affected())
    }

    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM auth_session WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl crate::store::AttemptStore for SqliteStore {
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
        let n: i64 = sqlx::query_scalar("INSERT INTO auth_attempt (key, count, expires_at) VALUES (?1, 1, ?2 + ?3) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN auth_attempt.expires_at <= ?2 THEN 1 ELSE auth_attempt.count + 1 END, expires_at = CASE WHEN auth_attempt.expires_at <= ?2 THEN ?2 + ?3 ELSE auth_attempt.expires_at END RETURNING count")
            .bind(key)
            .bind(crate::session::now_unix())
            .bind(window_secs as i64)
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(n.max(0) as u32)
    }

    async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT count FROM auth_attempt WHERE key = ?1 AND expires_at > ?2")
                .bind(key)
                .bind(crate::session::now_unix())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        Ok(n.unwrap_or(0).max(0) as u32)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE auth_attempt SET count = count - 1 WHERE key = ?1 AND count > 0")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_attempt WHERE key = ?1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// Recomputes the username and email keys of existing rows (migration 3), in two passes so
/// that no intermediate state breaks the unique indexes.
async fn rekey_users(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, username, email, username_key, email_key FROM auth_user ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let plan = crate::names::rekey_plan(rows);
    for (id, _, _) in &plan {
        sqlx::query("UPDATE auth_user SET username_key = ?, email_key = NULL WHERE id = ?")
            .bind(format!("\u{FFFF}rekey:{id}"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    for (id, username_key, email_key) in &plan {
        sqlx::query("UPDATE auth_user SET username_key = ?, email_key = ? WHERE id = ?")
            .bind(username_key)
            .bind(email_key)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
