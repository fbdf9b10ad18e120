//! The account pages of a logged-in user: change password, your sessions.

use auth_core::error::{AuthError, StoreError};
use auth_core::http::AuthHandle;
use auth_core::validators::FormErrors;

use super::{AuthPages, PageRequest, PageResponse, flash_redirect, take_flash};
use crate::render::{PasswordChangeView, SessionsView};

impl AuthPages {
    /// The redirect to the login page, back here after it, for an anonymous visitor.
    pub(super) fn to_login(&self, auth: &AuthHandle, req: &PageRequest<'_>) -> PageResponse {
        let cfg = auth.service().config();
        let sep = if cfg.login_url.contains('?') {
            '&'
        } else {
            '?'
        };
        PageResponse::redirect(format!(
            "{}{sep}next={}",
            cfg.login_url,
            auth_core::http::percent_encode(req.path)
        ))
    }

    fn render_password_change(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        errors: FormErrors,
        notice: Option<String>,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = PasswordChangeView {
            common: self.common(auth, cfg, req, notice),
            errors,
        };
        PageResponse::html(status, self.renderer.password_change(&view))
    }

    pub(super) async fn password_change_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if !auth.is_authenticated() {
            return self.to_login(auth, req);
        }
        let notice = take_flash(auth).await;
        self.render_password_change(auth, req, 200, FormErrors::default(), notice)
    }

    pub(super) async fn password_change_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        if !auth.is_authenticated() {
            return self.to_login(auth, req);
        }
        let (old, new, confirm) = (
            form.get("old_password"),
            form.get("new_password"),
            form.get("confirm_password"),
        );
        match auth.change_password(old, new, confirm).await {
            Ok(()) => {
                let cfg = auth.service().config();
                let m = if cfg.password_change_keeps_other_sessions {
                    &cfg.messages.password_changed
                } else {
                    &cfg.messages.password_changed_others_ended
                };
                flash_redirect(auth, m.clone(), req.path.to_owned()).await
            }
            Err(e) => self.refused(auth, req, e.into(), |status, errors| {
                self.render_password_change(auth, req, status, errors, None)
            }),
        }
    }

    async fn render_sessions(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        errors: Vec<String>,
        notice: Option<String>,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let sessions = match auth.sessions().await {
            Ok(s) => s,
            Err(AuthError::Store(StoreError::Unsupported { .. })) => {
                let m = &cfg.messages;
                return self.notice(auth, 501, &m.sessions_title, &m.sessions_unsupported, false);
            }
            Err(e) => return self.unavailable(auth, &e),
        };
        let view = SessionsView {
            common: self.common(auth, cfg, req, notice),
            sessions,
            errors,
        };
        PageResponse::html(status, self.renderer.sessions(&view))
    }

    pub(super) async fn sessions_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if !auth.is_authenticated() {
            return self.to_login(auth, req);
        }
        let notice = take_flash(auth).await;
        self.render_sessions(auth, req, 200, vec![], notice).await
    }

    pub(super) async fn sessions_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        if !auth.is_authenticated() {
            return self.to_login(auth, req);
        }
        let m = auth.service().config().messages.clone();
        let done = match form.get("action") {
            "end" => match auth.end_session(form.get("session")).await {
                Ok(true) if !auth.is_authenticated() => {
                    // It was this session: a logout.
                    let cfg = auth.service().config();
                    return PageResponse::redirect(cfg.logout_redirect_url.clone());
                }
                Ok(true) => Ok(m.session_ended.clone()),
                Ok(false) => {
                    return self
                        .render_sessions(auth, req, 404, vec![m.session_not_found.clone()], None)
                        .await;
                }
                Err(e) => Err(e),
            },
            "end_others" => auth
                .end_other_sessions()
                .await
                .map(|n| m.sessions_ended.replace("{count}", &n.to_string())),
            _ => {
                return self
                    .render_sessions(auth, req, 400, vec![m.bad_form.clone()], None)
                    .await;
            }
        };
        match done {
            Ok(notice) => flash_redirect(auth, notice, req.path.to_owned()).await,
            Err(AuthError::NotLoggedIn) => self.to_login(auth, req),
            Err(e) => self.unavailable(auth, &e),
        }
    }
}
