//! The login and logout pages.

use super::render::LoginView;

use auth_core::config::LoginField;
use auth_core::error::AuthError;
use auth_core::http::AuthHandle;
use auth_core::http::{LoginOptions, query_param};

use crate::render::{REMEMBER_FIELD, REMEMBER_SHOWN};

use super::{AuthPages, PageRequest, PageResponse, allowed_hosts, take_flash};

impl AuthPages {
    // What the form shows again: each argument is one part of the page.
    #[allow(clippy::too_many_arguments)]
    fn render_login(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        identifier: String,
        errors: Vec<String>,
        next: Option<String>,
        notice: Option<String>,
        remember: bool,
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
            next.filter(|n| auth_core::http::url_has_allowed_host_and_scheme(n, &hosts, false));
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
            remember_me: cfg.remember_me_enabled.then_some(remember),
        };
        PageResponse::html(200, self.renderer.login(&view))
    }

    pub(super) async fn login_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let cfg = auth.service().config().clone();
        let next = query_param(req.query, "next");
        if cfg.redirect_authenticated_user && auth.is_authenticated() {
            return PageResponse::redirect(self.next_target(&cfg, next.as_deref()));
        }
        let notice = take_flash(auth).await;
        let remember = cfg.remember_me_default;
        self.render_login(auth, req, String::new(), vec![], next, notice, remember)
    }

    pub(super) async fn login_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
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
        // A checked box sends `remember_me`; an unchecked one sends nothing, which the hidden
        // `remember_me_shown` tells apart from a client that was never asked.
        let remember = match form.opt(REMEMBER_FIELD) {
            Some(v) => !matches!(v, "0" | "false" | "off" | ""),
            None if form.opt(REMEMBER_SHOWN).is_some() => false,
            None => cfg.remember_me_default,
        };
        let options = LoginOptions {
            remember: Some(remember),
            user_agent: req.user_agent,
        };
        match auth
            .authenticate_and_login_with(&identifier, password, &options)
            .await
        {
            Ok(_) => PageResponse::redirect(self.next_target(&cfg, next.as_deref())),
            Err(AuthError::InvalidCredentials) => {
                let errors = vec![cfg.messages.invalid_login.clone()];
                self.render_login(auth, req, identifier, errors, next, None, remember)
            }
            Err(AuthError::EmailNotVerified) => self.not_verified(auth, req, &identifier),
            Err(AuthError::Throttled { retry_after_secs }) => {
                let minutes = retry_after_secs.div_ceil(60).max(1);
                let errors = vec![
                    cfg.messages
                        .login_throttled
                        .replace("{minutes}", &minutes.to_string()),
                ];
                let mut r = self.render_login(auth, req, identifier, errors, next, None, remember);
                r.status = 429;
                r.retry_after = Some(retry_after_secs);
                r
            }
            Err(e) => self.unavailable(auth, &e),
        }
    }

    pub(super) async fn logout_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if let Err(r) = self.read_form(auth, req) {
            return r;
        }
        match auth.logout().await {
            Ok(()) => PageResponse::redirect(auth.service().config().logout_redirect_url.clone()),
            Err(e) => self.unavailable(auth, &e),
        }
    }
}
