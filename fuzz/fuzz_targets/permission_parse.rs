//! Permission strings: never panics; what parses is exactly `app_label.codename` with both
//! parts identifiers, and it round-trips.
#![no_main]
use auth_core::Permission;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(p) = Permission::parse(s) {
        assert_eq!(p.as_str(), s);
        assert_eq!(format!("{}.{}", p.app_label(), p.codename()), s);
        assert_eq!(s.matches('.').count(), 1);
        for part in [p.app_label(), p.codename()] {
            let first = part.chars().next().unwrap();
            assert!(first.is_ascii_alphabetic() || first == '_');
            assert!(part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }
});
