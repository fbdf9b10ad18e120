//! [`AuthConfig`]: every setting, with documented defaults, from code, TOML or the
//! environment.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Which identifiers the login form accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginField {
    /// The username (case-insensitive).
    Username,
    /// The email address (case-insensitive).
    Email,
}

/// Every message a user can see. Override any of them in code or TOML (`[messages]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Messages {
    /// Wrong identifier, wrong password, or inactive account: one message for all three.
    pub invalid_login: String,
    /// Shown by the 401 JSON answer.
    pub login_required: String,
    /// Shown by the 403 page and JSON answer.
    pub permission_denied: String,
    /// Shown by the 503 answer when a store is down.
    pub service_unavailable: String,
    /// Registration: the username is missing.
    pub username_required: String,
    /// Registration: the username has characters other than letters, digits and `@.+-_`.
    pub username_invalid: String,
    /// Registration: the username is longer than 150 characters.
    pub username_too_long: String,
    /// Registration: the email is missing.
    pub email_required: String,
    /// Registration: the email does not look like `name@domain.tld`.
    pub email_invalid: String,
    /// Registration: the username or the email is already in use. One message for both, so
    /// the form does not say which one exists.
    pub account_unavailable: String,
    /// A password shorter than `password_min_length`; `{min}` is replaced.
    pub password_too_short: String,
    /// A password longer than the 4096-byte limit.
    pub password_too_long: String,
    /// The confirmation differs.
    pub password_mismatch: String,
    /// The password is on the common-password list.
    pub password_too_common: String,
    /// The password is all digits.
    pub password_entirely_numeric: String,
    /// The password is too similar to the username or email; `{field}` is replaced.
    pub password_too_similar: String,
    /// Too many failed logins; `{minutes}` is replaced.
    pub login_throttled: String,
    /// Password change: the current password is wrong.
    pub password_incorrect: String,
    /// Title of the login page.
    pub login_title: String,
    /// Label of the identifier field when it takes a username.
    pub username_label: String,
    /// Label of the identifier field when it takes an email.
    pub email_label: String,
    /// Label of the identifier field when it takes either.
    pub username_or_email_label: String,
    /// Label of password fields.
    pub password_label: String,
    /// Label of password confirmation fields.
    pub confirm_password_label: String,
    /// Login button.
    pub login_button: String,
    /// Title of the registration page.
    pub register_title: String,
    /// Registration button.
    pub register_button: String,
    /// Shown on the login page after a successful registration.
    pub registered_notice: String,
    /// Title of the password reset request page.
    pub password_reset_title: String,
    /// Explains the password reset request form.
    pub password_reset_intro: String,
    /// Password reset request button.
    pub password_reset_button: String,
    /// Shown after a reset request, whether or not the address has an account.
    pub password_reset_sent: String,
    /// Title of the page that sets the new password.
    pub password_reset_confirm_title: String,
    /// Button that sets the new password.
    pub password_reset_confirm_button: String,
    /// Shown for an invalid, expired or used reset link.
    pub password_reset_invalid_link: String,
    /// Shown once the new password is set.
    pub password_reset_complete: String,
    /// Subject of the reset email.
    pub password_reset_email_subject: String,
    /// Body of the reset email; `{link}`, `{username}` and `{brand}` are replaced.
    pub password_reset_email_body: String,
    /// Link to the registration page.
    pub signup_link: String,
    /// Link to the password reset page.
    pub forgot_password_link: String,
    /// Link back to the login page.
    pub back_to_login_link: String,
    /// A form post failed the CSRF check.
    pub csrf_failed: String,
    /// A form post was too large or not UTF-8 form data.
    pub bad_form: String,
    /// A cross-origin request or WebSocket upgrade was refused (403).
    pub cross_origin_denied: String,
    /// Too many registrations or reset requests from one client; `{minutes}` is replaced.
    pub rate_limited: String,
    /// Registration with email login on: the username contains `@`.
    pub username_no_at: String,
}

impl Default for Messages {
    fn default() -> Self {
        Messages {
            invalid_login: "Please enter a correct username and password. Both fields may be case-sensitive.".into(),
            login_required: "Authentication required. Log in and try again.".into(),
            permission_denied: "You do not have permission to access this page.".into(),
            service_unavailable: "The service is temporarily unavailable. Try again in a moment.".into(),
            username_required: "Enter a username.".into(),
            username_invalid: "Enter a valid username: letters, digits and @ . + - _ only.".into(),
            username_too_long: "Use a username of at most 150 characters.".into(),
            email_required: "Enter an email address.".into(),
            email_invalid: "Enter a valid email address, such as name@example.com.".into(),
            account_unavailable: "This username or email address cannot be used. Choose another, or log in if you already have an account.".into(),
            password_too_short: "This password is too short. It must contain at least {min} characters.".into(),
            password_too_long: "This password is too long. Use at most 4096 bytes.".into(),
            password_mismatch: "The two password fields didn't match.".into(),
            password_too_common: "This password is too common. Choose one that is harder to guess.".into(),
            password_entirely_numeric: "This password is entirely numeric. Add letters or symbols.".into(),
            password_too_similar: "The password is too similar to the {field}.".into(),
            login_throttled: "Too many failed login attempts. Wait {minutes} minutes, then try again.".into(),
            password_incorrect: "Your old password was entered incorrectly. Please enter it again.".into(),
            login_title: "Log in".into(),
            username_label: "Username".into(),
            email_label: "Email".into(),
            username_or_email_label: "Username or email".into(),
            password_label: "Password".into(),
            confirm_password_label: "Confirm password".into(),
            login_button: "Log in".into(),
            register_title: "Create an account".into(),
            register_button: "Sign up".into(),
            registered_notice: "Your account was created. You can log in now.".into(),
            password_reset_title: "Reset your password".into(),
            password_reset_intro: "Enter the email address of your account and we will send you a link to set a new password.".into(),
            password_reset_button: "Send reset link".into(),
            password_reset_sent: "If an account uses that address, we have emailed it a link to set a new password. Check your inbox and spam folder.".into(),
            password_reset_confirm_title: "Set a new password".into(),
            password_reset_confirm_button: "Set password".into(),
            password_reset_invalid_link: "This password reset link is invalid, expired or already used. Request a new one.".into(),
            password_reset_complete: "Your password has been set. You can log in now.".into(),
            password_reset_email_subject: "Reset your {brand} password".into(),
            password_reset_email_body: "Hello {username},\n\nSomeone asked to reset the password of your {brand} account. To choose a new password, open this link:\n\n{link}\n\nIf it was not you, ignore this message; your password stays as it is.\n".into(),
            signup_link: "Create an account".into(),
            forgot_password_link: "Forgot your password?".into(),
            back_to_login_link: "Back to log in".into(),
            csrf_failed: "The form expired or was sent from another site. Reload the page and try again.".into(),
            bad_form: "The form could not be read. Reload the page and try again.".into(),
            cross_origin_denied: "This request came from another site and was refused. Go back to the page on this site and try again.".into(),
            rate_limited: "Too many requests from your network. Wait {minutes} minutes, then try again.".into(),
            username_no_at: "Usernames cannot contain @ on this site, because addresses log in too.".into(),
        }
    }
}

/// Form field names of the built-in pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldNames {
    /// Login: the identifier. Default `username`.
    pub login_username: String,
    /// Login: the password. Default `password`.
    pub login_password: String,
    /// Registration: username. Default `username`.
    pub register_username: String,
    /// Registration: email. Default `email`.
    pub register_email: String,
    /// Registration: password. Default `password`.
    pub register_password: String,
    /// Registration: confirmation. Default `confirm_password`.
    pub register_confirm_password: String,
    /// Reset request: email. Default `email`.
    pub reset_email: String,
    /// Reset confirm: new password. Default `new_password`.
    pub reset_new_password: String,
    /// Reset confirm: confirmation. Default `confirm_password`.
    pub reset_confirm_password: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            login_username: "username".into(),
            login_password: "password".into(),
            register_username: "username".into(),
            register_email: "email".into(),
            register_password: "password".into(),
            register_confirm_password: "confirm_password".into(),
            reset_email: "email".into(),
            reset_new_password: "new_password".into(),
            reset_confirm_password: "confirm_password".into(),
        }
    }
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
    pub password_change_keeps_other_sessions: bool,
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
    /// WebSocket upgrades on every route, with 403 (see [`crate::origin`]). Default `true`.
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

fn redacted<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if v.is_empty() { "" } else { "<redacted>" })
}

impl std::fmt::Debug for AuthConfig {
    /// Every setting, with `secret_key` redacted.
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

    /// Applies `AUTH_<KEY>` environment variables over `self`, for every top-level key
    /// (for example `AUTH_LOGIN_URL=/signin`, `AUTH_SIGNUP_ENABLED=false`,
    /// `AUTH_LOGIN_FIELDS=username,email`). Messages stay TOML-only.
    pub fn with_env_overrides(self) -> Result<Self, ConfigError> {
        self.with_overrides_from(|key| std::env::var(key).ok())
    }

    /// [`with_env_overrides`](Self::with_env_overrides) with a custom lookup (handy in tests).
    pub fn with_overrides_from(
        self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let toml::Value::Table(mut table) =
            toml::Value::try_from(&self).map_err(|e| ConfigError::Invalid(e.to_string()))?
        else {
            unreachable!("a struct serializes to a table")
        };
        // Serialization redacts the secret; put the real one back.
        table.insert(
            "secret_key".into(),
            toml::Value::String(self.secret_key.clone()),
        );
        let keys: Vec<String> = Self::keys().map(str::to_owned).collect();
        for key in keys {
            let var = format!("AUTH_{}", key.to_ascii_uppercase());
            let Some(raw) = lookup(&var) else { continue };
            let value = override_value(&key, &raw).map_err(|reason| ConfigError::Env {
                var: var.clone(),
                reason,
            })?;
            table.insert(key, value);
        }
        let cfg: AuthConfig = toml::Value::Table(table).try_into()?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Code, then `AUTH_CONFIG` (a TOML file) if set, then `AUTH_*` overrides.
    pub fn from_env() -> Result<Self, ConfigError> {
        let base = match std::env::var("AUTH_CONFIG") {
            Ok(path) if !path.is_empty() => Self::from_toml_file(path)?,
            _ => Self::default(),
        };
        let mut cfg = base.with_env_overrides()?;
        if std::env::var("AUTH_ENV").is_ok_and(|v| v.eq_ignore_ascii_case("production")) {
            cfg.production = true;
        }
        Ok(cfg)
    }

    fn keys() -> impl Iterator<Item = &'static str> {
        [
            "enabled",
            "signup_enabled",
            "password_reset_enabled",
            "login_url",
            "signup_url",
            "logout_url",
            "password_reset_url",
            "login_redirect_url",
            "logout_redirect_url",
            "signup_redirect_url",
            "redirect_authenticated_user",
            "login_fields",
            "password_min_length",
            "password_check_common",
            "password_check_numeric",
            "password_max_similarity_percent",
            "password_change_keeps_other_sessions",
            "login_failures_per_client",
            "login_failures_per_ip",
            "login_failures_alert_per_account",
            "login_failure_window_secs",
            "client_ip_header",
            "trusted_proxies",
            "cross_origin_protection",
            "csrf_trusted_origins",
            "csrf_exempt_paths",
            "allowed_hosts",
            "production",
            "registrations_per_client_per_hour",
            "password_resets_per_client_per_hour",
            "password_reset_mails_per_address_per_hour",
            "password_reset_timeout_secs",
            "brand_text",
            "brand_icon_src",
            "site_origin",
            "logout_preserve_session_keys",
            "user_snapshot_include_groups",
            "secret_key",
            "session_cookie_name",
            "session_cookie_secure",
            "session_cookie_host_prefix",
            "session_absolute_timeout_secs",
            "session_idle_timeout_secs",
            "session_touch_interval_secs",
            "password_hash_concurrency",
            "password_hash_idle_priority",
        ]
        .into_iter()
    }

    /// Checks values that types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.login_fields.is_empty() {
            return bad("login_fields must name at least one of \"username\", \"email\"");
        }
        if self.password_min_length == 0 || self.password_min_length > 1024 {
            return bad("password_min_length must be between 1 and 1024");
        }
        for (k, v) in [
            ("login_url", &self.login_url),
            ("signup_url", &self.signup_url),
            ("logout_url", &self.logout_url),
            ("password_reset_url", &self.password_reset_url),
            ("login_redirect_url", &self.login_redirect_url),
            ("logout_redirect_url", &self.logout_redirect_url),
            ("signup_redirect_url", &self.signup_redirect_url),
        ] {
            if !v.starts_with('/') && !v.starts_with("https://") && !v.starts_with("http://") {
                return Err(ConfigError::Invalid(format!(
                    "{k} must be a path starting with `/` or an http(s) URL, got {v:?}"
                )));
            }
        }
        if self.login_failures_per_client == 0
            || self.login_failures_per_ip == 0
            || self.login_failure_window_secs == 0
        {
            return bad(
                "login_failures_per_client, login_failures_per_ip and login_failure_window_secs must be at least 1",
            );
        }
        if self.password_max_similarity_percent > 100 {
            return bad("password_max_similarity_percent is a percentage: 0 to 100");
        }
        if self.session_absolute_timeout_secs == 0 || self.session_idle_timeout_secs == 0 {
            return bad("session timeouts must be positive");
        }
        if let Some(o) = &self.site_origin
            && !crate::origin::OriginPolicy::is_valid_origin(o)
        {
            return Err(ConfigError::Invalid(format!(
                "site_origin must be an origin such as https://shop.example (scheme, host, optional port; no path), got {o:?}"
            )));
        }
        for o in &self.csrf_trusted_origins {
            if !crate::origin::OriginPolicy::is_valid_origin(o) {
                return Err(ConfigError::Invalid(format!(
                    "csrf_trusted_origins entries must be origins such as https://admin.example, got {o:?}"
                )));
            }
        }
        for p in &self.csrf_exempt_paths {
            if !p.starts_with('/') {
                return Err(ConfigError::Invalid(format!(
                    "csrf_exempt_paths entries must be paths starting with `/`, got {p:?}"
                )));
            }
        }
        if self.trusted_proxies == 0 {
            return bad(
                "trusted_proxies must be at least 1 (leave client_ip_header unset when no proxy sets it)",
            );
        }
        let name = &self.session_cookie_name;
        if name.is_empty()
            || !name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            return bad("session_cookie_name must be non-empty ASCII letters, digits, `_` or `-`");
        }
        if self.production {
            let problems = self.production_problems();
            if !problems.is_empty() {
                return Err(ConfigError::Production(problems));
            }
        }
        Ok(())
    }

    /// What makes this configuration unfit for production: an empty or short `secret_key`, no
    /// `site_origin`, an https origin with a cookie that is not `Secure`. With `production`
    /// on, [`validate`](Self::validate) fails with all of them in one error (and the example
    /// apps' set-up adds "mail goes to the console").
    pub fn production_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.secret_key.is_empty() {
            p.push(
                "secret_key is empty (set AUTH_SECRET_KEY to at least 32 random characters)"
                    .to_string(),
            );
        } else if self.secret_key.len() < 32 {
            p.push("secret_key is shorter than 32 characters".to_string());
        }
        match self.site_origin.as_deref() {
            None => p.push("site_origin is not set (set AUTH_SITE_ORIGIN, e.g. https://shop.example)".to_string()),
            Some(o) if o.starts_with("https://") && !self.cookie_secure() => p.push(
                "site_origin is https but the session cookie is not Secure (set session_cookie_secure or session_cookie_host_prefix)".to_string(),
            ),
            Some(_) => {}
        }
        if !self.cross_origin_protection {
            p.push("cross_origin_protection is off".to_string());
        }
        p
    }

    /// Settings that are unsafe in production, as warnings (logged when the service starts):
    /// the equivalent of Django's deployment checks.
    pub fn security_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.secret_key.is_empty() {
            w.push("secret_key is empty: a random key is used, so sessions and reset links die with the process (set AUTH_SECRET_KEY)".to_string());
        } else if self.secret_key.len() < 32 {
            w.push("secret_key is shorter than 32 characters: use a long random value".to_string());
        }
        let https = self
            .site_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"));
        if https && !self.cookie_secure() {
            w.push("site_origin is https but session_cookie_secure is off: the session cookie can leak over plain http (set session_cookie_secure or session_cookie_host_prefix)".to_string());
        }
        if self.password_min_length < 8 {
            w.push(format!(
                "password_min_length is {}: use at least 8",
                self.password_min_length
            ));
        }
        if !self.password_check_common {
            w.push("password_check_common is off: common passwords are accepted".to_string());
        }
        if self.login_failures_per_client == 0 || self.login_failures_per_client > 100 {
            w.push(
                "login_failures_per_client is 0 or above 100: brute-force protection is weak"
                    .to_string(),
            );
        }
        if self.session_absolute_timeout_secs > 30 * 24 * 3600 {
            w.push("session_absolute_timeout_secs is above 30 days".to_string());
        }
        w
    }

    /// The client's address: with `client_ip_header`, the entry `trusted_proxies` places from
    /// the right of that header (`X-Forwarded-For: client, proxy1` or RFC 7239 `Forwarded:
    /// for=client;proto=https, for=proxy1`); else, or when that entry
    /// is missing or does not parse, the socket's peer address.
    ///
    /// ```
    /// use auth_core::AuthConfig;
    /// let cfg = AuthConfig { client_ip_header: Some("x-forwarded-for".into()), ..AuthConfig::default() };
    /// let peer = Some("10.0.0.1".parse().unwrap());
    /// // The client sent "6.6.6.6" itself; the proxy appended the real address.
    /// let ip = cfg.client_ip(peer, |_| Some("6.6.6.6, 203.0.113.7"));
    /// assert_eq!(ip, Some("203.0.113.7".parse().unwrap()));
    /// assert_eq!(cfg.client_ip(peer, |_| Some("garbage")), peer);
    /// ```
    pub fn client_ip<'h>(
        &self,
        peer: Option<std::net::IpAddr>,
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Option<std::net::IpAddr> {
        let Some(name) = &self.client_ip_header else {
            return peer;
        };
        let Some(value) = header(name) else {
            return peer;
        };
        let forwarded = name.eq_ignore_ascii_case("forwarded");
        let nth = self.trusted_proxies.max(1) as usize;
        value
            .rsplit(',')
            .nth(nth - 1)
            .and_then(|entry| {
                if forwarded {
                    parse_forwarded_for(entry)
                } else {
                    parse_ip(entry.trim())
                }
            })
            .or(peer)
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

/// The `for=` address of one RFC 7239 `Forwarded` element.
fn parse_forwarded_for(element: &str) -> Option<std::net::IpAddr> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        parse_ip(v.trim().trim_matches('"'))
    })
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`.
fn parse_ip(s: &str) -> Option<std::net::IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse().ok())
}

fn override_value(key: &str, raw: &str) -> Result<toml::Value, String> {
    use toml::Value;
    let defaults = toml::Value::try_from(AuthConfig::default()).map_err(|e| e.to_string())?;
    let sample = defaults.get(key);
    Ok(match (key, sample) {
        ("brand_icon_src" | "site_origin" | "client_ip_header" | "secret_key", _) => {
            Value::String(raw.to_owned())
        }
        (_, Some(Value::Boolean(_))) => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::Boolean(true),
            "0" | "false" | "no" | "off" => Value::Boolean(false),
            _ => return Err(format!("expected true or false, got {raw:?}")),
        },
        (_, Some(Value::Integer(_))) => Value::Integer(
            raw.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("expected a non-negative integer, got {raw:?}"))?,
        ),
        (_, Some(Value::Array(_))) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        _ => Value::String(raw.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_design() {
        let c = AuthConfig::default();
        assert_eq!(c.login_url, "/login");
        assert_eq!(c.signup_url, "/register");
        assert_eq!(c.password_reset_url, "/password-reset");
        assert_eq!(c.session_absolute_timeout_secs, 604_800);
        assert_eq!(c.session_idle_timeout_secs, 172_800);
        assert_eq!(c.logout_preserve_session_keys, vec!["theme".to_string()]);
        assert_eq!(c.password_min_length, 8);
        assert_eq!(c.login_fields, vec![LoginField::Username]);
        c.validate().unwrap();
    }

    #[test]
    fn toml_round_trip_and_unknown_keys() {
        let c = AuthConfig::from_toml_str(
            "login_fields = [\"username\", \"email\"]\nbrand_text = \"Shop\"",
        )
        .unwrap();
        assert_eq!(
            c.login_fields,
            vec![LoginField::Username, LoginField::Email]
        );
        assert_eq!(c.brand_text, "Shop");
        let err = AuthConfig::from_toml_str("login_ulr = \"/x\"").unwrap_err();
        assert!(err.to_string().contains("login_ulr"), "{err}");
        let err = AuthConfig::from_toml_str("password_min_length = \"eight\"").unwrap_err();
        assert!(err.to_string().contains("password_min_length"), "{err}");
        assert!(AuthConfig::from_toml_str("login_fields = []").is_err());
        assert!(AuthConfig::from_toml_str("login_url = \"javascript:alert(1)\"").is_err());
    }

    #[test]
    fn env_overrides_by_type() {
        let env = |k: &str| match k {
            "AUTH_LOGIN_URL" => Some("/signin".to_string()),
            "AUTH_SIGNUP_ENABLED" => Some("false".to_string()),
            "AUTH_PASSWORD_MIN_LENGTH" => Some("12".to_string()),
            "AUTH_LOGIN_FIELDS" => Some("username, email".to_string()),
            "AUTH_SITE_ORIGIN" => Some("https://example.com".to_string()),
            _ => None,
        };
        let c = AuthConfig::default().with_overrides_from(env).unwrap();
        assert_eq!(c.login_url, "/signin");
        assert!(!c.signup_enabled);
        assert_eq!(c.password_min_length, 12);
        assert_eq!(
            c.login_fields,
            vec![LoginField::Username, LoginField::Email]
        );
        assert_eq!(c.site_origin.as_deref(), Some("https://example.com"));

        let bad = |k: &str| (k == "AUTH_SIGNUP_ENABLED").then(|| "maybe".to_string());
        let err = AuthConfig::default().with_overrides_from(bad).unwrap_err();
        assert!(err.to_string().contains("AUTH_SIGNUP_ENABLED"), "{err}");
        let bad = |k: &str| (k == "AUTH_LOGIN_FIELDS").then(|| "phone".to_string());
        assert!(AuthConfig::default().with_overrides_from(bad).is_err());
    }

    #[test]
    fn the_secret_is_redacted_but_overrides_keep_it() {
        let c = AuthConfig {
            secret_key: "super-secret-value".into(),
            ..AuthConfig::default()
        };
        assert!(!format!("{c:?}").contains("super-secret-value"));
        assert!(format!("{c:?}").contains("<redacted>"));
        let toml = toml::to_string(&c).unwrap();
        assert!(!toml.contains("super-secret-value"), "{toml}");
        // Environment overrides round-trip through serialization: the real secret survives.
        let c2 = c
            .clone()
            .with_overrides_from(|k| (k == "AUTH_BRAND_TEXT").then(|| "Shop".to_string()))
            .unwrap();
        assert_eq!(c2.secret_key, "super-secret-value");
        let c3 = AuthConfig::default()
            .with_overrides_from(|k| (k == "AUTH_SECRET_KEY").then(|| "from-env".to_string()))
            .unwrap();
        assert_eq!(c3.secret_key, "from-env");
    }

    #[test]
    fn client_ip_counts_trusted_proxies_from_the_right() {
        let peer: Option<std::net::IpAddr> = Some("10.0.0.9".parse().unwrap());
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
        let xff = AuthConfig {
            client_ip_header: Some("x-forwarded-for".into()),
            ..AuthConfig::default()
        };
        assert_eq!(
            xff.client_ip(peer, |_| Some("1.1.1.1, 2.2.2.2")),
            ip("2.2.2.2")
        );
        assert_eq!(xff.client_ip(peer, |_| None), peer);
        assert_eq!(xff.client_ip(peer, |_| Some("nonsense")), peer);
        assert_eq!(xff.client_ip(peer, |_| Some("")), peer);
        assert_eq!(
            xff.client_ip(peer, |_| Some("[2001:db8::1]:443")),
            ip("2001:db8::1")
        );
        let two = AuthConfig {
            trusted_proxies: 2,
            ..xff.clone()
        };
        assert_eq!(
            two.client_ip(peer, |_| Some("6.6.6.6, 1.1.1.1, 2.2.2.2")),
            ip("1.1.1.1")
        );
        assert_eq!(
            two.client_ip(peer, |_| Some("2.2.2.2")),
            peer,
            "fewer entries than proxies"
        );
        let fwd = AuthConfig {
            client_ip_header: Some("forwarded".into()),
            ..AuthConfig::default()
        };
        assert_eq!(
            fwd.client_ip(peer, |_| Some(
                "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https"
            )),
            ip("2001:db8::7")
        );
        assert_eq!(fwd.client_ip(peer, |_| Some("for=_hidden")), peer);
        assert!(
            AuthConfig {
                trusted_proxies: 0,
                ..AuthConfig::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn production_mode_lists_every_problem() {
        let c = AuthConfig {
            production: true,
            ..AuthConfig::default()
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(
            err.contains("secret_key is empty") && err.contains("site_origin is not set"),
            "{err}"
        );
        let c = AuthConfig {
            production: true,
            secret_key: "x".repeat(40),
            site_origin: Some("https://shop.example".into()),
            session_cookie_secure: true,
            ..AuthConfig::default()
        };
        c.validate().unwrap();
        assert!(
            AuthConfig {
                site_origin: Some("shop.example".into()),
                ..AuthConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            AuthConfig {
                csrf_trusted_origins: vec!["https://a.example/path".into()],
                ..AuthConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            AuthConfig {
                csrf_exempt_paths: vec!["hooks".into()],
                ..AuthConfig::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn host_prefix_implies_secure() {
        let c = AuthConfig {
            session_cookie_host_prefix: true,
            ..AuthConfig::default()
        };
        assert_eq!(c.cookie_name(), "__Host-sessionid");
        assert!(c.cookie_secure());
    }
}
