//! The one definition of what a permission string looks like. It is a `const fn`, so the guard
//! macros check their literals with this very function at compile time (through a `const`
//! assertion they emit, see [`crate::__private::assert_permission`]) and [`crate::permission::Permission`]
//! checks run-time strings with it: the two can never disagree.

/// Checks that `s` is `app_label.codename`.
///
/// Both parts are non-empty, start with an ASCII letter or `_`, and continue with ASCII
/// letters, digits or `_`; there is exactly one `.`. Returns a message a user can act on.
///
/// ```
/// use auth_core::permission::check_permission_syntax;
/// assert!(check_permission_syntax("blog.publish_post").is_ok());
/// assert!(check_permission_syntax("publish_post").is_err());
/// const OK: () = assert!(check_permission_syntax("shop.view_reports").is_ok());
/// ```
pub const fn check_permission_syntax(s: &str) -> Result<(), &'static str> {
    let b = s.as_bytes();
    let mut dot = b.len();
    let mut dots = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' {
            if dots == 0 {
                dot = i;
            }
            dots += 1;
        }
        i += 1;
    }
    if dots == 0 {
        return Err(
            "a permission must be written `app_label.codename`, for example `blog.publish_post`; this one has no `.` and so no app label",
        );
    }
    if dots > 1 {
        return Err("a permission has exactly one `.` between the app label and the codename");
    }
    if dot == 0 {
        return Err("the app label before the `.` is empty");
    }
    if dot + 1 == b.len() {
        return Err("the codename after the `.` is empty");
    }
    if !is_identifier(b, 0, dot) {
        return Err(
            "the app label must start with an ASCII letter or `_` and hold only ASCII letters, digits and `_`",
        );
    }
    if !is_identifier(b, dot + 1, b.len()) {
        return Err(
            "the codename must start with an ASCII letter or `_` and hold only ASCII letters, digits and `_`",
        );
    }
    if b.len() > 255 {
        return Err("a permission is at most 255 bytes long");
    }
    Ok(())
}

/// `b[start..end]` (non-empty) is an ASCII identifier.
const fn is_identifier(b: &[u8], start: usize, end: usize) -> bool {
    let first = b[start];
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return false;
    }
    let mut i = start + 1;
    while i < end {
        if !(b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::check_permission_syntax as check;

    #[test]
    fn accepts_and_refuses_with_the_right_reason() {
        assert_eq!(check("blog.publish_post"), Ok(()));
        assert_eq!(check("_a._b9"), Ok(()));
        assert!(check("blog").unwrap_err().contains("no `.`"));
        assert!(check("a.b.c").unwrap_err().contains("exactly one"));
        assert!(check(".b").unwrap_err().contains("app label before"));
        assert!(check("a.").unwrap_err().contains("codename after"));
        assert!(check("9a.b").unwrap_err().contains("app label must"));
        assert!(check("a.b c").unwrap_err().contains("codename must"));
        assert!(check("a.é").unwrap_err().contains("codename must"));
        let long = format!("a.{}", "b".repeat(254));
        assert!(check(&long).unwrap_err().contains("255"));
    }
}
