//! The registration page.

use super::render::RegisterView;

use auth_core::http::AuthHandle;
use auth_core::service::{RegisterError, Registration};
use auth_core::validators::FormErrors;

use super::{AuthPages, PageRequest, PageResponse, flash_redirect};

impl AuthPages {
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

    pub(super) async fn register_get(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
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

    pub(super) async fn register_post(
        &self,
        auth: &mut AuthHandle,
        req: &PageRequest<'_>,
    ) -> PageResponse {
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
            Ok(user) => {
                let notice = if cfg.require_email_verification {
                    self.mail_verification(auth, user);
                    &cfg.messages.verify_email_registered
                } else {
                    &cfg.messages.registered_notice
                };
                let to = cfg.signup_redirect_url.clone();
                flash_redirect(auth, notice.clone(), to).await
            }
            Err(RegisterError::Invalid(errors)) => {
                self.render_register(auth, req, 200, reg.username, reg.email, errors)
            }
            Err(e) => self.unavailable(auth, &e),
        }
    }
}
