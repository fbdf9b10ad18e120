//! The black-box suite (`tests/support/blackbox.rs`) against this binary, started as a real
//! process on a free port with its own SQLite file.

use auth_tests::blackbox;
use auth_tests::server::Server;

const BIN: &str = env!("CARGO_BIN_EXE_local-auth-axum");

macro_rules! blackbox {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let server = Server::start(BIN).await;
            blackbox::$name(&server).await;
        }
    )*};
}

blackbox!(
    anonymous_access,
    register_then_log_in,
    next_handling,
    same_answer_for_wrong_password_unknown_user_inactive,
    forbidden_for_users_lacking_the_requirement,
    posts_take_form_or_json,
    logout_ends_the_server_session_and_old_cookies_fail,
    password_reset_round_trip,
    password_change_logs_out_other_sessions,
    csrf_and_bad_input,
    guarded_websocket,
    cookies_and_headers,
    json_api,
);

#[tokio::test]
async fn brute_force_lockout() {
    let server = Server::start_with(BIN, blackbox::LOCKOUT_ENV).await;
    blackbox::brute_force_lockout(&server).await;
}

#[tokio::test]
async fn json_api_lockout() {
    let server = Server::start_with(BIN, blackbox::LOCKOUT_ENV).await;
    blackbox::json_api_lockout(&server).await;
}
