//! `sql_attempts!`: the [`AttemptStore`](auth_core::store::AttemptStore) of a store over an
//! sqlx pool (the failed-login and rate-limit counters), for SQLite and PostgreSQL.

/// Implements `AttemptStore` for `$store` over its `pool`.
macro_rules! sql_attempts {
    ($store:ty) => {
        #[async_trait]
        impl AttemptStore for $store {
            async fn record_failure(&self, key: &str, window_secs: u64) -> Result<u32, StoreError> {
                let n: i32 = sqlx::query_scalar(&*self.q.RECORD_FAILURE)
                    .bind(key)
                    .bind(auth_core::session::now_unix())
                    .bind(window_secs as i64)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(n.max(0) as u32)
            }

            async fn failures(&self, key: &str) -> Result<u32, StoreError> {
                let n: Option<i32> = sqlx::query_scalar(&*self.q.FAILURES)
                    .bind(key)
                    .bind(auth_core::session::now_unix())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(n.unwrap_or(0).max(0) as u32)
            }

            async fn release(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query(&*self.q.RELEASE_FAILURE)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(())
            }

            async fn clear(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query(&*self.q.CLEAR_FAILURES)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::unavailable)?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_attempts;
