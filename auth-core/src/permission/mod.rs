//! Permissions written as `"app_label.codename"`, and what a user has been granted.

pub(crate) mod syntax;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

pub use crate::permission::syntax::check_permission_syntax;

/// A parsed, valid `app_label.codename` permission.
///
/// ```
/// use auth_core::Permission;
/// let p: Permission = "blog.publish_post".parse().unwrap();
/// assert_eq!(p.app_label(), "blog");
/// assert_eq!(p.codename(), "publish_post");
/// assert!("publish_post".parse::<Permission>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    full: String,
    dot: usize,
}

/// A permission string that is not `app_label.codename`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid permission {input:?}: {reason}")]
pub struct PermissionError {
    /// What was given.
    pub input: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl Permission {
    /// Parses and validates `app_label.codename`.
    pub fn parse(s: &str) -> Result<Self, PermissionError> {
        check_permission_syntax(s).map_err(|reason| PermissionError {
            input: s.chars().take(100).collect(),
            reason,
        })?;
        let dot = s.find('.').expect("validated above");
        Ok(Permission {
            full: s.to_owned(),
            dot,
        })
    }

    /// The part before the dot.
    pub fn app_label(&self) -> &str {
        &self.full[..self.dot]
    }

    /// The part after the dot.
    pub fn codename(&self) -> &str {
        &self.full[self.dot + 1..]
    }

    /// The whole `app_label.codename`.
    pub fn as_str(&self) -> &str {
        &self.full
    }
}

impl FromStr for Permission {
    type Err = PermissionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Permission::parse(s)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

/// What a user has been granted, directly and through groups, as stored.
///
/// This is raw data: it does not apply the superuser and `is_active` rules. Ask
/// [`crate::guard::user_has_perm`] or the guard check, which do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    /// Every `app_label.codename` the user has, directly or through a group.
    pub permissions: HashSet<String>,
    /// The names of the user's groups.
    pub groups: Vec<String>,
}

impl Grants {
    /// Whether the raw grants contain `perm`.
    pub fn has_permission(&self, perm: &str) -> bool {
        self.permissions.contains(perm)
    }

    /// Whether the user is in the group called `name` (exact, case-sensitive, as Django).
    pub fn in_group(&self, name: &str) -> bool {
        self.groups.iter().any(|g| g == name)
    }
}
