//! Cookie headers and session ids: never panics; a session id found in a header is 32
//! base64url characters that stand in the header.
#![no_main]
use auth_core::{SessionId, adapter::{cookie_value, session_id_from_cookie_header}};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let _ = cookie_value(&header, "sessionid");
    if let Some(id) = session_id_from_cookie_header(&header, "sessionid") {
        let s = id.as_str();
        assert_eq!(s.len(), 32);
        assert!(s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert!(header.contains(s));
    }
    if let Ok(id) = SessionId::parse(&header) {
        assert_eq!(id.as_str(), header);
        assert_eq!(SessionId::from_bytes(id.to_bytes()), id);
    }
    assert_eq!(SessionId::parse_bytes(data).ok(), SessionId::parse(&header).ok().filter(|_| header.as_bytes() == data));
    if let Ok(h) = auth_core::session::AuthHash::parse_hex(&header) {
        assert_eq!(h.to_hex(), header.to_ascii_lowercase());
    }
    let _ = auth_core::adapter::nonce_from_cookies([header.as_ref()]);
});
