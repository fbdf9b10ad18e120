//! Checks of values that types alone cannot express, and what production mode requires.

use super::{AuthConfig, ConfigError};

impl AuthConfig {
    /// Checks values that types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.login_fields.is_empty() {
            return bad("login_fields must name at least one of \"username\", \"email\"");
        }
        if self.schema == super::Schema::Django {
            if self.secret_key.is_empty() {
                return bad(
                    "schema = \"django\" needs secret_key set to the Django project's SECRET_KEY (AUTH_SECRET_KEY): it signs the sessions both sides read",
                );
            }
            if self.django_auth_backends.is_empty() {
                return bad(
                    "django_auth_backends must name at least one backend (Django's default is django.contrib.auth.backends.ModelBackend)",
                );
            }
        }
        if self.secret_key_fallbacks.iter().any(String::is_empty) {
            return bad("secret_key_fallbacks must not hold an empty key");
        }
        if self.django_password_iterations == 0 {
            return bad("django_password_iterations must be at least 1");
        }
        if self.password_min_length == 0 || self.password_min_length > 1024 {
            return bad("password_min_length must be between 1 and 1024");
        }
        for (k, v) in [
            ("login_url", &self.login_url),
            ("signup_url", &self.signup_url),
            ("logout_url", &self.logout_url),
            ("password_reset_url", &self.password_reset_url),
            ("password_change_url", &self.password_change_url),
            ("sessions_url", &self.sessions_url),
            ("email_verification_url", &self.email_verification_url),
            ("email_change_url", &self.email_change_url),
            ("account_delete_url", &self.account_delete_url),
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
            && !crate::http::web_origin::is_valid_origin(o)
        {
            return Err(ConfigError::Invalid(format!(
                "site_origin must be an origin such as https://shop.example (scheme, host, optional port; no path), got {o:?}"
            )));
        }
        for o in &self.csrf_trusted_origins {
            if !crate::http::web_origin::is_valid_origin(o) {
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
}
