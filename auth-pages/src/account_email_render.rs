//! The views and default HTML of the account-lifecycle pages: a one-button confirmation
//! (verification link, change-of-address link, "send the link again"), change email, delete
//! account.

use maud::html;

use auth_core::validators::FormErrors;

use crate::parts::{Common, csrf_field, errors_box, field_errors, layout};

/// A page with a message and one button that posts `hidden` to `common.action`: following
/// a verification or change-of-address link (so that a mail scanner that opens links does
/// not act), or sending the verification link again.
#[derive(Clone, Debug)]
pub struct ConfirmView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// The page title.
    pub title: &'a str,
    /// The text above the button.
    pub message: String,
    /// The button's label.
    pub button: &'a str,
    /// Hidden fields the button posts.
    pub hidden: Vec<(&'static str, String)>,
    /// Errors.
    pub errors: Vec<String>,
}

/// The change-email page (fields `password`, `new_email`).
#[derive(Clone, Debug)]
pub struct EmailChangeView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// The address in force.
    pub email: String,
    /// The new address, as typed.
    pub new_email: String,
    /// Errors per field and for the form.
    pub errors: FormErrors,
}

/// The delete-account page (field `password`).
#[derive(Clone, Debug)]
pub struct AccountDeleteView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// Errors per field and for the form.
    pub errors: FormErrors,
}

/// The default confirmation page.
pub fn confirm(v: &ConfirmView<'_>) -> String {
    let c = &v.common;
    let body = html! {
        (errors_box(&v.errors))
        p.intro { (v.message) }
        form method="post" action=(c.action) {
            (csrf_field(&c.csrf_token))
            @for (name, value) in &v.hidden {
                input type="hidden" name=(name) value=(value);
            }
            button type="submit" { (v.button) }
        }
        div.links { a href=(c.config.login_url) { (c.config.messages.back_to_login_link) } }
    };
    layout(c.config, v.title, c.notice.as_deref(), body)
}

/// The default change-email page.
pub fn email_change(v: &EmailChangeView<'_>) -> String {
    let c = &v.common;
    let m = &c.config.messages;
    let body = html! {
        p.intro { (m.email_change_intro.replace("{email}", &v.email)) }
        (errors_box(&v.errors.form))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            label for="id_new_email" { (m.new_email_label) }
            input #id_new_email type="email" name="new_email" value=(v.new_email) autocomplete="email" required autofocus;
            (field_errors(&v.errors, "new_email"))
            label for="id_password" { (m.current_password_label) }
            input #id_password type="password" name="password" autocomplete="current-password" required;
            (field_errors(&v.errors, "password"))
            button type="submit" { (m.email_change_button) }
        }
        div.links { a href=(c.config.login_redirect_url) { "Back" } }
    };
    layout(c.config, &m.email_change_title, c.notice.as_deref(), body)
}

/// The default delete-account page.
pub fn account_delete(v: &AccountDeleteView<'_>) -> String {
    let c = &v.common;
    let m = &c.config.messages;
    let body = html! {
        p.intro { (m.account_delete_intro) }
        (errors_box(&v.errors.form))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            label for="id_password" { (m.current_password_label) }
            input #id_password type="password" name="password" autocomplete="current-password" required autofocus;
            (field_errors(&v.errors, "password"))
            button.danger type="submit" { (m.account_delete_button) }
        }
        div.links { a href=(c.config.login_redirect_url) { "Back" } }
    };
    layout(c.config, &m.account_delete_title, c.notice.as_deref(), body)
}
