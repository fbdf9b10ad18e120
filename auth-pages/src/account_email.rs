//! The account-lifecycle pages: the verification link and "send it again", change email
//! and its link, delete account.

use auth_core::error::AuthError;
use auth_core::http::AuthHandle;
use auth_core::service::AccountFormError;
use auth_core::validators::FormErrors;

use super::{AuthPages, PageRequest, PageResponse, flash_redirect, take_flash};
use crate::account_mail::{
    address_allows, send_email_change, send_email_changed_notice, send_verification,
};
use crate::render::{AccountDeleteView, ConfirmView, EmailChangeView};

/// The field of the "send the link again" form.
pub(crate) const RESEND_FIELD: &str = "identifier";

impl AuthPages {
    fn confirm_page(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        title: &str,
        message: String,
        button: &str,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = ConfirmView {
            common: self.common(auth, cfg, req, None),
            title,
            message,
            button,
            hidden: vec![],
            errors: vec![],
        };
        PageResponse::html(status, self.renderer.confirm(&view))
    }

    /// The answer to a login with the right password before verification: say so, and offer
    /// to send the link again.
    pub(super) fn not_verified(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        identifier: &str,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let m = &cfg.messages;
        let mut common = self.common(auth, cfg, req, None);
        common.action = format!(
            "{}/resend",
            cfg.email_verification_url.trim_end_matches('/')
        );
        let view = ConfirmView {
            common,
            title: &m.verify_email_title,
            message: String::new(),
            button: &m.verify_email_resend_button,
            hidden: vec![(RESEND_FIELD, identifier.to_owned())],
            errors: vec![m.email_not_verified.clone()],
        };
        PageResponse::html(403, self.renderer.confirm(&view))
    }

    /// Mails a new account its verification link, in the background.
    pub(super) fn mail_verification(&self, auth: &AuthHandle, user: auth_core::User) {
        let (service, mailer, origin) = (
            auth.service().clone(),
            self.mailer.clone(),
            self.link_origin.clone(),
        );
        tokio::spawn(async move {
            if !address_allows(&service, &user.email, "verification").await {
                return;
            }
            if let Err(e) =
                send_verification(&service, mailer.as_ref(), &user, origin.as_deref()).await
            {
                tracing::error!(error = %e, user_id = %user.id, "verification mail not sent");
            }
        });
    }

    fn invalid_verification(&self, auth: &AuthHandle) -> PageResponse {
        let m = &auth.service().config().messages;
        self.notice(
            auth,
            400,
            &m.verify_email_title,
            &m.verify_email_invalid_link,
            true,
        )
    }

    pub(super) async fn verify_email_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let (uid, token) = (req.uid.unwrap_or(""), req.token.unwrap_or(""));
        match auth.service().email_verification_user(uid, token).await {
            Ok(Some(_)) => {
                let m = &auth.service().config().messages;
                let (title, prompt, button) = (
                    &m.verify_email_title,
                    &m.verify_email_prompt,
                    &m.verify_email_button,
                );
                self.confirm_page(auth, req, 200, title, prompt.clone(), button)
            }
            Ok(None) => self.invalid_verification(auth),
            Err(e) => self.unavailable(auth, &e),
        }
    }

    pub(super) async fn verify_email_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if let Err(r) = self.read_form(auth, req) {
            return r;
        }
        let (uid, token) = (req.uid.unwrap_or(""), req.token.unwrap_or(""));
        match auth.service().verify_email(uid, token).await {
            Ok(Some(_)) => {
                let cfg = auth.service().config();
                let (notice, to) = (cfg.messages.email_verified.clone(), cfg.login_url.clone());
                flash_redirect(auth, notice, to).await
            }
            Ok(None) => self.invalid_verification(auth),
            Err(e) => self.unavailable(auth, &e),
        }
    }

    pub(super) async fn verify_email_resend(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let form = match self.read_form(auth, req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let cfg = auth.service().config().clone();
        if let Some(refused) = self
            .client_limit(
                auth,
                "verify-resend",
                cfg.password_resets_per_client_per_hour,
            )
            .await
        {
            return refused;
        }
        // The same answer whether or not the account exists or waits.
        match auth
            .service()
            .awaiting_verification(form.get(RESEND_FIELD))
            .await
        {
            Ok(Some(user)) => self.mail_verification(auth, user),
            Ok(None) => tracing::info!(
                event = "verification_resend_ignored",
                "resend asked for no account that waits"
            ),
            Err(e) => return self.unavailable(auth, &e),
        }
        let m = &cfg.messages;
        self.notice(
            auth,
            200,
            &m.verify_email_title,
            &m.verify_email_resent,
            true,
        )
    }

    fn render_email_change(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        new_email: String,
        errors: FormErrors,
        notice: Option<String>,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = EmailChangeView {
            common: self.common(auth, cfg, req, notice),
            email: auth.user().map(|u| u.email.clone()).unwrap_or_default(),
            new_email,
            errors,
        };
        PageResponse::html(status, self.renderer.email_change(&view))
    }

    pub(super) async fn email_change_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if !auth.is_authenticated() {
            return self.to_login(auth, req);
        }
        let notice = take_flash(auth).await;
        self.render_email_change(auth, req, 200, String::new(), FormErrors::default(), notice)
    }

    /// The answer to a refused account form (change password, change email, delete
    /// account): `render(status, errors)` again with its errors (`429` and `Retry-After` when
    /// throttled, a bad new password under `new_password`), the login page when the session
    /// ended meanwhile, or the page for a store that failed.
    pub(super) fn refused(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        e: AccountFormError,
        render: impl FnOnce(u16, FormErrors) -> PageResponse,
    ) -> PageResponse {
        let mut errors = FormErrors::default();
        match e {
            AccountFormError::Invalid(invalid) => render(400, invalid),
            AccountFormError::Auth(AuthError::Throttled { retry_after_secs }) => {
                let minutes = retry_after_secs.div_ceil(60).max(1).to_string();
                let m = &auth.service().config().messages;
                errors
                    .form
                    .push(m.login_throttled.replace("{minutes}", &minutes));
                let mut r = render(429, errors);
                r.retry_after = Some(retry_after_secs);
                r
            }
            AccountFormError::Auth(AuthError::InvalidPassword(m)) => {
                errors.fields.insert("new_password".into(), vec![m]);
                render(400, errors)
            }
            AccountFormError::Auth(AuthError::NotLoggedIn) => self.to_login(auth, req),
            e => self.unavailable(auth, &e),
        }
    }

    pub(super) async fn email_change_post(
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
        let new_email = form.get("new_email").trim().to_owned();
        let request = match auth
            .request_email_change(form.get("password"), &new_email)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                return self.refused(auth, req, e, |status, errors| {
                    self.render_email_change(auth, req, status, new_email, errors, None)
                });
            }
        };
        let cfg = auth.service().config().clone();
        if let Some(refused) = self
            .client_limit(
                auth,
                "email-change",
                cfg.password_resets_per_client_per_hour,
            )
            .await
        {
            return refused;
        }
        if request.taken {
            // Say the same, mail nothing: the form does not tell which addresses have accounts.
            tracing::info!(event = "email_change_refused", user_id = %request.user.id, "change of address to an address in use: no mail");
        } else {
            let (service, mailer, origin) = (
                auth.service().clone(),
                self.mailer.clone(),
                self.link_origin.clone(),
            );
            tokio::spawn(async move {
                if !address_allows(&service, &request.new_email, "change-of-address").await {
                    return;
                }
                let sent = send_email_change(
                    &service,
                    mailer.as_ref(),
                    &request.user,
                    &request.new_email,
                    origin.as_deref(),
                );
                if let Err(e) = sent.await {
                    tracing::error!(error = %e, "change-of-address mail not sent");
                }
            });
        }
        let notice = cfg
            .messages
            .email_change_sent
            .replace("{email}", &new_email);
        flash_redirect(auth, notice, req.path.to_owned()).await
    }

    fn invalid_email_change(&self, auth: &AuthHandle) -> PageResponse {
        let m = &auth.service().config().messages;
        self.notice(
            auth,
            400,
            &m.email_change_title,
            &m.email_change_invalid_link,
            true,
        )
    }

    pub(super) async fn email_change_confirm_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        let (uid, token) = (req.uid.unwrap_or(""), req.token.unwrap_or(""));
        match auth.service().email_change_target(uid, token).await {
            Ok(Some((_, new_email))) => {
                let m = &auth.service().config().messages;
                let prompt = m.email_change_confirm_prompt.replace("{email}", &new_email);
                let (title, button) = (&m.email_change_title, &m.email_change_confirm_button);
                self.confirm_page(auth, req, 200, title, prompt, button)
            }
            Ok(None) => self.invalid_email_change(auth),
            Err(e) => self.unavailable(auth, &e),
        }
    }

    pub(super) async fn email_change_confirm_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if let Err(r) = self.read_form(auth, req) {
            return r;
        }
        let (uid, token) = (req.uid.unwrap_or(""), req.token.unwrap_or(""));
        let (user, old) = match auth.service().confirm_email_change(uid, token).await {
            Ok(Some(done)) => done,
            Ok(None) => return self.invalid_email_change(auth),
            Err(e) => return self.unavailable(auth, &e),
        };
        let (service, mailer) = (auth.service().clone(), self.mailer.clone());
        let notified = user.clone();
        tokio::spawn(async move {
            if let Err(e) =
                send_email_changed_notice(&service, mailer.as_ref(), &notified, &old).await
            {
                tracing::error!(error = %e, "notice to the old address not sent");
            }
        });
        let cfg = auth.service().config();
        let notice = cfg.messages.email_changed.replace("{email}", &user.email);
        let to = if auth.user().is_some_and(|u| u.id == user.id) {
            cfg.email_change_url.clone()
        } else {
            cfg.login_url.clone()
        };
        flash_redirect(auth, notice, to).await
    }

    fn render_account_delete(
        &self,
        auth: &AuthHandle,
        req: &PageRequest<'_>,
        status: u16,
        errors: FormErrors,
    ) -> PageResponse {
        let cfg = auth.service().config();
        let view = AccountDeleteView {
            common: self.common(auth, cfg, req, None),
            errors,
        };
        PageResponse::html(status, self.renderer.account_delete(&view))
    }

    pub(super) async fn account_delete_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
        if !auth.is_authenticated() {
            return self.to_login(auth, req);
        }
        self.render_account_delete(auth, req, 200, FormErrors::default())
    }

    pub(super) async fn account_delete_post(
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
        match auth.delete_account(form.get("password")).await {
            Ok(()) => {
                let cfg = auth.service().config();
                let (notice, to) = (cfg.messages.account_deleted.clone(), cfg.login_url.clone());
                flash_redirect(auth, notice, to).await
            }
            Err(e) => self.refused(auth, req, e, |status, errors| {
                self.render_account_delete(auth, req, status, errors)
            }),
        }
    }
}
