//! What a page gets from the adapter and what it answers.

use auth_core::http::FormError;

/// A request to a built-in page, as the adapter read it.
#[derive(Clone, Debug)]
pub struct PageRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The request path (for the form action).
    pub path: &'a str,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// The body, or the error the adapter met reading it (too large).
    pub body: Result<&'a [u8], FormError>,
    /// `Origin`.
    pub origin: Option<&'a str>,
    /// `Referer`.
    pub referer: Option<&'a str>,
    /// `Host`.
    pub host: Option<&'a str>,
    /// `User-Agent` (recorded with a login's session, for the sessions page).
    pub user_agent: Option<&'a str>,
    /// Path parameter `uid` (reset confirm).
    pub uid: Option<&'a str>,
    /// Path parameter `token` (reset confirm).
    pub token: Option<&'a str>,
}

/// A built-in page's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageResponse {
    /// HTTP status.
    pub status: u16,
    /// `Location`, for redirects (303).
    pub location: Option<String>,
    /// HTML body (`text/html; charset=utf-8`).
    pub html: Option<String>,
    /// `Allow`, for 405.
    pub allow: Option<&'static str>,
    /// `Retry-After` in seconds, for 429.
    pub retry_after: Option<u64>,
}

impl PageResponse {
    pub(super) fn html(status: u16, html: String) -> Self {
        PageResponse {
            status,
            location: None,
            html: Some(html),
            allow: None,
            retry_after: None,
        }
    }

    pub(super) fn redirect(location: impl Into<String>) -> Self {
        PageResponse {
            status: 303,
            location: Some(location.into()),
            html: None,
            allow: None,
            retry_after: None,
        }
    }

    pub(super) fn method_not_allowed(allow: &'static str) -> Self {
        PageResponse {
            status: 405,
            location: None,
            html: None,
            allow: Some(allow),
            retry_after: None,
        }
    }
}

impl PageResponse {
    /// Every header the response needs besides the body's `Content-Type`: `Location`,
    /// `Allow`, and on pages `Cache-Control: no-store` (they carry CSRF tokens) and framing
    /// protection.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("cache-control", "no-store".to_owned()),
            ("x-frame-options", "DENY".to_owned()),
            (
                "content-security-policy",
                "frame-ancestors 'none'".to_owned(),
            ),
            ("referrer-policy", "same-origin".to_owned()),
        ];
        if let Some(l) = &self.location {
            h.push(("location", l.clone()));
        }
        if let Some(a) = self.allow {
            h.push(("allow", a.to_owned()));
        }
        if let Some(secs) = self.retry_after {
            h.push(("retry-after", secs.to_string()));
        }
        if self.html.is_some() {
            h.push(("content-type", "text/html; charset=utf-8".to_owned()));
        }
        h
    }
}
