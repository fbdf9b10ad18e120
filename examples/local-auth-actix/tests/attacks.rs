//! The second security review's findings (`tests/support/attacks.rs`) against this binary,
//! started as a real process on a free port with its own SQLite file.

use auth_tests::attacks;
use auth_tests::server::Server;

const BIN: &str = env!("CARGO_BIN_EXE_local-auth-actix");

macro_rules! attack {
    ($($name:ident $(with $env:expr)?),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let env: &[(&str, &str)] = [$($env,)? &[]][0];
            let server = Server::start_with(BIN, env).await;
            attacks::$name(&server).await;
        }
    )*};
}

attack!(
    cross_origin_posts_are_refused,
    cross_site_websockets_are_refused_and_logout_closes_them,
    parallel_wrong_passwords_meet_the_lockout with attacks::PROXY_ENV,
    lookalike_usernames_are_one_account,
    usernames_cannot_be_addresses with attacks::EMAIL_LOGIN_ENV,
    hardening,
    allowed_hosts_and_throttles with attacks::LIMITS_ENV,
);

#[tokio::test]
async fn production_mode_refuses_unsafe_settings() {
    attacks::production_mode_refuses_unsafe_settings(BIN).await;
}
