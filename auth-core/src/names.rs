//! Usernames and email addresses: how they are normalised, compared and validated.
//!
//! - Usernames are stored in Unicode NFKC (Django's `AbstractBaseUser.normalize_username`), so
//!   `ﬀuser` is stored as `ffuser` and `𝔄𝔄𝔄` as `AAA`.
//! - Usernames and emails are unique, and looked up, by a key: NFKC, then full Unicode case
//!   folding, then NFKC again, so `ß`/`SS`, `Σ`/`σ`/`ς` and `Alice`/`ALICE` are one name.
//! - Emails are trimmed, their domain lower-cased (Django's `normalize_email`), and validated
//!   like Django's `EmailValidator`.
//!
//! ```
//! use auth_core::names::{name_key, normalize_email, normalize_username};
//! assert_eq!(normalize_username("ﬀuser"), "ffuser");
//! assert_eq!(name_key("STRASSE"), name_key("straße"));
//! assert_eq!(name_key("ΣΑΣ"), name_key("σας"));
//! assert_eq!(normalize_email("Bob@Example.COM").as_deref(), Some("Bob@example.com"));
//! assert_eq!(normalize_email("<script>alert(1)</script>@evil.com"), None);
//! ```

use unicode_normalization::UnicodeNormalization;

/// The username as stored: trimmed and in NFKC.
pub fn normalize_username(username: &str) -> String {
    let n: String = username.nfkc().collect();
    n.trim().to_owned()
}

/// The comparison key of a username or email: NFKC, full case folding, NFKC.
///
/// Case folding is done as lower-, upper-, then lower-casing (which applies the full mappings of
/// `SpecialCasing.txt`, so `ß` becomes `ss`), with final sigma folded to `σ`. For a handful of
/// letters this is stricter than Unicode's `CaseFolding.txt` (dotless `ı` meets `i`), which
/// only makes more look-alike names count as taken.
pub fn name_key(s: &str) -> String {
    let n: String = s.trim().nfkc().collect();
    let folded: String = n
        .to_lowercase()
        .to_uppercase()
        .to_lowercase()
        .chars()
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect();
    // NFKC can turn a character into a space and a combining mark (`¯`): trim again, so a key
    // is its own key.
    let key: String = folded.nfkc().collect();
    key.trim().to_owned()
}

/// The longest email accepted (Django's `EmailValidator`).
const MAX_EMAIL: usize = 320;

/// A valid email address, normalised (trimmed, domain lower-cased), or `None` when it is not
/// one by the rules of Django's `EmailValidator`: a dot-atom or quoted local part of at most 64
/// characters, and a domain of labels of letters, digits and inner hyphens with a top-level
/// label of at least two characters (or `localhost`, or an address literal `[192.0.2.1]`).
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() || email.len() > MAX_EMAIL {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    if local.chars().count() > 64 || !(dot_atom(local) || quoted(local)) {
        return None;
    }
    let domain = domain.to_lowercase();
    if !(domain == "localhost" || domain_name(&domain) || address_literal(&domain)) {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

fn atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|part| !part.is_empty() && part.chars().all(atext))
}

fn quoted(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return false;
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if e.is_ascii() && !matches!(e, '\0' | '\n' | '\r') => {}
                _ => return false,
            },
            '"' | '\0' | '\t' | '\n' | '\r' => return false,
            c if !c.is_ascii() => return false,
            _ => {}
        }
    }
    true
}

fn domain_name(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 || d.len() > 253 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(|l| label_ok(l)) && tld.chars().count() >= 2
}

fn address_literal(d: &str) -> bool {
    let Some(inner) = d.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
        return false;
    };
    match inner.strip_prefix("ipv6:") {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => inner.parse::<std::net::Ipv4Addr>().is_ok(),
    }
}

/// Which stored users need new keys, and which: `(id, username, email, username_key,
/// email_key)` rows in id order in, `(id, username_key, email_key)` out. When several accounts
/// fold to one key, the oldest gets it; each newer one keeps its old key if that is still free,
/// else a key no login can type (`old` + U+FFFF + id). Either way it is logged: an
/// administrator should rename one of them.
pub fn rekey_plan(
    rows: Vec<(i64, String, String, String, Option<String>)>,
) -> Vec<(i64, String, Option<String>)> {
    use std::collections::{HashMap, HashSet};
    let new_names: Vec<String> = rows.iter().map(|r| name_key(&r.1)).collect();
    let new_emails: Vec<Option<String>> = rows
        .iter()
        .map(|r| (!r.2.is_empty()).then(|| name_key(&r.2)))
        .collect();
    // The oldest row (rows come in id order) wins each key.
    let mut name_winner: HashMap<&str, usize> = HashMap::new();
    let mut email_winner: HashMap<&str, usize> = HashMap::new();
    for i in 0..rows.len() {
        name_winner.entry(new_names[i].as_str()).or_insert(i);
        if let Some(e) = &new_emails[i] {
            email_winner.entry(e.as_str()).or_insert(i);
        }
    }
    let mut used_names: HashSet<String> = name_winner.keys().map(|k| k.to_string()).collect();
    let mut used_emails: HashSet<String> = email_winner.keys().map(|k| k.to_string()).collect();
    let mut plan = Vec::new();
    for (i, (id, _, _, old_name, old_email)) in rows.iter().enumerate() {
        let name = if name_winner[new_names[i].as_str()] == i {
            new_names[i].clone()
        } else {
            tracing::warn!(
                user_id = id,
                "two usernames are now one name: rename one of them"
            );
            let key = if used_names.contains(old_name) {
                format!("{old_name}\u{FFFF}{id}")
            } else {
                old_name.clone()
            };
            used_names.insert(key.clone());
            key
        };
        let email = match &new_emails[i] {
            Some(e) if email_winner[e.as_str()] == i => Some(e.clone()),
            Some(_) => {
                tracing::warn!(
                    user_id = id,
                    "two emails are now one address: change one of them"
                );
                let key = match old_email {
                    Some(o) if !used_emails.contains(o) => o.clone(),
                    Some(o) => format!("{o}\u{FFFF}{id}"),
                    None => format!("\u{FFFF}{id}"),
                };
                used_emails.insert(key.clone());
                Some(key)
            }
            None => None,
        };
        if name != *old_name || email != *old_email {
            plan.push((*id, name, email));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_fold_as_django_and_unicode_say() {
        assert_eq!(normalize_username("ﬀuser"), "ffuser");
        assert_eq!(normalize_username("𝔄𝔄𝔄"), "AAA");
        assert_eq!(name_key("ﬀuser"), name_key("FFUSER"));
        assert_eq!(name_key("𝔄𝔄𝔄"), name_key("aaa"));
        assert_eq!(name_key("ß"), name_key("SS"));
        assert_eq!(name_key("ẞ"), name_key("ss"));
        assert_eq!(name_key("Σσς"), name_key("σσσ"));
        assert_eq!(name_key("K"), name_key("k"), "Kelvin sign");
        assert_ne!(name_key("alice"), name_key("alicia"));
        // Found by fuzzing: a key is its own key.
        for s in ["\u{AF}", " \u{304}x", "ﬀ", "Σς"] {
            assert_eq!(name_key(&name_key(s)), name_key(s), "{s:?}");
        }
    }

    #[test]
    fn rekeying_keeps_keys_unique() {
        let row = |id: i64, name: &str, key: &str| {
            (id, name.to_string(), String::new(), key.to_string(), None)
        };
        // The older row now folds onto a newer row's unchanged key.
        let plan = rekey_plan(vec![
            row(1, "\u{FB00}user", "\u{FB00}user"),
            row(2, "ffuser", "ffuser"),
            row(3, "alice", "alice"),
        ]);
        let mut keys: std::collections::HashMap<i64, String> =
            [(1, "\u{FB00}user"), (2, "ffuser"), (3, "alice")]
                .into_iter()
                .map(|(i, k)| (i, k.to_string()))
                .collect();
        for (id, k, _) in &plan {
            keys.insert(*id, k.clone());
        }
        assert_eq!(keys[&1], "ffuser", "the oldest wins");
        assert_ne!(keys[&2], "ffuser");
        let distinct: std::collections::HashSet<_> = keys.values().collect();
        assert_eq!(distinct.len(), 3, "{keys:?}");
        assert!(
            !plan.iter().any(|(id, _, _)| *id == 3),
            "unchanged rows are left alone"
        );
    }

    #[test]
    fn emails_are_validated_like_django() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co",
            "\"quoted name\"@example.com",
            "user@localhost",
            "user@[192.0.2.1]",
            "x@bücher.example",
            "o'brien@example.ie",
        ] {
            assert!(normalize_email(ok).is_some(), "{ok}");
        }
        for bad in [
            "<script>alert(1)</script>@evil.com",
            "a b@example.com",
            "a@b",
            "a@example.c",
            "@example.com",
            "a@",
            "a..b@example.com",
            ".a@example.com",
            "a@-example.com",
            "a@example-.com",
            "a(b)@example.com",
            "a@exa mple.com",
            "",
        ] {
            assert!(normalize_email(bad).is_none(), "{bad:?}");
        }
        assert_eq!(
            normalize_email(" Bob@EXAMPLE.com ").as_deref(),
            Some("Bob@example.com")
        );
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(65))).is_none());
    }
}
