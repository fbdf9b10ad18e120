//! The app's own user type, and what the auth toolkit reads of it ([`AuthUser`]).

use auth_axum::{AuthUser, UserId};
use uuid::Uuid;

/// A row of `users`: the app's own user type, which handlers get back as `CurrentUser<AppUser>`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AppUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub tenant_id: i64,
    #[serde(skip)]
    pub password_hash: String,
    pub is_active: bool,
    pub is_admin: bool,
}

impl AuthUser for AppUser {
    fn id(&self) -> UserId {
        self.id.into()
    }
    fn username(&self) -> &str {
        &self.email // people log in with their email
    }
    fn email(&self) -> &str {
        &self.email
    }
    fn password_hash(&self) -> &str {
        &self.password_hash
    }
    fn is_active(&self) -> bool {
        self.is_active
    }
    fn is_staff(&self) -> bool {
        self.is_admin
    }
}
