//! Register, log in, see the protected page and log out in a real headless Chromium; then
//! remember me, the sessions page, change password, change email and delete account.
//! Screenshots: `docs/screenshots/actix-*.png`.

#[path = "../../../tests/support/browser.rs"]
mod browser;

use auth_tests::server::Server;

#[tokio::test]
async fn register_login_protected_logout_in_chromium() {
    if !browser::available() {
        return;
    }
    let server = Server::start(env!("CARGO_BIN_EXE_local-auth-actix")).await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    browser::register_login_logout(&server, &shots, "actix").await;
    let (user, password) = ("browser_user", "a long browser password");
    browser::account_pages(&server, &shots, "actix", user, password).await;
}

#[tokio::test]
async fn email_verification_in_chromium() {
    if !browser::available() {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_local-auth-actix");
    let server = Server::start_with(bin, &[("AUTH_REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    browser::email_verification(&server, &shots, "actix").await;
}
