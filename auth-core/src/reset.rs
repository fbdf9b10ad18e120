//! Password reset tokens, after Django's `PasswordResetTokenGenerator`: an HMAC over the
//! user id, the password hash, the last login time, the email and a timestamp. A token stops
//! working when it expires, when the password changes (so it is single-use), and when the user
//! logs in again.
//!
//! The email links (verification, change of address) use the same construction under their
//! own purpose, bound to one more value ([`make_bound_token`]): a token made for one purpose
//! never passes for another.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use crate::crypto::{hex_lower, keyed_mac};
use crate::user::{User, UserId};

/// Seconds from the Unix epoch to 2001-01-01, the token clock's zero (as Django's).
const EPOCH_2001: i64 = 978_307_200;

/// Encodes a user id for a reset URL: base64url of an integer id's decimal form, as Django's
/// `urlsafe_base64_encode(force_bytes(pk))`, and of [`UserId::to_key`] for other ids.
pub fn encode_uid(id: &UserId) -> String {
    URL_SAFE_NO_PAD.encode(id.to_key())
}

/// Decodes [`encode_uid`]; `None` for anything else.
pub fn decode_uid(uid: &str) -> Option<UserId> {
    if uid.len() > 512 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(uid).ok()?;
    let s = std::str::from_utf8(&bytes).ok()?;
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    UserId::from_key(s)
}

fn base36(n: u64) -> String {
    crate::crypto::in_base(n, b"0123456789abcdefghijklmnopqrstuvwxyz")
}

fn from_base36(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

const RESET: &[u8] = b"auth-core.password-reset\0";

fn digest(secret: &[u8], purpose: &[u8], user: &User, bound: Option<&str>, ts: u64) -> String {
    // A reset link dies at the next login (as Django's); a bound link (verification, change
    // of address) must survive the user logging in on another device to open the mail.
    let login = match bound {
        None => user
            .last_login
            .map_or(String::new(), |t| t.unix_timestamp().to_string()),
        Some(_) => String::new(),
    };
    let mut value = format!(
        "{}\0{}\0{}\0{}\0{}",
        user.id, user.password_hash, login, ts, user.email
    );
    if let Some(bound) = bound {
        value.push('\0');
        value.push_str(bound);
    }
    let full = keyed_mac(secret, purpose, &[value.as_bytes()]);
    hex_lower(&full[..16])
}

/// Makes a token for `user` at `now` (Unix seconds).
pub fn make_token(secret: &[u8], user: &User, now: i64) -> String {
    let ts = (now - EPOCH_2001).max(0) as u64;
    format!("{}-{}", base36(ts), digest(secret, RESET, user, None, ts))
}

/// Whether `token` is valid for `user` at `now`, at most `timeout_secs` old.
pub fn check_token(secret: &[u8], user: &User, token: &str, now: i64, timeout_secs: u64) -> bool {
    check(secret, RESET, user, None, token, now, timeout_secs)
}

/// A token like [`make_token`]'s for another `purpose` (a label such as
/// `auth-core.email-change`), also bound to `bound` (the new address, for a change of email):
/// it stops working when the password or the email changes, or `bound` differs (not at the
/// next login, unlike a reset token).
pub fn make_bound_token(
    secret: &[u8],
    purpose: &str,
    user: &User,
    bound: &str,
    now: i64,
) -> String {
    let ts = (now - EPOCH_2001).max(0) as u64;
    let purpose = format!("{purpose}\0");
    let hash = digest(secret, purpose.as_bytes(), user, Some(bound), ts);
    format!("{}-{hash}", base36(ts))
}

/// Whether `token` is a live [`make_bound_token`] for `purpose`, `user` and `bound` at `now`,
/// at most `timeout_secs` old.
pub fn check_bound_token(
    secret: &[u8],
    purpose: &str,
    user: &User,
    bound: &str,
    token: &str,
    now: i64,
    timeout_secs: u64,
) -> bool {
    let purpose = format!("{purpose}\0");
    check(
        secret,
        purpose.as_bytes(),
        user,
        Some(bound),
        token,
        now,
        timeout_secs,
    )
}

fn check(
    secret: &[u8],
    purpose: &[u8],
    user: &User,
    bound: Option<&str>,
    token: &str,
    now: i64,
    timeout_secs: u64,
) -> bool {
    if token.len() > 64 {
        return false;
    }
    let Some((ts_b36, hash)) = token.split_once('-') else {
        return false;
    };
    let Some(ts) = from_base36(ts_b36) else {
        return false;
    };
    let expected = digest(secret, purpose, user, bound, ts);
    if !bool::from(expected.as_bytes().ct_eq(hash.as_bytes())) {
        return false;
    }
    let age = (now - EPOCH_2001) - ts as i64;
    (0..=timeout_secs as i64).contains(&age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn user() -> User {
        User {
            id: 42.into(),
            username: "u".into(),
            email: "u@example.com".into(),
            password_hash: "$argon2id$one".into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            last_login: None,
            date_joined: OffsetDateTime::UNIX_EPOCH,
            app: None,
        }
    }

    const DAY: i64 = 86400;

    #[test]
    fn uid_round_trip() {
        assert_eq!(decode_uid(&encode_uid(&42.into())), Some(42.into()));
        for id in [UserId::from(uuid::Uuid::from_u128(5)), UserId::from("ann")] {
            assert_eq!(decode_uid(&encode_uid(&id)), Some(id));
        }
        assert_eq!(encode_uid(&1.into()), "MQ");
        for bad in ["", "!!", "LTE", "YWJj", &"A".repeat(40)] {
            assert_eq!(decode_uid(bad), None, "{bad}");
        }
    }

    #[test]
    fn valid_until_timeout() {
        let now = 1_800_000_000;
        let t = make_token(b"k", &user(), now);
        assert!(check_token(b"k", &user(), &t, now, 3 * DAY as u64));
        assert!(check_token(
            b"k",
            &user(),
            &t,
            now + 3 * DAY,
            3 * DAY as u64
        ));
        assert!(!check_token(
            b"k",
            &user(),
            &t,
            now + 3 * DAY + 1,
            3 * DAY as u64
        ));
        assert!(
            !check_token(b"k", &user(), &t, now - 10, 3 * DAY as u64),
            "not from the future"
        );
    }

    #[test]
    fn invalidated_by_password_login_email_secret() {
        let now = 1_800_000_000;
        let t = make_token(b"k", &user(), now);
        let changed = User {
            password_hash: "$argon2id$two".into(),
            ..user()
        };
        assert!(
            !check_token(b"k", &changed, &t, now, 1000),
            "single use: the password changed"
        );
        let logged = User {
            last_login: Some(OffsetDateTime::from_unix_timestamp(now).unwrap()),
            ..user()
        };
        assert!(!check_token(b"k", &logged, &t, now, 1000));
        let moved = User {
            email: "new@example.com".into(),
            ..user()
        };
        assert!(!check_token(b"k", &moved, &t, now, 1000));
        assert!(!check_token(b"other", &user(), &t, now, 1000));
        let other = User {
            id: 43.into(),
            ..user()
        };
        assert!(!check_token(b"k", &other, &t, now, 1000));
        let bound = make_bound_token(
            b"k",
            "auth-core.email-change",
            &user(),
            "n@example.com",
            now,
        );
        assert!(check_bound_token(
            b"k",
            "auth-core.email-change",
            &user(),
            "n@example.com",
            &bound,
            now,
            1000
        ));
        assert!(
            !check_bound_token(
                b"k",
                "auth-core.email-change",
                &user(),
                "m@example.com",
                &bound,
                now,
                1000
            ),
            "bound to the address"
        );
        assert!(
            !check_bound_token(
                b"k",
                "auth-core.email-verification",
                &user(),
                "n@example.com",
                &bound,
                now,
                1000
            ),
            "bound to the purpose"
        );
        assert!(
            !check_token(b"k", &user(), &bound, now, 1000),
            "not a reset token"
        );
        let purpose = "auth-core.email-change";
        let live =
            |u: &User| check_bound_token(b"k", purpose, u, "n@example.com", &bound, now, 1000);
        assert!(live(&logged), "a login elsewhere leaves the link alive");
        assert!(!live(&moved), "single use: the address changed");
        assert!(!live(&changed), "a new password ends it");
        for bad in ["", "-", "zzzzzzzzzzzzz-00", "abc", &format!("{t}0")] {
            assert!(!check_token(b"k", &user(), bad, now, 1000), "{bad}");
        }
    }
}
