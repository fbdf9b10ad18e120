//! The JSON API for single-page apps and mobile clients: log in, log out, the current user,
//! and the CSRF token, with the same lockout, session rotation and audit events as the
//! built-in pages. Opt-in like the pages: mount it with the adapter's `add_auth_api`.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET {base}/csrf` | `200 {"token", "header", "cookie"}`: send `token` back in the `X-CSRFToken` header of every unsafe request (the CSRF cookie comes with this answer) |
//! | `POST {base}/login` | JSON `{"username", "password"}` and `X-CSRFToken`: `200` with the user, and a new session cookie and CSRF token (fetch `/csrf` again) |
//! | `POST {base}/logout` | `X-CSRFToken`: `204`, session ended |
//! | `GET {base}/me` | `200` with the user, `401` when nobody is logged in |
//! | `POST {base}/password-change` | with `password_change_enabled`: JSON `{"old_password", "new_password", "confirm_password"}`: `200 {"sessions_ended"}`, a new session id; `400 invalid` with `fields` |
//! | `GET {base}/sessions` | with `sessions_page_enabled`: `200 {"sessions": [..]}` ([`SessionInfo`](crate::service::SessionInfo), this one first) |
//! | `POST {base}/sessions/end` | with `sessions_page_enabled`: JSON `{"handle"}` or `{"others": true}`: `200 {"ended"}`; `404 not_found` for a handle the user has no live session under |
//!
//! | `POST {base}/account/delete` | with `account_deletion` on: JSON `{"password"}`: `200 {"deleted", "mode"}`, every session ended and this one logged out; `400 invalid` with `fields` for a wrong password |
//!
//! `POST {base}/login` also takes `"remember_me": bool` when `remember_me_enabled` is on.
//!
//! Errors are JSON `{"error": code, "message": text}`: `400 bad_request` (not JSON, a field
//! missing), `401 invalid_credentials` (one answer for an unknown user, a wrong password and an
//! inactive account), `403 csrf_failed` (no or a wrong `X-CSRFToken`), `405`, `413`,
//! `415 unsupported_media_type` (not `application/json`), `429 throttled` with `Retry-After`,
//! `503 unavailable` (a store is down). The layer's cross-origin check (403 `cross_origin`)
//! runs before any of them. The user is [`UserSnapshot`] (no password hash).

use crate::error::AuthError;
use crate::guard::AuthContext;
use crate::guard::helpers::{UserSnapshot, user_snapshot};
use crate::http::form::FormError;
use crate::http::request::{AuthHandle, LoginOptions};

mod account;

/// The header the API reads the CSRF token from (Django's name).
pub const CSRF_HEADER: &str = "X-CSRFToken";

/// The default base path of the API.
pub const DEFAULT_BASE: &str = "/api/auth";

/// One endpoint of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST {base}/login`.
    Login,
    /// `POST {base}/logout`.
    Logout,
    /// `GET {base}/me`.
    Me,
    /// `GET {base}/csrf`.
    Csrf,
    /// `POST {base}/password-change` (with `password_change_enabled`).
    PasswordChange,
    /// `GET {base}/sessions` (with `sessions_page_enabled`).
    Sessions,
    /// `POST {base}/sessions/end` (with `sessions_page_enabled`).
    EndSession,
    /// `POST {base}/account/delete` (with `account_deletion` on).
    DeleteAccount,
}

impl Endpoint {
    /// Every endpoint with its path under `base` (`/api/auth` by default). The
    /// password-change, sessions and delete-account endpoints answer `404 not_found` unless
    /// their pages are enabled (`password_change_enabled`, `sessions_page_enabled`,
    /// `account_deletion`).
    pub fn routes(base: &str) -> Vec<(String, Endpoint)> {
        let base = base.trim_end_matches('/');
        [
            ("login", Endpoint::Login),
            ("logout", Endpoint::Logout),
            ("me", Endpoint::Me),
            ("csrf", Endpoint::Csrf),
            ("password-change", Endpoint::PasswordChange),
            ("sessions", Endpoint::Sessions),
            ("sessions/end", Endpoint::EndSession),
            ("account/delete", Endpoint::DeleteAccount),
        ]
        .into_iter()
        .map(|(p, e)| (format!("{base}/{p}"), e))
        .collect()
    }

    /// Whether the endpoint reads a request body (the adapters read it only then).
    pub fn reads_body(self) -> bool {
        matches!(
            self,
            Endpoint::Login
                | Endpoint::PasswordChange
                | Endpoint::EndSession
                | Endpoint::DeleteAccount
        )
    }

    /// Whether `cfg` turns the endpoint on.
    fn enabled(self, cfg: &crate::config::AuthConfig) -> bool {
        match self {
            Endpoint::PasswordChange => cfg.password_change_enabled,
            Endpoint::Sessions | Endpoint::EndSession => cfg.sessions_page_enabled,
            Endpoint::DeleteAccount => cfg.account_deletion != crate::config::AccountDeletion::Off,
            _ => true,
        }
    }

    fn method(self) -> &'static str {
        match self {
            Endpoint::Login
            | Endpoint::Logout
            | Endpoint::PasswordChange
            | Endpoint::EndSession
            | Endpoint::DeleteAccount => "POST",
            Endpoint::Me | Endpoint::Csrf | Endpoint::Sessions => "GET",
        }
    }
}

/// What an endpoint needs of the request.
#[derive(Debug)]
pub struct ApiRequest<'a> {
    /// The method.
    pub method: &'a str,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// The body, or why it was refused (too large).
    pub body: Result<&'a [u8], FormError>,
    /// The `X-CSRFToken` header.
    pub csrf_token: Option<&'a str>,
    /// The `User-Agent` header (recorded with a login's session).
    pub user_agent: Option<&'a str>,
}

/// An endpoint's answer: status, JSON body (empty for 204) and headers to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body; empty for `204`.
    pub body: String,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
    /// Methods for an `Allow` header (405).
    pub allow: Option<&'static str>,
}

impl ApiResponse {
    /// `{"error": code, "message": message}` with `status`.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        ApiResponse {
            status,
            body: serde_json::json!({ "error": code, "message": message }).to_string(),
            retry_after: None,
            allow: None,
        }
    }

    fn json(status: u16, value: &impl serde::Serialize) -> Self {
        match serde_json::to_string(value) {
            Ok(body) => ApiResponse {
                status,
                body,
                retry_after: None,
                allow: None,
            },
            Err(e) => Self::error(500, "internal", &e.to_string()),
        }
    }

    /// The answer to an [`AuthError`] (for handlers that call the service themselves).
    pub fn for_auth_error(e: &AuthError, cfg: &crate::config::AuthConfig) -> Self {
        match e {
            AuthError::InvalidCredentials => {
                Self::error(401, "invalid_credentials", &cfg.messages.invalid_login)
            }
            AuthError::EmailNotVerified => {
                Self::error(403, "email_not_verified", &cfg.messages.email_not_verified)
            }
            AuthError::Throttled { retry_after_secs } => {
                let minutes = retry_after_secs.div_ceil(60).max(1);
                let message = cfg
                    .messages
                    .login_throttled
                    .replace("{minutes}", &minutes.to_string());
                let mut r = Self::error(429, "throttled", &message);
                r.retry_after = Some(*retry_after_secs);
                r
            }
            AuthError::InvalidPassword(m) => Self::error(400, "invalid_password", m),
            AuthError::NotLoggedIn => {
                Self::error(401, "unauthenticated", &cfg.messages.login_required)
            }
            AuthError::Store(_) | AuthError::Password(_) => {
                tracing::error!(error = %e, "auth API request failed");
                Self::error(503, "unavailable", &cfg.messages.service_unavailable)
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct Credentials {
    #[serde(alias = "email", alias = "login")]
    username: String,
    password: String,
    #[serde(default)]
    remember_me: Option<bool>,
}

/// Answers `endpoint` for this request.
pub async fn handle(
    endpoint: Endpoint,
    auth: &mut AuthHandle,
    req: &ApiRequest<'_>,
) -> ApiResponse {
    if !endpoint.enabled(auth.service().config()) {
        return ApiResponse::error(404, "not_found", "this endpoint is not enabled");
    }
    if !req.method.eq_ignore_ascii_case(endpoint.method()) {
        let mut r = ApiResponse::error(405, "method_not_allowed", "method not allowed");
        r.allow = Some(endpoint.method());
        return r;
    }
    let cfg = auth.service().config().clone();
    match endpoint {
        Endpoint::Csrf => ApiResponse::json(
            200,
            &serde_json::json!({
                "token": auth.csrf_token(),
                "header": CSRF_HEADER,
                "cookie": crate::http::csrf::CSRF_COOKIE,
            }),
        ),
        Endpoint::Me => match me(auth, &cfg).await {
            Ok(Some(snap)) => ApiResponse::json(200, &snap),
            Ok(None) => ApiResponse::error(401, "unauthenticated", &cfg.messages.login_required),
            Err(r) => r,
        },
        Endpoint::Logout => {
            if let Err(r) = check_csrf(auth, req, &cfg) {
                return r;
            }
            match auth.logout().await {
                Ok(()) => ApiResponse {
                    status: 204,
                    body: String::new(),
                    retry_after: None,
                    allow: None,
                },
                Err(e) => ApiResponse::for_auth_error(&e, &cfg),
            }
        }
        Endpoint::Login => {
            let creds: Credentials = match json_body(
                auth,
                req,
                &cfg,
                "send {\"username\": \"...\", \"password\": \"...\"}",
            ) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let options = LoginOptions {
                remember: creds.remember_me,
                user_agent: req.user_agent,
            };
            match auth
                .authenticate_and_login_with(&creds.username, &creds.password, &options)
                .await
            {
                Ok(_) => match me(auth, &cfg).await {
                    Ok(Some(snap)) => ApiResponse::json(200, &snap),
                    Ok(None) => {
                        ApiResponse::error(401, "invalid_credentials", &cfg.messages.invalid_login)
                    }
                    Err(r) => r,
                },
                Err(e) => ApiResponse::for_auth_error(&e, &cfg),
            }
        }
        Endpoint::PasswordChange => account::password_change(auth, req, &cfg).await,
        Endpoint::Sessions => account::sessions(auth, &cfg).await,
        Endpoint::EndSession => account::end_session(auth, req, &cfg).await,
        Endpoint::DeleteAccount => account::delete_account(auth, req, &cfg).await,
    }
}

/// The JSON body of an unsafe request, after the size, media type and CSRF checks; `hint`
/// says what to send when it does not parse as `T`.
fn json_body<T: serde::de::DeserializeOwned>(
    auth: &AuthHandle,
    req: &ApiRequest<'_>,
    cfg: &crate::config::AuthConfig,
    hint: &str,
) -> Result<T, ApiResponse> {
    let body = match &req.body {
        Ok(b) => *b,
        Err(FormError::TooLarge) => {
            return Err(ApiResponse::error(
                413,
                "payload_too_large",
                "the body is too large",
            ));
        }
        Err(e) => return Err(ApiResponse::error(400, "bad_request", &e.to_string())),
    };
    let json = req
        .content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiResponse::error(
            415,
            "unsupported_media_type",
            "send the body as JSON (Content-Type: application/json)",
        ));
    }
    check_csrf(auth, req, cfg)?;
    serde_json::from_slice(body).map_err(|_| ApiResponse::error(400, "bad_request", hint))
}

async fn me(
    auth: &AuthHandle,
    cfg: &crate::config::AuthConfig,
) -> Result<Option<UserSnapshot>, ApiResponse> {
    if auth.is_unavailable() {
        return Err(ApiResponse::error(
            503,
            "unavailable",
            &cfg.messages.service_unavailable,
        ));
    }
    let snap = user_snapshot(auth, cfg.user_snapshot_include_groups)
        .await
        .map_err(|e| ApiResponse::for_auth_error(&AuthError::Store(e), cfg))?;
    Ok(snap.filter(|s| s.is_active))
}

fn check_csrf(
    auth: &AuthHandle,
    req: &ApiRequest<'_>,
    cfg: &crate::config::AuthConfig,
) -> Result<(), ApiResponse> {
    match req.csrf_token {
        Some(t) if auth.verify_csrf(t) => Ok(()),
        _ => {
            tracing::warn!(
                event = "csrf_failed",
                "auth API request without a valid X-CSRFToken"
            );
            Err(ApiResponse::error(
                403,
                "csrf_failed",
                &cfg.messages.csrf_failed,
            ))
        }
    }
}
