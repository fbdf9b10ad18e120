//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), as authenticator apps
//! compute them: HMAC-SHA-1, 6 digits, 30-second steps, a code accepted from one step before
//! to one step after now, and each step at most once.
//!
//! This module holds the arithmetic and the secret; where the secret and the last step used
//! are kept, and the login's second step, are the service's business.
//!
//! ```
//! use auth_core::totp::{Totp, TotpSecret};
//! let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
//! let totp = Totp::default();
//! let code = totp.code_at(&secret, 1_111_111_109);
//! assert_eq!(code, "081804");
//! // Accepted once: the step it matched is returned, and a later check passes it back.
//! let step = totp.verify(&secret, &code, 1_111_111_109, None).unwrap();
//! assert_eq!(totp.verify(&secret, &code, 1_111_111_115, Some(step)), None);
//! ```

use std::fmt;

use hmac::{Hmac, Mac};
use password_hash::rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;

/// A shared TOTP secret (20 random bytes by default). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

/// Why a text is not a TOTP secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TotpSecretError {
    /// A character outside RFC 4648's base32 alphabet (`A`–`Z`, `2`–`7`).
    #[error("the secret may hold only the letters A-Z and the digits 2-7 (base32)")]
    NotBase32,
    /// Fewer than 16 bytes (RFC 4226 asks for at least 128 bits) or more than 64.
    #[error("the secret must be 16 to 64 bytes long (26 to 103 base32 characters)")]
    BadLength,
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl TotpSecret {
    /// A new random secret of 20 bytes (160 bits, RFC 4226's recommendation).
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A secret from its bytes (16 to 64).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpSecretError> {
        if !(16..=64).contains(&bytes.len()) {
            return Err(TotpSecretError::BadLength);
        }
        Ok(TotpSecret(bytes))
    }

    /// The secret as an authenticator app takes it typed in: base32, no padding.
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for &b in &self.0 {
            buffer = (buffer << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
            }
        }
        if bits > 0 {
            out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    /// Reads base32 as users copy it: any case, spaces, dashes and `=` padding ignored.
    pub fn from_base32(text: &str) -> Result<Self, TotpSecretError> {
        let mut bytes = Vec::with_capacity(text.len() * 5 / 8);
        let (mut buffer, mut bits) = (0u32, 0u32);
        for c in text.bytes().filter(|c| !matches!(c, b' ' | b'-' | b'=')) {
            let v = ALPHABET
                .iter()
                .position(|&a| a == c.to_ascii_uppercase())
                .ok_or(TotpSecretError::NotBase32)? as u32;
            buffer = (buffer << 5) | v;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push((buffer >> bits) as u8);
            }
            buffer &= (1 << bits) - 1;
        }
        Self::from_bytes(bytes)
    }
}

/// The parameters of a TOTP: authenticator apps assume the defaults (6 digits, 30 s, ±1 step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Totp {
    /// Digits of a code, 6 to 8. Default 6.
    pub digits: u32,
    /// Seconds per step. Default 30.
    pub step_secs: u64,
    /// Steps before and after now that are accepted too (clock drift). Default 1.
    pub skew: u64,
}

impl Default for Totp {
    fn default() -> Self {
        Totp {
            digits: 6,
            step_secs: 30,
            skew: 1,
        }
    }
}

impl Totp {
    /// The step that `unix_secs` falls in.
    pub fn step_at(&self, unix_secs: u64) -> u64 {
        unix_secs / self.step_secs.max(1)
    }

    /// HOTP (RFC 4226) of `counter`, zero-padded to `digits`.
    pub fn hotp(&self, secret: &TotpSecret, counter: u64) -> String {
        let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(&counter.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let word = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        let digits = self.digits.clamp(6, 8);
        format!(
            "{:0width$}",
            word % 10u32.pow(digits),
            width = digits as usize
        )
    }

    /// The code an authenticator app shows at `unix_secs`.
    pub fn code_at(&self, secret: &TotpSecret, unix_secs: u64) -> String {
        self.hotp(secret, self.step_at(unix_secs))
    }

    /// Checks `code` (spaces ignored) at `unix_secs` against the steps from `skew` before to
    /// `skew` after now, skipping every step up to `last_used` so that a code works once.
    /// Returns the step it matched (keep it as the new `last_used`), or `None`. Every
    /// candidate is computed and compared in constant time.
    pub fn verify(
        &self,
        secret: &TotpSecret,
        code: &str,
        unix_secs: u64,
        last_used: Option<u64>,
    ) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != self.digits.clamp(6, 8) as usize
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let now = self.step_at(unix_secs);
        let mut found = None;
        for step in now.saturating_sub(self.skew)..=now.saturating_add(self.skew) {
            let fresh = last_used.is_none_or(|used| step > used);
            let same: bool = self
                .hotp(secret, step)
                .as_bytes()
                .ct_eq(code.as_bytes())
                .into();
            if same && fresh && found.is_none() {
                found = Some(step);
            }
        }
        found
    }

    /// The `otpauth://` URI an authenticator app reads from a QR code: `issuer` (the site's
    /// name) and `account` (the user's login) label the entry.
    pub fn uri(&self, secret: &TotpSecret, issuer: &str, account: &str) -> String {
        let enc = crate::http::percent_encode;
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}",
            enc(issuer),
            enc(account),
            secret.to_base32(),
            enc(issuer),
            self.digits.clamp(6, 8),
            self.step_secs,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let want = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in want.iter().enumerate() {
            assert_eq!(Totp::default().hotp(&rfc_secret(), counter as u64), *code);
        }
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        let eight = Totp {
            digits: 8,
            ..Totp::default()
        };
        for (t, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(eight.code_at(&rfc_secret(), t), code, "T = {t}");
            // Six digits are the last six of eight.
            assert_eq!(Totp::default().code_at(&rfc_secret(), t), code[2..]);
        }
    }

    #[test]
    fn base32_round_trip_and_user_input() {
        let s = rfc_secret();
        assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let typed = TotpSecret::from_base32("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq====").unwrap();
        assert_eq!(typed, s);
        for _ in 0..20 {
            let g = TotpSecret::generate();
            assert_eq!(TotpSecret::from_base32(&g.to_base32()).unwrap(), g);
        }
        assert_eq!(
            TotpSecret::from_base32("GEZDGNB1"),
            Err(TotpSecretError::NotBase32)
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV"),
            Err(TotpSecretError::BadLength)
        );
        assert_eq!(format!("{s:?}"), "TotpSecret(..)", "Debug hides the secret");
    }

    #[test]
    fn a_code_works_once_within_the_window() {
        let (totp, s) = (Totp::default(), rfc_secret());
        let now = 1_700_000_015;
        let code = totp.code_at(&s, now);
        let step = totp.verify(&s, &code, now, None).expect("accepted");
        assert_eq!(step, totp.step_at(now));
        assert_eq!(
            totp.verify(&s, &code, now + 5, Some(step)),
            None,
            "no replay"
        );
        // Drift: the previous and the next step are accepted, two steps away is not.
        let prev = totp.code_at(&s, now - 30);
        let next = totp.code_at(&s, now + 30);
        assert!(totp.verify(&s, &prev, now, None).is_some());
        assert!(totp.verify(&s, &next, now, None).is_some());
        assert_eq!(
            totp.verify(&s, &totp.code_at(&s, now - 60), now, None),
            None
        );
        // An older step than the last used one is refused even inside the window.
        assert_eq!(totp.verify(&s, &prev, now, Some(step)), None);
        // Shapes that are not codes.
        for bad in ["", "12345", "1234567", "abcdef", "12 34 5x"] {
            assert_eq!(totp.verify(&s, bad, now, None), None, "{bad:?}");
        }
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(totp.verify(&s, &spaced, now, None), Some(step));
    }

    #[test]
    fn the_uri_names_issuer_account_and_secret() {
        let uri = Totp::default().uri(&rfc_secret(), "My Shop", "alice@example.com");
        assert!(
            uri.starts_with("otpauth://totp/My%20Shop:alice%40example.com?"),
            "{uri}"
        );
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(
            uri.contains("issuer=My%20Shop&algorithm=SHA1&digits=6&period=30"),
            "{uri}"
        );
    }
}
