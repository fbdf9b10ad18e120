//! A refused guard ([`Denial`]), what it keeps of the request ([`DeniedRequest`]), and its
//! audit event.

use crate::guard::requirement::{Requirement, Wants};

/// Why a guard refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenialReason {
    /// Nobody (or an inactive user) is logged in.
    Unauthenticated,
    /// A user is logged in but lacks the requirement.
    Forbidden,
    /// A store could not be reached, so nothing could be checked (fail closed).
    Unavailable,
    /// The layer refused a cross-origin unsafe request or WebSocket upgrade (always 403,
    /// never a login redirect).
    CrossOrigin,
}

/// A refused guard. Handed to `on_denied` hooks and app-wide denial handlers; also usable as an
/// error type (`E: From<Denial>`) in service-layer functions.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("access denied: {requirement} required ({reason:?})")]
pub struct Denial {
    /// The first requirement that failed.
    pub requirement: Requirement,
    /// Why it failed.
    pub reason: DenialReason,
    /// Whether nobody was logged in (also true when the session store was down).
    pub anonymous: bool,
    /// The request path and query (`/a/b?c=d`), or empty outside HTTP.
    pub path: String,
    /// What the client wants back.
    pub wants: Wants,
    /// The guard's `redirect = "..."` option: where anonymous HTML requests go instead of the
    /// configured `login_url`.
    pub login_url: Option<&'static str>,
    /// An htmx request (`HX-Request: true`): the built-in answer to an anonymous one is 401 with
    /// `HX-Redirect` to the login page, which htmx follows as a full navigation, instead of a
    /// 303 whose login page would be swapped into a fragment.
    pub htmx: bool,
    /// The request method (`GET`, `POST`, ...), or empty outside HTTP.
    pub method: Box<str>,
    /// The request's headers, names lower-case, for an `on_denied` hook that decides on them
    /// (see [`Denial::header`]). `Cookie`, `Authorization` and `Proxy-Authorization` are left
    /// out, so that logging a denial never logs a credential. (Boxed slices keep a `Denial`
    /// small enough to return in a `Result` cheaply.)
    pub headers: Box<[(String, String)]>,
}

/// What a denial needs to know of the refused request; adapters build it with
/// [`DeniedRequest::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeniedRequest {
    /// The path and query to come back to after a login.
    pub path: String,
    /// What the client wants back.
    pub wants: Wants,
    /// Whether htmx sent it.
    pub htmx: bool,
    /// The method.
    pub method: Box<str>,
    /// The headers (lower-case names), without credentials (see [`Denial::headers`]).
    pub headers: Box<[(String, String)]>,
}

/// Headers a denial never keeps.
const CREDENTIAL_HEADERS: [&str; 3] = ["cookie", "authorization", "proxy-authorization"];

impl DeniedRequest {
    /// From the request's method, path and query, and headers. An htmx request
    /// (`HX-Request: true`) is marked as such, and its path is the page the user is on (the
    /// path and query of `HX-Current-URL`, when it has them), so that a login returns to that
    /// page rather than to the fragment's URL.
    ///
    /// ```
    /// use auth_core::guard::{DeniedRequest, Wants};
    /// let r = DeniedRequest::new("GET", "/orders/rows", [
    ///     ("HX-Request", "true"),
    ///     ("HX-Current-URL", "https://shop.example/orders?page=2"),
    ///     ("Cookie", "sessionid=secret"),
    /// ]);
    /// assert!(r.htmx);
    /// assert_eq!(r.path, "/orders?page=2");
    /// assert!(r.headers.iter().all(|(k, _)| k != "cookie"));
    /// assert_eq!(DeniedRequest::new("GET", "/a", []).wants, Wants::Html);
    /// ```
    pub fn new<'h>(
        method: &str,
        path_and_query: &str,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    ) -> Self {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .filter(|(k, _)| !CREDENTIAL_HEADERS.contains(&k.as_str()))
            .collect();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let wants = Wants::from_headers(
            header("accept"),
            header("content-type"),
            header("x-requested-with"),
        );
        let htmx = header("hx-request").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let current = htmx
            .then(|| header("hx-current-url").and_then(local_part))
            .flatten();
        let path = current.unwrap_or(path_and_query).to_owned();
        DeniedRequest {
            path,
            wants,
            htmx,
            method: method.into(),
            headers: headers.into(),
        }
    }
}

/// The path and query of an absolute `http(s)` URL (`/` when it has none).
fn local_part(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    Some(rest.find('/').map_or("/", |i| &rest[i..]))
}

// Service-layer functions return `Result<T, Denial>` (or an error holding one): a larger
// `Denial` would make every such `Result` large (and trip clippy's `result_large_err` in users'
// code).
const _: () = assert!(std::mem::size_of::<Denial>() <= 128);

impl Denial {
    /// A denial outside HTTP (service layer): no path, JSON.
    pub fn new(requirement: Requirement, reason: DenialReason) -> Self {
        Denial {
            requirement,
            reason,
            anonymous: reason != DenialReason::Forbidden,
            path: String::new(),
            wants: Wants::Json,
            login_url: None,
            htmx: false,
            method: Box::default(),
            headers: Box::default(),
        }
    }

    /// Whether nobody was logged in.
    pub fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    /// The request path that was refused.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A request header's value (name in any case), as the hook saw the request; never
    /// `Cookie` or `Authorization`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Logs a denial as an audit event (`event = "permission_denied"`), without secrets.
pub fn audit_denial(d: &Denial) {
    tracing::info!(
        event = "permission_denied",
        requirement = %d.requirement,
        reason = ?d.reason,
        anonymous = d.anonymous,
        path = %d.path,
        "guard denied access"
    );
}
