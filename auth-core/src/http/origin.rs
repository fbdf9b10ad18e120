//! Cross-origin request protection for every route, the check both adapters' layers run
//! before a handler sees the request.
//!
//! Modelled on Go 1.25's `net/http.CrossOriginProtection` and Django's `CsrfViewMiddleware`:
//!
//! 1. Safe methods (`GET`, `HEAD`, `OPTIONS`, `TRACE`) pass: they must not change state.
//!    WebSocket upgrades are the exception (rule 5).
//! 2. Paths listed in `csrf_exempt_paths` pass (webhooks that other sites post to).
//! 3. `Sec-Fetch-Site`, when the browser sends it, decides: `same-origin` and `none` (the user
//!    typed the URL or used a bookmark) pass; `same-site` and `cross-site` pass only when
//!    `Origin` is one of `csrf_trusted_origins`. Every current browser sends it.
//! 4. Otherwise `Origin` decides: absent, the request passes (a non-browser client, which
//!    carries no ambient cookies, or a very old browser); `null` never passes; otherwise it
//!    must equal `site_origin` (scheme, host and port) or one of `csrf_trusted_origins`. Without
//!    a `site_origin` (development) it must name the `Host` the request was sent to.
//! 5. A WebSocket upgrade (`GET` with `Upgrade: websocket`) must carry an allowed `Origin`
//!    by rule 4's comparison (browsers always send one on a WebSocket handshake; cookies ride
//!    along, so this is what stops cross-site WebSocket hijacking).
//!
//! With `allowed_hosts` set, a request whose `Host` is not listed gets 400 before anything
//! else (Django's `ALLOWED_HOSTS`).
//!
//! ```
//! use auth_core::AuthConfig;
//! use auth_core::adapter::{OriginPolicy, RequestHeader, Verdict};
//!
//! let cfg = AuthConfig { site_origin: Some("https://shop.example".into()), ..AuthConfig::default() };
//! let policy = OriginPolicy::from_config(&cfg);
//! let headers = |h: RequestHeader| match h {
//!     RequestHeader::Origin => Some(&b"https://evil.example"[..]),
//!     _ => None,
//! };
//! assert_eq!(policy.check("POST", "/posts", headers), Verdict::CrossOrigin);
//! assert_eq!(policy.check("GET", "/posts", headers), Verdict::Allow);
//! ```

use crate::config::AuthConfig;
use crate::guard::{Denial, DenialReason, DeniedRequest, Requirement};
use crate::http::web_origin::{Origin, OwnedOrigin, ows, split_port};

/// A request header the check reads. Adapters map each to their framework's constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestHeader {
    /// `Origin`.
    Origin,
    /// `Sec-Fetch-Site`.
    SecFetchSite,
    /// `Host` (or the HTTP/2 `:authority`).
    Host,
    /// `Upgrade`.
    Upgrade,
}

impl RequestHeader {
    /// The header's name, lower-case. For [`RequestHeader::Host`] an adapter falls back to the
    /// request URI's authority (HTTP/2).
    pub fn name(self) -> &'static str {
        match self {
            RequestHeader::Origin => "origin",
            RequestHeader::SecFetchSite => "sec-fetch-site",
            RequestHeader::Host => "host",
            RequestHeader::Upgrade => "upgrade",
        }
    }
}

/// What the layer does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Let it through.
    Allow,
    /// `Host` is not in `allowed_hosts`: answer 400.
    BadHost,
    /// A cross-origin unsafe request or WebSocket upgrade: answer 403 through the denial path.
    CrossOrigin,
}

/// The cross-origin rules of one configuration, parsed once when the service is built.
#[derive(Clone, Debug, Default)]
pub struct OriginPolicy {
    site: Option<OwnedOrigin>,
    trusted: Vec<OwnedOrigin>,
    allowed_hosts: Vec<String>,
    exempt: Vec<String>,
    enabled: bool,
}

impl OriginPolicy {
    /// The rules of `cfg` (`site_origin`, `csrf_trusted_origins`, `allowed_hosts`,
    /// `csrf_exempt_paths`, `cross_origin_protection`). Values that do not parse were refused
    /// by [`AuthConfig::validate`]; here they are skipped.
    pub fn from_config(cfg: &AuthConfig) -> OriginPolicy {
        OriginPolicy {
            site: cfg.site_origin.as_deref().and_then(OwnedOrigin::parse),
            trusted: cfg
                .csrf_trusted_origins
                .iter()
                .filter_map(|o| OwnedOrigin::parse(o))
                .collect(),
            allowed_hosts: cfg
                .allowed_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            exempt: cfg.csrf_exempt_paths.clone(),
            enabled: cfg.cross_origin_protection,
        }
    }

    /// Whether a configured origin value parses (`scheme://host[:port]`, http or https).
    pub fn is_valid_origin(s: &str) -> bool {
        crate::http::web_origin::is_valid_origin(s)
    }

    /// [`check`](Self::check) for an adapter: `Host` falls back to the request URI's
    /// `authority` (HTTP/2 `:authority`).
    pub fn check_request<'h>(
        &self,
        method: &str,
        path: &str,
        authority: Option<&'h [u8]>,
        header: impl Fn(RequestHeader) -> Option<&'h [u8]>,
    ) -> Verdict {
        self.check(method, path, |h| match h {
            RequestHeader::Host => header(h).or(authority),
            _ => header(h),
        })
    }

    /// The verdict on one request. `header` returns a request header's raw value.
    pub fn check<'h>(
        &self,
        method: &str,
        path: &str,
        header: impl Fn(RequestHeader) -> Option<&'h [u8]>,
    ) -> Verdict {
        if !self.allowed_hosts.is_empty() && !self.host_allowed(header(RequestHeader::Host)) {
            return Verdict::BadHost;
        }
        if !self.enabled {
            return Verdict::Allow;
        }
        let safe = matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE");
        if safe {
            // WebSocket handshakes are GETs that open a channel carrying the user's cookies.
            let upgrade =
                method == "GET" && header(RequestHeader::Upgrade).is_some_and(contains_websocket);
            if !upgrade || self.is_exempt(path) {
                return Verdict::Allow;
            }
            return match header(RequestHeader::Origin) {
                None => Verdict::Allow,
                Some(o) if self.origin_allowed(o, header(RequestHeader::Host)) => Verdict::Allow,
                Some(_) => Verdict::CrossOrigin,
            };
        }
        if self.is_exempt(path) {
            return Verdict::Allow;
        }
        let origin = header(RequestHeader::Origin);
        match header(RequestHeader::SecFetchSite) {
            Some(b"same-origin") | Some(b"none") => return Verdict::Allow,
            Some(_) => {
                return match origin {
                    Some(o) if self.is_trusted(o) => Verdict::Allow,
                    _ => Verdict::CrossOrigin,
                };
            }
            None => {}
        }
        match origin {
            None => Verdict::Allow,
            Some(o) if self.origin_allowed(o, header(RequestHeader::Host)) => Verdict::Allow,
            Some(_) => Verdict::CrossOrigin,
        }
    }

    /// Whether `origin` (an `Origin` header value) may act on this site: the site origin, a
    /// trusted origin, or, without a configured site origin, the request's own `Host`.
    /// `null` and anything unparseable never may.
    pub fn origin_allowed(&self, origin: &[u8], host: Option<&[u8]>) -> bool {
        let Some(o) = std::str::from_utf8(origin).ok().and_then(Origin::parse) else {
            return false;
        };
        if self.is_trusted_origin(&o) {
            return true;
        }
        match &self.site {
            Some(site) => site.view() == o,
            None => {
                // Development without `site_origin`: the origin must name the host the browser
                // sent the request to. The scheme cannot be known behind a proxy, so http and
                // https both match (as Go's check does).
                let Some(host) = host.and_then(|h| std::str::from_utf8(h).ok()) else {
                    return false;
                };
                let Some((h, p)) = split_port(ows(host)) else {
                    return false;
                };
                o.is_http()
                    && o.host.eq_ignore_ascii_case(h)
                    && match p {
                        Some(p) => p == o.port,
                        None => o.port == 80 || o.port == 443,
                    }
            }
        }
    }

    fn is_trusted(&self, origin: &[u8]) -> bool {
        std::str::from_utf8(origin)
            .ok()
            .and_then(Origin::parse)
            .is_some_and(|o| {
                self.is_trusted_origin(&o) || self.site.as_ref().is_some_and(|s| s.view() == o)
            })
    }

    fn is_trusted_origin(&self, o: &Origin<'_>) -> bool {
        self.trusted.iter().any(|t| t.view() == *o)
    }

    /// Whether `path` is listed in `csrf_exempt_paths` (exactly, or under an entry that ends
    /// with `/`).
    pub fn is_exempt(&self, path: &str) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        self.exempt.iter().any(|e| {
            if e.ends_with('/') {
                path.starts_with(e.as_str())
            } else {
                path == e
            }
        })
    }

    /// Whether `host` (a `Host` header) is in `allowed_hosts` (always true when that list is
    /// empty). Entries match exactly (port ignored), `.example.com` matches the domain and its
    /// subdomains, and `*` matches anything.
    pub fn host_allowed(&self, host: Option<&[u8]>) -> bool {
        if self.allowed_hosts.is_empty() {
            return true;
        }
        let Some(host) = host.and_then(|h| std::str::from_utf8(h).ok()) else {
            return false;
        };
        let Some((name, _)) = split_port(ows(host)) else {
            return false;
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        self.allowed_hosts.iter().any(|a| {
            a == "*"
                || a.eq_ignore_ascii_case(name)
                || a.strip_prefix('.').is_some_and(|d| {
                    name.eq_ignore_ascii_case(d)
                        || (name.len() > d.len()
                            && name.is_char_boundary(name.len() - d.len() - 1)
                            && name[name.len() - d.len()..].eq_ignore_ascii_case(d)
                            && name.as_bytes()[name.len() - d.len() - 1] == b'.')
                })
        })
    }
}

/// The denial for a request the check refused, logged as a `csrf_failed` audit event. The
/// adapters hand it to the guard's usual denial path (the layer's `on_denied` handler, else
/// the built-in 403 page or JSON).
pub fn cross_origin_denial(request: DeniedRequest, anonymous: bool) -> Denial {
    tracing::warn!(
        event = "csrf_failed",
        path = %request.path,
        "cross-origin request refused"
    );
    Denial {
        requirement: Requirement::SameOrigin,
        reason: DenialReason::CrossOrigin,
        anonymous,
        path: request.path,
        wants: request.wants,
        login_url: None,
        htmx: request.htmx,
        method: request.method,
        headers: request.headers,
    }
}

/// The body of the 400 answer to a request for a host not in `allowed_hosts`.
pub const BAD_HOST_MESSAGE: &str =
    "Bad Request: this site does not answer for the host named in the request.";

fn contains_websocket(v: &[u8]) -> bool {
    v.split(|b| *b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"websocket"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(policy: &OriginPolicy, method: &str, hs: &[(RequestHeader, &str)]) -> Verdict {
        policy.check(method, "/posts", |h| {
            hs.iter().find(|(k, _)| *k == h).map(|(_, v)| v.as_bytes())
        })
    }

    use RequestHeader::*;

    #[test]
    fn development_compares_with_host() {
        let p = OriginPolicy::from_config(&AuthConfig::default());
        let host = (Host, "127.0.0.1:3000");
        assert_eq!(
            check(&p, "POST", &[host]),
            Verdict::Allow,
            "no browser headers"
        );
        assert_eq!(
            check(&p, "POST", &[host, (Origin, "http://127.0.0.1:3000")]),
            Verdict::Allow
        );
        for bad in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:3001",
            "http://127.0.0.1",
            "http://127.0.0.1:3000.evil.example",
            "file://",
            "",
        ] {
            assert_eq!(
                check(&p, "POST", &[host, (Origin, bad)]),
                Verdict::CrossOrigin,
                "{bad:?}"
            );
        }
        assert_eq!(
            check(&p, "DELETE", &[host, (SecFetchSite, "cross-site")]),
            Verdict::CrossOrigin
        );
        assert_eq!(
            check(&p, "PATCH", &[host, (SecFetchSite, "same-site")]),
            Verdict::CrossOrigin
        );
        assert_eq!(
            check(
                &p,
                "PUT",
                &[
                    host,
                    (SecFetchSite, "same-origin"),
                    (Origin, "http://127.0.0.1:3000")
                ]
            ),
            Verdict::Allow
        );
        assert_eq!(
            check(&p, "POST", &[host, (SecFetchSite, "none")]),
            Verdict::Allow
        );
        assert_eq!(
            check(&p, "GET", &[host, (Origin, "http://evil.example")]),
            Verdict::Allow
        );
    }

    #[test]
    fn site_origin_is_exact() {
        let cfg = AuthConfig {
            site_origin: Some("https://shop.example".into()),
            csrf_trusted_origins: vec!["https://admin.example:8443".into()],
            ..AuthConfig::default()
        };
        let p = OriginPolicy::from_config(&cfg);
        let host = (Host, "shop.example");
        assert_eq!(
            check(&p, "POST", &[host, (Origin, "https://shop.example")]),
            Verdict::Allow
        );
        assert_eq!(
            check(&p, "POST", &[host, (Origin, "https://SHOP.example:443")]),
            Verdict::Allow
        );
        assert_eq!(
            check(&p, "POST", &[host, (Origin, "http://shop.example")]),
            Verdict::CrossOrigin,
            "scheme counts"
        );
        assert_eq!(
            check(
                &p,
                "POST",
                &[(Host, "evil.example"), (Origin, "http://evil.example")]
            ),
            Verdict::CrossOrigin,
            "Host is not trusted once site_origin is set"
        );
        assert_eq!(
            check(&p, "POST", &[host, (Origin, "https://admin.example:8443")]),
            Verdict::Allow
        );
        assert_eq!(
            check(
                &p,
                "POST",
                &[
                    host,
                    (SecFetchSite, "cross-site"),
                    (Origin, "https://admin.example:8443")
                ]
            ),
            Verdict::Allow
        );
    }

    #[test]
    fn websocket_upgrades_need_an_allowed_origin() {
        let p = OriginPolicy::from_config(&AuthConfig::default());
        let host = (Host, "127.0.0.1:3000");
        let up = (Upgrade, "websocket");
        assert_eq!(
            check(&p, "GET", &[host, up, (Origin, "http://127.0.0.1:3000")]),
            Verdict::Allow
        );
        for bad in ["http://evil.example", "null", "http://127.0.0.1:4000"] {
            assert_eq!(
                check(&p, "GET", &[host, up, (Origin, bad)]),
                Verdict::CrossOrigin,
                "{bad}"
            );
        }
        assert_eq!(check(&p, "GET", &[host, up]), Verdict::Allow);
    }

    #[test]
    fn exempt_paths_and_allowed_hosts() {
        let cfg = AuthConfig {
            csrf_exempt_paths: vec!["/hooks/".into(), "/stripe".into()],
            allowed_hosts: vec!["shop.example".into(), ".api.example".into()],
            ..AuthConfig::default()
        };
        let p = OriginPolicy::from_config(&cfg);
        assert!(p.is_exempt("/hooks/github"));
        assert!(p.is_exempt("/stripe?x=1"));
        assert!(!p.is_exempt("/stripe/other"));
        assert!(!p.is_exempt("/hook"));
        assert!(p.host_allowed(Some(b"shop.example:8080")));
        assert!(p.host_allowed(Some(b"SHOP.example")));
        assert!(p.host_allowed(Some(b"v1.api.example")));
        assert!(p.host_allowed(Some(b"api.example")));
        assert!(!p.host_allowed(Some(b"evil.example")));
        assert!(!p.host_allowed(Some(b"xapi.example")));
        assert!(!p.host_allowed(None));
        let v = p.check("POST", "/hooks/x", |h| match h {
            Host => Some(b"shop.example"),
            Origin => Some(b"https://github.com"),
            _ => None,
        });
        assert_eq!(v, Verdict::Allow);
        let v = p.check("GET", "/", |h| match h {
            Host => Some(b"evil.example"),
            _ => None,
        });
        assert_eq!(v, Verdict::BadHost);
    }
}
