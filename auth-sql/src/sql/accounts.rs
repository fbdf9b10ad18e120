//! `sql_accounts!`: the account-lifecycle writes of a store over an sqlx pool (the
//! email-verification mark, a change of address, deleting a user), for SQLite and PostgreSQL.
//! `sql_store!` calls them from its `UserStore` implementation.

/// Adds `sql_email_unverified`, `sql_set_email_unverified`, `sql_change_email` and
/// `sql_delete_user` to `$store`.
macro_rules! sql_accounts {
    ($store:ty) => {
        impl $store {
            async fn sql_email_unverified(&self, id: &UserId) -> Result<bool, StoreError> {
                let Some(id) = sql::int_id(id) else {
                    return Ok(false);
                };
                let found: Option<i64> = sqlx::query_scalar(&*self.q.EMAIL_UNVERIFIED)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(found.is_some())
            }

            async fn sql_set_email_unverified(
                &self,
                id: &UserId,
                unverified: bool,
            ) -> Result<bool, StoreError> {
                if unverified {
                    let key = self.require_user(id).await?;
                    let done = sqlx::query(&*self.q.MARK_UNVERIFIED)
                        .bind(key)
                        .bind(auth_core::session::now_unix())
                        .execute(&self.pool)
                        .await
                        .map_err(sql::map_write)?;
                    // Nothing inserted: the mark was on already.
                    Ok(done.rows_affected() == 0)
                } else {
                    let Some(key) = sql::int_id(id) else {
                        return Ok(false);
                    };
                    let done = sqlx::query(&*self.q.UNMARK_UNVERIFIED)
                        .bind(key)
                        .execute(&self.pool)
                        .await
                        .map_err(sql::map_write)?;
                    Ok(done.rows_affected() > 0)
                }
            }

            async fn sql_change_email(
                &self,
                id: &UserId,
                from: &str,
                to: &str,
            ) -> Result<bool, StoreError> {
                let Some(key) = sql::int_id(id) else {
                    return Ok(false);
                };
                let done = sqlx::query(&*self.q.CHANGE_EMAIL)
                    .bind(to)
                    .bind(sql::email_key(to))
                    .bind(key)
                    .bind(from)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(done.rows_affected() > 0)
            }

            async fn sql_delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
                let Some(key) = sql::int_id(id) else {
                    return Ok(false);
                };
                let mut tx = self.pool.begin().await.map_err(sql::unavailable)?;
                for q in [
                    &self.q.DELETE_USER_GROUPS,
                    &self.q.DELETE_USER_PERMISSIONS,
                    &self.q.UNMARK_UNVERIFIED,
                ] {
                    sqlx::query(q)
                        .bind(key)
                        .execute(&mut *tx)
                        .await
                        .map_err(sql::map_write)?;
                }
                let done = sqlx::query(&*self.q.DELETE_USER)
                    .bind(key)
                    .execute(&mut *tx)
                    .await
                    .map_err(sql::map_write)?;
                tx.commit().await.map_err(sql::unavailable)?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(crate) use sql_accounts;
