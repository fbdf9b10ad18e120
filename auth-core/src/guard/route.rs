//! [`RouteRequirements`]: what a guard layer (`auth_axum::RequireAuth` on a router,
//! `auth_actix::RequireAuth` on a scope) requires of every route under it, with the same
//! checks and denials as the attributes.

use std::sync::Arc;

use crate::guard::Requirement;
use crate::user::User;

/// The requirements of a guard layer. Built from literals at start-up; a malformed permission
/// panics there with the reason (as the attribute would fail to compile).
///
/// ```
/// use auth_core::{Requirement, guard::RouteRequirements};
/// let editors = RouteRequirements::login()
///     .and_group(&["Editors", "Admins"])
///     .and_permission("blog.publish_post")
///     .redirect("/signin");
/// assert_eq!(editors.requirements()[0], Requirement::Login);
/// assert_eq!(editors.requirements().len(), 3);
/// assert_eq!(editors.login_url(), Some("/signin"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRequirements {
    requirements: Arc<[Requirement]>,
    login_url: Option<&'static str>,
}

impl RouteRequirements {
    fn one(r: Requirement) -> Self {
        RouteRequirements {
            requirements: Arc::from([r]),
            login_url: None,
        }
    }

    fn with(self, r: Requirement) -> Self {
        let mut all = self.requirements.to_vec();
        all.push(r);
        RouteRequirements {
            requirements: all.into(),
            login_url: self.login_url,
        }
    }

    /// A logged-in, active user (`#[login_required]`).
    pub fn login() -> Self {
        Self::one(Requirement::Login)
    }

    /// `is_staff` (`#[staff_required]`).
    pub fn staff() -> Self {
        Self::one(Requirement::Staff)
    }

    /// `is_superuser` (`#[superuser_required]`).
    pub fn superuser() -> Self {
        Self::one(Requirement::Superuser)
    }

    /// A permission (`#[permission_required("app.codename")]`).
    ///
    /// # Panics
    ///
    /// When `perm` is not `app_label.codename`, with the reason.
    pub fn permission(perm: &'static str) -> Self {
        Self::one(Requirement::Perm(checked(perm)))
    }

    /// One of these permissions (`#[permission_required(.., any)]`).
    ///
    /// # Panics
    ///
    /// When the list is empty or a permission is not `app_label.codename`.
    pub fn any_permission(perms: &'static [&'static str]) -> Self {
        assert!(
            !perms.is_empty(),
            "RouteRequirements::any_permission needs at least one permission"
        );
        perms.iter().for_each(|p| {
            checked(p);
        });
        Self::one(Requirement::AnyPerm(perms))
    }

    /// Membership in one of these groups (`#[group_required(..)]`).
    ///
    /// # Panics
    ///
    /// When the list is empty or a name is blank.
    pub fn group(groups: &'static [&'static str]) -> Self {
        assert!(
            !groups.is_empty() && groups.iter().all(|g| !g.trim().is_empty()),
            "RouteRequirements::group needs at least one non-empty group name"
        );
        Self::one(Requirement::AnyGroup(groups))
    }

    /// A test of the app's own (`#[user_passes_test(..)]`); `name` is for logs.
    pub fn test(test: fn(&User) -> bool, name: &'static str) -> Self {
        Self::one(Requirement::Test(test, name))
    }

    /// These requirements and a permission.
    ///
    /// # Panics
    ///
    /// As [`permission`](Self::permission).
    pub fn and_permission(self, perm: &'static str) -> Self {
        self.with(Requirement::Perm(checked(perm)))
    }

    /// These requirements and membership in one of `groups`.
    ///
    /// # Panics
    ///
    /// As [`group`](Self::group).
    pub fn and_group(self, groups: &'static [&'static str]) -> Self {
        let g = Self::group(groups).requirements[0];
        self.with(g)
    }

    /// These requirements and `other`'s, checked in order.
    pub fn and(self, other: RouteRequirements) -> Self {
        other.requirements.iter().fold(self, |acc, r| acc.with(*r))
    }

    /// Where anonymous browsers go instead of the configured `login_url` (the attributes'
    /// `redirect = ".."`).
    ///
    /// # Panics
    ///
    /// When `url` is not a path starting with `/` (or an http(s) URL), or holds control
    /// characters or backslashes.
    pub fn redirect(mut self, url: &'static str) -> Self {
        let ok = (url.starts_with('/') && !url.starts_with("//"))
            || url.starts_with("https://")
            || url.starts_with("http://");
        assert!(
            ok && !url.chars().any(|c| c.is_control() || c == '\\'),
            "RouteRequirements::redirect: {url:?} must be a path starting with `/` (or an http(s) URL), without control characters or backslashes"
        );
        self.login_url = Some(url);
        self
    }

    /// The requirements, in the order they are checked.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// The `redirect` target, if set.
    pub fn login_url(&self) -> Option<&'static str> {
        self.login_url
    }
}

fn checked(perm: &'static str) -> &'static str {
    if let Err(reason) = crate::permission::syntax::check_permission_syntax(perm) {
        panic!("invalid permission {perm:?} in RouteRequirements: {reason}");
    }
    perm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "invalid permission \"publish\"")]
    fn a_malformed_permission_panics_at_start_up() {
        let _ = RouteRequirements::login().and_permission("publish");
    }

    #[test]
    #[should_panic(expected = "must be a path")]
    fn a_hostile_redirect_panics_at_start_up() {
        let _ = RouteRequirements::login().redirect("//evil.example");
    }

    #[test]
    fn combines_in_order() {
        let r = RouteRequirements::staff().and(RouteRequirements::any_permission(&["a.b", "c.d"]));
        assert_eq!(
            r.requirements(),
            &[Requirement::Staff, Requirement::AnyPerm(&["a.b", "c.d"])]
        );
        assert_eq!(r.login_url(), None);
    }
}
