//! A row of Django's `auth_user`.

use time::OffsetDateTime;

use auth_core::user::{AuthUser, UserId};

/// A user of a Django project, as `auth_user` holds it. The Django store returns users made
/// from it ([`User::from_app`](auth_core::User::from_app)), so handlers can take
/// `CurrentUser<DjangoUser>` to read `first_name` and `last_name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DjangoUser {
    /// `id`.
    pub id: i64,
    /// `username` (unique, compared exactly by Django).
    pub username: String,
    /// `first_name`.
    pub first_name: String,
    /// `last_name`.
    pub last_name: String,
    /// `email` (not unique in Django).
    pub email: String,
    /// `password`: the encoded hash.
    pub password: String,
    /// `is_active`.
    pub is_active: bool,
    /// `is_staff`.
    pub is_staff: bool,
    /// `is_superuser`.
    pub is_superuser: bool,
    /// `last_login`.
    pub last_login: Option<OffsetDateTime>,
    /// `date_joined`.
    pub date_joined: OffsetDateTime,
}

impl DjangoUser {
    /// `first_name last_name`, or the username when both are empty (Django's
    /// `get_full_name` falls back the same way in its admin).
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        match full.trim() {
            "" => self.username.clone(),
            name => name.to_owned(),
        }
    }
}

impl AuthUser for DjangoUser {
    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }
    fn username(&self) -> &str {
        &self.username
    }
    fn password_hash(&self) -> &str {
        &self.password
    }
    fn email(&self) -> &str {
        &self.email
    }
    fn is_active(&self) -> bool {
        self.is_active
    }
    fn is_staff(&self) -> bool {
        self.is_staff
    }
    fn is_superuser(&self) -> bool {
        self.is_superuser
    }
    fn last_login(&self) -> Option<OffsetDateTime> {
        self.last_login
    }
    fn date_joined(&self) -> Option<OffsetDateTime> {
        Some(self.date_joined)
    }
}
