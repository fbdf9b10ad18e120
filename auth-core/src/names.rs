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
    username.trim().nfkc().collect()
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
    folded.nfkc().collect()
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
/// email_key)` rows in id order in, `(id, username_key, email_key)` out. When two accounts
/// fold to the same key, the older one gets it and the newer keeps its old key (logged: an
/// administrator should rename one).
pub(crate) fn rekey_plan(
    rows: Vec<(i64, String, String, String, Option<String>)>,
) -> Vec<(i64, String, Option<String>)> {
    use std::collections::HashSet;
    let mut taken_names = HashSet::new();
    let mut taken_emails = HashSet::new();
    let mut plan = Vec::new();
    for (id, username, email, old_name, old_email) in rows {
        let mut name = name_key(&username);
        if !taken_names.insert(name.clone()) {
            tracing::warn!(
                user_id = id,
                "two usernames are now one name; this user keeps the old comparison key until renamed"
            );
            name = old_name.clone();
            taken_names.insert(name.clone());
        }
        let mut mail = (!email.is_empty()).then(|| name_key(&email));
        if let Some(m) = &mail
            && !taken_emails.insert(m.clone())
        {
            tracing::warn!(
                user_id = id,
                "two emails are now one address; this user keeps the old comparison key"
            );
            mail = old_email.clone();
        }
        if name != old_name || mail != old_email {
            plan.push((id, name, mail));
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
