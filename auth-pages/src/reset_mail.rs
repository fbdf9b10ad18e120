//! The reset mail: the link, built on the configured origin (never the request's `Host`).

use crate::mail::{Email, Mailer};

/// Sends the reset link to the stored address of the account with this email, if it is
/// active and has a usable password. Unknown addresses get nothing.
pub async fn send_reset_mail(
    service: &auth_core::service::AuthService,
    mailer: &dyn Mailer,
    email: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    send_reset_mail_from(service, mailer, email, None).await
}

pub(super) async fn send_reset_mail_from(
    service: &auth_core::service::AuthService,
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
    if !user.is_active || !auth_core::password::is_usable(&user.password_hash) {
        tracing::info!(
            event = "password_reset_requested",
            user_id = %user.id,
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
    let token = service.password_reset_token(&user);
    let link = format!(
        "{}{}/confirm/{}/{}",
        origin.trim_end_matches('/'),
        cfg.password_reset_url.trim_end_matches('/'),
        auth_core::reset::encode_uid(&user.id),
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
        user_id = %user.id,
        sent = true,
        "password reset mail sent"
    );
    Ok(())
}
