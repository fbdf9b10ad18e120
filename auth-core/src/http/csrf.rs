//! CSRF protection for form posts: a random nonce in the `authkit_csrf` cookie, a token in each
//! form that is an HMAC of that nonce under the secret key, and a check of the `Origin` (or
//! `Referer`) header.
//!
//! The cookie is not named `csrftoken` as Django's is (it was before 0.3): the two hold other
//! formats, and one site that serves both would have each overwrite the other's.
//!
//! The nonce is rotated on login and logout, so a token taken before either stops working.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use password_hash::rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;

use crate::config::AuthConfig;
use crate::session::cookie_value;

/// Name of the cookie that carries the nonce.
pub const CSRF_COOKIE: &str = "authkit_csrf";
/// Name of the form field that carries the token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The nonce in a `Cookie` header, if well-formed.
pub fn nonce_from_cookies<'h>(headers: impl IntoIterator<Item = &'h str>) -> Option<String> {
    headers.into_iter().find_map(|h| {
        Nonce::parse(cookie_value(h, CSRF_COOKIE)?.as_bytes()).map(|n| n.as_str().to_owned())
    })
}

/// A well-formed nonce, held inline (every request that carries the cookie parses one).
#[derive(Clone, Copy)]
pub(crate) struct Nonce([u8; 43]);

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nonce(…)")
    }
}

impl Nonce {
    pub(crate) fn generate() -> Nonce {
        let mut b = [0u8; 32];
        OsRng.fill_bytes(&mut b);
        let mut out = [0u8; 43];
        URL_SAFE_NO_PAD
            .encode_slice(b, &mut out)
            .expect("32 bytes encode to 43 characters");
        Nonce(out)
    }

    pub(crate) fn parse(v: &[u8]) -> Option<Nonce> {
        let bytes: [u8; 43] = v.try_into().ok()?;
        crate::session::is_base64url(&bytes).then_some(Nonce(bytes))
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("nonces are ASCII")
    }
}

/// The form token for a nonce.
pub(crate) fn token_for(secret: &[u8], nonce: &str) -> String {
    URL_SAFE_NO_PAD.encode(crate::crypto::keyed_mac(
        secret,
        b"auth-core.csrf\0",
        &[nonce.as_bytes()],
    ))
}

/// Whether `token` is the token for `nonce` (constant-time).
pub(crate) fn token_matches(secret: &[u8], nonce: &str, token: &str) -> bool {
    token_for(secret, nonce)
        .as_bytes()
        .ct_eq(token.as_bytes())
        .into()
}

/// `Set-Cookie` for a nonce.
pub(crate) fn set_cookie(cfg: &AuthConfig, nonce: &str) -> String {
    let mut c = format!("{CSRF_COOKIE}={nonce}; Path=/; Max-Age=31449600; HttpOnly; SameSite=Lax");
    if cfg.cookie_secure() {
        c.push_str("; Secure");
    }
    c
}

/// Whether a built-in form post comes from this site: its `Origin` (else the origin of its
/// `Referer`) must be allowed by `policy` (the site origin, a trusted origin, or, with no
/// `site_origin` configured, the `Host` the request was sent to; see [`OriginPolicy`](crate::http::OriginPolicy)). A
/// request with neither header passes this check (older clients) and still needs a valid
/// token; `Origin: null` fails.
pub fn same_origin(
    policy: &crate::http::origin::OriginPolicy,
    origin: Option<&str>,
    referer: Option<&str>,
    host: Option<&str>,
) -> bool {
    let claimed = match (origin, referer) {
        (Some(o), _) => o.trim().to_owned(),
        (None, Some(r)) => match origin_of(r) {
            Some(o) => o,
            None => return false,
        },
        (None, None) => return true,
    };
    policy.origin_allowed(claimed.as_bytes(), host.map(str::as_bytes))
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_nonce() -> String {
        Nonce::generate().as_str().to_owned()
    }

    #[test]
    fn tokens_bind_to_nonce_and_secret() {
        let n = new_nonce();
        assert_eq!(n.len(), 43);
        let t = token_for(b"k", &n);
        assert!(token_matches(b"k", &n, &t));
        assert!(!token_matches(b"other", &n, &t));
        assert!(!token_matches(b"k", &new_nonce(), &t));
        assert!(!token_matches(b"k", &n, ""));
        let header = format!("a=b; authkit_csrf={n}");
        assert_eq!(nonce_from_cookies([header.as_str()]), Some(n));
        assert_eq!(nonce_from_cookies(["authkit_csrf=short"]), None);
    }

    #[test]
    fn origin_rules() {
        let same_origin = |cfg: &AuthConfig, o, r, h| {
            same_origin(
                &crate::http::origin::OriginPolicy::from_config(cfg),
                o,
                r,
                h,
            )
        };
        let cfg = AuthConfig::default();
        let host = Some("127.0.0.1:3000");
        assert!(same_origin(&cfg, Some("http://127.0.0.1:3000"), None, host));
        assert!(!same_origin(&cfg, Some("http://evil.example"), None, host));
        assert!(!same_origin(&cfg, Some("null"), None, host));
        assert!(same_origin(
            &cfg,
            None,
            Some("http://127.0.0.1:3000/login?x"),
            host
        ));
        assert!(!same_origin(
            &cfg,
            None,
            Some("https://evil.example/127.0.0.1:3000"),
            host
        ));
        assert!(same_origin(&cfg, None, None, host));
        let cfg = AuthConfig {
            site_origin: Some("https://shop.example".into()),
            ..AuthConfig::default()
        };
        assert!(same_origin(
            &cfg,
            Some("https://shop.example"),
            None,
            Some("internal:8080")
        ));
        assert!(!same_origin(
            &cfg,
            Some("http://evil.example"),
            None,
            Some("internal:8080")
        ));
        assert!(
            !same_origin(
                &cfg,
                Some("http://localhost:3000"),
                None,
                Some("localhost:3000")
            ),
            "with site_origin set, the Host header is not trusted"
        );
        assert!(!same_origin(
            &cfg,
            Some("http://shop.example"),
            None,
            Some("shop.example")
        ));
    }
}
