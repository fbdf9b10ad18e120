//! Password hashing: argon2id for new hashes, and verification of the formats existing user
//! tables hold (passlib bcrypt, Django's hashers).
//!
//! | format | example prefix | verify | hash |
//! | --- | --- | --- | --- |
//! | argon2id (PHC) | `$argon2id$v=19$...` | yes | **yes (default)** |
//! | passlib bcrypt | `$2b$12$...` | yes (72-byte truncation, as passlib) | no |
//! | Django `pbkdf2_sha256`, `pbkdf2_sha1` | `pbkdf2_sha256$1000000$...` | yes | no |
//! | Django `argon2` | `argon2$argon2id$...` | yes | no |
//! | Django `bcrypt_sha256`, `bcrypt` | `bcrypt_sha256$$2b$...` | yes | no |
//! | Django `scrypt` | `scrypt$16384$...` | yes | no |
//! | Django `md5` (legacy) | `md5$salt$...` | yes | no |
//! | Django unusable | `!...` | never verifies | [`make_unusable`] |
//!
//! [`verify`] answers `Ok(true)` or `Ok(false)`, and `Err` for a hash it cannot parse; it
//! never accepts a malformed hash. A correct password stored in any format but the current
//! argon2id parameters reports [`needs_rehash`], and the auth service rehashes it on login.
//!
//! The functions here are CPU-bound and synchronous. Async code goes through [`HashPool`],
//! which runs them on a few dedicated low-priority threads, off the async runtime.
//!
//! ```
//! use auth_core::password;
//! let encoded = password::hash("correct horse").unwrap();
//! assert!(encoded.starts_with("$argon2id$"));
//! assert_eq!(password::verify("correct horse", &encoded), Ok(true));
//! assert_eq!(password::verify("wrong", &encoded), Ok(false));
//! assert!(password::verify("x", "pbkdf2_sha256$1e6$salt$abc=").is_err());
//! ```

mod legacy;
mod pool;

pub use pool::HashPool;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm as ArgonAlgorithm, Argon2, Params, Version};
use password_hash::rand_core::{OsRng, RngCore};

/// Why a password could not be hashed or a stored hash could not be checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The stored hash names a known format but does not follow it.
    #[error("malformed {format} hash: {reason}")]
    Malformed {
        /// The format the prefix names.
        format: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The stored hash has no prefix this library knows.
    #[error("unknown password hash format (expected argon2id, bcrypt, or a Django hasher prefix)")]
    UnknownFormat,
    /// Hashing itself failed.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The stored hash is in a format whose verification was left out of this build.
    #[error(
        "{format} hashes are verified only with auth-core's `legacy-hashes` feature (on by default)"
    )]
    NeedsFeature {
        /// The format.
        format: &'static str,
    },
    /// The blocking pool that runs hashes is gone (the runtime is shutting down).
    #[error("the password hashing pool is shut down")]
    PoolClosed,
}

/// The formats [`verify`] understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// PHC `$argon2id$` (also `$argon2i$` and `$argon2d$`).
    Argon2,
    /// Django's `argon2$` + PHC string.
    DjangoArgon2,
    /// `$2a$`, `$2b$`, `$2y$` bcrypt (passlib).
    Bcrypt,
    /// Django `bcrypt$` + bcrypt string.
    DjangoBcrypt,
    /// Django `bcrypt_sha256$` + bcrypt string over the SHA-256 hex of the password.
    DjangoBcryptSha256,
    /// Django `pbkdf2_sha256$`.
    Pbkdf2Sha256,
    /// Django `pbkdf2_sha1$`.
    Pbkdf2Sha1,
    /// Django `scrypt$`.
    Scrypt,
    /// Django `md5$` (insecure, verify only).
    Md5,
    /// Django's unusable-password marker `!...`.
    Unusable,
}

impl Format {
    /// The format's name, as error messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Argon2 => "argon2",
            Format::DjangoArgon2 => "Django argon2",
            Format::Bcrypt => "bcrypt",
            Format::DjangoBcrypt => "Django bcrypt",
            Format::DjangoBcryptSha256 => "Django bcrypt_sha256",
            Format::Pbkdf2Sha256 => "pbkdf2_sha256",
            Format::Pbkdf2Sha1 => "pbkdf2_sha1",
            Format::Scrypt => "Django scrypt",
            Format::Md5 => "Django md5",
            Format::Unusable => "unusable",
        }
    }
}

/// Tells which format an encoded hash is in, from its prefix alone.
pub fn identify(encoded: &str) -> Option<Format> {
    Some(if encoded.starts_with('!') {
        Format::Unusable
    } else if encoded.starts_with("$argon2") {
        Format::Argon2
    } else if encoded.starts_with("$2") {
        Format::Bcrypt
    } else if encoded.starts_with("argon2$") {
        Format::DjangoArgon2
    } else if encoded.starts_with("bcrypt_sha256$") {
        Format::DjangoBcryptSha256
    } else if encoded.starts_with("bcrypt$") {
        Format::DjangoBcrypt
    } else if encoded.starts_with("pbkdf2_sha256$") {
        Format::Pbkdf2Sha256
    } else if encoded.starts_with("pbkdf2_sha1$") {
        Format::Pbkdf2Sha1
    } else if encoded.starts_with("scrypt$") {
        Format::Scrypt
    } else if encoded.starts_with("md5$") {
        Format::Md5
    } else {
        return None;
    })
}

/// The argon2id parameters new hashes use: OWASP's 19 MiB, t=2, p=1 (the `argon2` crate's
/// defaults).
fn current_params() -> Params {
    Params::default()
}

fn argon2id() -> Argon2<'static> {
    Argon2::new(ArgonAlgorithm::Argon2id, Version::V0x13, current_params())
}

/// Hashes `password` with argon2id and a fresh 16-byte salt from the OS CSPRNG.
///
/// Every byte counts: nothing is trimmed, normalized or truncated.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2id()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Checks `password` against a stored hash in any supported format.
///
/// `Ok(false)` for a wrong password or an unusable marker; `Err` for a hash that cannot be
/// parsed. The comparison of derived keys is constant-time.
pub fn verify(password: &str, encoded: &str) -> Result<bool, PasswordError> {
    run(password.as_bytes(), encoded, false)
}

/// Checks that `encoded` is a well-formed hash of a known format, without computing any hash
/// (cheap: for validating stored data, and what the fuzzer exercises).
///
/// ```
/// use auth_core::password::{check_format, Format};
/// assert_eq!(check_format("md5$salt$0123456789abcdef0123456789abcdef"), Ok(Format::Md5));
/// assert!(check_format("pbkdf2_sha256$1e6$salt$AAAA").is_err());
/// ```
pub fn check_format(encoded: &str) -> Result<Format, PasswordError> {
    run(b"", encoded, true)?;
    Ok(identify(encoded).expect("run checked the prefix"))
}

fn run(pw: &[u8], encoded: &str, dry: bool) -> Result<bool, PasswordError> {
    match identify(encoded).ok_or(PasswordError::UnknownFormat)? {
        Format::Unusable => Ok(false),
        Format::Argon2 => verify_phc(pw, encoded, "argon2", dry),
        Format::DjangoArgon2 => verify_phc(pw, &encoded["argon2".len()..], "Django argon2", dry),
        Format::Pbkdf2Sha256 => {
            legacy::verify_pbkdf2(pw, encoded, legacy::Pbkdf2Digest::Sha256, dry)
        }
        #[cfg(feature = "legacy-hashes")]
        Format::Bcrypt => legacy::verify_bcrypt(pw, encoded, "bcrypt", dry),
        #[cfg(feature = "legacy-hashes")]
        Format::DjangoBcrypt => {
            legacy::verify_bcrypt(pw, &encoded["bcrypt$".len()..], "Django bcrypt", dry)
        }
        #[cfg(feature = "legacy-hashes")]
        Format::DjangoBcryptSha256 => legacy::verify_bcrypt_sha256(pw, encoded, dry),
        #[cfg(feature = "legacy-hashes")]
        Format::Pbkdf2Sha1 => legacy::verify_pbkdf2(pw, encoded, legacy::Pbkdf2Digest::Sha1, dry),
        #[cfg(feature = "legacy-hashes")]
        Format::Scrypt => legacy::verify_scrypt(pw, encoded, dry),
        #[cfg(feature = "legacy-hashes")]
        Format::Md5 => legacy::verify_md5(pw, encoded, dry),
        #[cfg(not(feature = "legacy-hashes"))]
        format @ (Format::Bcrypt
        | Format::DjangoBcrypt
        | Format::DjangoBcryptSha256
        | Format::Pbkdf2Sha1
        | Format::Scrypt
        | Format::Md5) => Err(PasswordError::NeedsFeature {
            format: format.name(),
        }),
    }
}

fn verify_phc(
    pw: &[u8],
    phc: &str,
    format: &'static str,
    dry: bool,
) -> Result<bool, PasswordError> {
    let malformed = |reason| PasswordError::Malformed { format, reason };
    let parsed = PasswordHash::new(phc).map_err(|_| malformed("not a valid PHC string"))?;
    let Some(output) = parsed.hash else {
        return Err(malformed("the hash field is missing"));
    };
    if output.len() < 16 {
        return Err(malformed("the hash is shorter than 16 bytes"));
    }
    let params = Params::try_from(&parsed).map_err(|_| malformed("invalid parameters"))?;
    if u64::from(params.m_cost()) * 1024 > MAX_HASH_MEMORY {
        return Err(malformed("memory cost exceeds the 1 GiB limit"));
    }
    if dry {
        return Ok(false);
    }
    match Argon2::default().verify_password(pw, &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(_) => Err(malformed("unsupported algorithm or parameters")),
    }
}

/// How new hashes are made, and which stored hashes a login replaces: argon2id (the default),
/// or Django's default hasher over Django's tables ([`UserStore::password_hasher`]), so that Django's `check_password` accepts every
/// hash this side writes.
///
/// ```
/// use auth_core::password::{self, Hasher};
/// let django = Hasher::DjangoPbkdf2Sha256 { iterations: 1_000 };
/// let h = django.hash("correct horse").unwrap();
/// assert!(h.starts_with("pbkdf2_sha256$1000$"));
/// assert_eq!(password::verify("correct horse", &h), Ok(true));
/// assert!(!django.needs_rehash(&h));
/// // Other iteration counts and other formats are replaced at the next login, as Django does.
/// assert!(django.needs_rehash(&Hasher::DjangoPbkdf2Sha256 { iterations: 999 }.hash("x").unwrap()));
/// assert!(django.needs_rehash(&password::hash("x").unwrap()));
/// assert!(django.needs_rehash("pbkdf2_sha256$1000$shortsalt$AAAA"), "a salt under 128 bits");
/// ```
///
/// [`UserStore::password_hasher`]: crate::store::UserStore::password_hasher
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hasher {
    /// argon2id with the current parameters ([`hash`], [`needs_rehash`]).
    #[default]
    Argon2id,
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64>`, with a 22-character salt of
    /// letters and digits (128 bits, as Django 5.2 makes them).
    DjangoPbkdf2Sha256 {
        /// The iteration count (Django 5.2: 1,000,000).
        iterations: u32,
    },
}

impl Hasher {
    /// Hashes `password` with a fresh salt from the OS CSPRNG.
    pub fn hash(&self, password: &str) -> Result<String, PasswordError> {
        match *self {
            Hasher::Argon2id => hash(password),
            Hasher::DjangoPbkdf2Sha256 { iterations } => {
                use base64::Engine as _;
                let salt = random_alphanumeric(22);
                let mut derived = [0u8; 32];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
                    password.as_bytes(),
                    salt.as_bytes(),
                    iterations,
                    &mut derived,
                );
                let b64 = base64::engine::general_purpose::STANDARD.encode(derived);
                Ok(format!("pbkdf2_sha256${iterations}${salt}${b64}"))
            }
        }
    }

    /// Whether a hash that verified should be replaced at login: for Django, any other
    /// algorithm and any other iteration count (Django's `must_update`).
    pub fn needs_rehash(&self, encoded: &str) -> bool {
        match *self {
            Hasher::Argon2id => needs_rehash(encoded),
            Hasher::DjangoPbkdf2Sha256 { iterations } => {
                if is_usable_marker(encoded) {
                    return false;
                }
                // Django's `must_update`: another algorithm, another iteration count, or a salt
                // of less than 128 bits (22 letters and digits).
                let mut parts = encoded.split('$');
                !(parts.next() == Some("pbkdf2_sha256")
                    && parts.next() == Some(iterations.to_string().as_str())
                    && parts.next().is_some_and(|salt| salt.len() >= 22))
            }
        }
    }
}

/// `n` characters from `A-Z a-z 0-9`, each equally likely, from the OS CSPRNG.
fn random_alphanumeric(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let b = (OsRng.next_u32() & 0xff) as u8;
        // 248 = 4 * 62: reject the tail so every character is equally likely.
        if b < 248 {
            out.push(ALPHABET[(b % 62) as usize] as char);
        }
    }
    out
}

/// The most memory a stored hash may ask for (scrypt, argon2); more is treated as malformed.
pub(crate) const MAX_HASH_MEMORY: u64 = 1 << 30;

/// Whether a hash that verified should be replaced by a fresh argon2id hash: true for any
/// other format, and for argon2id with weaker parameters than the current ones.
pub fn needs_rehash(encoded: &str) -> bool {
    if !encoded.starts_with("$argon2id$") {
        return !is_usable_marker(encoded);
    }
    let Ok(parsed) = PasswordHash::new(encoded) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    let cur = current_params();
    parsed.version != Some(Version::V0x13 as u32)
        || params.m_cost() < cur.m_cost()
        || params.t_cost() < cur.t_cost()
        || params.p_cost() < cur.p_cost()
}

fn is_usable_marker(encoded: &str) -> bool {
    encoded.starts_with('!')
}

/// Whether `encoded` can ever verify (false for Django's `!` marker and the empty string).
pub fn is_usable(encoded: &str) -> bool {
    !encoded.is_empty() && !encoded.starts_with('!')
}

/// A marker that never verifies: `!` and 40 random letters and digits, as Django's
/// `make_password(None)`.
pub fn make_unusable() -> String {
    format!("!{}", random_alphanumeric(40))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_hashes_are_argon2id_with_current_params() {
        let h = hash("pässwörd").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!needs_rehash(&h));
        assert_eq!(verify("pässwörd", &h), Ok(true));
        assert_eq!(verify("pässwörd ", &h), Ok(false));
        assert_ne!(hash("pässwörd").unwrap(), h, "salts must differ");
    }

    #[test]
    fn weaker_argon2_and_other_formats_need_rehash() {
        assert!(needs_rehash(
            "$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
        ));
        assert!(needs_rehash("pbkdf2_sha256$1000000$salt$aGFzaA=="));
        assert!(needs_rehash(
            "$argon2i$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        ));
        assert!(!needs_rehash("!unusable"));
    }

    #[test]
    fn unusable_never_verifies() {
        let m = make_unusable();
        assert_eq!(m.len(), 41);
        assert!(!is_usable(&m));
        assert_eq!(verify("", &m), Ok(false));
        assert_eq!(verify(&m[1..], &m), Ok(false));
        assert!(!is_usable(""));
    }

    #[test]
    fn unknown_and_empty_formats_are_errors() {
        assert_eq!(verify("x", ""), Err(PasswordError::UnknownFormat));
        assert_eq!(verify("x", "plaintext"), Err(PasswordError::UnknownFormat));
        assert_eq!(
            verify("x", "sha1$salt$abc"),
            Err(PasswordError::UnknownFormat)
        );
    }

    #[test]
    fn malformed_phc_is_an_error_not_false() {
        assert!(matches!(
            verify("x", "$argon2id$v=19$m=65536,t=3,p=4$QKoPwYQibsFqgfxHAx3jPw"),
            Err(PasswordError::Malformed { .. })
        ));
        assert!(matches!(
            verify("x", "$argon2id$garbage"),
            Err(PasswordError::Malformed { .. })
        ));
        assert!(matches!(
            verify(
                "x",
                "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            ),
            Err(PasswordError::Malformed { .. })
        ));
    }
}
