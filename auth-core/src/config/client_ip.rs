//! The client's address: the peer, or the address a trusted proxy reports.

use super::AuthConfig;

impl AuthConfig {
    /// The client's address: with `client_ip_header`, the entry `trusted_proxies` places from
    /// the right of that header (`X-Forwarded-For: client, proxy1` or RFC 7239 `Forwarded:
    /// for=client;proto=https, for=proxy1`); else, or when that entry
    /// is missing or does not parse, the socket's peer address.
    ///
    /// ```
    /// use auth_core::AuthConfig;
    /// let cfg = AuthConfig { client_ip_header: Some("x-forwarded-for".into()), ..AuthConfig::default() };
    /// let peer = Some("10.0.0.1".parse().unwrap());
    /// // The client sent "6.6.6.6" itself; the proxy appended the real address.
    /// let ip = cfg.client_ip(peer, |_| Some("6.6.6.6, 203.0.113.7"));
    /// assert_eq!(ip, Some("203.0.113.7".parse().unwrap()));
    /// assert_eq!(cfg.client_ip(peer, |_| Some("garbage")), peer);
    /// ```
    pub fn client_ip<'h>(
        &self,
        peer: Option<std::net::IpAddr>,
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Option<std::net::IpAddr> {
        let Some(name) = &self.client_ip_header else {
            return peer;
        };
        let Some(value) = header(name) else {
            return peer;
        };
        let forwarded = name.eq_ignore_ascii_case("forwarded");
        let nth = self.trusted_proxies.max(1) as usize;
        value
            .rsplit(',')
            .nth(nth - 1)
            .and_then(|entry| {
                if forwarded {
                    parse_forwarded_for(entry)
                } else {
                    parse_ip(entry.trim())
                }
            })
            .or(peer)
    }
}

/// The `for=` address of one RFC 7239 `Forwarded` element.
fn parse_forwarded_for(element: &str) -> Option<std::net::IpAddr> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        parse_ip(v.trim().trim_matches('"'))
    })
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`.
fn parse_ip(s: &str) -> Option<std::net::IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse().ok())
}
