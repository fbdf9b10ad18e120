// The one definition of what a permission string looks like. Shared verbatim with
// `auth-macros` (included there with `#[path]`), so that compile-time and run-time
// validation can never disagree.

/// Checks that `s` is `app_label.codename`.
///
/// Both parts are non-empty, start with an ASCII letter or `_`, and continue with ASCII
/// letters, digits or `_`; there is exactly one `.`. Returns a message a user can act on.
pub fn check_permission_syntax(s: &str) -> Result<(), &'static str> {
    let Some((app, code)) = s.split_once('.') else {
        return Err(
            "a permission must be written `app_label.codename`, for example `blog.publish_post`; this one has no `.` and so no app label",
        );
    };
    if code.contains('.') {
        return Err("a permission has exactly one `.` between the app label and the codename");
    }
    if app.is_empty() {
        return Err("the app label before the `.` is empty");
    }
    if code.is_empty() {
        return Err("the codename after the `.` is empty");
    }
    if !is_identifier(app) {
        return Err(
            "the app label must start with an ASCII letter or `_` and hold only ASCII letters, digits and `_`",
        );
    }
    if !is_identifier(code) {
        return Err(
            "the codename must start with an ASCII letter or `_` and hold only ASCII letters, digits and `_`",
        );
    }
    if s.len() > 255 {
        return Err("a permission is at most 255 bytes long");
    }
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
