//! # auth-pages
//!
//! The built-in auth pages, framework-neutral: login, registration, password reset (request,
//! confirm, done, complete) and logout.
//!
//! [`AuthPages`] holds the renderer and the mailer; [`AuthPages::handle`] runs one page's flow
//! on a [`PageRequest`] and answers a [`PageResponse`]. The adapters mount [`routes`] and do
//! nothing but translate requests and responses, so both frameworks behave identically.
//! [`mail`] sends what the pages send (console, files, or SMTP with the `smtp` feature).
//!
//! Applications reach this crate through their adapter's `pages` feature (on by default):
//! `auth_axum::add_auth_pages` / `auth_actix::add_auth_pages` mount these pages, and
//! `auth_axum::auth_pages` is this crate.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

mod account;
mod account_email;
mod account_email_render;
mod account_mail;
mod account_render;
#[cfg(test)]
mod document_tests;
mod login;
mod login_ui;
pub mod mail;
mod parts;
mod register;
pub mod render;
mod reset;
mod reset_mail;
mod routes;
mod types;

use std::sync::Arc;

pub use render::{
    AccountDeleteView, Common, ConfirmView, DefaultRenderer, EmailChangeView, LoginView,
    NoticeView, PageRenderer, PasswordChangeView, RegisterView, ResetConfirmView, ResetRequestView,
    SessionsView,
};

use crate::mail::{ConsoleMailer, Mailer};
use auth_core::config::AuthConfig;
use auth_core::http::AuthHandle;
use auth_core::http::Form;
use auth_core::http::safe_next;

pub use login_ui::LoginUi;
pub use reset_mail::send_reset_mail;
pub use routes::{MountError, PagesSetup, Route, check_mount, routes};
pub use types::{PageRequest, PageResponse};

/// The built-in pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Page {
    /// `GET`/`POST login_url`.
    Login,
    /// `POST logout_url`.
    Logout,
    /// `GET`/`POST signup_url`.
    Register,
    /// `GET`/`POST password_reset_url`.
    PasswordReset,
    /// `GET password_reset_url/done`.
    PasswordResetDone,
    /// `GET password_reset_url/confirm/{uid}/{token}` and, with token `set-password`, the
    /// new-password form (`GET`/`POST`).
    PasswordResetConfirm,
    /// `GET password_reset_url/complete`.
    PasswordResetComplete,
    /// `GET`/`POST password_change_url` (with `password_change_enabled`): a logged-in user
    /// changes their password.
    PasswordChange,
    /// `GET`/`POST sessions_url` (with `sessions_page_enabled`): a logged-in user sees their
    /// sessions and ends one or every other one.
    Sessions,
    /// `GET`/`POST email_verification_url/{uid}/{token}` (with `require_email_verification`):
    /// the link mailed at registration; the button activates the account.
    VerifyEmail,
    /// `POST email_verification_url/resend` (with `require_email_verification`): mails the
    /// link again (field `identifier`), throttled.
    VerifyEmailResend,
    /// `GET`/`POST email_change_url` (with `email_change_enabled`): a logged-in user asks to
    /// change their address (fields `password`, `new_email`).
    EmailChange,
    /// `GET`/`POST email_change_url/confirm/{uid}/{token}`: the link mailed to the new
    /// address; the button makes the change.
    EmailChangeConfirm,
    /// `GET`/`POST account_delete_url` (with `account_deletion` on): a logged-in user deletes
    /// their account (field `password`).
    AccountDelete,
}

impl Page {
    /// The four pages of the password-reset flow (request, done, confirm, complete), to mount
    /// together.
    pub const PASSWORD_RESET_FLOW: [Page; 4] = [
        Page::PasswordReset,
        Page::PasswordResetDone,
        Page::PasswordResetConfirm,
        Page::PasswordResetComplete,
    ];
}

/// The built-in pages with their renderer and mailer. Cheap to clone.
///
/// ```
/// use auth_pages::AuthPages;
/// use auth_pages::mail::FileMailer;
/// let pages = AuthPages::new().mailer(FileMailer::new("/tmp/mail"));
/// ```
#[derive(Clone)]
pub struct AuthPages {
    renderer: Arc<dyn PageRenderer>,
    mailer: Arc<dyn Mailer>,
    link_origin: Option<Arc<str>>,
}

impl Default for AuthPages {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for AuthPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthPages").finish_non_exhaustive()
    }
}

const FLASH: &str = "_flash";
const RESET: &str = "_password_reset";
const SET_PASSWORD: &str = "set-password";

impl AuthPages {
    /// The default look and the console mailer.
    pub fn new() -> Self {
        AuthPages {
            renderer: Arc::new(DefaultRenderer),
            mailer: Arc::new(ConsoleMailer),
            link_origin: None,
        }
    }

    /// The origin of emailed links when `site_origin` is not configured (the example apps'
    /// set-up passes `http://` + their bind address). Never taken from the request's `Host`.
    pub fn link_origin(mut self, origin: impl Into<String>) -> Self {
        self.link_origin = Some(origin.into().into());
        self
    }

    /// Replaces how pages render.
    pub fn renderer(mut self, renderer: impl PageRenderer) -> Self {
        self.renderer = Arc::new(renderer);
        self
    }

    /// Replaces how mail is sent.
    pub fn mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self
    }

    /// Uses an already shared mailer.
    pub fn shared_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Runs one page.
    pub async fn handle(
        &self,
        page: Page,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let method = if req.method == "HEAD" {
            "GET"
        } else {
            req.method
        };
        match (page, method) {
            (Page::Login, "GET") => self.login_get(auth, req).await,
            (Page::Login, "POST") => self.login_post(auth, req).await,
            (Page::Logout, "POST") => self.logout_post(auth, req).await,
            (Page::Register, "GET") => self.register_get(auth, req).await,
            (Page::Register, "POST") => self.register_post(auth, req).await,
            (Page::PasswordReset, "GET") => self.reset_get(auth, req, String::new(), vec![]),
            (Page::PasswordReset, "POST") => self.reset_post(auth, req).await,
            (Page::PasswordResetDone, "GET") => {
                let m = &auth.service().config().messages;
                self.notice(
                    auth,
                    200,
                    &m.password_reset_title,
                    &m.password_reset_sent,
                    true,
                )
            }
            (Page::PasswordResetConfirm, "GET") => self.confirm_get(auth, req).await,
            (Page::PasswordResetConfirm, "POST") => self.confirm_post(auth, req).await,
            (Page::PasswordResetComplete, "GET") => {
                let m = &auth.service().config().messages;
                self.notice(
                    auth,
                    200,
                    &m.password_reset_confirm_title,
                    &m.password_reset_complete,
                    true,
                )
            }
            (Page::PasswordChange, "GET") => self.password_change_get(auth, req).await,
            (Page::PasswordChange, "POST") => self.password_change_post(auth, req).await,
            (Page::Sessions, "GET") => self.sessions_get(auth, req).await,
            (Page::Sessions, "POST") => self.sessions_post(auth, req).await,
            (Page::VerifyEmail, "GET") => self.verify_email_get(auth, req).await,
            (Page::VerifyEmail, "POST") => self.verify_email_post(auth, req).await,
            (Page::VerifyEmailResend, "POST") => self.verify_email_resend(auth, req).await,
            (Page::EmailChange, "GET") => self.email_change_get(auth, req).await,
            (Page::EmailChange, "POST") => self.email_change_post(auth, req).await,
            (Page::EmailChangeConfirm, "GET") => self.email_change_confirm_get(auth, req).await,
            (Page::EmailChangeConfirm, "POST") => self.email_change_confirm_post(auth, req).await,
            (Page::AccountDelete, "GET") => self.account_delete_get(auth, req).await,
            (Page::AccountDelete, "POST") => self.account_delete_post(auth, req).await,
            (Page::VerifyEmailResend, _) => PageResponse::method_not_allowed("POST"),
            (Page::Logout, _) => PageResponse::method_not_allowed("POST"),
            (Page::PasswordResetDone | Page::PasswordResetComplete, _) => {
                PageResponse::method_not_allowed("GET, HEAD")
            }
            _ => PageResponse::method_not_allowed("GET, HEAD, POST"),
        }
    }

    fn common<'c>(
        &self,
        auth: &AuthHandle,
        cfg: &'c AuthConfig,
        req: &PageRequest<'_>,
        notice: Option<String>,
    ) -> Common<'c> {
        let action = match req.query {
            Some(q) if !q.is_empty() => format!("{}?{q}", req.path),
            _ => req.path.to_owned(),
        };
        Common {
            config: cfg,
            csrf_token: auth.csrf_token(),
            action,
            notice,
        }
    }

    fn notice(
        &self,
        auth: &AuthHandle,
        status: u16,
        title: &str,
        message: &str,
        login_link: bool,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let common = Common {
            config: cfg,
            csrf_token: String::new(),
            action: String::new(),
            notice: None,
        };
        let link = login_link.then_some((
            cfg.login_url.as_str(),
            cfg.messages.back_to_login_link.as_str(),
        ));
        let html = self.renderer.notice(&NoticeView {
            common,
            title,
            message,
            link,
        });
        PageResponse::html(status, html)
    }

    fn unavailable(&self, auth: &AuthHandle, e: &dyn std::fmt::Display) -> PageResponse {
        tracing::error!(error = %e, "auth page failed: a store or the hashing pool is unavailable");
        let m = &auth.service().config().messages;
        self.notice(
            auth,
            503,
            "Service unavailable",
            &m.service_unavailable,
            false,
        )
    }

    /// Counts one `action` for this client; the answer when it is over `per_hour` (429) or the
    /// counters cannot be reached (503, fail closed).
    async fn client_limit(
        &self,
        auth: &AuthHandle,
        action: &str,
        per_hour: u32,
    ) -> Option<PageResponse> {
        match auth
            .service()
            .rate_limit_client(action, auth.client_ip(), per_hour)
            .await
        {
            Ok(true) => None,
            Ok(false) => Some(self.rate_limited(auth)),
            Err(e) => Some(self.unavailable(auth, &e)),
        }
    }

    /// 429 for a client over its hourly registrations or reset requests.
    fn rate_limited(&self, auth: &AuthHandle) -> PageResponse {
        let m = &auth.service().config().messages;
        tracing::warn!(event = "rate_limited", client = ?auth.client_ip(), "auth form refused: too many requests from this client");
        let mut r = self.notice(
            auth,
            429,
            "Too many requests",
            &m.rate_limited.replace("{minutes}", "60"),
            false,
        );
        r.retry_after = Some(3600);
        r
    }

    /// Reads and checks a posted form: body, origin, CSRF token.
    fn read_form(&self, auth: &AuthHandle, req: &PageRequest<'_>) -> Result<Form, PageResponse> {
        let cfg = auth.service().config();
        let m = &cfg.messages;
        let form = req
            .body
            .clone()
            .and_then(|body| Form::parse(req.content_type, body))
            .map_err(|e| {
                tracing::info!(error = %e, "auth form refused");
                self.notice(auth, e.status(), "Bad request", &m.bad_form, false)
            })?;
        let origin_ok = auth_core::http::same_origin(
            auth.service().origin_policy(),
            req.origin,
            req.referer,
            req.host,
        );
        let token_ok = auth.verify_csrf(form.get(auth_core::http::CSRF_FIELD));
        if !origin_ok || !token_ok {
            tracing::warn!(
                event = "csrf_failed",
                origin_ok,
                token_ok,
                path = req.path,
                "form post refused by the CSRF check"
            );
            return Err(self.notice(auth, 403, "Forbidden", &m.csrf_failed, false));
        }
        Ok(form)
    }

    fn next_target<'a>(&self, cfg: &'a AuthConfig, next: Option<&'a str>) -> &'a str {
        let hosts = allowed_hosts(cfg);
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        safe_next(next, &hosts, &cfg.login_redirect_url)
    }
}

/// Keeps `notice` for the next page this session shows, and redirects to `to`.
async fn flash_redirect(auth: &AuthHandle, notice: String, to: String) -> PageResponse {
    auth.session_insert(FLASH, serde_json::Value::String(notice))
        .await;
    PageResponse::redirect(to)
}

async fn take_flash(auth: &AuthHandle) -> Option<String> {
    auth.session_take(FLASH)
        .await
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// Hosts that `next=` may point to: the host of `site_origin`, if set.
fn allowed_hosts(cfg: &AuthConfig) -> Vec<String> {
    cfg.site_origin
        .as_deref()
        .and_then(|o| {
            o.split_once("://")
                .map(|(_, h)| h.trim_end_matches('/').to_owned())
        })
        .into_iter()
        .collect()
}
