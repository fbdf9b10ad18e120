//! The views and default HTML of the account pages: change password, your sessions.

use maud::html;

use auth_core::service::SessionInfo;

use crate::parts::{Common, csrf_field, errors_box, field_errors, layout};

/// The change-password page (fields `old_password`, `new_password`, `confirm_password`).
#[derive(Clone, Debug)]
pub struct PasswordChangeView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// Errors per field and for the form.
    pub errors: auth_core::validators::FormErrors,
}

/// The "your sessions" page: every live session of the user, this one first.
#[derive(Clone, Debug)]
pub struct SessionsView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// The sessions.
    pub sessions: Vec<SessionInfo>,
    /// Errors.
    pub errors: Vec<String>,
}

/// `YYYY-MM-DD HH:MM UTC` for Unix seconds.
fn when(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => secs.to_string(),
    }
}

/// The default change-password page.
pub fn password_change(v: &PasswordChangeView<'_>) -> String {
    let c = &v.common;
    let m = &c.config.messages;
    let body = html! {
        (errors_box(&v.errors.form))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            label for="id_old_password" { (m.old_password_label) }
            input #id_old_password type="password" name="old_password" autocomplete="current-password" required autofocus;
            (field_errors(&v.errors, "old_password"))
            label for="id_new_password" { (m.new_password_label) }
            input #id_new_password type="password" name="new_password" autocomplete="new-password"
                minlength=(c.config.password_min_length) required;
            (field_errors(&v.errors, "new_password"))
            label for="id_confirm_password" { (m.confirm_password_label) }
            input #id_confirm_password type="password" name="confirm_password" autocomplete="new-password" required;
            button type="submit" { (m.password_change_button) }
        }
        div.links { a href=(c.config.login_redirect_url) { "Back" } }
    };
    layout(
        c.config,
        &m.password_change_title,
        c.notice.as_deref(),
        body,
    )
}

/// The default sessions page.
pub fn sessions(v: &SessionsView<'_>) -> String {
    let c = &v.common;
    let m = &c.config.messages;
    let others = v.sessions.iter().filter(|s| !s.current).count();
    let body = html! {
        p.intro { (m.sessions_intro) }
        (errors_box(&v.errors))
        ul.sessions {
            @for s in &v.sessions {
                li.session data-current=(s.current) {
                    strong { (s.device) }
                    @if s.current { " · " em { (m.session_current) } }
                    br;
                    small {
                        @if let Some(ip) = s.ip { (ip) " · " }
                        "signed in " (when(s.created_at)) " · last seen " (when(s.last_seen))
                        @if !s.remembered { " · until the browser closes" }
                    }
                    @if !s.current {
                        form method="post" action=(c.action) {
                            (csrf_field(&c.csrf_token))
                            input type="hidden" name="session" value=(s.handle);
                            button type="submit" name="action" value="end" { (m.session_end_button) }
                        }
                    }
                }
            }
        }
        @if others > 0 {
            form method="post" action=(c.action) {
                (csrf_field(&c.csrf_token))
                button type="submit" name="action" value="end_others" { (m.sessions_end_others_button) }
            }
        }
        div.links { a href=(c.config.login_redirect_url) { "Back" } }
    };
    layout(c.config, &m.sessions_title, c.notice.as_deref(), body)
}
