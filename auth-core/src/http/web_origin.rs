//! Web origins (`scheme://host[:port]`): parsing and comparison, for the cross-origin check
//! and for validating configured origins.

/// An origin: scheme, host, and port (the scheme's default when absent). Parsed from a request
/// header it borrows the header (no allocation on the request path); configured ones are kept
/// lower-cased. Scheme and host compare case-insensitively.
#[derive(Clone, Debug)]
pub(crate) struct Origin<'a> {
    pub(crate) scheme: &'a str,
    pub(crate) host: &'a str,
    pub(crate) port: u16,
}

impl PartialEq for Origin<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.port == other.port
            && self.scheme.eq_ignore_ascii_case(other.scheme)
            && self.host.eq_ignore_ascii_case(other.host)
    }
}

impl<'a> Origin<'a> {
    /// Parses `scheme://host[:port]` (a trailing `/` is tolerated, for configured values).
    pub(crate) fn parse(s: &'a str) -> Option<Origin<'a>> {
        let (scheme, rest) = ows(s).split_once("://")?;
        let default_port =
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("ws") {
                80
            } else if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("wss") {
                443
            } else {
                return None;
            };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty()
            || authority
                .bytes()
                .any(|b| matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\') || !b.is_ascii_graphic())
        {
            return None;
        }
        let (host, port) = split_port(authority)?;
        Some(Origin {
            scheme,
            host,
            port: port.unwrap_or(default_port),
        })
    }

    pub(crate) fn is_http(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("http") || self.scheme.eq_ignore_ascii_case("https")
    }
}

/// A configured origin, owned.
#[derive(Clone, Debug)]
pub(crate) struct OwnedOrigin {
    pub(crate) scheme: String,
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl OwnedOrigin {
    pub(crate) fn parse(s: &str) -> Option<OwnedOrigin> {
        Origin::parse(s).map(|o| OwnedOrigin {
            scheme: o.scheme.to_ascii_lowercase(),
            host: o.host.to_ascii_lowercase(),
            port: o.port,
        })
    }

    pub(crate) fn view(&self) -> Origin<'_> {
        Origin {
            scheme: &self.scheme,
            host: &self.host,
            port: self.port,
        }
    }
}

/// `s` without the optional white space (spaces and tabs) HTTP allows around a header value;
/// anything else stays and makes the value invalid.
pub(crate) fn ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `host[:port]` -> host and port; IPv6 literals keep their brackets.
pub(crate) fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (h, rest) = authority.split_at(end + 1);
        match rest.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if rest.is_empty() => (h, None),
            None => return None,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((host, port))
}

/// Whether a configured origin value parses (`scheme://host[:port]`, http or https).
pub(crate) fn is_valid_origin(s: &str) -> bool {
    Origin::parse(s).is_some_and(|o| o.is_http())
}
