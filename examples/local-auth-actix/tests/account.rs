//! Account self-service (`tests/support/account.rs`: remember me, change password, your
//! sessions, and their JSON endpoints) against this binary as a real process, on SQLite,
//! PostgreSQL, and PostgreSQL with sessions in Redis.

use auth_tests::account::{self, Stores, on_example};

const BIN: &str = env!("CARGO_BIN_EXE_local-auth-actix");

macro_rules! account {
    ($($name:ident: $stores:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let stores = Stores::$stores;
            on_example(BIN, stores, |site, user, other| async move {
                // The sessions page first: it counts the user's sessions.
                account::sessions_page(&site, &user, &other).await;
                account::remember_me(&site, &user).await;
                account::password_change(&site, &user, "a brand new passphrase").await;
                account::password_change_json(&site, &other, "another new passphrase").await;
            })
            .await;
        }
    )*};
}

account!(
    account_pages_on_sqlite: Sqlite,
    account_pages_on_postgres: Postgres,
    account_pages_on_postgres_and_redis: PostgresAndRedis,
);
