//! The built-in auth pages, framework-neutral: login, registration, password reset (request,
//! confirm, done, complete) and logout.
//!
//! [`AuthPages`] holds the renderer and the mailer; [`AuthPages::handle`] runs one page's flow
//! on a [`PageRequest`] and answers a [`PageResponse`]. The adapters mount [`routes`] and do
//! nothing but translate requests and responses, so both frameworks behave identically.

pub mod render;

use std::sync::Arc;

pub use render::{
    Common, DefaultRenderer, LoginView, NoticeView, PageRenderer, RegisterView, ResetConfirmView,
    ResetRequestView,
};

use crate::config::{AuthConfig, LoginField};
use crate::error::AuthError;
use crate::form::{Form, FormError, query_param};
use crate::mail::{ConsoleMailer, Email, Mailer};
use crate::redirect::safe_next;
use crate::request::AuthHandle;
use crate::service::{RegisterError, Registration};
use crate::session::now_unix;
use crate::validators::FormErrors;

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
}

/// A route of the built-in pages: its path (with `{uid}`/`{token}` parameters where needed,
/// the syntax both axum and actix-web use) and the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The path pattern.
    pub path: String,
    /// The page.
    pub page: Page,
}

/// The routes of the enabled pages under `cfg` (all of them when `pages` is `None`).
pub fn routes(cfg: &AuthConfig, pages: Option<&[Page]>) -> Vec<Route> {
    let reset = cfg.password_reset_url.trim_end_matches('/');
    let all = [
        (Page::Login, cfg.login_url.clone(), true),
        (Page::Logout, cfg.logout_url.clone(), true),
        (Page::Register, cfg.signup_url.clone(), cfg.signup_enabled),
        (
            Page::PasswordReset,
            cfg.password_reset_url.clone(),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordResetDone,
            format!("{reset}/done"),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordResetConfirm,
            format!("{reset}/confirm/{{uid}}/{{token}}"),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordResetComplete,
            format!("{reset}/complete"),
            cfg.password_reset_enabled,
        ),
    ];
    all.into_iter()
        .filter(|(page, _, enabled)| {
            *enabled && cfg.enabled && pages.is_none_or(|p| p.contains(page))
        })
        .map(|(page, path, _)| Route { path, page })
        .collect()
}

/// A request to a built-in page, as the adapter read it.
#[derive(Clone, Debug)]
pub struct PageRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The request path (for the form action).
    pub path: &'a str,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// The body, or the error the adapter met reading it (too large).
    pub body: Result<&'a [u8], FormError>,
    /// `Origin`.
    pub origin: Option<&'a str>,
    /// `Referer`.
    pub referer: Option<&'a str>,
    /// `Host`.
    pub host: Option<&'a str>,
    /// Path parameter `uid` (reset confirm).
    pub uid: Option<&'a str>,
    /// Path parameter `token` (reset confirm).
    pub token: Option<&'a str>,
}

/// A built-in page's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageResponse {
    /// HTTP status.
    pub status: u16,
    /// `Location`, for redirects (303).
    pub location: Option<String>,
    /// HTML body (`text/html; charset=utf-8`).
    pub html: Option<String>,
    /// `Allow`, for 405.
    pub allow: Option<&'static str>,
    /// `Retry-After` in seconds, for 429.
    pub retry_after: Option<u64>,
}

impl PageResponse {
    fn html(status: u16, html: String) -> Self {
        PageResponse {
            status,
            location: None,
            html: Some(html),
            allow: None,
            retry_after: None,
        }
    }

    fn redirect(location: impl Into<String>) -> Self {
        PageResponse {
            status: 303,
            location: Some(location.into()),
            html: None,
            allow: None,
            retry_after: None,
        }
    }

    fn method_not_allowed(allow: &'static str) -> Self {
        PageResponse {
            status: 405,
            location: None,
            html: None,
            allow: Some(allow),
            retry_after: None,
        }
    }
}

/// The built-in pages with their renderer and mailer. Cheap to clone.
///
/// ```
/// use auth_core::pages::AuthPages;
/// use auth_core::mail::FileMailer;
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
        let origin_ok = crate::csrf::same_origin(
            auth.service().origin_policy(),
            req.origin,
            req.referer,
            req.host,
        );
        let token_ok = auth.verify_csrf(form.get(crate::csrf::CSRF_FIELD));
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

    fn render_login(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        identifier: String,
        errors: Vec<String>,
        next: Option<String>,
        notice: Option<String>,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let m = &cfg.messages;
        let identifier_label = match cfg.login_fields.as_slice() {
            [LoginField::Email] => m.email_label.as_str(),
            [LoginField::Username] => m.username_label.as_str(),
            _ => m.username_or_email_label.as_str(),
        };
        let hosts = allowed_hosts(cfg);
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        let next =
            next.filter(|n| crate::redirect::url_has_allowed_host_and_scheme(n, &hosts, false));
        let view = LoginView {
            common: self.common(auth, cfg, req, notice),
            identifier_label,
            identifier,
            errors,
            next,
            signup_url: cfg.signup_enabled.then_some(cfg.signup_url.as_str()),
            password_reset_url: cfg
                .password_reset_enabled
                .then_some(cfg.password_reset_url.as_str()),
        };
        PageResponse::html(200, self.renderer.login(&view))
    }

    async fn login_get(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config().clone();
        let next = query_param(req.query, "next");
        if cfg.redirect_authenticated_user && auth.is_authenticated() {
            return PageResponse::redirect(self.next_target(&cfg, next.as_deref()));
        }
        let notice = take_flash(auth).await;
        self.render_login(auth, req, String::new(), vec![], next, notice)
    }

    async fn login_post(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config().clone();
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let next = form
            .opt("next")
            .map(str::to_owned)
            .or_else(|| query_param(req.query, "next"));
        let identifier = form.get(&cfg.fields.login_username).to_owned();
        let password = form.get(&cfg.fields.login_password);
        match auth.authenticate_and_login(&identifier, password).await {
            Ok(_) => PageResponse::redirect(self.next_target(&cfg, next.as_deref())),
            Err(AuthError::InvalidCredentials) => {
                let errors = vec![cfg.messages.invalid_login.clone()];
                self.render_login(auth, req, identifier, errors, next, None)
            }
            Err(AuthError::Throttled { retry_after_secs }) => {
                let minutes = retry_after_secs.div_ceil(60).max(1);
                let errors = vec![
                    cfg.messages
                        .login_throttled
                        .replace("{minutes}", &minutes.to_string()),
                ];
                let mut r = self.render_login(auth, req, identifier, errors, next, None);
                r.status = 429;
                r.retry_after = Some(retry_after_secs);
                r
            }
            Err(e) => self.unavailable(auth, &e),
        }
    }

    async fn logout_post(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        if let Err(r) = self.read_form(auth, req) {
            return r;
        }
        match auth.logout().await {
            Ok(()) => PageResponse::redirect(auth.service().config().logout_redirect_url.clone()),
            Err(e) => self.unavailable(auth, &e),
        }
    }

    fn render_register(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        username: String,
        email: String,
        errors: FormErrors,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = RegisterView {
            common: self.common(auth, cfg, req, None),
            username,
            email,
            errors,
        };
        PageResponse::html(status, self.renderer.register(&view))
    }

    async fn register_get(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config();
        if cfg.redirect_authenticated_user && auth.is_authenticated() {
            return PageResponse::redirect(cfg.login_redirect_url.clone());
        }
        self.render_register(
            auth,
            req,
            200,
            String::new(),
            String::new(),
            FormErrors::default(),
        )
    }

    async fn register_post(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config().clone();
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let f = &cfg.fields;
        let reg = Registration {
            username: form.get(&f.register_username).to_owned(),
            email: form.get(&f.register_email).to_owned(),
            password: form.get(&f.register_password).to_owned(),
            confirm_password: form.get(&f.register_confirm_password).to_owned(),
        };
        if let Some(refused) = self
            .client_limit(auth, "register", cfg.registrations_per_client_per_hour)
            .await
        {
            return refused;
        }
        match auth.service().register(&reg).await {
            Ok(_) => {
                auth.session_insert(FLASH, cfg.messages.registered_notice.clone().into())
                    .await;
                PageResponse::redirect(cfg.signup_redirect_url.clone())
            }
            Err(RegisterError::Invalid(errors)) => {
                self.render_register(auth, req, 200, reg.username, reg.email, errors)
            }
            Err(e) => self.unavailable(auth, &e),
        }
    }

    fn reset_get(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        email: String,
        errors: Vec<String>,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = ResetRequestView {
            common: self.common(auth, cfg, req, None),
            email,
            errors,
        };
        PageResponse::html(200, self.renderer.password_reset(&view))
    }

    async fn reset_post(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config().clone();
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let email = form.get(&cfg.fields.reset_email).trim().to_owned();
        if email.is_empty() || email.len() > 254 || !email.contains('@') {
            let msg = if email.is_empty() {
                &cfg.messages.email_required
            } else {
                &cfg.messages.email_invalid
            };
            return self.reset_get(auth, req, email, vec![msg.clone()]);
        }
        let service = auth.service().clone();
        if let Some(refused) = self
            .client_limit(auth, "reset", cfg.password_resets_per_client_per_hour)
            .await
        {
            return refused;
        }
        let mailer = self.mailer.clone();
        let link_origin = self.link_origin.clone();
        // Look up and send in the background: the answer is the same, and takes the same time,
        // whether or not the address has an account (or has had its hourly mails).
        tokio::spawn(async move {
            let key = format!("reset-mail:{}", crate::user::fold_case(&email));
            match service
                .rate_limit(&key, cfg.password_reset_mails_per_address_per_hour, 3600)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        event = "password_reset_throttled",
                        "password reset mail not sent: too many for this address this hour"
                    );
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "password reset mail not sent: counters unavailable");
                    return;
                }
            }
            if let Err(e) =
                send_reset_mail_from(&service, mailer.as_ref(), &email, link_origin.as_deref())
                    .await
            {
                tracing::error!(error = %e, "password reset mail not sent");
            }
        });
        PageResponse::redirect(format!(
            "{}/done",
            cfg.password_reset_url.trim_end_matches('/')
        ))
    }

    async fn confirm_get(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config().clone();
        let (Some(uid), Some(token)) = (req.uid, req.token) else {
            return self.invalid_link(auth);
        };
        if token == SET_PASSWORD {
            return match self.reset_user(auth, uid).await {
                Ok(Some(_)) => self.render_confirm(auth, req, 200, vec![]),
                Ok(None) => self.invalid_link(auth),
                Err(e) => self.unavailable(auth, &e),
            };
        }
        // Move the token out of the URL into the session, then show the form at a URL without
        // it (so it does not leak through Referer or history), as Django does.
        let valid = match crate::reset::decode_uid(uid) {
            Some(id) => match auth.service().users().get_user(id).await {
                Ok(Some(u)) => {
                    u.is_active
                        && crate::reset::check_token(
                            auth.service().secret(),
                            &u,
                            token,
                            now_unix(),
                            cfg.password_reset_timeout_secs,
                        )
                }
                Ok(None) => false,
                Err(e) => return self.unavailable(auth, &e),
            },
            None => false,
        };
        if !valid {
            tracing::info!(
                event = "password_reset_link_invalid",
                "invalid password reset link"
            );
            return self.invalid_link(auth);
        }
        auth.session_insert(RESET, serde_json::json!({ "uid": uid, "token": token }))
            .await;
        let reset = cfg.password_reset_url.trim_end_matches('/');
        PageResponse::redirect(format!("{reset}/confirm/{uid}/{SET_PASSWORD}"))
    }

    /// The user whose reset token the session holds for `uid`, if it is still valid.
    async fn reset_user(
        &self,
        auth: &AuthHandle,
        uid: &str,
    ) -> Result<Option<crate::user::User>, crate::error::StoreError> {
        let Some(saved) = auth.session_get(RESET).await else {
            return Ok(None);
        };
        let (Some(saved_uid), Some(token)) = (saved["uid"].as_str(), saved["token"].as_str())
        else {
            return Ok(None);
        };
        if saved_uid != uid {
            return Ok(None);
        }
        let Some(id) = crate::reset::decode_uid(uid) else {
            return Ok(None);
        };
        let cfg = auth.service().config();
        Ok(auth.service().users().get_user(id).await?.filter(|u| {
            u.is_active
                && crate::reset::check_token(
                    auth.service().secret(),
                    u,
                    token,
                    now_unix(),
                    cfg.password_reset_timeout_secs,
                )
        }))
    }

    fn render_confirm(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        errors: Vec<String>,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = ResetConfirmView {
            common: self.common(auth, cfg, req, None),
            errors,
        };
        PageResponse::html(status, self.renderer.password_reset_confirm(&view))
    }

    fn invalid_link(&self, auth: &AuthHandle) -> PageResponse {
        let cfg = auth.service().config();
        let m = &cfg.messages;
        let html = self.renderer.notice(&NoticeView {
            common: Common {
                config: cfg,
                csrf_token: String::new(),
                action: String::new(),
                notice: None,
            },
            title: &m.password_reset_title,
            message: &m.password_reset_invalid_link,
            link: Some((
                cfg.password_reset_url.as_str(),
                m.password_reset_button.as_str(),
            )),
        });
        PageResponse::html(200, html)
    }

    async fn confirm_post(&self, auth: &mut AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config().clone();
        if req.token != Some(SET_PASSWORD) {
            return PageResponse::method_not_allowed("GET, HEAD");
        }
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let user = match self.reset_user(auth, req.uid.unwrap_or("")).await {
            Ok(Some(u)) => u,
            Ok(None) => return self.invalid_link(auth),
            Err(e) => return self.unavailable(auth, &e),
        };
        let new = form.get(&cfg.fields.reset_new_password);
        let confirm = form.get(&cfg.fields.reset_confirm_password);
        let errors =
            auth.service()
                .validate_new_password(new, confirm, &user.username, &user.email);
        if !errors.is_empty() {
            return self.render_confirm(auth, req, 200, errors);
        }
        if let Err(e) = auth.service().set_password(user.id, new).await {
            return self.unavailable(auth, &e);
        }
        auth.session_take(RESET).await;
        tracing::info!(
            event = "password_reset",
            user_id = user.id,
            "password reset completed"
        );
        PageResponse::redirect(format!(
            "{}/complete",
            cfg.password_reset_url.trim_end_matches('/')
        ))
    }
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

/// Sends the reset link to the stored address of the account with this email, if it is
/// active and has a usable password. Unknown addresses get nothing.
pub async fn send_reset_mail(
    service: &crate::service::AuthService,
    mailer: &dyn Mailer,
    email: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    send_reset_mail_from(service, mailer, email, None).await
}

async fn send_reset_mail_from(
    service: &crate::service::AuthService,
    mailer: &dyn Mailer,
    email: &str,
    link_origin: Option<&str>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Some(user) = service.users().find_by_email(email).await? else {
        tracing::info!(
            event = "password_reset_requested",
            known = false,
            "password reset requested"
        );
        return Ok(());
    };
    if !user.is_active || !crate::password::is_usable(&user.password_hash) {
        tracing::info!(
            event = "password_reset_requested",
            user_id = user.id,
            sent = false,
            "password reset refused: inactive or unusable"
        );
        return Ok(());
    }
    let cfg = service.config();
    let Some(origin) = cfg.site_origin.as_deref().or(link_origin) else {
        return Err(
            "site_origin is not configured, so reset links cannot be built; set AUTH_SITE_ORIGIN"
                .into(),
        );
    };
    let token = crate::reset::make_token(service.secret(), &user, now_unix());
    let link = format!(
        "{}{}/confirm/{}/{}",
        origin.trim_end_matches('/'),
        cfg.password_reset_url.trim_end_matches('/'),
        crate::reset::encode_uid(user.id),
        token
    );
    let m = &cfg.messages;
    let fill = |s: &str| {
        s.replace("{brand}", &cfg.brand_text)
            .replace("{username}", &user.username)
            .replace("{link}", &link)
    };
    let email = Email {
        to: user.email.clone(),
        subject: fill(&m.password_reset_email_subject),
        body: fill(&m.password_reset_email_body),
    };
    mailer.send(&email).await?;
    tracing::info!(
        event = "password_reset_requested",
        user_id = user.id,
        sent = true,
        "password reset mail sent"
    );
    Ok(())
}

/// A login form drawn by the app itself, with the toolkit's flow behind it (the analogue of
/// reflex-django's `session_auth_mixin`): give the paths and a function that renders the
/// [`LoginView`]; the adapters' `login_ui(..)` mounts `GET`/`POST` login and `POST` logout.
///
/// ```
/// use auth_core::pages::{LoginUi, LoginView};
/// let ui = LoginUi::new(|v: &LoginView<'_>| {
///     format!(
///         "<form method=post><input type=hidden name=csrf_token value=\"{}\">\
///          <input name=username><input name=password type=password><button>Go</button></form>",
///         v.common.csrf_token
///     )
/// })
/// .login_path("/signin")
/// .logout_path("/signout");
/// assert_eq!(ui.routes()[0].path, "/signin");
/// ```
#[derive(Clone)]
pub struct LoginUi {
    login_path: String,
    logout_path: String,
    pages: AuthPages,
}

struct FnRenderer<F>(F);

impl<F> PageRenderer for FnRenderer<F>
where
    F: Fn(&LoginView<'_>) -> String + Send + Sync + 'static,
{
    fn login(&self, v: &LoginView<'_>) -> String {
        (self.0)(v)
    }
}

impl LoginUi {
    /// A login UI rendered by `render`, at `/login` and `/logout` until changed.
    pub fn new<F>(render: F) -> Self
    where
        F: Fn(&LoginView<'_>) -> String + Send + Sync + 'static,
    {
        LoginUi {
            login_path: "/login".into(),
            logout_path: "/logout".into(),
            pages: AuthPages::new().renderer(FnRenderer(render)),
        }
    }

    /// Where the login form lives.
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// Where logout is posted.
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.logout_path = path.into();
        self
    }

    /// The two routes.
    pub fn routes(&self) -> Vec<Route> {
        vec![
            Route {
                path: self.login_path.clone(),
                page: Page::Login,
            },
            Route {
                path: self.logout_path.clone(),
                page: Page::Logout,
            },
        ]
    }

    /// The pages behind the routes.
    pub fn pages(&self) -> &AuthPages {
        &self.pages
    }
}

impl PageResponse {
    /// Every header the response needs besides the body's `Content-Type`: `Location`,
    /// `Allow`, and on pages `Cache-Control: no-store` (they carry CSRF tokens) and framing
    /// protection.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("cache-control", "no-store".to_owned()),
            ("x-frame-options", "DENY".to_owned()),
            (
                "content-security-policy",
                "frame-ancestors 'none'".to_owned(),
            ),
            ("referrer-policy", "same-origin".to_owned()),
        ];
        if let Some(l) = &self.location {
            h.push(("location", l.clone()));
        }
        if let Some(a) = self.allow {
            h.push(("allow", a.to_owned()));
        }
        if let Some(secs) = self.retry_after {
            h.push(("retry-after", secs.to_string()));
        }
        if self.html.is_some() {
            h.push(("content-type", "text/html; charset=utf-8".to_owned()));
        }
        h
    }
}
