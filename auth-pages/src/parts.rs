//! What every page's HTML shares: [`Common`], the [`layout`], and the form pieces.

use maud::{Markup, html};

use auth_core::config::AuthConfig;
use auth_core::http::CSRF_FIELD;

/// What every page has.
#[derive(Clone, Debug)]
pub struct Common<'a> {
    /// The configuration (brand, messages, field names, URLs).
    pub config: &'a AuthConfig,
    /// The CSRF token for the form (field [`CSRF_FIELD`]).
    pub csrf_token: String,
    /// Where the form posts to.
    pub action: String,
    /// A one-time notice (for example "your account was created").
    pub notice: Option<String>,
}

/// Wraps page content in the document, brand header and stylesheet (see
/// the document shell shared with the denial pages).
pub fn layout(cfg: &AuthConfig, title: &str, notice: Option<&str>, content: Markup) -> String {
    auth_core::http::document(cfg, title, notice, &content.into_string())
}

pub(crate) fn errors_box(errors: &[String]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.errors role="alert" {
                @if errors.len() == 1 {
                    (errors[0])
                } @else {
                    ul { @for e in errors { li { (e) } } }
                }
            }
        }
    }
}

pub(crate) fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

pub(crate) fn field_errors(errors: &auth_core::validators::FormErrors, field: &str) -> Markup {
    html! {
        @if let Some(list) = errors.fields.get(field) {
            @for e in list { p.field-error { (e) } }
        }
    }
}
