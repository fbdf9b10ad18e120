//! `sql_store!`: the storage traits for a store over an sqlx pool, written once for SQLite and
//! PostgreSQL. The SQL and row mapping it uses are in the parent module.

/// Implements [`UserStore`](auth_core::UserStore), [`PermissionChecker`](auth_core::PermissionChecker),
/// [`SessionStore`](auth_core::SessionStore) and [`AttemptStore`](auth_core::store::AttemptStore) for
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
                sqlx::query(&*self.q.ENSURE_GROUP)
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                sqlx::query_scalar(&*self.q.GROUP_ID)
                    .bind(name)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(sql::unavailable)
            }

            /// The integer key of an existing user, or [`StoreError::NotFound`].
            async fn require_user(&self, id: &UserId) -> Result<i64, StoreError> {
                let not_found = || StoreError::NotFound {
                    what: format!("user {id}"),
                };
                let key = sql::int_id(id).ok_or_else(not_found)?;
                let found: Option<i64> = sqlx::query_scalar(&*self.q.USER_EXISTS)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                found.ok_or_else(not_found)
            }

            /// Runs `sql` (an insert-or-replace or an update of one session, `$1` to `$7` in
            /// [`sql::SAVE_SESSION`]'s order); the rows it changed.
            async fn write_session(&self, sql: &str, r: &SessionRecord) -> Result<u64, StoreError> {
                let data = serde_json::to_string(&auth_core::session::meta::data_with_meta(r))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let done = sqlx::query(sql)
                    .bind(r.id.as_str())
                    .bind(r.user_id.as_ref().map(UserId::to_key))
                    .bind(r.auth_hash.map(|h| h.to_hex()))
                    .bind(data)
                    .bind(r.created_at)
                    .bind(r.last_seen)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(done.rows_affected())
            }

            /// Applies migration `version` on `conn` unless it is recorded as applied; `true`
            /// if it ran. The caller holds the lock and the transaction around it.
            async fn apply_migration(
                q: &sql::Queries,
                conn: &mut $conn,
                version: i64,
                name: &str,
                schema: &str,
            ) -> Result<bool, sqlx::Error> {
                let applied: Option<i64> = sqlx::query_scalar(&*q.MIGRATION_APPLIED)
                    .bind(version)
                    .fetch_optional(&mut *conn)
                    .await?;
                if applied.is_some() {
                    return Ok(false);
                }
                sqlx::raw_sql(&sql::with_prefix(schema, q.prefix()))
                    .execute(&mut *conn)
                    .await?;
                if version == sql::REKEY_MIGRATION {
                    Self::rekey_users(q, conn).await?;
                }
                sqlx::query(&*q.RECORD_MIGRATION)
                    .bind(version)
                    .bind(name)
                    .bind(sql::ts(OffsetDateTime::now_utc()))
                    .execute(&mut *conn)
                    .await?;
                Ok(true)
            }

            /// Recomputes the username and email keys of existing rows, in two passes so that
            /// no intermediate state breaks the unique indexes.
            async fn rekey_users(q: &sql::Queries, conn: &mut $conn) -> Result<(), sqlx::Error> {
                let rows: Vec<(i64, String, String, String, Option<String>)> =
                    sqlx::query_as(&*q.REKEY_SELECT)
                        .fetch_all(&mut *conn)
                        .await?;
                let plan = auth_core::names::rekey_plan(rows);
                for (id, _, _) in &plan {
                    sqlx::query(&*q.REKEY_PARK)
                        .bind(format!("\u{FFFF}rekey:{id}"))
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
                for (id, username_key, email_key) in &plan {
                    sqlx::query(&*q.REKEY_SET)
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
            async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
                let Some(id) = sql::int_id(id) else {
                    return Ok(None);
                };
                if let Some(found) = self.fast_user(id) {
                    return Ok(found);
                }
                let row: Option<sql::UserRow> = sqlx::query_as(&*self.q.USER_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(row.map(sql::user_from_row))
            }

            fn get_user_now(
                &self,
                id: &UserId,
            ) -> Option<Result<Option<std::sync::Arc<User>>, StoreError>> {
                let Some(id) = sql::int_id(id) else {
                    return Some(Ok(None));
                };
                self.fast_user(id).map(|u| Ok(u.map(std::sync::Arc::new)))
            }

            async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
                self.user_where(&*self.q.USER_BY_USERNAME_KEY, &fold_case(username))
                    .await
            }

            async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
                if email.is_empty() {
                    return Ok(None);
                }
                self.user_where(&*self.q.USER_BY_EMAIL_KEY, &fold_case(email))
                    .await
            }

            fn is_writable(&self) -> bool {
                true
            }

            async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
                let now = sql::ts(OffsetDateTime::now_utc());
                let id: i64 = sqlx::query_scalar(&*self.q.INSERT_USER)
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
                let mut user = User::new(id, new.username);
                user.email = new.email;
                user.password_hash = new.password_hash;
                user.is_active = new.is_active;
                user.is_staff = new.is_staff;
                user.is_superuser = new.is_superuser;
                user.date_joined = sql::from_ts(now);
                Ok(user)
            }

            async fn update_user(&self, user: &User) -> Result<(), StoreError> {
                let Some(id) = sql::int_id(&user.id) else {
                    return Err(StoreError::NotFound {
                        what: format!("user {}", user.id),
                    });
                };
                let done = sqlx::query(&*self.q.UPDATE_USER)
                    .bind(&user.username)
                    .bind(fold_case(&user.username))
                    .bind(&user.email)
                    .bind(sql::email_key(&user.email))
                    .bind(&user.password_hash)
                    .bind(user.is_active)
                    .bind(user.is_staff)
                    .bind(user.is_superuser)
                    .bind(user.last_login.map(sql::ts))
                    .bind(id)
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

            async fn set_password_hash(
                &self,
                id: &UserId,
                encoded: &str,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(&*self.q.SET_PASSWORD_HASH)
                    .bind(encoded)
                    .bind(sql::int_id(id))
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
                id: &UserId,
                at: OffsetDateTime,
            ) -> Result<(), StoreError> {
                sqlx::query(&*self.q.SET_LAST_LOGIN)
                    .bind(sql::ts(at))
                    .bind(sql::int_id(id))
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn email_unverified(&self, id: &UserId) -> Result<bool, StoreError> {
                self.sql_email_unverified(id).await
            }

            async fn set_email_unverified(
                &self,
                id: &UserId,
                unverified: bool,
            ) -> Result<bool, StoreError> {
                self.sql_set_email_unverified(id, unverified).await
            }

            async fn change_email(
                &self,
                id: &UserId,
                from: &str,
                to: &str,
            ) -> Result<bool, StoreError> {
                self.sql_change_email(id, from, to).await
            }

            async fn delete_user(&self, id: &UserId) -> Result<bool, StoreError> {
                self.sql_delete_user(id).await
            }
        }

        #[async_trait]
        impl PermissionChecker for $store {
            async fn grants(&self, user_id: &UserId) -> Result<Grants, StoreError> {
                let Some(user_id) = sql::int_id(user_id) else {
                    return Ok(Grants::default());
                };
                if let Some(g) = self.fast_grants(user_id) {
                    return Ok(g);
                }
                let perms: Vec<String> = sqlx::query_scalar(&*self.q.GRANTS_PERMS)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                let groups: Vec<String> = sqlx::query_scalar(&*self.q.GRANTS_GROUPS)
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
                user_id: &UserId,
                group: &str,
            ) -> Result<(), StoreError> {
                let user_id = self.require_user(user_id).await?;
                let gid = self.group_id(group).await?;
                sqlx::query(&*self.q.ADD_TO_GROUP)
                    .bind(user_id)
                    .bind(gid)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn remove_user_from_group(
                &self,
                user_id: &UserId,
                group: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(&*self.q.REMOVE_FROM_GROUP)
                    .bind(sql::int_id(user_id))
                    .bind(group)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn grant_user_permission(
                &self,
                user_id: &UserId,
                perm: &Permission,
            ) -> Result<(), StoreError> {
                let user_id = self.require_user(user_id).await?;
                sqlx::query(&*self.q.GRANT_USER)
                    .bind(user_id)
                    .bind(perm.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn revoke_user_permission(
                &self,
                user_id: &UserId,
                perm: &Permission,
            ) -> Result<(), StoreError> {
                sqlx::query(&*self.q.REVOKE_USER)
                    .bind(sql::int_id(user_id))
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
                sqlx::query(&*self.q.GRANT_GROUP)
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
                let now = auth_core::session::now_unix();
                let row = match self.fast_session(id, now) {
                    Some(row) => row,
                    None => sqlx::query_as::<_, sql::SessionRow>(&*self.q.SESSION_BY_ID)
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
                let row = self.fast_session(id, auth_core::session::now_unix())?;
                Some(row.map(|r| sql::session_from_row(id, r)).transpose())
            }

            async fn save(&self, r: &SessionRecord) -> Result<(), StoreError> {
                self.write_session(&self.q.SAVE_SESSION, r).await.map(drop)
            }

            async fn update(&self, r: &SessionRecord) -> Result<bool, StoreError> {
                Ok(self.write_session(&self.q.UPDATE_SESSION, r).await? > 0)
            }

            async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
                sqlx::query(&*self.q.DELETE_SESSION)
                    .bind(id.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(())
            }

            async fn user_sessions(
                &self,
                user_id: &UserId,
            ) -> Result<Vec<SessionRecord>, StoreError> {
                let rows: Vec<(
                    String,
                    Option<String>,
                    Option<String>,
                    String,
                    i64,
                    i64,
                    i64,
                )> = sqlx::query_as(&*self.q.USER_SESSIONS)
                    .bind(user_id.to_key())
                    .bind(auth_core::session::now_unix())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                let mut out = Vec::with_capacity(rows.len());
                for (id, user, hash, data, created, seen, expires) in rows {
                    let Ok(id) = SessionId::parse(&id) else {
                        tracing::warn!("a stored session has a malformed id; not listed");
                        continue;
                    };
                    out.push(sql::session_from_row(
                        &id,
                        (user, hash, data, created, seen, expires),
                    )?);
                }
                Ok(out)
            }

            async fn delete_user_sessions(
                &self,
                user_id: &UserId,
                keep: Option<&SessionId>,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query(&*self.q.DELETE_USER_SESSIONS)
                    .bind(user_id.to_key())
                    .bind(keep.map_or("", |k| k.as_str()))
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(done.rows_affected())
            }

            async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                let done = sqlx::query(&*self.q.DELETE_EXPIRED)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::map_write)?;
                Ok(done.rows_affected())
            }
        }

        $crate::sql::attempts::sql_attempts!($store);
        $crate::sql::accounts::sql_accounts!($store);
    };
}

pub(crate) use sql_store;
