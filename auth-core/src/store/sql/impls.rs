//! `sql_store!`: the storage traits for a store over an sqlx pool, written once for SQLite and
//! PostgreSQL. The SQL and row mapping it uses are in the parent module.

/// Implements [`UserStore`](crate::UserStore), [`PermissionChecker`](crate::PermissionChecker),
/// [`SessionStore`](crate::SessionStore) and [`AttemptStore`](crate::AttemptStore) for
/// `$store` over its `pool`, plus the migration step shared by both databases
/// (`apply_migration`, run on a `$conn` under the store's own lock).
macro_rules! sql_store {
    ($store:ty, $conn:ty) => {
        impl $store {
            async fn user_where(&self, sql: &str, value: &str) -> Result<Option<User>, StoreError> {
                let row: Option<sql::UserRow> = sqlx::query_as(sql)
                    .bind(value)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(row.map(sql::user_from_row))
            }

            async fn group_id(&self, name: &str) -> Result<i64, StoreError> {
                sqlx::query(sql::ENSURE_GROUP)
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                sqlx::query_scalar(sql::GROUP_ID)
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(sql::unavailable)
            }

            async fn require_user(&self, id: UserId) -> Result<(), StoreError> {
                let found: Option<i64> = sqlx::query_scalar(sql::USER_EXISTS)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                found.map(|_| ()).ok_or_else(|| StoreError::NotFound {
                    what: format!("user {id}"),
                })
            }

            /// Applies migration `version` on `conn` unless it is recorded as applied; `true`
            /// if it ran. The caller holds the lock and the transaction around it.
            async fn apply_migration(
                conn: &mut $conn,
                version: i64,
                name: &str,
                schema: &'static str,
            ) -> Result<bool, sqlx::Error> {
                let applied: Option<i64> = sqlx::query_scalar(sql::MIGRATION_APPLIED)
                    .bind(version)
                    .fetch_optional(&mut *conn)
                    .await?;
                if applied.is_some() {
                    return Ok(false);
                }
                sqlx::raw_sql(schema).execute(&mut *conn).await?;
                if version == sql::REKEY_MIGRATION {
                    Self::rekey_users(conn).await?;
                }
                sqlx::query(sql::RECORD_MIGRATION)
                    .bind(version)
                    .bind(name)
                    .bind(sql::ts(OffsetDateTime::now_utc()))
                    .execute(&mut *conn)
                    .await?;
                Ok(true)
            }

            /// Recomputes the username and email keys of existing rows, in two passes so that
            /// no intermediate state breaks the unique indexes.
            async fn rekey_users(conn: &mut $conn) -> Result<(), sqlx::Error> {
                let rows: Vec<(i64, String, String, String, Option<String>)> =
                    sqlx::query_as(sql::REKEY_SELECT)
                        .fetch_all(&mut *conn)
                        .await?;
                let plan = crate::names::rekey_plan(rows);
                for (id, _, _) in &plan {
                    sqlx::query(sql::REKEY_PARK)
                        .bind(format!("\u{FFFF}rekey:{id}"))
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                for (id, username_key, email_key) in &plan {
                    sqlx::query(sql::REKEY_SET)
                        .bind(username_key)
                        .bind(email_key)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl UserStore for $store {
            async fn get_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
                if let Some(found) = self.fast_user(id) {
                    return Ok(found);
                }
                let row: Option<sql::UserRow> = sqlx::query_as(sql::USER_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(row.map(sql::user_from_row))
            }

            fn get_user_now(
                &self,
                id: UserId,
            ) -> Option<Result<Option<std::sync::Arc<User>>, StoreError>> {
                self.fast_user(id).map(|u| Ok(u.map(std::sync::Arc::new)))
            }

            async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
                self.user_where(sql::USER_BY_USERNAME_KEY, &fold_case(username))
                    .await
            }

            async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
                if email.is_empty() {
                    return Ok(None);
                }
                self.user_where(sql::USER_BY_EMAIL_KEY, &fold_case(email))
                    .await
            }

            async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
                let now = sql::ts(OffsetDateTime::now_utc());
                let id: i64 = sqlx::query_scalar(sql::INSERT_USER)
                    .bind(&new.username)
                    .bind(fold_case(&new.username))
                    .bind(&new.email)
                    .bind(sql::email_key(&new.email))
                    .bind(&new.password_hash)
                    .bind(new.is_active)
                    .bind(new.is_staff)
                    .bind(new.is_superuser)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(User {
                    id,
                    username: new.username,
                    email: new.email,
                    password_hash: new.password_hash,
                    is_active: new.is_active,
                    is_staff: new.is_staff,
                    is_superuser: new.is_superuser,
                    last_login: None,
                    date_joined: sql::from_ts(now),
                })
            }

            async fn update_user(&self, user: &User) -> Result<(), StoreError> {
                let done = sqlx::query(sql::UPDATE_USER)
                    .bind(&user.username)
                    .bind(fold_case(&user.username))
                    .bind(&user.email)
                    .bind(sql::email_key(&user.email))
                    .bind(&user.password_hash)
                    .bind(user.is_active)
                    .bind(user.is_staff)
                    .bind(user.is_superuser)
                    .bind(user.last_login.map(sql::ts))
                    .bind(user.id)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("user {}", user.id),
                    });
                }
                Ok(())
            }

            async fn set_password_hash(&self, id: UserId, encoded: &str) -> Result<(), StoreError> {
                let done = sqlx::query(sql::SET_PASSWORD_HASH)
                    .bind(encoded)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound {
                        what: format!("user {id}"),
                    });
                }
                Ok(())
            }

            async fn set_last_login(
                &self,
                id: UserId,
                at: OffsetDateTime,
            ) -> Result<(), StoreError> {
                sqlx::query(sql::SET_LAST_LOGIN)
                    .bind(sql::ts(at))
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }
        }

        #[async_trait]
        impl PermissionChecker for $store {
            async fn grants(&self, user_id: UserId) -> Result<Grants, StoreError> {
                if let Some(g) = self.fast_grants(user_id) {
                    return Ok(g);
                }
                let perms: Vec<String> = sqlx::query_scalar(sql::GRANTS_PERMS)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                let groups: Vec<String> = sqlx::query_scalar(sql::GRANTS_GROUPS)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(Grants {
                    permissions: perms.into_iter().collect(),
                    groups,
                })
            }

            async fn ensure_group(&self, name: &str) -> Result<Group, StoreError> {
                let id = self.group_id(name).await?;
                Ok(Group {
                    id,
                    name: name.to_owned(),
                })
            }

            async fn add_user_to_group(
                &self,
                user_id: UserId,
                group: &str,
            ) -> Result<(), StoreError> {
                self.require_user(user_id).await?;
                let gid = self.group_id(group).await?;
                sqlx::query(sql::ADD_TO_GROUP)
                    .bind(user_id)
                    .bind(gid)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn remove_user_from_group(
                &self,
                user_id: UserId,
                group: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(sql::REMOVE_FROM_GROUP)
                    .bind(user_id)
                    .bind(group)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn grant_user_permission(
                &self,
                user_id: UserId,
                perm: &Permission,
            ) -> Result<(), StoreError> {
                self.require_user(user_id).await?;
                sqlx::query(sql::GRANT_USER)
                    .bind(user_id)
                    .bind(perm.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn revoke_user_permission(
                &self,
                user_id: UserId,
                perm: &Permission,
            ) -> Result<(), StoreError> {
                sqlx::query(sql::REVOKE_USER)
                    .bind(user_id)
                    .bind(perm.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn grant_group_permission(
                &self,
                group: &str,
                perm: &Permission,
            ) -> Result<(), StoreError> {
                let gid = self.group_id(group).await?;
                sqlx::query(sql::GRANT_GROUP)
                    .bind(gid)
                    .bind(perm.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn load(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
                let now = crate::session::now_unix();
                let row = match self.fast_session(id, now) {
                    Some(row) => row,
                    None => sqlx::query_as::<_, sql::SessionRow>(sql::SESSION_BY_ID)
                        .bind(id.as_str())
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(sql::unavailable)?,
                };
                row.map(|r| sql::session_from_row(id, r)).transpose()
            }

            fn load_now(
                &self,
                id: &SessionId,
            ) -> Option<Result<Option<SessionRecord>, StoreError>> {
                let row = self.fast_session(id, crate::session::now_unix())?;
                Some(row.map(|r| sql::session_from_row(id, r)).transpose())
            }

            async fn save(&self, r: &SessionRecord) -> Result<(), StoreError> {
                let data = serde_json::to_string(&r.data)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query(sql::SAVE_SESSION)
                    .bind(r.id.as_str())
                    .bind(r.user_id)
                    .bind(r.auth_hash.map(|h| h.to_hex()))
                    .bind(data)
                    .bind(r.created_at)
                    .bind(r.last_seen)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
                sqlx::query(sql::DELETE_SESSION)
                    .bind(id.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn delete_user_sessions(
                &self,
                user_id: UserId,
                keep: Option<&SessionId>,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(sql::DELETE_USER_SESSIONS)
                    .bind(user_id)
                    .bind(keep.map_or("", |k| k.as_str()))
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(done.rows_affected())
            }

            async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                let done = sqlx::query(sql::DELETE_EXPIRED)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl AttemptStore for $store {
            async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
                let n: i32 = sqlx::query_scalar(sql::RECORD_FAILURE)
                    .bind(key)
                    .bind(crate::session::now_unix())
                    .bind(window_secs as i64)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(n.max(0) as u32)
            }

            async fn failures(&self, key: &str) -> Result<u32, StoreError> {
                let n: Option<i32> = sqlx::query_scalar(sql::FAILURES)
                    .bind(key)
                    .bind(crate::session::now_unix())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(n.unwrap_or(0).max(0) as u32)
            }

            async fn release(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query(sql::RELEASE_FAILURE)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(())
            }

            async fn clear(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query(sql::CLEAR_FAILURES)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_store;
