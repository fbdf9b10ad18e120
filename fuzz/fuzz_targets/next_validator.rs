//! The `next=` validator: never panics, and with no allowed hosts it only accepts targets that
//! a browser cannot read as another site: no scheme, no `//` (after the browser's own
//! clean-ups: leading control characters and spaces, tab/CR/LF, `\` as `/`).
#![no_main]
use auth_core::http::url_has_allowed_host_and_scheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else { return };
    let _ = url_has_allowed_host_and_scheme(url, &["testserver"], true);
    if url_has_allowed_host_and_scheme(url, &[], false) {
        let cleaned: String = url
            .trim()
            .trim_start_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
            .map(|c| if c == '\\' { '/' } else { c })
            .collect();
        assert!(!cleaned.starts_with("//"), "{url:?} was accepted");
        let head = cleaned.split(['/', '?', '#']).next().unwrap_or("");
        let has_scheme = head.find(':').is_some_and(|i| {
            i > 0
                && head.as_bytes()[0].is_ascii_alphabetic()
                && head[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        });
        assert!(!has_scheme, "{url:?} has a scheme and was accepted");
    }
});
