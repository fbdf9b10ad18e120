//! The Django store's users, in `auth_user`.

use crate::django::DjangoUser;
use crate::sql::{from_ts, map_write, unavailable};
use async_trait::async_trait;
use auth_core::error::StoreError;
use auth_core::password::Hasher;
use auth_core::store::UserStore;
use auth_core::user::{NewUser, User, UserId};
use std::sync::Arc;
use time::OffsetDateTime;

use super::{Db, DjangoStore};

/// A user row, in `user_select!`'s column order.
pub(super) type UserRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
    bool,
    Option<i64>,
    Option<i64>,
);

pub(super) fn user_from_row(row: UserRow) -> User {
    let (
        id,
        username,
        first_name,
        last_name,
        email,
        password,
        active,
        staff,
        superuser,
        last,
        joined,
    ) = row;
    User::from_app(DjangoUser {
        id,
        username,
        first_name,
        last_name,
        email,
        password,
        is_active: active,
        is_staff: staff,
        is_superuser: superuser,
        last_login: last.map(from_ts),
        date_joined: from_ts(joined.unwrap_or(0)),
    })
}

#[async_trait]
impl UserStore for DjangoStore {
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let Some(id) = id.as_i64() else {
            return Ok(None);
        };
        if let Some(found) = self.fast_user(id) {
            return Ok(found);
        }
        let row: Option<UserRow> = on_db!(self, pool => sqlx::query_as(&self.sql.user_by_id).bind(id).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(row.map(user_from_row))
    }

    fn get_user_now(&self, id: &UserId) -> Option<Result<Option<Arc<User>>, StoreError>> {
        let Some(id) = id.as_i64() else {
            return Some(Ok(None));
        };
        self.fast_user(id).map(|u| Ok(u.map(Arc::new)))
    }

    /// Django compares usernames exactly; a name that matches no one exactly is looked up
    /// case-insensitively, and found only when exactly one user has it in some case.
    async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut exact = self
            .user_where(&self.sql.user_by_username, username)
            .await?;
        if let Some(user) = exact.pop() {
            return Ok(Some(user));
        }
        let mut folded = self
            .user_where(&self.sql.users_by_folded_username, username)
            .await?;
        Ok(if folded.len() == 1 {
            folded.pop()
        } else {
            None
        })
    }

    /// Django does not make emails unique: an email two users share logs in neither.
    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email.is_empty() {
            return Ok(None);
        }
        let mut found = self.user_where(&self.sql.users_by_email, email).await?;
        Ok(if found.len() == 1 { found.pop() } else { None })
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn password_hasher(&self) -> Option<Hasher> {
        Some(self.hasher)
    }

    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        self.check_unique(&new.username, &new.email, -1).await?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let id: i64 = on_db!(self, pool => sqlx::query_scalar(&self.sql.insert_user)
            .bind(&new.password_hash)
            .bind(new.is_superuser)
            .bind(&new.username)
            .bind(&new.email)
            .bind(new.is_staff)
            .bind(new.is_active)
            .bind(now)
            .fetch_one(pool)
            .await)
        .map_err(map_write)?;
        self.get_user(&UserId::Int(id))
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {id} vanished after its insert")))
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let Some(id) = user.id.as_i64() else {
            return Err(StoreError::NotFound {
                what: format!("user {}", user.id),
            });
        };
        self.check_unique(&user.username, &user.email, id).await?;
        let n = on_db!(self, pool => sqlx::query(&self.sql.update_user)
            .bind(&user.username)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.is_active)
            .bind(user.is_staff)
            .bind(user.is_superuser)
            .bind(user.last_login.map(OffsetDateTime::unix_timestamp))
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(map_write)?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        }
        Ok(())
    }

    async fn set_password_hash(&self, id: &UserId, encoded: &str) -> Result<(), StoreError> {
        let Some(id) = id.as_i64() else {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        };
        let n = on_db!(self, pool => sqlx::query(&self.sql.set_password).bind(encoded).bind(id).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(unavailable)?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        }
        Ok(())
    }

    async fn set_last_login(&self, id: &UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        let Some(id) = id.as_i64() else { return Ok(()) };
        self.exec2(&self.sql.set_last_login, at.unix_timestamp(), id)
            .await
            .map(drop)
    }

    async fn email_unverified(&self, id: &UserId) -> Result<bool, StoreError> {
        let Some(id) = id.as_i64() else {
            return Ok(false);
        };
        let found: Option<i64> = on_db!(self, pool => sqlx::query_scalar(&self.sql.email_unverified).bind(id).fetch_optional(pool).await)
            .map_err(unavailable)?;
        Ok(found.is_some())
    }

    async fn set_email_unverified(
        &self,
        id: &UserId,
        unverified: bool,
    ) -> Result<bool, StoreError> {
        if unverified {
            let id = self.existing_user(id).await?;
            let now = auth_core::session::now_unix();
            Ok(self.exec2(&self.sql.mark_unverified, id, now).await? == 0)
        } else {
            let Some(id) = id.as_i64() else {
                return Ok(false);
            };
            let n = on_db!(self, pool => sqlx::query(&self.sql.unmark_unverified).bind(id).execute(pool).await.map(|r| r.rows_affected()))
                .map_err(map_write)?;
            Ok(n > 0)
        }
    }

    async fn change_email(&self, id: &UserId, from: &str, to: &str) -> Result<bool, StoreError> {
        let Some(uid) = id.as_i64() else {
            return Ok(false);
        };
        let n = on_db!(self, pool => sqlx::query(&self.sql.change_email).bind(to).bind(uid).bind(from).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(map_write)?;
        if n > 0 {
            return Ok(true);
        }
        if self.taken(&self.sql.email_taken, to, uid).await? {
            return Err(StoreError::Conflict { field: "email" });
        }
        Ok(false)
    }

    /// Deletes the user's rows in `auth_user`, `auth_user_groups`,
    /// `auth_user_user_permissions` and this crate's mark. Rows of other Django apps that
    /// point at the user (the admin's log, an app's own models) are not this store's to
    /// delete: while they exist the database refuses, and the error says so.
    async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
        let Some(uid) = id.as_i64() else {
            return Ok(false);
        };
        for sql in [
            &self.sql.delete_user_groups,
            &self.sql.delete_user_permissions,
            &self.sql.unmark_unverified,
        ] {
            on_db!(self, pool => sqlx::query(sql).bind(uid).execute(pool).await.map(drop))
                .map_err(map_write)?;
        }
        let n = on_db!(self, pool => sqlx::query(&self.sql.delete_user).bind(uid).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(map_write)?;
        Ok(n > 0)
    }
}

impl DjangoStore {
    pub(super) async fn existing_user(&self, id: &UserId) -> Result<i64, StoreError> {
        match (id.as_i64(), self.get_user(id).await?) {
            (Some(uid), Some(_)) => Ok(uid),
            _ => Err(StoreError::NotFound {
                what: format!("user {id}"),
            }),
        }
    }
}
