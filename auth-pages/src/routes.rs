//! Which pages mount where ([`routes`]), and the check that they can work over a set-up
//! ([`check_mount`]).

use auth_core::config::{AccountDeletion, AuthConfig};

use crate::Page;

/// A route of the built-in pages: its path (with `{uid}`/`{token}` parameters where needed,
/// the syntax both axum and actix-web use) and the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The path pattern.
    pub path: String,
    /// The page.
    pub page: Page,
}

/// What the adapters' mount functions (`add_auth_pages` and friends) take: the
/// [`AuthConfig`], or the [`AuthService`](auth_core::service::AuthService), with which they also check
/// that its user store can do what the pages need (see [`check_mount`]).
pub trait PagesSetup {
    /// The configuration the pages follow.
    fn pages_config(&self) -> &AuthConfig;
    /// Whether the user store can write; `None` when not known (a bare configuration).
    fn users_writable(&self) -> Option<bool> {
        None
    }
}

impl PagesSetup for AuthConfig {
    fn pages_config(&self) -> &AuthConfig {
        self
    }
}

impl PagesSetup for auth_core::service::AuthService {
    fn pages_config(&self) -> &AuthConfig {
        self.config()
    }
    fn users_writable(&self) -> Option<bool> {
        Some(self.users().is_writable())
    }
}

/// Why pages cannot be mounted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MountError {
    /// A page that writes users over a read-only user store.
    #[error(
        "the built-in {page} page needs a user store that can write, and this one is read-only \
         (UserStore::is_writable() is false). Turn the page off ({setting} = false, or \
         AUTH_{env}=false), or mount only the pages you need (add_auth_pages_only with Page::Login and Page::Logout)"
    )]
    ReadOnlyStore {
        /// The page.
        page: &'static str,
        /// The setting that turns it off.
        setting: &'static str,
        /// The same, as an environment variable suffix.
        env: &'static str,
    },
}

/// Checks that `routes` can work over `setup`: the registration and password-reset pages need
/// a user store that can write. The adapters panic with this error at start-up, when the
/// router is built.
pub fn check_mount(setup: &(impl PagesSetup + ?Sized), routes: &[Route]) -> Result<(), MountError> {
    if setup.users_writable() != Some(false) {
        return Ok(());
    }
    for r in routes {
        match r.page {
            Page::Register => {
                return Err(MountError::ReadOnlyStore {
                    page: "registration",
                    setting: "signup_enabled",
                    env: "SIGNUP_ENABLED",
                });
            }
            Page::VerifyEmail | Page::VerifyEmailResend => {
                return Err(MountError::ReadOnlyStore {
                    page: "email verification",
                    setting: "require_email_verification",
                    env: "REQUIRE_EMAIL_VERIFICATION",
                });
            }
            Page::EmailChange | Page::EmailChangeConfirm => {
                return Err(MountError::ReadOnlyStore {
                    page: "change-email",
                    setting: "email_change_enabled",
                    env: "EMAIL_CHANGE_ENABLED",
                });
            }
            Page::AccountDelete => {
                return Err(MountError::ReadOnlyStore {
                    page: "delete-account",
                    setting: "account_deletion",
                    env: "ACCOUNT_DELETION",
                });
            }
            Page::PasswordChange => {
                return Err(MountError::ReadOnlyStore {
                    page: "change-password",
                    setting: "password_change_enabled",
                    env: "PASSWORD_CHANGE_ENABLED",
                });
            }
            Page::PasswordReset | Page::PasswordResetConfirm => {
                return Err(MountError::ReadOnlyStore {
                    page: "password reset",
                    setting: "password_reset_enabled",
                    env: "PASSWORD_RESET_ENABLED",
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The routes of the enabled pages under `cfg` (all of them when `pages` is `None`).
pub fn routes(cfg: &AuthConfig, pages: Option<&[Page]>) -> Vec<Route> {
    let reset = cfg.password_reset_url.trim_end_matches('/');
    let verify = cfg.email_verification_url.trim_end_matches('/');
    let change = cfg.email_change_url.trim_end_matches('/');
    let verification = cfg.require_email_verification;
    let deletion = cfg.account_deletion != AccountDeletion::Off;
    let all = [
        (Page::Login, cfg.login_url.clone(), true),
        (Page::Logout, cfg.logout_url.clone(), true),
        (Page::Register, cfg.signup_url.clone(), cfg.signup_enabled),
        (
            Page::PasswordReset,
            cfg.password_reset_url.clone(),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordResetDone,
            format!("{reset}/done"),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordResetConfirm,
            format!("{reset}/confirm/{{uid}}/{{token}}"),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordResetComplete,
            format!("{reset}/complete"),
            cfg.password_reset_enabled,
        ),
        (
            Page::PasswordChange,
            cfg.password_change_url.clone(),
            cfg.password_change_enabled,
        ),
        (
            Page::Sessions,
            cfg.sessions_url.clone(),
            cfg.sessions_page_enabled,
        ),
        (
            Page::VerifyEmailResend,
            format!("{verify}/resend"),
            verification,
        ),
        (
            Page::VerifyEmail,
            format!("{verify}/{{uid}}/{{token}}"),
            verification,
        ),
        (
            Page::EmailChange,
            cfg.email_change_url.clone(),
            cfg.email_change_enabled,
        ),
        (
            Page::EmailChangeConfirm,
            format!("{change}/confirm/{{uid}}/{{token}}"),
            cfg.email_change_enabled,
        ),
        (
            Page::AccountDelete,
            cfg.account_delete_url.clone(),
            deletion,
        ),
    ];
    all.into_iter()
        .filter(|(page, _, enabled)| {
            *enabled && cfg.enabled && pages.is_none_or(|p| p.contains(page))
        })
        .map(|(page, path, _)| Route { path, page })
        .collect()
}
