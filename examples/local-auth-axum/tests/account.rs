//! Account self-service against this binary as a real process, on the in-memory stores,
//! SQLite, PostgreSQL, and PostgreSQL with sessions in Redis: remember me, change password,
//! your sessions (`tests/support/account.rs`), and email verification, change of address and
//! deleting the account (`tests/support/account_email.rs`), on the pages and the JSON API.

use auth_tests::account::{Stores, on_example};
use auth_tests::account_email;

const BIN: &str = env!("CARGO_BIN_EXE_local-auth-axum");

macro_rules! account {
    ($($name:ident: $stores:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let stores = Stores::$stores;
            on_example(BIN, stores, |site, user, other| async move {
                account_email::every_account_page(&site, &user, &other).await;
            })
            .await;
        }
    )*};
}

account!(
    account_pages_on_memory: Memory,
    account_pages_on_sqlite: Sqlite,
    account_pages_on_postgres: Postgres,
    account_pages_on_postgres_and_redis: PostgresAndRedis,
);
