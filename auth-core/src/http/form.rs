//! Reading `application/x-www-form-urlencoded` bodies of the built-in pages, with limits.

use crate::crypto::hex_value;
use std::collections::HashMap;

/// The largest form body the built-in pages accept.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// How much of an oversized body adapters read (and so drain) before answering 413, so that
/// the answer reaches the client on a cleanly closed connection instead of a reset.
pub const DRAIN_BYTES: usize = 1024 * 1024;

/// Why a form body was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// Larger than [`MAX_FORM_BYTES`].
    #[error("the form body is larger than {MAX_FORM_BYTES} bytes")]
    TooLarge,
    /// Not `application/x-www-form-urlencoded`.
    #[error("expected an application/x-www-form-urlencoded body")]
    WrongContentType,
    /// Not UTF-8 after percent-decoding.
    #[error("the form is not valid UTF-8")]
    NotUtf8,
}

impl FormError {
    /// The HTTP status that fits: 413, 415 or 400.
    pub fn status(&self) -> u16 {
        match self {
            FormError::TooLarge => 413,
            FormError::WrongContentType => 415,
            FormError::NotUtf8 => 400,
        }
    }
}

/// Decoded form fields; the first value of a repeated field wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form(HashMap<String, String>);

impl Form {
    /// Parses a body. Every name and value must be UTF-8.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Form, FormError> {
        if body.len() > MAX_FORM_BYTES {
            return Err(FormError::TooLarge);
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(FormError::WrongContentType);
        }
        let mut map = HashMap::new();
        for pair in body.split(|&b| b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let mut it = pair.splitn(2, |&b| b == b'=');
            let k = decode(it.next().unwrap_or(b""))?;
            let v = decode(it.next().unwrap_or(b""))?;
            map.entry(k).or_insert(v);
        }
        Ok(Form(map))
    }

    /// A field, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// A field if present.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Percent-decodes one form component (`+` is a space).
fn decode(raw: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => match (hex_value(raw[i + 1]), hex_value(raw[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

/// Reads one parameter from a query string (`a=1&next=%2Fx`), decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k.as_bytes()).ok()? == name)
            .then(|| decode(v.as_bytes()).ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: Option<&str> = Some("application/x-www-form-urlencoded; charset=UTF-8");

    #[test]
    fn parses_fields() {
        let f = Form::parse(
            CT,
            b"username=al+ice&password=p%26ss%3D&x=%E2%9C%93&x=second&flag",
        )
        .unwrap();
        assert_eq!(f.get("username"), "al ice");
        assert_eq!(f.get("password"), "p&ss=");
        assert_eq!(f.get("x"), "\u{2713}");
        assert_eq!(f.opt("flag"), Some(""));
        assert_eq!(f.get("missing"), "");
        assert_eq!(Form::parse(CT, b"a=%").unwrap().get("a"), "%");
        assert_eq!(Form::parse(CT, b"a=%4").unwrap().get("a"), "%4");
        assert_eq!(Form::parse(CT, b"a=%zz").unwrap().get("a"), "%zz");
    }

    #[test]
    fn refuses_bad_bodies() {
        assert_eq!(Form::parse(CT, b"a=%FF%FE"), Err(FormError::NotUtf8));
        assert_eq!(
            Form::parse(CT, &[b'a', b'=', 0xff]),
            Err(FormError::NotUtf8)
        );
        assert_eq!(
            Form::parse(Some("application/json"), b"{}"),
            Err(FormError::WrongContentType)
        );
        assert_eq!(Form::parse(None, b"a=b"), Err(FormError::WrongContentType));
        let big = vec![b'a'; MAX_FORM_BYTES + 1];
        assert_eq!(Form::parse(CT, &big), Err(FormError::TooLarge));
        assert_eq!(FormError::TooLarge.status(), 413);
    }

    #[test]
    fn query_params() {
        assert_eq!(
            query_param(Some("next=%2Fa%3Fb%3D1&x=2"), "next").as_deref(),
            Some("/a?b=1")
        );
        assert_eq!(query_param(Some("x=2"), "next"), None);
        assert_eq!(query_param(None, "next"), None);
        assert_eq!(query_param(Some("next"), "next").as_deref(), Some(""));
    }
}
