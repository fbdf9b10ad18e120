//! The mails of the account lifecycle: the verification link, the change-of-address link to
//! the new address, and the notice to the old one. Links are built on the configured origin,
//! never on the request's `Host`.

use auth_core::service::AuthService;
use auth_core::user::User;

use crate::mail::{Email, Mailer};

type MailResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The origin emailed links start with: `site_origin`, else the pages' link origin.
fn origin<'a>(service: &'a AuthService, link_origin: Option<&'a str>) -> Result<&'a str, String> {
    service
        .config()
        .site_origin
        .as_deref()
        .or(link_origin)
        .map(|o| o.trim_end_matches('/'))
        .ok_or_else(|| {
            "site_origin is not configured, so emailed links cannot be built; set AUTH_SITE_ORIGIN"
                .to_owned()
        })
}

fn fill(service: &AuthService, template: &str, user: &User, link: &str, email: &str) -> String {
    template
        .replace("{brand}", &service.config().brand_text)
        .replace("{username}", &user.username)
        .replace("{link}", link)
        .replace("{email}", email)
}

/// Counts one mail to `address` against `verification_mails_per_address_per_hour` (shared by
/// the verification and change-of-address mails); `false`, logged, when it is over or the
/// counters cannot be reached (fail closed).
pub(crate) async fn address_allows(service: &AuthService, address: &str, what: &str) -> bool {
    let key = format!("verify-mail:{}", auth_core::user::fold_case(address));
    let limit = service.config().verification_mails_per_address_per_hour;
    match service.rate_limit(&key, limit, 3600).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!(
                event = "account_mail_throttled",
                mail = what,
                "mail not sent: too many for this address this hour"
            );
            false
        }
        Err(e) => {
            tracing::error!(error = %e, mail = what, "mail not sent: counters unavailable");
            false
        }
    }
}

/// Mails `user` the link that verifies their address and activates their account.
pub(crate) async fn send_verification(
    service: &AuthService,
    mailer: &dyn Mailer,
    user: &User,
    link_origin: Option<&str>,
) -> MailResult {
    let cfg = service.config();
    let link = format!(
        "{}{}/{}/{}",
        origin(service, link_origin)?,
        cfg.email_verification_url.trim_end_matches('/'),
        auth_core::reset::encode_uid(&user.id),
        service.email_verification_token(user)
    );
    let m = &cfg.messages;
    mailer
        .send(&Email {
            to: user.email.clone(),
            subject: fill(service, &m.verify_email_subject, user, &link, &user.email),
            body: fill(service, &m.verify_email_body, user, &link, &user.email),
        })
        .await?;
    tracing::info!(event = "verification_mail_sent", user_id = %user.id, "verification mail sent");
    Ok(())
}

/// Mails `new_email` the link that makes it `user`'s address.
pub(crate) async fn send_email_change(
    service: &AuthService,
    mailer: &dyn Mailer,
    user: &User,
    new_email: &str,
    link_origin: Option<&str>,
) -> MailResult {
    let cfg = service.config();
    let link = format!(
        "{}{}/confirm/{}/{}",
        origin(service, link_origin)?,
        cfg.email_change_url.trim_end_matches('/'),
        auth_core::reset::encode_uid(&user.id),
        service.email_change_token(user, new_email)
    );
    let m = &cfg.messages;
    mailer
        .send(&Email {
            to: new_email.to_owned(),
            subject: fill(service, &m.email_change_subject, user, &link, new_email),
            body: fill(service, &m.email_change_body, user, &link, new_email),
        })
        .await?;
    tracing::info!(event = "email_change_mail_sent", user_id = %user.id, "change-of-address link sent");
    Ok(())
}

/// Tells the old address that the account's address is now `user.email`.
pub(crate) async fn send_email_changed_notice(
    service: &AuthService,
    mailer: &dyn Mailer,
    user: &User,
    old_email: &str,
) -> MailResult {
    if old_email.is_empty() {
        return Ok(());
    }
    let m = &service.config().messages;
    mailer
        .send(&Email {
            to: old_email.to_owned(),
            subject: fill(
                service,
                &m.email_changed_notice_subject,
                user,
                "",
                &user.email,
            ),
            body: fill(service, &m.email_changed_notice_body, user, "", &user.email),
        })
        .await?;
    Ok(())
}
