//! The password reset pages: request a link, follow it, set the new password.

use super::render::{Common, NoticeView, ResetConfirmView, ResetRequestView};

use auth_core::http::AuthHandle;

use super::reset_mail::send_reset_mail_from;
use super::{AuthPages, PageRequest, PageResponse, RESET, SET_PASSWORD};

impl AuthPages {
    pub(super) fn reset_get(
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

    pub(super) async fn reset_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
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
            let key = format!("reset-mail:{}", auth_core::user::fold_case(&email));
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

    pub(super) async fn confirm_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
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
        let valid = match auth_core::reset::decode_uid(uid) {
            Some(id) => match auth.service().users().get_user(&id).await {
                Ok(Some(u)) => u.is_active && auth.service().check_password_reset_token(&u, token),
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
    ) -> Result<Option<auth_core::user::User>, auth_core::error::StoreError> {
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
        let Some(id) = auth_core::reset::decode_uid(uid) else {
            return Ok(None);
        };
        Ok(auth
            .service()
            .users()
            .get_user(&id)
            .await?
            .filter(|u| u.is_active && auth.service().check_password_reset_token(u, token)))
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

    pub(super) async fn confirm_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
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
        if let Err(e) = auth.service().set_password(&user.id, new).await {
            return self.unavailable(auth, &e);
        }
        auth.session_take(RESET).await;
        tracing::info!(
            event = "password_reset",
            user_id = %user.id,
            "password reset completed"
        );
        PageResponse::redirect(format!(
            "{}/complete",
            cfg.password_reset_url.trim_end_matches('/')
        ))
    }
}
