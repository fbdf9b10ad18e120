//! The layer's cross-origin check and the name rules: never panic, and an unsafe request that
//! carries an `Origin` naming another host than its `Host` (and no `Sec-Fetch-Site`) is never
//! allowed without a configured site or trusted origin. Usernames: the comparison key is
//! stable (folding a key gives the same key).
#![no_main]
use auth_core::AuthConfig;
use auth_core::names::{name_key, normalize_email};
use auth_core::adapter::{OriginPolicy, RequestHeader, Verdict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |b| *b == 0);
    let (origin, host, site, rest) = (
        parts.next().unwrap_or(b""),
        parts.next().unwrap_or(b""),
        parts.next().unwrap_or(b""),
        parts.next().unwrap_or(b""),
    );
    let policy = OriginPolicy::from_config(&AuthConfig::default());
    let header = |h: RequestHeader| match h {
        RequestHeader::Origin => Some(origin),
        RequestHeader::Host => Some(host),
        RequestHeader::SecFetchSite => (!site.is_empty()).then_some(site),
        RequestHeader::Upgrade => Some(rest),
    };
    let post = policy.check("POST", "/x", header);
    let _ = policy.check("GET", "/x", header);
    if post == Verdict::Allow && site.is_empty() {
        // Allowed: the origin's authority must be the Host (case aside).
        let o = std::str::from_utf8(origin).unwrap_or("");
        let o = o.trim_matches([' ', '\t']);
        let authority = o.split_once("://").map_or("", |(_, a)| a.trim_end_matches('/'));
        let h = std::str::from_utf8(host).unwrap_or("").trim_matches([' ', '\t']);
        // The host name without a trailing `:port`, lower-cased.
        let name = |s: &str| {
            let s = s.to_ascii_lowercase();
            match s.rsplit_once(':') {
                Some((n, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    n.to_owned()
                }
                _ => s,
            }
        };
        assert_eq!(name(authority), name(h), "{o:?} allowed for Host {h:?}");
    }
    if let Ok(s) = std::str::from_utf8(rest) {
        let k = name_key(s);
        assert_eq!(name_key(&k), k, "{s:?}");
        let _ = normalize_email(s);
    }
});
