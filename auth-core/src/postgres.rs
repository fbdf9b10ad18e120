//! PostgreSQL storage (feature `postgres`): users, groups, permissions and sessions, with
//! embedded migrations that run on [`PgStore::connect`] (or the `migrate` admin command) and are
//! safe to run from several processes at once.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Acquire, Row};
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::permission::{Grants, Permission};
use crate::session::{SessionId, SessionRecord};
use crate::store::{PermissionChecker, SessionStore, UserStore};
use crate::user::{Group, NewUser, User, UserId, fold_case};

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
];

/// Users, groups, permissions and sessions in PostgreSQL. Implements [`UserStore`],
/// [`PermissionChecker`] and [`SessionStore`].
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use auth_core::postgres::PgStore;
/// let store = PgStore::connect("postgres://postgres@127.0.0.1/app").await.unwrap();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
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

fn user_from_row(row: &PgRow) -> Result<User, sqlx::Error> {
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

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_in_schema(url, None).await
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
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(opts)
            .await
            .map_err(unavailable)?;
        let store = PgStore { pool };
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
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS auth_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .execute(&mut *conn)
            .await?;
            for (version, name, sql) in MIGRATIONS {
                let applied: Option<i64> = sqlx::query_scalar("SELECT version FROM auth_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *conn)
                    .await?;
                if applied.is_some() {
                    continue;
                }
                let mut tx = conn.begin().await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                if *version == 3 {
                    rekey_users(&mut tx).await?;
                }
                sqlx::query("INSERT INTO auth_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                    .bind(version)
                    .bind(name)
                    .bind(ts(OffsetDateTime::now_utc()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::info!(version, name, "applied auth migration");
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

    /// The connection pool, for an app that keeps its own tables in the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn user_where(&self, clause: &str, value: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM auth_user WHERE {clause} = $1");
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
        sqlx::query("INSERT INTO auth_group (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        sqlx::query_scalar("SELECT id FROM auth_group WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn require_user(&self, id: UserId) -> Result<(), StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM auth_user WHERE id = $1")
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
impl UserStore for PgStore {
    async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM auth_user WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|r| user_from_row(&r))
            .transpose()
            .map_err(unavailable)
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
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
            "UPDATE auth_user SET username = $1, username_key = $2, email = $3, email_key = $4, password_hash = $5,
             is_active = $6, is_staff = $7, is_superuser = $8, last_login = $9 WHERE id = $10",
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
        let done = sqlx::query("UPDATE auth_user SET password_hash = $1 WHERE id = $2")
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
        sqlx::query("UPDATE auth_user SET last_login = $1 WHERE id = $2")
            .bind(ts(at))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }
}

#[async_trait]
impl PermissionChecker for PgStore {
    async fn grants(&self, user_id: UserId) -> Result<Grants, StoreError> {
        let perms: Vec<String> = sqlx::query_scalar(
            "SELECT permission FROM auth_user_permissions WHERE user_id = $1
             UNION
             SELECT gp.permission FROM auth_group_permissions gp
               JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = $1",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        let groups: Vec<String> = sqlx::query_scalar(
            "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = $1 ORDER BY g.name",
        )
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
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
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
            "DELETE FROM auth_user_groups WHERE user_id = $1 AND group_id = (SELECT id FROM auth_group WHERE name = $2)",
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
        sqlx::query("INSERT INTO auth_user_permissions (user_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
        sqlx::query("DELETE FROM auth_user_permissions WHERE user_id = $1 AND permission = $2")
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
        sqlx::query("INSERT INTO auth_group_permissions (group_id, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(gid)
            .bind(perm.as_str())
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, auth_hash, data, created_at, last_seen, expires_at FROM auth_session WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.as_str())
        .bind(crate::session::now_unix())
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(unavailable)?;
        let data: BTreeMap<String, serde_json::Value> = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("session data: {e}")))?;
        Ok(Some(SessionRecord {
            id: id.clone(),
            user_id: row.try_get("user_id").map_err(unavailable)?,
            auth_hash: crate::session::parse_stored_auth_hash(
                row.try_get("auth_hash").map_err(unavailable)?,
            ),
            data,
            created_at: row.try_get("created_at").map_err(unavailable)?,
            last_seen: row.try_get("last_seen").map_err(unavailable)?,
            expires_at: row.try_get("expires_at").map_err(unavailable)?,
        }))
    }

    async fn save(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let data =
            serde_json::to_string(&r.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO auth_session (id, user_id, auth_hash, data, created_at, last_seen, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
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
        sqlx::query("DELETE FROM auth_session WHERE id = $1")
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
        let done = sqlx::query("DELETE FROM auth_session WHERE user_id = $1 AND id != $2")
            .bind(user_id)
            .bind(keep.map_or("", |k| k.as_str()))
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(done.rows_affected())
    }

    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM auth_session WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_write)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl crate::store::AttemptStore for PgStore {
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
        let n: i32 = sqlx::query_scalar("INSERT INTO auth_attempt (key, count, expires_at) VALUES ($1, 1, $2 + $3) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN auth_attempt.expires_at <= $2 THEN 1 ELSE auth_attempt.count + 1 END, expires_at = CASE WHEN auth_attempt.expires_at <= $2 THEN $2 + $3 ELSE auth_attempt.expires_at END RETURNING count")
            .bind(key)
            .bind(crate::session::now_unix())
            .bind(window_secs as i64)
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(n.max(0) as u32)
    }

    async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        let n: Option<i32> =
            sqlx::query_scalar("SELECT count FROM auth_attempt WHERE key = $1 AND expires_at > $2")
                .bind(key)
                .bind(crate::session::now_unix())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        Ok(n.unwrap_or(0).max(0) as u32)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE auth_attempt SET count = count - 1 WHERE key = $1 AND count > 0")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_attempt WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// Recomputes the username and email keys of existing rows (migration 3), in two passes so
/// that no intermediate state breaks the unique indexes.
async fn rekey_users(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, username, email, username_key, email_key FROM auth_user ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let plan = crate::names::rekey_plan(rows);
    for (id, _, _) in &plan {
        sqlx::query("UPDATE auth_user SET username_key = $1, email_key = NULL WHERE id = $2")
            .bind(format!("\u{FFFF}rekey:{id}"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    for (id, username_key, email_key) in &plan {
        sqlx::query("UPDATE auth_user SET username_key = $1, email_key = $2 WHERE id = $3")
            .bind(username_key)
            .bind(email_key)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
