//! This app beside a real Django 5.2 (from PyPI, in a virtualenv) on one database, SQLite and
//! PostgreSQL: `AUTH_SCHEMA=django` (see `tests/support/django.rs`).

use auth_tests::django::{self, DjangoDb};

const BIN: &str = env!("CARGO_BIN_EXE_local-auth-actix");

#[tokio::test]
async fn beside_django_on_sqlite() {
    django::interop(BIN, DjangoDb::sqlite()).await;
}

#[tokio::test]
async fn beside_django_on_postgres() {
    let Some(db) = DjangoDb::postgres().await else {
        return;
    };
    django::interop(BIN, db).await;
}

#[tokio::test]
async fn refuses_a_database_django_has_not_migrated() {
    django::refuses_an_unmigrated_database(BIN).await;
}
