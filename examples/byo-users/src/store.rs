//! The app's users, read by the auth toolkit: a read-only store over the app's own `users`
//! table (UUID keys, `display_name`, `tenant_id`) and its `user_permissions`.

use auth_axum::auth_core::{Grants, PermissionChecker, StoreError, UserStore, async_trait};
use auth_axum::{User, UserId};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::model::AppUser;

/// Reads `users` and `user_permissions`; writes stay the app's business.
#[derive(Clone, Debug)]
pub struct AppUsers {
    pub pool: SqlitePool,
}

type Row = (String, String, String, i64, String, bool, bool);

impl AppUsers {
    async fn one(&self, filter: &str, value: String) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT id, email, display_name, tenant_id, password_hash, is_active, is_admin FROM users WHERE {filter}"
        );
        let row: Option<Row> = sqlx::query_as(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::unavailable)?;
        let Some((id, email, display_name, tenant_id, password_hash, is_active, is_admin)) = row
        else {
            return Ok(None);
        };
        let id = Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("users.id: {e}")))?;
        let user = AppUser {
            id,
            email,
            display_name,
            tenant_id,
            password_hash,
            is_active,
            is_admin,
        };
        Ok(Some(User::from_app(user)))
    }
}

#[async_trait]
impl UserStore for AppUsers {
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        match id.as_uuid() {
            Some(id) => self.one("id = ?", id.to_string()).await,
            None => Ok(None), // not one of our keys
        }
    }

    async fn find_by_username(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.one("email = ? COLLATE NOCASE", email.to_owned()).await
    }
}

#[async_trait]
impl PermissionChecker for AppUsers {
    async fn grants(&self, id: &UserId) -> Result<Grants, StoreError> {
        let Some(id) = id.as_uuid() else {
            return Ok(Grants::default());
        };
        let perms: Vec<String> =
            sqlx::query_scalar("SELECT permission FROM user_permissions WHERE user_id = ?")
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::unavailable)?;
        Ok(Grants {
            permissions: perms.into_iter().collect(),
            groups: Vec::new(),
        })
    }
}
