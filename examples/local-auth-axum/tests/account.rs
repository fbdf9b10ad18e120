//! Account self-service against this binary as a real process, on the in-memory stores,
//! SQLite, PostgreSQL, and PostgreSQL with sessions in Redis: remember me, change password,
//! your sessions (`tests/support/account.rs`), and email verification, change of address and
//! deleting the account (`tests/support/account_email.rs`), on the pages and the JSON API.

use auth_tests::account::{self, Stores, fresh_name, on_example};
use auth_tests::account_email;

const BIN: &str = env!("CARGO_BIN_EXE_local-auth-axum");

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
                account_email::email_verification(&site, &fresh_name("verif")).await;
                let (mover, leaver, api_leaver) =
                    (fresh_name("mover"), fresh_name("leaver"), fresh_name("apileaver"));
                for name in [&mover, &leaver, &api_leaver] {
                    account_email::register_verified(&site, name).await;
                }
                account_email::email_change(&site, &mover, &other).await;
                account_email::account_delete(&site, &leaver).await;
                account_email::account_delete_json(&site, &api_leaver).await;
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
