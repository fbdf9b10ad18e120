//! [`DjangoStore`]: users, permissions, sessions and login counters over a Django project's
//! database (SQLite or PostgreSQL).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::sql::{CREATE_ATTEMPTS, DJANGO_TABLES, Sql};
use super::{DjangoUser, SessionCodec};
use crate::sql::{from_ts, map_write, unavailable};
use auth_core::config::AuthConfig;
use auth_core::error::StoreError;
use auth_core::password::Hasher;
use auth_core::permission::{Grants, Permission};
use auth_core::session::{SessionId, SessionRecord, now_unix};
use auth_core::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use auth_core::user::{Group, NewUser, User, UserId};

/// One of the two databases Django runs on here.
#[derive(Clone, Debug)]
enum Db {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Pg(sqlx::PgPool),
}

impl Db {
    fn is_postgres(&self) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Db::Pg(_) => true,
        }
    }
}

/// Runs `$body` with `$pool` bound to whichever pool the store has.
macro_rules! on_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            #[cfg(feature = "sqlite")]
            Db::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
            Db::Pg($pool) => $body,
        }
    };
}

/// A user row, in `user_select!`'s column order.
type UserRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
    bool,
    Option<i64>,
    Option<i64>,
);

fn user_from_row(row: UserRow) -> User {
    let (
        id,
        username,
        first_name,
        last_name,
        email,
        password,
        active,
        staff,
        superuser,
        last,
        joined,
    ) = row;
    User::from_app(DjangoUser {
        id,
        username,
        first_name,
        last_name,
        email,
        password,
        is_active: active,
        is_staff: staff,
        is_superuser: superuser,
        last_login: last.map(from_ts),
        date_joined: from_ts(joined.unwrap_or(0)),
    })
}

/// The expiry a Django app set on a session with `set_expiry`, as Unix seconds: `_session_expiry`
/// is seconds of inactivity (an integer; 0 means "when the browser closes", which leaves the
/// row's expiry to the usual rules) or a moment (ISO 8601 text).
fn session_expiry(
    data: &std::collections::BTreeMap<String, serde_json::Value>,
    now: i64,
) -> Option<i64> {
    match data.get("_session_expiry")? {
        serde_json::Value::Number(n) => {
            n.as_i64().filter(|&s| s > 0).map(|s| now.saturating_add(s))
        }
        serde_json::Value::String(at) => {
            let at = time::OffsetDateTime::parse(
                at,
                &time::format_description::well_known::Iso8601::DEFAULT,
            )
            .ok()?;
            Some(at.unix_timestamp())
        }
        _ => None,
    }
}

/// Users, groups, permissions and sessions in a Django project's own tables, for
/// `schema = "django"` (see [the module](super)). Implements [`UserStore`] (writable),
/// [`PermissionChecker`], [`SessionStore`] and [`AttemptStore`].
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use auth_core::{AuthConfig, AuthService, config::Schema};
/// use auth_sql::django::DjangoStore;
/// let config = AuthConfig { schema: Schema::Django, secret_key: std::env::var("DJANGO_SECRET_KEY")?, ..AuthConfig::default() };
/// let store = DjangoStore::connect("postgres://app@db/django", &config).await?;
/// let service = AuthService::builder(config).store(store).build()?;
/// # Ok(()) }
/// ```
///
/// With the `sqlite-fast-reads` feature (which the adapters' `sqlite` feature turns on), the
/// per-request reads of a Django SQLite file (session, user, grants) run in place on reader
/// connections that never wait on a lock (a busy file sends the read through the pool), as the
/// native SQLite store's do.
#[derive(Clone, Debug)]
pub struct DjangoStore {
    db: Db,
    sql: Arc<Sql>,
    codec: SessionCodec,
    /// Django's `pbkdf2_sha256` with the configured iterations, handed to the service.
    hasher: Hasher,
    #[cfg(feature = "sqlite-fast-reads")]
    readers: Option<Arc<crate::sqlite_reader::Readers>>,
}

impl DjangoStore {
    /// Opens the Django database at `url` (`sqlite://path`, a file path, or `postgres://...`)
    /// and checks that Django's tables are there; `config` gives the `SECRET_KEY`
    /// (`secret_key`), its fallbacks and the authentication backends. Creates only this
    /// crate's own counter table (`authkit_django_attempt`).
    ///
    /// Errors: [`StoreError::InvalidConfig`] when `config.schema` is not `Django`, `secret_key`
    /// is empty or Django's tables are missing (run Django's `migrate` first), [`StoreError::Unavailable`] when the database
    /// cannot be reached.
    pub async fn connect(url: &str, config: &AuthConfig) -> Result<Self, StoreError> {
        // The store hands the service Django's session auth hash salt and password hasher; a
        // native config given to the service beside it would be a mistake to refuse early.
        if config.schema != auth_core::config::Schema::Django {
            return Err(StoreError::InvalidConfig(
                "the Django store needs a config with schema = \"django\" (AUTH_SCHEMA=django), given to the service too: otherwise sessions and password hashes are written in formats Django cannot read".into(),
            ));
        }
        if config.secret_key.is_empty() {
            return Err(StoreError::InvalidConfig(
                "the Django store needs secret_key set to the Django project's SECRET_KEY (AUTH_SECRET_KEY): it signs the sessions both sides read".into(),
            ));
        }
        let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        // The database, and for a SQLite file its path (for the in-place readers).
        let (db, file): (Db, Option<std::path::PathBuf>) = if postgres {
            #[cfg(feature = "postgres")]
            {
                let opts = sqlx::postgres::PgConnectOptions::from_str(url).map_err(unavailable)?;
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(3))
                    .connect_with(opts)
                    .await
                    .map_err(unavailable)?;
                (Db::Pg(pool), None)
            }
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::InvalidConfig(
                "a postgres:// URL needs auth-core's `postgres` feature".into(),
            ));
        } else {
            #[cfg(feature = "sqlite")]
            {
                let url = if url.starts_with("sqlite:") {
                    url.to_owned()
                } else {
                    format!("sqlite://{url}")
                };
                // Never created here: a missing file is a project that did not migrate. The
                // journal mode is the project's own choice and stays as it is.
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(unavailable)?
                    .create_if_missing(false)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let memory = url.contains(":memory:");
                let file = (!memory).then(|| opts.get_filename().to_path_buf());
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(if memory { 1 } else { 8 })
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts)
                    .await
                    .map_err(|e| match e {
                        sqlx::Error::Database(_) => StoreError::InvalidConfig(format!(
                            "cannot open the Django database {url} ({e}): point DATABASE_URL at the project's database and run Django's `python manage.py migrate` on it first"
                        )),
                        e => unavailable(e),
                    })?;
                (Db::Sqlite(pool), file)
            }
            #[cfg(not(feature = "sqlite"))]
            return Err(StoreError::InvalidConfig(
                "a SQLite URL needs auth-core's `sqlite` feature".into(),
            ));
        };
        #[cfg(not(feature = "sqlite-fast-reads"))]
        drop(file);
        let store = DjangoStore {
            sql: Arc::new(Sql::new(db.is_postgres())),
            db,
            codec: SessionCodec::new(config),
            hasher: Hasher::DjangoPbkdf2Sha256 {
                iterations: config.django_password_iterations,
            },
            #[cfg(feature = "sqlite-fast-reads")]
            readers: file.map(|f| Arc::new(crate::sqlite_reader::Readers::new(Some(f)))),
        };
        store.check_tables().await?;
        on_db!(store, pool => sqlx::raw_sql(CREATE_ATTEMPTS).execute(pool).await.map(drop).map_err(unavailable))?;
        Ok(store)
    }

    /// Refuses a database without Django's tables.
    async fn check_tables(&self) -> Result<(), StoreError> {
        let mut missing = Vec::new();
        for table in DJANGO_TABLES {
            let found: bool = on_db!(self, pool => {
                let probe = match self.db {
                    #[cfg(feature = "sqlite")]
                    Db::Sqlite(_) => "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = $1",
                    #[cfg(feature = "postgres")]
                    Db::Pg(_) => "SELECT to_regclass($1) IS NOT NULL",
                };
                sqlx::query_scalar(probe).bind(table).fetch_one(pool).await.map_err(unavailable)?
            });
            if !found {
                missing.push(table);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(StoreError::InvalidConfig(format!(
            "this database has no Django tables {}: run Django's `python manage.py migrate` on it first (the Django store never creates or changes Django's tables)",
            missing.join(", ")
        )))
    }

    /// A read on the in-place SQLite readers; `None`: use the pool.
    #[cfg(feature = "sqlite-fast-reads")]
    fn fast<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        match (&self.readers, &self.db) {
            (Some(readers), Db::Sqlite(pool)) if !pool.is_closed() => readers.read(read),
            _ => None,
        }
    }

    #[cfg(feature = "sqlite-fast-reads")]
    fn fast_user(&self, id: i64) -> Option<Option<User>> {
        use rusqlite::OptionalExtension as _;
        let row: Option<UserRow> = self.fast(|c| {
            c.prepare_cached(&self.sql.user_by_id)?
                .query_row([id], |r| UserRow::try_from(r))
                .optional()
        })?;
        Some(row.map(user_from_row))
    }

    #[cfg(feature = "sqlite-fast-reads")]
    fn fast_session(&self, id: &SessionId, now: i64) -> Option<Option<(String, i64)>> {
        use rusqlite::OptionalExtension as _;
        self.fast(|c| {
            c.prepare_cached(&self.sql.session_by_key)?
                .query_row(rusqlite::params![id.as_str(), now], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
        })
    }

    #[cfg(feature = "sqlite-fast-reads")]
    fn fast_grants(&self, id: i64) -> Option<Grants> {
        self.fast(|c| {
            crate::sqlite_reader::read_grants(
                c,
                &self.sql.grants_perms,
                &self.sql.grants_groups,
                id,
            )
        })
    }

    #[cfg(not(feature = "sqlite-fast-reads"))]
    fn fast_user(&self, _id: i64) -> Option<Option<User>> {
        None
    }

    #[cfg(not(feature = "sqlite-fast-reads"))]
    fn fast_session(&self, _id: &SessionId, _now: i64) -> Option<Option<(String, i64)>> {
        None
    }

    #[cfg(not(feature = "sqlite-fast-reads"))]
    fn fast_grants(&self, _id: i64) -> Option<Grants> {
        None
    }

    /// Runs `sql` (an insert-or-replace or an update of one row) for `record`; the rows it
    /// changed. The expiry is the record's, or sooner when the Django app set one on the
    /// session (`request.session.set_expiry`, kept as `_session_expiry`).
    async fn write_session(&self, sql: &str, record: &SessionRecord) -> Result<u64, StoreError> {
        let data = self.codec.encode(record);
        let expires = session_expiry(&record.data, now_unix())
            .map_or(record.expires_at, |cap| cap.min(record.expires_at));
        on_db!(self, pool => sqlx::query(sql)
            .bind(record.id.as_str())
            .bind(&data)
            .bind(expires)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(unavailable)
    }

    async fn user_where(&self, sql: &str, arg: &str) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> =
            on_db!(self, pool => sqlx::query_as(sql).bind(arg).fetch_all(pool).await)
                .map_err(unavailable)?;
        Ok(rows.into_iter().map(user_from_row).collect())
    }

    async fn taken(&self, sql: &str, value: &str, except: i64) -> Result<bool, StoreError> {
        let n: i64 = on_db!(self, pool => sqlx::query_scalar(sql).bind(value).bind(except).fetch_one(pool).await)
            .map_err(unavailable)?;
        Ok(n > 0)
    }

    /// Refuses a username or email another user has (case-insensitively, as the built-in
    /// stores and Django's own creation form do).
    async fn check_unique(
        &self,
        username: &str,
        email: &str,
        except: i64,
    ) -> Result<(), StoreError> {
        if self
            .taken(&self.sql.username_taken, username, except)
            .await?
        {
            return Err(StoreError::Conflict { field: "username" });
        }
        if !email.is_empty() && self.taken(&self.sql.email_taken, email, except).await? {
            return Err(StoreError::Conflict { field: "email" });
        }
        Ok(())
    }

    async fn permission_id(&self, perm: &Permission) -> Result<i64, StoreError> {
        let (app, codename) = perm.as_str().split_once('.').ok_or_else(|| {
            StoreError::InvalidConfig(format!("permission {perm} has no app label"))
        })?;
        let id: Option<i64> = on_db!(self, pool => sqlx::query_scalar(&self.sql.permission_id).bind(app).bind(codename).fetch_optional(pool).await)
            .map_err(unavailable)?;
        id.ok_or_else(|| StoreError::NotFound {
            what: format!(
                "permission {perm} in Django's auth_permission (declare it in the Meta.permissions of a model of the app `{app}` and run Django's migrate)"
            ),
        })
    }

    async fn group_id(&self, name: &str) -> Result<i64, StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.ensure_group).bind(name).execute(pool).await.map(drop))
            .map_err(map_write)?;
        let id: i64 = on_db!(self, pool => sqlx::query_scalar(&self.sql.group_id).bind(name).fetch_one(pool).await)
            .map_err(unavailable)?;
        Ok(id)
    }

    async fn exec2(&self, sql: &str, a: i64, b: i64) -> Result<u64, StoreError> {
        on_db!(self, pool => sqlx::query(sql).bind(a).bind(b).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(map_write)
    }
}

#[async_trait]
impl UserStore for DjangoStore {
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let Some(id) = id.as_i64() else {
            return Ok(None);
        };
        if let Some(found) = self.fast_user(id) {
            return Ok(found);
        }
        let row: Option<UserRow> = on_db!(self, pool => sqlx::query_as(&self.sql.user_by_id).bind(id).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(row.map(user_from_row))
    }

    fn get_user_now(&self, id: &UserId) -> Option<Result<Option<Arc<User>>, StoreError>> {
        let Some(id) = id.as_i64() else {
            return Some(Ok(None));
        };
        self.fast_user(id).map(|u| Ok(u.map(Arc::new)))
    }

    /// Django compares usernames exactly; a name that matches no one exactly is looked up
    /// case-insensitively, and found only when exactly one user has it in some case.
    async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut exact = self
            .user_where(&self.sql.user_by_username, username)
            .await?;
        if let Some(user) = exact.pop() {
            return Ok(Some(user));
        }
        let mut folded = self
            .user_where(&self.sql.users_by_folded_username, username)
            .await?;
        Ok(if folded.len() == 1 {
            folded.pop()
        } else {
            None
        })
    }

    /// Django does not make emails unique: an email two users share logs in neither.
    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email.is_empty() {
            return Ok(None);
        }
        let mut found = self.user_where(&self.sql.users_by_email, email).await?;
        Ok(if found.len() == 1 { found.pop() } else { None })
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn password_hasher(&self) -> Option<Hasher> {
        Some(self.hasher)
    }

    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        self.check_unique(&new.username, &new.email, -1).await?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let id: i64 = on_db!(self, pool => sqlx::query_scalar(&self.sql.insert_user)
            .bind(&new.password_hash)
            .bind(new.is_superuser)
            .bind(&new.username)
            .bind(&new.email)
            .bind(new.is_staff)
            .bind(new.is_active)
            .bind(now)
            .fetch_one(pool)
            .await)
        .map_err(map_write)?;
        self.get_user(&UserId::Int(id))
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {id} vanished after its insert")))
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let Some(id) = user.id.as_i64() else {
            return Err(StoreError::NotFound {
                what: format!("user {}", user.id),
            });
        };
        self.check_unique(&user.username, &user.email, id).await?;
        let n = on_db!(self, pool => sqlx::query(&self.sql.update_user)
            .bind(&user.username)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.is_active)
            .bind(user.is_staff)
            .bind(user.is_superuser)
            .bind(user.last_login.map(OffsetDateTime::unix_timestamp))
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(map_write)?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        }
        Ok(())
    }

    async fn set_password_hash(&self, id: &UserId, encoded: &str) -> Result<(), StoreError> {
        let Some(id) = id.as_i64() else {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        };
        let n = on_db!(self, pool => sqlx::query(&self.sql.set_password).bind(encoded).bind(id).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(unavailable)?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        }
        Ok(())
    }

    async fn set_last_login(&self, id: &UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        let Some(id) = id.as_i64() else { return Ok(()) };
        self.exec2(&self.sql.set_last_login, at.unix_timestamp(), id)
            .await
            .map(drop)
    }
}

#[async_trait]
impl PermissionChecker for DjangoStore {
    async fn grants(&self, user_id: &UserId) -> Result<Grants, StoreError> {
        let Some(id) = user_id.as_i64() else {
            return Ok(Grants::default());
        };
        if let Some(grants) = self.fast_grants(id) {
            return Ok(grants);
        }
        let perms: Vec<String> = on_db!(self, pool => sqlx::query_scalar(&self.sql.grants_perms).bind(id).fetch_all(pool).await)
            .map_err(unavailable)?;
        let groups: Vec<String> = on_db!(self, pool => sqlx::query_scalar(&self.sql.grants_groups).bind(id).fetch_all(pool).await)
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

    async fn add_user_to_group(&self, user_id: &UserId, group: &str) -> Result<(), StoreError> {
        let uid = self.existing_user(user_id).await?;
        let gid = self.group_id(group).await?;
        self.exec2(&self.sql.add_to_group, uid, gid).await.map(drop)
    }

    async fn remove_user_from_group(
        &self,
        user_id: &UserId,
        group: &str,
    ) -> Result<(), StoreError> {
        let Some(uid) = user_id.as_i64() else {
            return Ok(());
        };
        on_db!(self, pool => sqlx::query(&self.sql.remove_from_group).bind(uid).bind(group).execute(pool).await.map(drop))
            .map_err(unavailable)
    }

    async fn grant_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let uid = self.existing_user(user_id).await?;
        let pid = self.permission_id(perm).await?;
        self.exec2(&self.sql.grant_user, uid, pid).await.map(drop)
    }

    async fn revoke_user_permission(
        &self,
        user_id: &UserId,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let Some(uid) = user_id.as_i64() else {
            return Ok(());
        };
        let pid = self.permission_id(perm).await?;
        self.exec2(&self.sql.revoke_user, uid, pid).await.map(drop)
    }

    async fn grant_group_permission(
        &self,
        group: &str,
        perm: &Permission,
    ) -> Result<(), StoreError> {
        let pid = self.permission_id(perm).await?;
        let gid = self.group_id(group).await?;
        self.exec2(&self.sql.grant_group, gid, pid).await.map(drop)
    }
}

impl DjangoStore {
    async fn existing_user(&self, id: &UserId) -> Result<i64, StoreError> {
        match (id.as_i64(), self.get_user(id).await?) {
            (Some(uid), Some(_)) => Ok(uid),
            _ => Err(StoreError::NotFound {
                what: format!("user {id}"),
            }),
        }
    }
}

#[async_trait]
impl SessionStore for DjangoStore {
    fn session_auth_hash_salt(&self) -> Option<&'static str> {
        Some(super::SESSION_AUTH_HASH_SALT)
    }

    async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let now = now_unix();
        if let Some(row) = self.fast_session(id, now) {
            return Ok(
                row.and_then(|(data, expires)| self.codec.decode(id.clone(), &data, expires, now))
            );
        }
        let row: Option<(String, i64)> = on_db!(self, pool => sqlx::query_as(&self.sql.session_by_key).bind(id.as_str()).bind(now).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(row.and_then(|(data, expires)| self.codec.decode(id.clone(), &data, expires, now)))
    }

    fn load_now(&self, id: &SessionId) -> Option<Result<Option<SessionRecord>, StoreError>> {
        let now = now_unix();
        let row = self.fast_session(id, now)?;
        Some(Ok(row.and_then(|(data, expires)| {
            self.codec.decode(id.clone(), &data, expires, now)
        })))
    }

    async fn save(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.write_session(&self.sql.save_session, record)
            .await
            .map(drop)
    }

    async fn update(&self, record: &SessionRecord) -> Result<bool, StoreError> {
        Ok(self.write_session(&self.sql.update_session, record).await? > 0)
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.delete_session).bind(id.as_str()).execute(pool).await.map(drop))
            .map_err(unavailable)
    }

    /// Django's rows name their user only inside the signed data, so this reads every live
    /// session (a password change or deactivation; sessions Django made are among them).
    async fn delete_user_sessions(
        &self,
        user_id: &UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64, StoreError> {
        let rows: Vec<(String, String)> = on_db!(self, pool => sqlx::query_as(&self.sql.live_sessions).bind(now_unix()).fetch_all(pool).await)
            .map_err(unavailable)?;
        // Verifying every row (an HMAC each, zlib for some) is CPU work that grows with the
        // table: off the async threads.
        let (codec, user, keep) = (self.codec.clone(), user_id.clone(), keep.cloned());
        let doomed: Vec<String> = tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .filter(|(key, data)| {
                    keep.as_ref().is_none_or(|k| k.as_str() != key)
                        && codec.user_of(data).as_ref() == Some(&user)
                })
                .map(|(key, _)| key)
                .collect()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("session scan: {e}")))?;
        for key in &doomed {
            on_db!(self, pool => sqlx::query(&self.sql.delete_session).bind(key).execute(pool).await.map(drop))
                .map_err(unavailable)?;
        }
        Ok(doomed.len() as u64)
    }

    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.delete_expired).bind(now).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(unavailable)
    }
}

#[async_trait]
impl AttemptStore for DjangoStore {
    async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
        let n: i32 = on_db!(self, pool => sqlx::query_scalar(&self.sql.record_failure)
            .bind(key)
            .bind(now_unix())
            .bind(window_secs as i64)
            .fetch_one(pool)
            .await)
        .map_err(unavailable)?;
        Ok(n.max(0) as u32)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.release_failure).bind(key).execute(pool).await.map(drop))
            .map_err(unavailable)
    }

    async fn failures(&self, key: &str) -> Result<u32, StoreError> {
        let n: Option<i32> = on_db!(self, pool => sqlx::query_scalar(&self.sql.failures).bind(key).bind(now_unix()).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(n.unwrap_or(0).max(0) as u32)
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        on_db!(self, pool => sqlx::query(&self.sql.clear_failures).bind(key).execute(pool).await.map(drop))
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn set_expiry_caps_the_rows_expiry() {
        let data = |v| [("_session_expiry".to_owned(), v)].into();
        assert_eq!(super::session_expiry(&data(json!(300)), 1_000), Some(1_300));
        assert_eq!(
            super::session_expiry(&data(json!(0)), 1_000),
            None,
            "browser session"
        );
        assert_eq!(
            super::session_expiry(&data(json!("2026-12-01T03:00:00.250000+00:00")), 1_000),
            Some(1_796_094_000)
        );
        assert_eq!(super::session_expiry(&data(json!("soon")), 1_000), None);
        assert_eq!(super::session_expiry(&Default::default(), 1_000), None);
    }
}
