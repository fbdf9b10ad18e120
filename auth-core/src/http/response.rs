//! The built-in answer to a denial, described without any web framework. Adapters turn a
//! [`DenialResponse`] into their own response type.

use crate::config::AuthConfig;
use crate::guard::{Denial, DenialReason, Wants};
use crate::http::redirect::login_redirect;

/// What the built-in denial handler answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenialResponse {
    /// 303 See Other to `location` (the login page with `next`).
    Redirect {
        /// The target.
        location: String,
    },
    /// 401 with `HX-Redirect: location` and no body: what htmx follows as a full navigation
    /// (the login page with `next`), for an anonymous htmx request.
    HxRedirect {
        /// The target.
        location: String,
    },
    /// A page or JSON document.
    Body {
        /// 401, 403 or 503.
        status: u16,
        /// `text/html; charset=utf-8` or `application/json`.
        content_type: &'static str,
        /// The document.
        body: String,
    },
}

/// The status of a redirect to the login page: 303, so the browser follows with a GET.
pub const REDIRECT_STATUS: u16 = 303;

impl DenialResponse {
    /// The built-in answer:
    /// - anonymous htmx request (`HX-Request: true`): 401 with `HX-Redirect` to the login URL
    ///   with `?next=<the page the user is on>`;
    /// - anonymous + HTML: redirect to the login URL (the guard's `redirect` option, else
    ///   `login_url`) with `?next=<path>`; also when a store is down and nobody is known to be
    ///   logged in;
    /// - anonymous + JSON: 401 JSON;
    /// - logged in but lacking the requirement: 403 page or JSON (never a login redirect, so no
    ///   loops);
    /// - a store is down: 503.
    pub fn for_denial(d: &Denial, cfg: &AuthConfig) -> Self {
        let m = &cfg.messages;
        match (d.reason, d.wants, d.anonymous) {
            (DenialReason::Unauthenticated | DenialReason::Unavailable, _, true) if d.htmx => {
                let login = d.login_url.unwrap_or(&cfg.login_url);
                DenialResponse::HxRedirect {
                    location: login_redirect(login, &d.path),
                }
            }
            (DenialReason::CrossOrigin, Wants::Json, _) => {
                json(403, "cross_origin", &m.cross_origin_denied, None)
            }
            (DenialReason::CrossOrigin, Wants::Html, _) => {
                html(403, "Forbidden", &m.cross_origin_denied, cfg)
            }
            (DenialReason::Unauthenticated | DenialReason::Unavailable, Wants::Html, true) => {
                let login = d.login_url.unwrap_or(&cfg.login_url);
                DenialResponse::Redirect {
                    location: login_redirect(login, &d.path),
                }
            }
            (DenialReason::Unauthenticated, Wants::Json, _) => json(
                401,
                "unauthenticated",
                &m.login_required,
                Some(d.login_url.unwrap_or(&cfg.login_url)),
            ),
            (DenialReason::Unavailable, Wants::Json, _) => {
                json(503, "unavailable", &m.service_unavailable, None)
            }
            (DenialReason::Unavailable, Wants::Html, _) => {
                html(503, "Service unavailable", &m.service_unavailable, cfg)
            }
            (_, Wants::Json, _) => json(403, "forbidden", &m.permission_denied, None),
            (_, Wants::Html, _) => html(403, "Forbidden", &m.permission_denied, cfg),
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            DenialResponse::Redirect { .. } => REDIRECT_STATUS,
            DenialResponse::HxRedirect { .. } => 401,
            DenialResponse::Body { status, .. } => *status,
        }
    }
}

fn json(status: u16, error: &str, message: &str, login_url: Option<&str>) -> DenialResponse {
    let mut doc = serde_json::json!({ "error": error, "message": message });
    if let Some(url) = login_url {
        doc["login_url"] = url.into();
    }
    DenialResponse::Body {
        status,
        content_type: "application/json",
        body: doc.to_string(),
    }
}

fn html(status: u16, title: &str, message: &str, cfg: &AuthConfig) -> DenialResponse {
    DenialResponse::Body {
        status,
        content_type: "text/html; charset=utf-8",
        body: crate::http::document::document(
            cfg,
            title,
            None,
            &crate::http::document::denial_content(message),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::Requirement;

    fn denial(reason: DenialReason, anonymous: bool, wants: Wants) -> Denial {
        Denial {
            requirement: Requirement::Login,
            reason,
            anonymous,
            path: "/p?q=1".into(),
            wants,
            login_url: None,
            htmx: false,
            method: "GET".into(),
            headers: Box::default(),
        }
    }

    #[test]
    fn anonymous_htmx_requests_get_a_401_with_hx_redirect() {
        let cfg = AuthConfig::default();
        for wants in [Wants::Html, Wants::Json] {
            for reason in [DenialReason::Unauthenticated, DenialReason::Unavailable] {
                let mut d = denial(reason, true, wants);
                d.htmx = true;
                let r = DenialResponse::for_denial(&d, &cfg);
                assert_eq!(
                    r,
                    DenialResponse::HxRedirect {
                        location: "/login?next=/p%3Fq%3D1".into()
                    }
                );
                assert_eq!(r.status(), 401);
            }
        }
        // A logged-in htmx user who lacks the permission gets the usual 403.
        let mut d = denial(DenialReason::Forbidden, false, Wants::Html);
        d.htmx = true;
        assert_eq!(DenialResponse::for_denial(&d, &cfg).status(), 403);
    }

    #[test]
    fn the_built_in_answers() {
        let cfg = AuthConfig::default();
        let r = DenialResponse::for_denial(
            &denial(DenialReason::Unauthenticated, true, Wants::Html),
            &cfg,
        );
        assert_eq!(
            r,
            DenialResponse::Redirect {
                location: "/login?next=/p%3Fq%3D1".into()
            }
        );
        assert_eq!(r.status(), 303);
        let r = DenialResponse::for_denial(
            &denial(DenialReason::Unauthenticated, true, Wants::Json),
            &cfg,
        );
        assert_eq!(r.status(), 401);
        let r =
            DenialResponse::for_denial(&denial(DenialReason::Forbidden, false, Wants::Html), &cfg);
        assert_eq!(
            r.status(),
            403,
            "a logged-in user never gets a login redirect"
        );
        let r =
            DenialResponse::for_denial(&denial(DenialReason::Forbidden, false, Wants::Json), &cfg);
        assert_eq!(r.status(), 403);
        let r =
            DenialResponse::for_denial(&denial(DenialReason::Unavailable, true, Wants::Html), &cfg);
        assert!(matches!(r, DenialResponse::Redirect { .. }));
        let r = DenialResponse::for_denial(
            &denial(DenialReason::Unavailable, false, Wants::Html),
            &cfg,
        );
        assert_eq!(r.status(), 503);
        let r =
            DenialResponse::for_denial(&denial(DenialReason::Unavailable, true, Wants::Json), &cfg);
        assert_eq!(r.status(), 503);
    }

    #[test]
    fn guard_redirect_option_wins() {
        let mut d = denial(DenialReason::Unauthenticated, true, Wants::Html);
        d.login_url = Some("/signin");
        let r = DenialResponse::for_denial(&d, &AuthConfig::default());
        assert_eq!(
            r,
            DenialResponse::Redirect {
                location: "/signin?next=/p%3Fq%3D1".into()
            }
        );
    }

    #[test]
    fn brand_is_escaped() {
        let cfg = AuthConfig {
            brand_text: "<script>x</script>".into(),
            ..AuthConfig::default()
        };
        let DenialResponse::Body { body, .. } =
            DenialResponse::for_denial(&denial(DenialReason::Forbidden, false, Wants::Html), &cfg)
        else {
            panic!()
        };
        assert!(!body.contains("<script>"));
    }
}
