//! The small pieces of cryptography the toolkit shares: one keyed MAC (HMAC-SHA256 with a
//! purpose label, for session auth hashes, CSRF tokens and reset tokens), Django's salted HMAC
//! (for stores that share sessions with Django) and small codecs.

use hmac::{Hmac, Mac};

/// HMAC-SHA256 under `secret` of `purpose` (a label ending in `\0`, so that a value made for
/// one purpose is never valid for another) followed by `parts`.
pub(crate) fn keyed_mac(secret: &[u8], purpose: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(purpose);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Django's `salted_hmac(key_salt, value, secret, algorithm="sha256")`: HMAC-SHA256 of `value`
/// under the SHA-256 of `key_salt` followed by `secret`.
pub fn salted_hmac(key_salt: &[u8], value: &[u8], secret: &[u8]) -> [u8; 32] {
    salted_hmac_key(key_salt, secret).finalize_with(value)
}

/// The keyed MAC of [`salted_hmac`] before any value, to reuse for many values.
pub fn salted_hmac_key(key_salt: &[u8], secret: &[u8]) -> SaltedHmac {
    use sha2::Digest as _;
    let key = sha2::Sha256::new()
        .chain_update(key_salt)
        .chain_update(secret)
        .finalize();
    SaltedHmac(Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC takes any key length"))
}

/// A keyed HMAC-SHA256, cloned for each value it tags.
#[derive(Clone)]
pub struct SaltedHmac(Hmac<sha2::Sha256>);

impl std::fmt::Debug for SaltedHmac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SaltedHmac(..)")
    }
}

impl SaltedHmac {
    /// The tag of `value`.
    pub fn finalize_with(&self, value: &[u8]) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(value);
        mac.finalize().into_bytes().into()
    }
}

/// `n` written with `digits` (its length is the base), most significant first, as Django's
/// `int_to_base36` and `b62_encode` write numbers.
pub fn in_base(mut n: u64, digits: &[u8]) -> String {
    let base = digits.len() as u64;
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % base) as usize]);
        n /= base;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

/// Lowercase hex digits of `bytes`.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// The value of one hex digit (either case).
pub(crate) fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_macs_depend_on_purpose_key_and_parts() {
        assert_eq!(hex_lower(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(hex_value(b'F'), Some(15));
        assert_eq!(hex_value(b'g'), None);
        let a = keyed_mac(b"k", b"one\0", &[b"x"]);
        assert_ne!(a, keyed_mac(b"k", b"two\0", &[b"x"]));
        assert_ne!(a, keyed_mac(b"k2", b"one\0", &[b"x"]));
        assert_ne!(a, keyed_mac(b"k", b"one\0", &[b"y"]));
        assert_eq!(a, keyed_mac(b"k", b"one\0", &[b"x"]));
    }
}
