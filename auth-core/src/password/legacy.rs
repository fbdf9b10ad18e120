//! Verification of the formats that existing user tables hold: passlib bcrypt and Django's
//! hashers. Django's default (`pbkdf2_sha256`) is always built; bcrypt, scrypt, `pbkdf2_sha1`
//! and md5 need the `legacy-hashes` feature (on by default). Each parser is strict: anything that does not follow the format is an error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

#[cfg(feature = "legacy-hashes")]
use super::MAX_HASH_MEMORY;
use super::PasswordError;
#[cfg(feature = "legacy-hashes")]
use crate::crypto::hex_lower;

fn malformed(format: &'static str, reason: &'static str) -> PasswordError {
    PasswordError::Malformed { format, reason }
}

#[cfg(feature = "legacy-hashes")]
const BCRYPT_ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[cfg(feature = "legacy-hashes")]
/// `$2a$`/`$2b$`/`$2y$` + 2-digit cost + `$` + 53 characters. passlib hashes only the first
/// 72 bytes of the password, and so does the `bcrypt` crate: verification matches.
pub(super) fn verify_bcrypt(
    pw: &[u8],
    encoded: &str,
    format: &'static str,
    dry: bool,
) -> Result<bool, PasswordError> {
    let b = encoded.as_bytes();
    if b.len() != 60 {
        return Err(malformed(format, "a bcrypt hash is exactly 60 characters"));
    }
    if !(b.starts_with(b"$2a$") || b.starts_with(b"$2b$") || b.starts_with(b"$2y$")) {
        return Err(malformed(
            format,
            "unknown bcrypt version (expected $2a$, $2b$ or $2y$)",
        ));
    }
    let cost = &encoded[4..6];
    let Ok(cost) = cost.parse::<u32>() else {
        return Err(malformed(format, "the cost is not a number"));
    };
    if !(4..=31).contains(&cost) || b[6] != b'$' {
        return Err(malformed(
            format,
            "the cost must be 04 to 31, followed by `$`",
        ));
    }
    if !b[7..].iter().all(|c| BCRYPT_ALPHABET.contains(c)) {
        return Err(malformed(
            format,
            "salt and checksum use characters outside bcrypt's base64",
        ));
    }
    if dry || pw.contains(&0) {
        // bcrypt treats NUL as the end of the key; passlib refuses such passwords.
        return Ok(false);
    }
    bcrypt::verify(pw, encoded).map_err(|_| malformed(format, "does not decode"))
}

#[cfg(feature = "legacy-hashes")]
/// Django `bcrypt_sha256$` + bcrypt over the lowercase hex SHA-256 of the password.
pub(super) fn verify_bcrypt_sha256(
    pw: &[u8],
    encoded: &str,
    dry: bool,
) -> Result<bool, PasswordError> {
    use sha2::Digest;
    let inner = &encoded["bcrypt_sha256$".len()..];
    let digest = sha2::Sha256::digest(pw);
    let hex = hex_lower(&digest);
    verify_bcrypt(hex.as_bytes(), inner, "Django bcrypt_sha256", dry)
}

/// The digests Django's PBKDF2 hashers use.
#[derive(Clone, Copy, Debug)]
pub(super) enum Pbkdf2Digest {
    Sha256,
    #[cfg(feature = "legacy-hashes")]
    Sha1,
}

/// Django `pbkdf2_<digest>$<iterations>$<salt>$<base64>`.
pub(super) fn verify_pbkdf2(
    pw: &[u8],
    encoded: &str,
    digest: Pbkdf2Digest,
    dry: bool,
) -> Result<bool, PasswordError> {
    let format = match digest {
        Pbkdf2Digest::Sha256 => "pbkdf2_sha256",
        #[cfg(feature = "legacy-hashes")]
        Pbkdf2Digest::Sha1 => "pbkdf2_sha1",
    };
    let mut parts = encoded.split('$');
    let (Some(_), Some(iter), Some(salt), Some(b64), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed(format, "expected 4 `$`-separated fields"));
    };
    let iterations = parse_decimal(iter)
        .ok_or_else(|| malformed(format, "the iteration count is not a plain decimal number"))?;
    if iterations == 0 || iterations > 100_000_000 {
        return Err(malformed(
            format,
            "the iteration count must be 1 to 100,000,000",
        ));
    }
    if salt.is_empty() {
        return Err(malformed(format, "the salt is empty"));
    }
    let expected = STANDARD
        .decode(b64)
        .map_err(|_| malformed(format, "the hash is not padded standard base64"))?;
    let size = match digest {
        Pbkdf2Digest::Sha256 => 32,
        #[cfg(feature = "legacy-hashes")]
        Pbkdf2Digest::Sha1 => 20,
    };
    if expected.len() != size {
        return Err(malformed(
            format,
            "the hash has the wrong length for its digest",
        ));
    }
    if dry {
        return Ok(false);
    }
    let mut derived = vec![0u8; size];
    let (salt, rounds) = (salt.as_bytes(), iterations as u32);
    match digest {
        Pbkdf2Digest::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, rounds, &mut derived),
        #[cfg(feature = "legacy-hashes")]
        Pbkdf2Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, rounds, &mut derived),
    }
    Ok(derived.ct_eq(&expected).into())
}

#[cfg(feature = "legacy-hashes")]
/// Django `scrypt$<N>$<salt>$<r>$<p>$<base64>`.
pub(super) fn verify_scrypt(pw: &[u8], encoded: &str, dry: bool) -> Result<bool, PasswordError> {
    const F: &str = "Django scrypt";
    let fields: Vec<&str> = encoded.split('$').collect();
    let [_, n, salt, r, p, b64] = fields[..] else {
        return Err(malformed(F, "expected 6 `$`-separated fields"));
    };
    let (Some(n), Some(r), Some(p)) = (parse_decimal(n), parse_decimal(r), parse_decimal(p)) else {
        return Err(malformed(F, "N, r and p must be plain decimal numbers"));
    };
    if n < 2 || !n.is_power_of_two() || r == 0 || p == 0 || r > 1 << 20 || p > 1 << 20 {
        return Err(malformed(
            F,
            "N must be a power of two above 1, and r, p positive",
        ));
    }
    if n.saturating_mul(r).saturating_mul(128) > MAX_HASH_MEMORY {
        return Err(malformed(
            F,
            "the parameters ask for more than 1 GiB of memory",
        ));
    }
    if salt.is_empty() {
        return Err(malformed(F, "the salt is empty"));
    }
    let expected = STANDARD
        .decode(b64)
        .map_err(|_| malformed(F, "the hash is not padded standard base64"))?;
    if expected.is_empty() || expected.len() > 1024 {
        return Err(malformed(F, "the hash has an invalid length"));
    }
    let params = scrypt::Params::new(n.trailing_zeros() as u8, r as u32, p as u32, expected.len())
        .map_err(|_| malformed(F, "invalid scrypt parameters"))?;
    if dry {
        return Ok(false);
    }
    let mut derived = vec![0u8; expected.len()];
    scrypt::scrypt(pw, salt.as_bytes(), &params, &mut derived)
        .map_err(|_| malformed(F, "invalid scrypt output length"))?;
    Ok(derived.ct_eq(&expected).into())
}

#[cfg(feature = "legacy-hashes")]
/// Django `md5$<salt>$<hex(md5(salt + password))>`.
pub(super) fn verify_md5(pw: &[u8], encoded: &str, dry: bool) -> Result<bool, PasswordError> {
    use md5::Digest;
    const F: &str = "Django md5";
    let mut parts = encoded.split('$');
    let (Some(_), Some(salt), Some(hex), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(F, "expected 3 `$`-separated fields"));
    };
    if salt.is_empty() {
        return Err(malformed(F, "the salt is empty"));
    }
    if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(malformed(F, "the hash is not 32 hex digits"));
    }
    if dry {
        return Ok(false);
    }
    let mut h = md5::Md5::new();
    h.update(salt.as_bytes());
    h.update(pw);
    let computed = hex_lower(&h.finalize());
    Ok(computed
        .as_bytes()
        .ct_eq(hex.to_ascii_lowercase().as_bytes())
        .into())
}

/// Digits only: no sign, no exponent, no whitespace, at most 12 digits.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(all(test, feature = "legacy-hashes"))]
mod tests {
    use super::*;

    #[test]
    fn decimal_fields_are_strict() {
        assert_eq!(parse_decimal("260000"), Some(260000));
        for bad in ["", "1e6", "+5", "-5", " 5", "5 ", "0x10", "1_000"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bcrypt_shape_is_checked() {
        let good = "$2b$12$XDFXCZY/IA.UYGgqrSM/weXM08s2gAiT2rorKxK1GV6Pfwrm2/uT.";
        assert!(verify_bcrypt(b"x", &good[..40], "bcrypt", false).is_err());
        assert!(verify_bcrypt(b"x", &good.replace("$2b$", "$2z$"), "bcrypt", false).is_err());
        assert!(verify_bcrypt(b"x", &good.replace("$12$", "$99$"), "bcrypt", false).is_err());
        assert!(verify_bcrypt(b"x", &good.replace('X', "!"), "bcrypt", false).is_err());
        assert_eq!(
            verify_bcrypt(b"Tr0ub4dor&3\0", good, "bcrypt", false),
            Ok(false)
        );
    }

    #[test]
    fn md5_and_pbkdf2_shapes_are_checked() {
        assert!(verify_md5(b"x", "md5$$0123456789abcdef0123456789abcdef", false).is_err());
        assert!(verify_md5(b"x", "md5$salt$zz", false).is_err());
        assert!(verify_md5(b"x", "md5$a$b$c", false).is_err());
        assert!(
            verify_pbkdf2(
                b"x",
                "pbkdf2_sha256$0$salt$AAAA",
                Pbkdf2Digest::Sha256,
                false
            )
            .is_err()
        );
        assert!(
            verify_pbkdf2(
                b"x",
                "pbkdf2_sha256$10$salt$AAAA",
                Pbkdf2Digest::Sha256,
                false
            )
            .is_err()
        );
        assert!(verify_pbkdf2(b"x", "pbkdf2_sha256$10$salt", Pbkdf2Digest::Sha256, false).is_err());
        assert!(verify_scrypt(b"x", "scrypt$1000$salt$8$1$AAAA", false).is_err());
        assert!(verify_scrypt(b"x", "scrypt$1073741824$salt$8$1$AAAA", false).is_err());
    }

    #[test]
    fn md5_verifies_salt_then_password() {
        // md5("salt" + "pw") computed independently.
        use md5::Digest;
        let mut h = md5::Md5::new();
        h.update(b"saltpw");
        let enc = format!("md5$salt${}", hex_lower(&h.finalize()));
        assert_eq!(verify_md5(b"pw", &enc, false), Ok(true));
        assert_eq!(verify_md5(b"pW", &enc, false), Ok(false));
    }
}
