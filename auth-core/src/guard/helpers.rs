//! Helpers for handlers and templates: the current user, permission and group checks, and a
//! serializable snapshot of the user.

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::guard::{AuthContext, Denial, DenialReason, Requirement, requirement_met};
use crate::permission::{Permission, PermissionError};
use crate::user::{User, UserId};

/// The logged-in, active user, or a [`Denial`] for [`Requirement::Login`].
pub fn require_login_user<C: AuthContext + ?Sized>(cx: &C) -> Result<&User, Denial> {
    cx.current_user()
        .filter(|u| u.is_active)
        .ok_or_else(|| Denial::new(Requirement::Login, DenialReason::Unauthenticated))
}

/// A permission check that could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The permission string is not `app_label.codename`.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// The permission store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether the current user has `perm` (active superusers have all; inactive users none).
/// A malformed permission string is an error, never a silent `false`.
pub async fn user_has_perm<C: AuthContext + ?Sized>(
    cx: &C,
    perm: &str,
) -> Result<bool, CheckError> {
    let perm = Permission::parse(perm)?;
    let Some(user) = cx.current_user() else {
        return Ok(false);
    };
    if !user.is_active {
        return Ok(false);
    }
    if user.is_superuser {
        return Ok(true);
    }
    let grants = cx.grants().await?;
    Ok(grants.has_permission(perm.as_str()))
}

/// Whether the current (active) user is in the group `name`.
pub async fn user_in_group<C: AuthContext + ?Sized>(
    cx: &C,
    name: &str,
) -> Result<bool, StoreError> {
    let Some(user) = cx.current_user() else {
        return Ok(false);
    };
    if !user.is_active {
        return Ok(false);
    }
    let grants = cx.grants().await?;
    Ok(requirement_met(&Requirement::Login, user, None) && grants.in_group(name))
}

/// What the UI may know about a user: no password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserSnapshot {
    /// Id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Active flag.
    pub is_active: bool,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
    /// Last login.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login: Option<OffsetDateTime>,
    /// When the account was made; `None` when the store does not record it (a store over an
    /// app's own table whose [`crate::user::AuthUser::date_joined`] is `None`).
    #[serde(with = "time::serde::rfc3339::option")]
    pub date_joined: Option<OffsetDateTime>,
    /// Group names, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

impl UserSnapshot {
    /// The snapshot of a user, without groups.
    pub fn of(user: &User) -> Self {
        UserSnapshot {
            id: user.id.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            last_login: user.last_login,
            date_joined: (user.date_joined != OffsetDateTime::UNIX_EPOCH)
                .then_some(user.date_joined),
            groups: None,
        }
    }
}

/// A serializable view of the current user for the UI (`None` when anonymous); with
/// `include_groups`, the user's group names too (one store read, cached for the request).
pub async fn user_snapshot<C: AuthContext + ?Sized>(
    cx: &C,
    include_groups: bool,
) -> Result<Option<UserSnapshot>, StoreError> {
    let Some(user) = cx.current_user() else {
        return Ok(None);
    };
    let mut snap = UserSnapshot::of(user);
    if include_groups {
        snap.groups = Some(cx.grants().await?.groups.clone());
    }
    Ok(Some(snap))
}
