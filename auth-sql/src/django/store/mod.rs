//! [`DjangoStore`]: users, permissions, sessions and login counters over a Django project's
//! database (SQLite or PostgreSQL).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use super::SessionCodec;
use super::sql::{CREATE_ATTEMPTS, CREATE_UNVERIFIED, DJANGO_TABLES, Sql};
use crate::sql::{map_write, unavailable};
use auth_core::config::AuthConfig;
use auth_core::error::StoreError;
use auth_core::password::Hasher;
use auth_core::permission::{Grants, Permission};
use auth_core::session::{SessionId, SessionRecord, now_unix};
use auth_core::user::User;

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

mod permissions;
mod sessions;
mod users;

use sessions::session_expiry;
use users::{UserRow, user_from_row};

/// Users, groups, permissions and sessions in a Django project's own tables, for
/// `schema = "django"` (see [the module](super)). Implements [`UserStore`](auth_core::store::UserStore) (writable),
/// [`PermissionChecker`](auth_core::store::PermissionChecker),
/// [`SessionStore`](auth_core::store::SessionStore) and
/// [`AttemptStore`](auth_core::store::AttemptStore).
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
        on_db!(store, pool => sqlx::raw_sql(CREATE_UNVERIFIED).execute(pool).await.map(drop).map_err(unavailable))?;
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
