//! [`AuthConfig`]: every setting, with documented defaults, from code, TOML or the
//! environment.

use std::path::Path;

use serde::{Deserialize, Serialize};

mod checks;
mod client_ip;
mod env;
mod messages;
#[cfg(test)]
mod tests;

pub use messages::{FieldNames, Messages};

/// Which identifiers the login form accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginField {
    /// The username (case-insensitive).
    Username,
    /// The email address (case-insensitive).
    Email,
}

/// What the delete-account page does (`account_deletion`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountDeletion {
    /// No delete-account page (the default).
    #[default]
    Off,
    /// The account is marked inactive and kept (its username and address stay taken).
    Deactivate,
    /// The account is deleted, with its group memberships and permissions.
    Delete,
}

/// The toolkit's configuration. Keys mirror reflex-django's `RX_AUTH` names in snake_case,
/// plus the session settings.
///
/// ```
/// use auth_core::AuthConfig;
/// let cfg = AuthConfig::from_toml_str(r#"
///     login_url = "/accounts/login"
///     password_min_length = 12
///     [messages]
///     invalid_login = "Nope."
/// "#).unwrap();
/// assert_eq!(cfg.login_url, "/accounts/login");
/// assert_eq!(cfg.password_min_length, 12);
/// assert_eq!(cfg.signup_url, "/register"); // untouched keys keep their defaults
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Master switch for the built-in pages. Default `true`.
    pub enabled: bool,
    /// Whether `/register` is offered. Default `true`.
    pub signup_enabled: bool,
    /// Whether password reset is offered. Default `true`.
    pub password_reset_enabled: bool,
    /// Where anonymous HTML requests are sent. Default `/login`.
    pub login_url: String,
    /// Registration page. Default `/register`.
    pub signup_url: String,
    /// Logout endpoint (POST only). Default `/logout`.
    pub logout_url: String,
    /// Password reset request page. Default `/password-reset`.
    pub password_reset_url: String,
    /// Where a login goes when there is no valid `next`. Default `/`.
    pub login_redirect_url: String,
    /// Where logout goes. Default `/`.
    pub logout_redirect_url: String,
    /// Where a successful registration goes. Default `/login` (the new user then logs in).
    pub signup_redirect_url: String,
    /// Whether a logged-in user who opens the login page is redirected away. Default `false`.
    pub redirect_authenticated_user: bool,
    /// Which identifiers log in. Default `["username"]`.
    pub login_fields: Vec<LoginField>,
    /// Minimum password length in characters. Default 8.
    pub password_min_length: usize,
    /// Refuse the 30,000 most common passwords. Default `true`.
    pub password_check_common: bool,
    /// Refuse passwords made only of digits. Default `true`.
    pub password_check_numeric: bool,
    /// Refuse passwords this similar (in percent) to the username or email; 0 turns the check
    /// off. Default 70.
    pub password_max_similarity_percent: u8,
    /// Whether a password change keeps the user's other sessions. Default `false`: they end.
    /// Ignored in Django mode, where sessions carry Django's own `_auth_user_hash` (Django has
    /// no such option).
    pub password_change_keeps_other_sessions: bool,
    /// Mount the change-password page (`password_change_url`) and its JSON endpoint. Default
    /// `false`. Environment: `AUTH_PASSWORD_CHANGE_ENABLED`.
    pub password_change_enabled: bool,
    /// Path of the change-password page. Default `/password-change`.
    pub password_change_url: String,
    /// Mount the "your sessions" page (`sessions_url`) and its JSON endpoints: every live
    /// session of the user, with where and when it was opened, and buttons to end one or all
    /// others. Default `false`.
    pub sessions_page_enabled: bool,
    /// Path of the sessions page. Default `/sessions`.
    pub sessions_url: String,
    /// Offer "remember me" on the login page and in the JSON login (`remember_me`): not
    /// remembered, the session cookie has no `Max-Age` and ends with the browser (the server
    /// session still ends by the idle and absolute limits). Default `false`: every login
    /// gets the persistent cookie.
    pub remember_me_enabled: bool,
    /// With `remember_me_enabled`: whether the box starts checked, and what a login that does
    /// not send the field gets. Default `true`.
    pub remember_me_default: bool,
    /// Registration makes an inactive account and mails a link (signed like reset links,
    /// single-use, expiring after `email_verification_timeout_secs`); following it activates
    /// the account. A login with the right password before that says so and offers to send
    /// the link again. Needs a store that keeps the mark
    /// ([`UserStore::set_email_unverified`](crate::store::UserStore::set_email_unverified)).
    /// Default `false`. Environment: `AUTH_REQUIRE_EMAIL_VERIFICATION`.
    pub require_email_verification: bool,
    /// Path of the verification pages: links are `{url}/{uid}/{token}`, and `{url}/resend`
    /// sends one again. Default `/verify-email`.
    pub email_verification_url: String,
    /// How long a verification or change-of-address link works, in seconds. Default 3 days.
    pub email_verification_timeout_secs: u64,
    /// Verification and change-of-address mails sent to one address per hour. Default 3.
    pub verification_mails_per_address_per_hour: u32,
    /// Mount the change-email page (`email_change_url`): the password again and the new
    /// address, which gets a link; the address changes when it is followed, and the old one
    /// gets a notice. Default `false`.
    pub email_change_enabled: bool,
    /// Path of the change-email page; links are `{url}/confirm/{uid}/{token}`. Default
    /// `/email-change`.
    pub email_change_url: String,
    /// What "delete my account" (`account_delete_url`) does: `off` (no page, the default),
    /// `deactivate` (the account stays, inactive) or `delete` (the account and its groups and
    /// permissions are removed). Either way every session ends. Environment:
    /// `AUTH_ACCOUNT_DELETION=deactivate`.
    pub account_deletion: AccountDeletion,
    /// Path of the delete-account page. Default `/account/delete`.
    pub account_delete_url: String,
    /// Failed logins for one account from one client address before that pair is locked out.
    /// Default 5.
    pub login_failures_per_client: u32,
    /// Failed logins from one client address (any account) before it is locked out. Default 100.
    pub login_failures_per_ip: u32,
    /// Failed logins for one account from all addresses that raise an `account_under_attack`
    /// warning (it does not lock the account, so nobody can lock a victim out). Default 50.
    pub login_failures_alert_per_account: u32,
    /// The window in seconds over which failures count, and so the longest lockout. Default
    /// 900 (15 minutes).
    pub login_failure_window_secs: u64,
    /// A request header with the client address set by your proxies: `x-forwarded-for` or
    /// `forwarded` (RFC 7239). Default none: the socket's peer address. Only set it behind
    /// proxies that append to it; see `trusted_proxies`.
    pub client_ip_header: Option<String>,
    /// How many proxies in front of the app append to `client_ip_header`: the client is the
    /// address that many entries from the right (the last one, with the default 1), so a
    /// client cannot choose its address by sending the header itself. A missing or
    /// unparseable value falls back to the socket's peer address. Default 1.
    pub trusted_proxies: u32,
    /// Refuse cross-origin unsafe requests (`POST`, `PUT`, `PATCH`, `DELETE`) and cross-origin
    /// WebSocket upgrades on every route, with 403 (see [`OriginPolicy`](crate::adapter::OriginPolicy)). Default `true`.
    pub cross_origin_protection: bool,
    /// Other origins (`https://admin.example.com`) whose pages may send unsafe requests to
    /// this site, besides `site_origin` (Django's `CSRF_TRUSTED_ORIGINS`). Default none.
    pub csrf_trusted_origins: Vec<String>,
    /// Paths that skip the cross-origin check, for webhooks other sites post to: an entry
    /// matches that exact path, or every path under it when it ends with `/` (`/hooks/`).
    /// Default none.
    pub csrf_exempt_paths: Vec<String>,
    /// Host names this app answers for (Django's `ALLOWED_HOSTS`): a request for another
    /// `Host` gets 400. `.example.com` also matches subdomains, `*` anything. Default none (no
    /// check; set it in production).
    pub allowed_hosts: Vec<String>,
    /// Production mode (also `AUTH_ENV=production`): the service refuses to start while a
    /// setting is unsafe (see [`AuthConfig::production_problems`]). Default `false`.
    pub production: bool,
    /// Registrations allowed from one client address per hour. Default 20.
    pub registrations_per_client_per_hour: u32,
    /// Password reset requests allowed from one client address per hour. Default 20.
    pub password_resets_per_client_per_hour: u32,
    /// Password reset mails sent to one address per hour. Default 3.
    pub password_reset_mails_per_address_per_hour: u32,
    /// Every user-visible message.
    pub messages: Messages,
    /// Form field names of the built-in pages (`[fields]`).
    pub fields: FieldNames,
    /// How long a password reset link works, in seconds. Default 3 days.
    pub password_reset_timeout_secs: u64,
    /// Brand name on the built-in pages. Default `"Auth"`.
    pub brand_text: String,
    /// Brand icon URL on the built-in pages. Default none.
    pub brand_icon_src: Option<String>,
    /// Origin used in emailed links, e.g. `https://example.com`. Default none.
    pub site_origin: Option<String>,
    /// Session keys kept across logout. Default `["theme"]`.
    pub logout_preserve_session_keys: Vec<String>,
    /// Whether user snapshots list the user's groups. Default `false`.
    pub user_snapshot_include_groups: bool,

    /// Secret for session auth hashes and tokens. Empty means a random one per process
    /// (sessions then end at restart, and a warning is logged). Set it in production and
    /// share it between processes. Environment: `AUTH_SECRET_KEY`. `Debug` and `Serialize`
    /// print `<redacted>` in its place.
    #[serde(serialize_with = "redacted")]
    pub secret_key: String,
    /// Older secret keys, still accepted when reading what the old ones signed, while keys
    /// rotate (Django's `SECRET_KEY_FALLBACKS`): session auth hashes, and in Django mode the
    /// signed `django_session` rows. New values are always made with `secret_key`. Default
    /// none. Environment: `AUTH_SECRET_KEY_FALLBACKS` (comma-separated). Redacted like
    /// `secret_key`.
    #[serde(serialize_with = "redacted_list")]
    pub secret_key_fallbacks: Vec<String>,
    /// Whose tables and formats the SQL stores use: `native` (this crate's own `authkit_*`
    /// tables, argon2id hashes; the default) or `django` (a Django project's `auth_user`,
    /// `auth_group`, `auth_permission` and `django_session`, Django's signed session format
    /// and `pbkdf2_sha256` hashes; `secret_key` must then be Django's `SECRET_KEY`).
    /// Environment: `AUTH_SCHEMA`. See `auth_sql::django` (the crate `auth-sql`).
    pub schema: Schema,
    /// Django mode: the PBKDF2 iterations of new `pbkdf2_sha256` hashes, and below which a
    /// login upgrades a stored hash. Default 1,000,000 (Django 5.2); use your Django's value
    /// (5.1: 870,000; 5.0: 720,000; 4.2: 600,000), or the two sides upgrade each other's
    /// hashes back and forth.
    pub django_password_iterations: u32,
    /// Django mode: the authentication backends whose sessions are logins here (Django's
    /// `AUTHENTICATION_BACKENDS`); the first is written as `_auth_user_backend` by logins
    /// here. Default `["django.contrib.auth.backends.ModelBackend"]`.
    pub django_auth_backends: Vec<String>,
    /// Session cookie name. Default `sessionid`.
    pub session_cookie_name: String,
    /// Mark the cookie `Secure`. Default `false` (set it when served over HTTPS).
    pub session_cookie_secure: bool,
    /// Use the `__Host-` name prefix (implies `Secure`). Default `false`.
    pub session_cookie_host_prefix: bool,
    /// Absolute session lifetime in seconds. Default 7 days.
    pub session_absolute_timeout_secs: u64,
    /// Idle session lifetime in seconds. Default 2 days.
    pub session_idle_timeout_secs: u64,
    /// The idle clock is written back at most this often, so reads do not write on every
    /// request. Default 60 seconds.
    pub session_touch_interval_secs: u64,
    /// How many password hashes run at once (0 = number of CPUs). Default 0.
    pub password_hash_concurrency: usize,
    /// Run password hashing at the lowest scheduling class (Linux `SCHED_IDLE`): it uses only
    /// CPU time no request needs, so a flood of logins cannot delay other routes (the kernel
    /// preempts it at once), but on a CPU saturated by other work logins wait. `false` uses
    /// nice 10 instead: hashing keeps a small share under saturation, and other requests may
    /// wait up to a scheduler tick (about 4 ms) behind it. Default `true`.
    pub password_hash_idle_priority: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            enabled: true,
            signup_enabled: true,
            password_reset_enabled: true,
            login_url: "/login".into(),
            signup_url: "/register".into(),
            logout_url: "/logout".into(),
            password_reset_url: "/password-reset".into(),
            login_redirect_url: "/".into(),
            logout_redirect_url: "/".into(),
            signup_redirect_url: "/login".into(),
            redirect_authenticated_user: false,
            login_fields: vec![LoginField::Username],
            password_min_length: 8,
            password_check_common: true,
            password_check_numeric: true,
            password_max_similarity_percent: 70,
            password_change_keeps_other_sessions: false,
            password_change_enabled: false,
            password_change_url: "/password-change".into(),
            sessions_page_enabled: false,
            sessions_url: "/sessions".into(),
            remember_me_enabled: false,
            remember_me_default: true,
            require_email_verification: false,
            email_verification_url: "/verify-email".into(),
            email_verification_timeout_secs: 3 * 24 * 3600,
            verification_mails_per_address_per_hour: 3,
            email_change_enabled: false,
            email_change_url: "/email-change".into(),
            account_deletion: AccountDeletion::Off,
            account_delete_url: "/account/delete".into(),
            login_failures_per_client: 5,
            login_failures_per_ip: 100,
            login_failures_alert_per_account: 50,
            login_failure_window_secs: 900,
            client_ip_header: None,
            trusted_proxies: 1,
            cross_origin_protection: true,
            csrf_trusted_origins: Vec::new(),
            csrf_exempt_paths: Vec::new(),
            allowed_hosts: Vec::new(),
            production: false,
            registrations_per_client_per_hour: 20,
            password_resets_per_client_per_hour: 20,
            password_reset_mails_per_address_per_hour: 3,
            messages: Messages::default(),
            fields: FieldNames::default(),
            password_reset_timeout_secs: 3 * 24 * 3600,
            brand_text: "Auth".into(),
            brand_icon_src: None,
            site_origin: None,
            logout_preserve_session_keys: vec!["theme".into()],
            user_snapshot_include_groups: false,
            secret_key: String::new(),
            secret_key_fallbacks: Vec::new(),
            schema: Schema::Native,
            django_password_iterations: 1_000_000,
            django_auth_backends: vec![DJANGO_MODEL_BACKEND.into()],
            session_cookie_name: "sessionid".into(),
            session_cookie_secure: false,
            session_cookie_host_prefix: false,
            session_absolute_timeout_secs: 7 * 24 * 3600,
            session_idle_timeout_secs: 2 * 24 * 3600,
            session_touch_interval_secs: 60,
            password_hash_concurrency: 0,
            password_hash_idle_priority: true,
        }
    }
}

/// Which tables and formats the stores use: see [`AuthConfig::schema`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Schema {
    /// This crate's own tables and formats.
    #[default]
    Native,
    /// A Django project's tables and formats.
    Django,
}

/// Django's default authentication backend.
pub const DJANGO_MODEL_BACKEND: &str = "django.contrib.auth.backends.ModelBackend";

fn redacted_list<S: serde::Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for _ in v {
        seq.serialize_element("<redacted>")?;
    }
    seq.end()
}

fn redacted<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if v.is_empty() { "" } else { "<redacted>" })
}

impl std::fmt::Debug for AuthConfig {
    /// Every setting, with `secret_key` and its fallbacks redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match toml::Value::try_from(self) {
            Ok(v) => write!(f, "AuthConfig {v:?}"),
            Err(_) => f.write_str("AuthConfig { .. }"),
        }
    }
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The TOML file could not be read.
    #[error("cannot read auth config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML does not parse or has unknown keys or wrong types.
    #[error("invalid auth config: {0}")]
    Toml(#[from] toml::de::Error),
    /// An environment override has a value of the wrong type.
    #[error("environment variable {var}: {reason}")]
    Env {
        /// The variable.
        var: String,
        /// What was expected.
        reason: String,
    },
    /// The values are inconsistent.
    #[error("invalid auth config: {0}")]
    Invalid(String),
    /// Production mode is on and some settings are unsafe; every one is listed.
    #[error("refusing to start in production mode: {}", .0.join("; "))]
    Production(Vec<String>),
}

impl AuthConfig {
    /// Parses TOML; missing keys keep their defaults, unknown keys are an error.
    pub fn from_toml_str(s: &str) -> Result<Self, ConfigError> {
        let cfg: AuthConfig = toml::from_str(s)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and parses a TOML file.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    /// The cookie name as sent, with the `__Host-` prefix when configured.
    pub fn cookie_name(&self) -> String {
        if self.session_cookie_host_prefix {
            format!("__Host-{}", self.session_cookie_name)
        } else {
            self.session_cookie_name.clone()
        }
    }

    /// Whether cookies carry `Secure`.
    pub fn cookie_secure(&self) -> bool {
        self.session_cookie_secure || self.session_cookie_host_prefix
    }
}
