//! Stored password hashes: parsing never panics, and whatever `check_format` refuses is also
//! refused by `verify` (which must never accept a malformed hash). `verify` runs only on hashes
//! that parse and are cheap, so the fuzzer stays fast.
#![no_main]
use auth_core::password::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(encoded) = std::str::from_utf8(data) else { return };
    match password::check_format(encoded) {
        Err(_) => {
            // Only cheap formats are re-checked with verify here.
            if encoded.starts_with("md5$") || encoded.starts_with('!') {
                assert!(password::verify("x", encoded) != Ok(true));
            }
        }
        Ok(Format::Md5) => {
            let _ = password::verify("x", encoded);
        }
        Ok(Format::Unusable) => assert_eq!(password::verify("x", encoded), Ok(false)),
        Ok(_) => {}
    }
    let _ = password::needs_rehash(encoded);
    let _ = password::identify(encoded);
});
