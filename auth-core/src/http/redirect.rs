//! Validation of `next=` redirect targets, and login redirect URLs.

/// Django's `url_has_allowed_host_and_scheme`, reimplemented: whether redirecting to `url` is
/// safe, meaning it stays on one of `allowed_hosts` (compared exactly, port included) or is a
/// relative URL, uses `http`/`https` (only `https` when `require_https`), and cannot be read by
/// a browser as pointing elsewhere (backslashes, three slashes, leading control characters).
///
/// ```
/// use auth_core::http::url_has_allowed_host_and_scheme as safe;
/// assert!(safe("/protected?tab=1", &[], false));
/// assert!(!safe("//evil.example/", &[], false));
/// assert!(!safe("/\\evil.example", &[], false));
/// assert!(!safe("javascript:alert(1)", &[], false));
/// assert!(safe("https://testserver/x", &["testserver"], false));
/// ```
pub fn url_has_allowed_host_and_scheme(
    url: &str,
    allowed_hosts: &[&str],
    require_https: bool,
) -> bool {
    let url = url.trim();
    if url.is_empty() {
        return false;
    }
    // Chrome reads `\` as `/` in paths, but it can also sit in credentials: check both forms.
    check(url, allowed_hosts, require_https)
        && check(&url.replace('\\', "/"), allowed_hosts, require_https)
}

fn check(url: &str, allowed_hosts: &[&str], require_https: bool) -> bool {
    // Chrome treats a URL with three leading slashes as absolute.
    if url.starts_with("///") {
        return false;
    }
    let Some(parts) = split(url) else {
        return false;
    };
    // A scheme without a host, such as `http:///example.com` or `javascript:...`.
    if parts.netloc.is_empty() && !parts.scheme.is_empty() {
        return false;
    }
    // `//` with an empty host: Django lets it through; a browser may still read it as
    // scheme-relative. Stricter here (found by the fuzzer).
    if parts.netloc.is_empty() && parts.rest_starts_with_slashes {
        return false;
    }
    // Browsers ignore some leading control characters and may then see `//host`.
    if url.chars().next().is_some_and(is_control_or_format) {
        return false;
    }
    let scheme = if parts.scheme.is_empty() && !parts.netloc.is_empty() {
        "http".to_owned()
    } else {
        parts.scheme
    };
    let scheme_ok = scheme.is_empty() || scheme == "https" || (!require_https && scheme == "http");
    (parts.netloc.is_empty() || allowed_hosts.contains(&parts.netloc.as_str())) && scheme_ok
}

struct Parts {
    scheme: String,
    netloc: String,
    rest_starts_with_slashes: bool,
}

/// The scheme and network location, as Python's `urllib.parse.urlsplit` finds them.
fn split(url: &str) -> Option<Parts> {
    // urlsplit strips leading C0 controls and spaces, and removes tab, CR and LF anywhere.
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':')
        && i > 0
        && rest.as_bytes()[0].is_ascii_alphabetic()
        && rest[..i]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        scheme = rest[..i].to_ascii_lowercase();
        rest = &rest[i + 1..];
    }
    let mut netloc = String::new();
    let rest_starts_with_slashes = rest.starts_with("//");
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = after[..end].to_owned();
        if netloc.contains('[') != netloc.contains(']') {
            return None; // urlsplit raises "Invalid IPv6 URL"
        }
    }
    Some(Parts {
        scheme,
        netloc,
        rest_starts_with_slashes,
    })
}

/// Unicode general category C (control, format, private use, surrogate, unassigned) for the
/// characters that matter at the start of a URL.
fn is_control_or_format(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F
            | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF
            | 0xF0000..=0x10FFFF)
}

/// Returns `next` if it is a safe redirect target, else `fallback`.
pub fn safe_next<'a>(next: Option<&'a str>, allowed_hosts: &[&str], fallback: &'a str) -> &'a str {
    match next {
        // Control characters anywhere (CR, LF, tab, NUL...) make a `Location` header that
        // cannot be sent or that browsers read differently: unsafe, so the fallback is used.
        Some(n) if n.trim().chars().any(char::is_control) => fallback,
        Some(n) if url_has_allowed_host_and_scheme(n, allowed_hosts, false) => n.trim(),
        _ => fallback,
    }
}

/// `login_url` with `next=<path>` appended (percent-encoded, `/` kept), as Django's
/// `redirect_to_login`.
///
/// ```text
/// login_redirect("/login", "/a b?x=1&y=2") == "/login?next=/a%20b%3Fx%3D1%26y%3D2"
/// ```
pub(crate) fn login_redirect(login_url: &str, next: &str) -> String {
    let sep = if login_url.contains('?') { '&' } else { '?' };
    format!("{login_url}{sep}next={}", percent_encode(next))
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_redirect_encodes_next() {
        assert_eq!(
            login_redirect("/login", "/a b?x=1&y=2"),
            "/login?next=/a%20b%3Fx%3D1%26y%3D2"
        );
        assert_eq!(login_redirect("/login?a=1", "/x"), "/login?a=1&next=/x");
    }

    // The URL lists of Django's `tests/utils_tests/test_http.py`
    // (URLHasAllowedHostAndSchemeTests), with allowed hosts {otherserver, testserver}.
    const HOSTS: &[&str] = &["otherserver", "testserver"];

    #[test]
    fn django_bad_urls() {
        let bad = [
            "http://example.com",
            "http:///example.com",
            "https://example.com",
            "ftp://example.com",
            r"\\example.com",
            r"\\\example.com",
            r"/\\/example.com",
            r"\\\example.com",
            r"\\//example.com",
            r"/\/example.com",
            r"\/example.com",
            r"/\example.com",
            "http:///example.com",
            r"http:/\//example.com",
            r"http:\/example.com",
            r"http:/\example.com",
            "javascript:alert(\"XSS\")",
            "\njavascript:alert(x)",
            "\x08//example.com",
            r"http://otherserver\@example.com",
            r"http:\\testserver\@example.com",
            r"http://testserver\me:pass@example.com",
            r"http://testserver\@example.com",
            r"http:\\testserver\confirm\me@example.com",
            "http:999999999",
            "ftp:9999999999",
            "\n",
            "http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
            "http://2001:cdba:0000:0000:0000:0000:3257:9652]/",
            "",
            "   ",
            "///evil.example",
            "/\t/evil.example",
            "\u{200B}//evil.example",
            "//",
            "//?x",
            "\\\\",
        ];
        for url in bad {
            assert!(
                !url_has_allowed_host_and_scheme(url, HOSTS, false),
                "{url:?} must be refused"
            );
        }
    }

    #[test]
    fn django_good_urls() {
        let good = [
            "/view/?param=http://example.com",
            "/view/?param=https://example.com",
            "/view?param=ftp://example.com",
            "view/?param=//example.com",
            "https://testserver/",
            "HTTPS://testserver/",
            "//testserver/",
            "http://testserver/confirm?email=me@example.com",
            "/url%20with%20spaces/",
            "path/http:2222222222",
        ];
        for url in good {
            assert!(
                url_has_allowed_host_and_scheme(url, HOSTS, false),
                "{url:?} must be allowed"
            );
        }
    }

    #[test]
    fn https_required_and_no_hosts() {
        assert!(!url_has_allowed_host_and_scheme(
            "http://testserver/",
            HOSTS,
            true
        ));
        assert!(url_has_allowed_host_and_scheme(
            "https://testserver/",
            HOSTS,
            true
        ));
        assert!(!url_has_allowed_host_and_scheme(
            "https://testserver/",
            &[],
            false
        ));
        assert!(url_has_allowed_host_and_scheme("/protected", &[], true));
    }

    #[test]
    fn safe_next_falls_back() {
        assert_eq!(safe_next(Some("/a"), &[], "/"), "/a");
        assert_eq!(safe_next(Some("//evil"), &[], "/home"), "/home");
        assert_eq!(safe_next(None, &[], "/home"), "/home");
    }
}
