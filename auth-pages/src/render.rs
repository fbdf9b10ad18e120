//! What each built-in page shows ([`views`](self)), and the default HTML for it, built with
//! `maud` (compile-time checked, escaped by default) and a small built-in stylesheet.
//!
//! Replace any page's look by implementing [`PageRenderer`]: each method gets the page's view
//! (everything the page needs: texts, field names, values, errors, the CSRF token) and returns
//! the HTML. The flows (validation, CSRF, redirects, tokens, mail) stay the toolkit's.

use maud::html;

pub use crate::account_email_render::{
    AccountDeleteView, ConfirmView, EmailChangeView, account_delete, confirm, email_change,
};
pub use crate::account_render::{PasswordChangeView, SessionsView, password_change, sessions};
pub use crate::parts::{Common, layout};
use crate::parts::{csrf_field, errors_box, field_errors};
pub use auth_core::http::STYLESHEET;

/// The login form's "remember me" checkbox.
pub const REMEMBER_FIELD: &str = "remember_me";
/// The hidden field that says the checkbox was shown.
pub const REMEMBER_SHOWN: &str = "remember_me_shown";

/// The login page.
#[derive(Clone, Debug)]
pub struct LoginView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// Label of the identifier field (username, email, or either, from `login_fields`).
    pub identifier_label: &'a str,
    /// What the user typed as identifier (never the password).
    pub identifier: String,
    /// Form-level errors.
    pub errors: Vec<String>,
    /// The validated `next` target, carried in a hidden field.
    pub next: Option<String>,
    /// Link to registration, when enabled.
    pub signup_url: Option<&'a str>,
    /// Link to password reset, when enabled.
    pub password_reset_url: Option<&'a str>,
    /// The "remember me" checkbox (`remember_me`), when `remember_me_enabled`: whether it is
    /// checked.
    pub remember_me: Option<bool>,
}

/// The registration page.
#[derive(Clone, Debug)]
pub struct RegisterView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// Typed username.
    pub username: String,
    /// Typed email.
    pub email: String,
    /// Errors per field and for the form.
    pub errors: auth_core::validators::FormErrors,
}

/// The password reset request page.
#[derive(Clone, Debug)]
pub struct ResetRequestView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// Typed email.
    pub email: String,
    /// Errors.
    pub errors: Vec<String>,
}

/// The page that sets a new password from a reset link.
#[derive(Clone, Debug)]
pub struct ResetConfirmView<'a> {
    /// Shared parts.
    pub common: Common<'a>,
    /// Errors.
    pub errors: Vec<String>,
}

/// A page with one message and a link (reset mail sent, link invalid, password set, errors).
#[derive(Clone, Debug)]
pub struct NoticeView<'a> {
    /// Shared parts (the form parts are unused).
    pub common: Common<'a>,
    /// Page title.
    pub title: &'a str,
    /// The message.
    pub message: &'a str,
    /// A link: (URL, text).
    pub link: Option<(&'a str, &'a str)>,
}

/// Renders the built-in pages. Every method has a default, so override only what you need.
///
/// ```
/// use auth_pages::{PageRenderer, LoginView, render};
/// struct MyPages;
/// impl PageRenderer for MyPages {
///     fn login(&self, v: &LoginView<'_>) -> String {
///         // Wrap the default form in your own layout, or write your own HTML.
///         format!("<div class=my-app>{}</div>", render::login(v))
///     }
/// }
/// ```
pub trait PageRenderer: Send + Sync + 'static {
    /// The login page.
    fn login(&self, v: &LoginView<'_>) -> String {
        login(v)
    }
    /// The registration page.
    fn register(&self, v: &RegisterView<'_>) -> String {
        register(v)
    }
    /// The password reset request page.
    fn password_reset(&self, v: &ResetRequestView<'_>) -> String {
        password_reset(v)
    }
    /// The new-password page of a reset link.
    fn password_reset_confirm(&self, v: &ResetConfirmView<'_>) -> String {
        password_reset_confirm(v)
    }
    /// One-message pages: reset mail sent, invalid link, password set, errors.
    fn notice(&self, v: &NoticeView<'_>) -> String {
        notice(v)
    }
    /// The change-password page.
    fn password_change(&self, v: &PasswordChangeView<'_>) -> String {
        crate::account_render::password_change(v)
    }
    /// The "your sessions" page.
    fn sessions(&self, v: &SessionsView<'_>) -> String {
        crate::account_render::sessions(v)
    }
    /// A message and one button: a verification or change-of-address link, "send the link
    /// again".
    fn confirm(&self, v: &ConfirmView<'_>) -> String {
        crate::account_email_render::confirm(v)
    }
    /// The change-email page.
    fn email_change(&self, v: &EmailChangeView<'_>) -> String {
        crate::account_email_render::email_change(v)
    }
    /// The delete-account page.
    fn account_delete(&self, v: &AccountDeleteView<'_>) -> String {
        crate::account_email_render::account_delete(v)
    }
}

/// The built-in look.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultRenderer;

impl PageRenderer for DefaultRenderer {}

/// The default login page.
pub fn login(v: &LoginView<'_>) -> String {
    let c = &v.common;
    let (m, f) = (&c.config.messages, &c.config.fields);
    let body = html! {
        (errors_box(&v.errors))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            @if let Some(next) = &v.next {
                input type="hidden" name="next" value=(next);
            }
            label for="id_identifier" { (v.identifier_label) }
            input #id_identifier type="text" name=(f.login_username) value=(v.identifier)
                autocomplete="username" autocapitalize="none" required autofocus;
            label for="id_password" { (m.password_label) }
            input #id_password type="password" name=(f.login_password) autocomplete="current-password" required;
            @if let Some(checked) = v.remember_me {
                // Says the box was on the form, so that an unchecked box (which browsers do
                // not send) means "do not remember", not "not asked".
                input type="hidden" name=(REMEMBER_SHOWN) value="1";
                label.check for="id_remember_me" {
                    input #id_remember_me type="checkbox" name=(REMEMBER_FIELD) value="1" checked[checked];
                    " " (m.remember_me_label)
                }
            }
            button type="submit" { (m.login_button) }
        }
        div.links {
            @if let Some(url) = v.password_reset_url { a href=(url) { (m.forgot_password_link) } }
            @if let Some(url) = v.signup_url { a href=(url) { (m.signup_link) } }
        }
    };
    layout(c.config, &m.login_title, c.notice.as_deref(), body)
}

/// The default registration page.
pub fn register(v: &RegisterView<'_>) -> String {
    let c = &v.common;
    let (m, f) = (&c.config.messages, &c.config.fields);
    let body = html! {
        (errors_box(&v.errors.form))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            label for="id_username" { (m.username_label) }
            input #id_username type="text" name=(f.register_username) value=(v.username)
                autocomplete="username" autocapitalize="none" required autofocus;
            (field_errors(&v.errors, "username"))
            label for="id_email" { (m.email_label) }
            input #id_email type="email" name=(f.register_email) value=(v.email) autocomplete="email" required;
            (field_errors(&v.errors, "email"))
            label for="id_password" { (m.password_label) }
            input #id_password type="password" name=(f.register_password) autocomplete="new-password"
                minlength=(c.config.password_min_length) required;
            (field_errors(&v.errors, "password"))
            label for="id_confirm_password" { (m.confirm_password_label) }
            input #id_confirm_password type="password" name=(f.register_confirm_password) autocomplete="new-password" required;
            button type="submit" { (m.register_button) }
        }
        div.links { a href=(c.config.login_url) { (m.back_to_login_link) } }
    };
    layout(c.config, &m.register_title, c.notice.as_deref(), body)
}

/// The default password reset request page.
pub fn password_reset(v: &ResetRequestView<'_>) -> String {
    let c = &v.common;
    let (m, f) = (&c.config.messages, &c.config.fields);
    let body = html! {
        p.intro { (m.password_reset_intro) }
        (errors_box(&v.errors))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            label for="id_email" { (m.email_label) }
            input #id_email type="email" name=(f.reset_email) value=(v.email) autocomplete="email" required autofocus;
            button type="submit" { (m.password_reset_button) }
        }
        div.links { a href=(c.config.login_url) { (m.back_to_login_link) } }
    };
    layout(c.config, &m.password_reset_title, c.notice.as_deref(), body)
}

/// The default new-password page of a reset link.
pub fn password_reset_confirm(v: &ResetConfirmView<'_>) -> String {
    let c = &v.common;
    let (m, f) = (&c.config.messages, &c.config.fields);
    let body = html! {
        (errors_box(&v.errors))
        form method="post" action=(c.action) novalidate {
            (csrf_field(&c.csrf_token))
            label for="id_new_password" { (m.password_label) }
            input #id_new_password type="password" name=(f.reset_new_password) autocomplete="new-password"
                minlength=(c.config.password_min_length) required autofocus;
            label for="id_confirm_password" { (m.confirm_password_label) }
            input #id_confirm_password type="password" name=(f.reset_confirm_password) autocomplete="new-password" required;
            button type="submit" { (m.password_reset_confirm_button) }
        }
    };
    layout(
        c.config,
        &m.password_reset_confirm_title,
        c.notice.as_deref(),
        body,
    )
}

/// The default one-message page.
pub fn notice(v: &NoticeView<'_>) -> String {
    let body = html! {
        p { (v.message) }
        @if let Some((url, text)) = v.link {
            div.links { a href=(url) { (text) } }
        }
    };
    layout(v.common.config, v.title, v.common.notice.as_deref(), body)
}
