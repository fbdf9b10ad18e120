//! What a guard can require ([`Requirement`]) and what the client wants back ([`Wants`]).

use std::fmt;

use crate::user::User;

/// One thing a guard requires. A guard's requirements must all hold.
#[derive(Clone, Copy, Debug)]
pub enum Requirement {
    /// A logged-in, active user (`#[login_required]`).
    Login,
    /// A permission `app_label.codename` (`#[permission_required]`); active superusers pass.
    Perm(&'static str),
    /// At least one of these permissions (`#[permission_required(.., any)]`); active
    /// superusers pass.
    AnyPerm(&'static [&'static str]),
    /// Membership in at least one of these groups (`#[group_required]`).
    AnyGroup(&'static [&'static str]),
    /// `is_staff` on an active user (`#[staff_required]`).
    Staff,
    /// `is_superuser` on an active user (`#[superuser_required]`).
    Superuser,
    /// An active user for whom the function returns `true` (`#[user_passes_test]`); the
    /// `&str` is the function's name, for logs and messages.
    Test(fn(&User) -> bool, &'static str),
    /// The request comes from this site: what the layer's cross-origin check requires of
    /// unsafe requests and WebSocket upgrades on every route (see [`OriginPolicy`](crate::adapter::OriginPolicy)).
    SameOrigin,
}

/// Two requirements are equal when they ask the same; two [`Requirement::Test`]s when they
/// name the same function (function addresses are not guaranteed to be unique).
impl PartialEq for Requirement {
    fn eq(&self, other: &Self) -> bool {
        use Requirement::*;
        match (self, other) {
            (Login, Login) | (Staff, Staff) | (Superuser, Superuser) => true,
            (SameOrigin, SameOrigin) => true,
            (Perm(a), Perm(b)) => a == b,
            (AnyPerm(a), AnyPerm(b)) | (AnyGroup(a), AnyGroup(b)) => a == b,
            (Test(_, a), Test(_, b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Requirement {}

impl Requirement {
    /// Whether checking it needs the user's grants (and so possibly a store read).
    pub fn needs_grants(&self) -> bool {
        matches!(
            self,
            Requirement::Perm(_) | Requirement::AnyPerm(_) | Requirement::AnyGroup(_)
        )
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Login => f.write_str("login"),
            Requirement::Perm(p) => write!(f, "permission {p}"),
            Requirement::AnyPerm(p) => write!(f, "one of the permissions {}", p.join(", ")),
            Requirement::AnyGroup(g) => write!(f, "membership in one of {}", g.join(", ")),
            Requirement::Staff => f.write_str("staff status"),
            Requirement::Superuser => f.write_str("superuser status"),
            Requirement::Test(_, name) => write!(f, "passing the test {name}"),
            Requirement::SameOrigin => f.write_str("a same-origin request"),
        }
    }
}

/// Whether the client wants an HTML page or a JSON answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wants {
    /// A browser: redirects and pages.
    Html,
    /// An API client: status codes and JSON bodies.
    Json,
}

impl Wants {
    /// Decides from request headers. JSON when the client asks for it (`Accept` naming a JSON
    /// type and not `text/html`), sends it (`Content-Type: application/json`) or is an XHR
    /// (`X-Requested-With: XMLHttpRequest`); HTML otherwise, including `*/*` and no `Accept`.
    ///
    /// ```
    /// use auth_core::guard::Wants;
    /// assert_eq!(Wants::from_headers(Some("application/json"), None, None), Wants::Json);
    /// assert_eq!(Wants::from_headers(Some("text/html,*/*;q=0.8"), None, None), Wants::Html);
    /// assert_eq!(Wants::from_headers(None, None, None), Wants::Html);
    /// ```
    pub fn from_headers(
        accept: Option<&str>,
        content_type: Option<&str>,
        x_requested_with: Option<&str>,
    ) -> Wants {
        let accept = accept.unwrap_or("").to_ascii_lowercase();
        if accept.contains("text/html") {
            return Wants::Html;
        }
        let json_accept = accept.contains("application/json") || accept.contains("+json");
        let json_body = content_type
            .map(|c| c.to_ascii_lowercase())
            .is_some_and(|c| c.starts_with("application/json") || c.contains("+json"));
        let xhr = x_requested_with.is_some_and(|x| x.eq_ignore_ascii_case("xmlhttprequest"));
        if json_accept || json_body || xhr {
            Wants::Json
        } else {
            Wants::Html
        }
    }
}
