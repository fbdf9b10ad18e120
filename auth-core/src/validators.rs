//! Password validation, applied wherever a password is set: registration, password change,
//! password reset and the admin commands.
//!
//! | rule | setting | message |
//! | --- | --- | --- |
//! | at least `password_min_length` characters (default 8) | `password_min_length` | `password_too_short` |
//! | at most 4096 bytes (never truncated) | — | `password_too_long` |
//! | not one of 30,000 common passwords, case-insensitively | `password_check_common` | `password_too_common` |
//! | not entirely digits | `password_check_numeric` | `password_entirely_numeric` |
//! | not too similar to the username or email | `password_max_similarity_percent` (default 70; 0 turns it off) | `password_too_similar` |

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use crate::config::AuthConfig;

/// The longest password accepted, in bytes. Longer ones are refused with a message, never
/// truncated.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Validation messages: per field, and for the form as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FormErrors {
    /// Messages per field name.
    pub fields: BTreeMap<String, Vec<String>>,
    /// Messages about the whole form.
    pub form: Vec<String>,
}

impl FormErrors {
    pub(crate) fn field(&mut self, name: &str, msg: &str) {
        self.fields
            .entry(name.to_owned())
            .or_default()
            .push(msg.to_owned());
    }

    /// Whether there are no messages.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_empty()
    }
}

impl std::fmt::Display for FormErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<String> = self
            .form
            .iter()
            .cloned()
            .chain(
                self.fields
                    .iter()
                    .flat_map(|(k, v)| v.iter().map(move |m| format!("{k}: {m}"))),
            )
            .collect();
        f.write_str(&all.join("; "))
    }
}

static COMMON: &str = include_str!("../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// How many passwords the common-password list holds.
pub fn common_password_count() -> usize {
    common().len()
}

/// Whether `password` is on the common-password list (case-insensitive).
pub fn is_common(password: &str) -> bool {
    common().contains(password.to_lowercase().as_str())
}

/// Every rule `password` breaks, as messages a user can act on. `username` and `email` feed
/// the similarity rule (pass `""` when unknown).
pub fn validate_password(
    cfg: &AuthConfig,
    password: &str,
    username: &str,
    email: &str,
) -> Vec<String> {
    let m = &cfg.messages;
    let mut errors = Vec::new();
    if password.len() > MAX_PASSWORD_BYTES {
        errors.push(m.password_too_long.clone());
        return errors;
    }
    let min = cfg.password_min_length;
    if password.chars().count() < min {
        errors.push(m.password_too_short.replace("{min}", &min.to_string()));
    }
    if cfg.password_max_similarity_percent > 0 {
        let limit = f64::from(cfg.password_max_similarity_percent) / 100.0;
        for (field, value) in [("username", username), ("email", email)] {
            if too_similar(password, value, limit) {
                errors.push(m.password_too_similar.replace("{field}", field));
                break;
            }
        }
    }
    if cfg.password_check_common && !password.is_empty() && is_common(password) {
        errors.push(m.password_too_common.clone());
    }
    if cfg.password_check_numeric
        && !password.is_empty()
        && password.chars().all(|c| c.is_ascii_digit())
    {
        errors.push(m.password_entirely_numeric.clone());
    }
    errors
}

/// Whether the password is too similar to an attribute value or one of its parts (split on
/// non-alphanumerics, as Django's `UserAttributeSimilarityValidator` does): a
/// Ratcliff/Obershelp similarity of at least `limit`.
fn too_similar(password: &str, value: &str, limit: f64) -> bool {
    if value.is_empty() || password.is_empty() {
        return false;
    }
    let pw: Vec<char> = password.to_lowercase().chars().collect();
    let value = value.to_lowercase();
    let mut parts: Vec<&str> = value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.chars().count() >= 3)
        .collect();
    parts.push(&value);
    parts.into_iter().any(|part| {
        let part: Vec<char> = part.chars().collect();
        similarity(&pw, &part) >= limit
    })
}

/// Ratcliff/Obershelp similarity: twice the matched characters over the total length.
fn similarity(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    2.0 * matches(a, b) as f64 / (a.len() + b.len()) as f64
}

fn matches(a: &[char], b: &[char]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    // Longest common substring, then recurse on both sides.
    let (mut best, mut at_a, mut at_b) = (0, 0, 0);
    let mut prev = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        let mut cur = vec![0usize; b.len() + 1];
        for j in 1..=b.len() {
            if a[i - 1] == b[j - 1] {
                cur[j] = prev[j - 1] + 1;
                if cur[j] > best {
                    best = cur[j];
                    at_a = i - best;
                    at_b = j - best;
                }
            }
        }
        prev = cur;
    }
    if best == 0 {
        return 0;
    }
    best + matches(&a[..at_a], &b[..at_b]) + matches(&a[at_a + best..], &b[at_b + best..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AuthConfig {
        AuthConfig::default()
    }

    #[test]
    fn the_list_is_large_and_case_insensitive() {
        assert!(common_password_count() >= 10_000);
        for pw in [
            "password", "PASSWORD", "Dragon", "qwerty", "letmein", "iloveyou",
        ] {
            assert!(is_common(pw), "{pw}");
        }
        assert!(!is_common("correct horse battery staple"));
    }

    #[test]
    fn each_rule_has_its_own_message() {
        let c = cfg();
        assert_eq!(
            validate_password(&c, "short", "", ""),
            vec!["This password is too short. It must contain at least 8 characters."]
        );
        assert_eq!(
            validate_password(&c, "password1", "", ""),
            vec![c.messages.password_too_common.clone()]
        );
        assert_eq!(
            validate_password(&c, "48151623429", "", ""),
            vec![c.messages.password_entirely_numeric.clone()]
        );
        let e = validate_password(&c, "jonathan.smith99", "jonathan.smith", "jon@example.com");
        assert_eq!(
            e,
            vec!["The password is too similar to the username.".to_string()]
        );
        let e = validate_password(&c, "Henderson2019", "zz", "henderson2019@example.com");
        assert_eq!(
            e,
            vec!["The password is too similar to the email.".to_string()]
        );
        assert!(
            validate_password(
                &c,
                "a long unusual passphrase",
                "alice",
                "alice@example.com"
            )
            .is_empty()
        );
        let long = "ü".repeat(64);
        assert!(
            validate_password(&c, &long, "", "").is_empty(),
            "64+ characters are fine"
        );
        assert_eq!(
            validate_password(&c, &"x".repeat(5000), "", ""),
            vec![c.messages.password_too_long.clone()]
        );
    }

    #[test]
    fn rules_can_be_turned_off() {
        let c = AuthConfig {
            password_check_common: false,
            password_check_numeric: false,
            password_max_similarity_percent: 0,
            password_min_length: 4,
            ..cfg()
        };
        assert!(validate_password(&c, "1234", "1234", "").is_empty());
    }

    #[test]
    fn similarity_measure() {
        let s = |a: &str, b: &str| {
            similarity(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(s("abcd", "abcd"), 1.0);
        assert_eq!(s("abcd", "wxyz"), 0.0);
        assert!((s("abcd", "bcde") - 0.75).abs() < 1e-9);
    }
}
