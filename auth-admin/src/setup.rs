//! Zero-set-up wiring from environment variables (feature `sqlite`), as the example apps use
//! it: configuration, storage, mailer and bind address.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `BIND_ADDR` | address to listen on | `127.0.0.1:3000` |
//! | `DATABASE_URL` | `sqlite://file.db`, a file path, `sqlite::memory:`, `postgres://user@host/db` (feature `postgres`), or `memory://` (the in-memory stores: everything is gone when the process ends, and admin subcommands, being another process, do not see it) | `sqlite://local_auth.db` (created on first run) |
//! | `AUTH_SCHEMA` | `django`: `DATABASE_URL` is a Django project's database, whose users, permissions and sessions are used as Django keeps them (feature `django`; see `auth_sql::django`) | `native` |
//! | `AUTH_DB_SCHEMA` | PostgreSQL schema for the auth tables (created if missing) | the database's default |
//! | `SESSION_URL` | `redis://host:port` to keep sessions in Redis (feature `redis`) | sessions in the database |
//! | `SESSION_PREFIX` | prefix of the Redis keys | `auth:` |
//! | `AUTH_CONFIG` | a TOML file with [`AuthConfig`] keys | none |
//! | `AUTH_*` | overrides of single keys, e.g. `AUTH_SECRET_KEY`, `AUTH_LOGIN_URL` | none |
//! | `SITE_ORIGIN` | the site's origin (`https://shop.example`): emailed links and the cross-origin check | none: links use `http://` + `BIND_ADDR`, and the cross-origin check compares with the request's `Host` |
//! | `AUTH_ENV` | `production` refuses to start while a setting is unsafe (see [`AuthConfig::production_problems`]) | none |
//! | `AUTH_MAIL_DIR` | write mail as files into this directory instead of printing it | none |

use std::sync::Arc;

use auth_core::config::{AuthConfig, ConfigError};
use auth_core::error::StoreError;
use auth_core::service::AuthService;
use auth_core::store::{AttemptStore, PermissionChecker, SessionStore, UserStore};
use auth_pages::AuthPages;
use auth_pages::mail::{ConsoleMailer, FileMailer, Mailer};
use auth_sql::SqliteStore;

/// Everything an app needs, read from the environment.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The auth service over the configured store.
    pub service: AuthService,
    /// The built-in pages with the configured mailer.
    pub pages: AuthPages,
    /// Where to listen.
    pub bind_addr: String,
    /// The store URL in use, with any password replaced by `***` (for logs).
    pub database_url: String,
}

/// Why the environment does not describe a working setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database cannot be opened.
    #[error("cannot open the database {url}: {source}")]
    Store {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The URL names a backend this build does not have.
    #[error(
        "unsupported store URL {0:?}: use sqlite://path/to/file.db, a file path, postgres://... (feature `postgres`), memory:// or, for SESSION_URL, redis://... (feature `redis`)"
    )]
    UnsupportedUrl(String),
}

impl Setup {
    /// Reads the environment, opens (and migrates) the database, and starts the expired-session
    /// cleanup task. Call from inside a tokio runtime.
    pub async fn from_env() -> Result<Self, SetupError> {
        Self::from_env_over(AuthConfig::default()).await
    }

    /// [`from_env`](Self::from_env) with `base` in place of the default configuration (see
    /// [`AuthConfig::from_env_over`]): what an app turns on in code, the environment can
    /// still change.
    pub async fn from_env_over(base: AuthConfig) -> Result<Self, SetupError> {
        let mut config = AuthConfig::from_env_over(base)?;
        let bind_addr = env("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        if let Some(origin) = env("SITE_ORIGIN") {
            config.site_origin = Some(origin);
        }
        let mailer: Arc<dyn Mailer> = match env("AUTH_MAIL_DIR") {
            Some(dir) => Arc::new(FileMailer::new(dir)),
            None => Arc::new(ConsoleMailer),
        };
        if config.production {
            let mut problems = config.production_problems();
            if env("AUTH_MAIL_DIR").is_none() {
                problems.push(
                    "mail goes to the console (configure a real mailer; the example apps take AUTH_MAIL_DIR)"
                        .to_string(),
                );
            }
            if !problems.is_empty() {
                return Err(ConfigError::Production(problems).into());
            }
        }
        config.validate()?;
        let database_url = env("DATABASE_URL").unwrap_or_else(|| "sqlite://local_auth.db".into());
        let store_err = |source| SetupError::Store {
            url: redact_url(&database_url),
            source,
        };
        // Reassigned when `SESSION_URL` names Redis (feature `redis`).
        #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
        let (users, perms, mut sessions, mut attempts): Stores = if config.schema
            == auth_core::config::Schema::Django
        {
            #[cfg(feature = "django")]
            {
                let store = Arc::new(
                    auth_sql::django::DjangoStore::connect(&database_url, &config)
                        .await
                        .map_err(store_err)?,
                );
                (store.clone(), store.clone(), store.clone(), store)
            }
            #[cfg(not(feature = "django"))]
                return Err(ConfigError::Invalid(
                    "AUTH_SCHEMA=django needs the `django` feature of auth-core (or of the adapter crate)".into(),
                )
                .into());
        } else if database_url.starts_with("memory://") {
            tracing::warn!(
                "DATABASE_URL=memory://: users and sessions live in this process only and are gone when it ends"
            );
            let store = Arc::new(auth_core::store::MemoryStore::new());
            (
                store.clone(),
                store,
                Arc::new(auth_core::store::MemorySessionStore::new()),
                Arc::new(auth_core::store::MemoryAttemptStore::new()),
            )
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            #[cfg(feature = "postgres")]
            {
                let schema = env("AUTH_DB_SCHEMA");
                let store = Arc::new(
                    auth_sql::PgStore::connect_in_schema(&database_url, schema.as_deref())
                        .await
                        .map_err(store_err)?,
                );
                (store.clone(), store.clone(), store.clone(), store)
            }
            #[cfg(not(feature = "postgres"))]
            return Err(SetupError::UnsupportedUrl(redact_url(&database_url)));
        } else if database_url.starts_with("sqlite:") || !database_url.contains("://") {
            let store = Arc::new(
                SqliteStore::connect(&database_url)
                    .await
                    .map_err(store_err)?,
            );
            (store.clone(), store.clone(), store.clone(), store)
        } else {
            return Err(SetupError::UnsupportedUrl(redact_url(&database_url)));
        };
        if config.schema == auth_core::config::Schema::Django && env("SESSION_URL").is_some() {
            return Err(ConfigError::Invalid(
                "AUTH_SCHEMA=django keeps sessions in Django's django_session table, where Django reads them; unset SESSION_URL (or point Django's SESSION_ENGINE elsewhere and run in native mode)".into(),
            )
            .into());
        }
        if let Some(session_url) = env("SESSION_URL") {
            #[cfg(feature = "redis")]
            {
                let prefix = env("SESSION_PREFIX").unwrap_or_else(|| "auth:".into());
                let redis = Arc::new(
                    auth_redis::RedisSessionStore::connect(&session_url, &prefix)
                        .await
                        .map_err(|source| SetupError::Store {
                            url: redact_url(&session_url),
                            source,
                        })?,
                );
                sessions = redis.clone();
                attempts = redis;
            }
            #[cfg(not(feature = "redis"))]
            return Err(SetupError::UnsupportedUrl(redact_url(&session_url)));
        }
        auth_core::store::spawn_cleanup(sessions.clone(), std::time::Duration::from_secs(600));
        let service = AuthService::new(config, users, perms, sessions).with_attempt_store(attempts);
        let mut pages = AuthPages::new().shared_mailer(mailer);
        if service.config().site_origin.is_none() {
            pages = pages.link_origin(format!("http://{bind_addr}"));
        }
        Ok(Setup {
            service,
            pages,
            bind_addr,
            database_url: redact_url(&database_url),
        })
    }
}

/// The four stores an app needs.
type Stores = (
    Arc<dyn UserStore>,
    Arc<dyn PermissionChecker>,
    Arc<dyn SessionStore>,
    Arc<dyn AttemptStore>,
);

/// `url` with the password of its user-info part replaced by `***`, for logs and errors.
///
/// ```
/// use auth_admin::setup::redact_url;
/// assert_eq!(redact_url("postgres://app:s3cret@db/app"), "postgres://app:***@db/app");
/// assert_eq!(redact_url("sqlite://local_auth.db"), "sqlite://local_auth.db");
/// ```
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
