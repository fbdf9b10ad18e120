//! The single-page front end in a real headless Chromium: it logs in through the JSON API
//! with the CSRF header, shows the app's own `display_name`, follows `next`, and logs out.
//! Screenshot: `docs/screenshots/byo-users-spa.png`.

// The shared driver; this test uses only part of it.
#[allow(dead_code)]
#[path = "../../../tests/support/browser.rs"]
mod browser;

use auth_tests::server::Server;

const PW: &str = "a long browser password";

async fn wait_text(chrome: &browser::Chrome, css: &str, want: &str) -> String {
    for _ in 0..100 {
        let t = chrome.text(css).await;
        if t.contains(want) {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{css} never showed {want:?}: {}", chrome.source().await);
}

#[tokio::test]
async fn spa_logs_in_with_the_csrf_header_and_shows_display_name() {
    if !browser::available() {
        return;
    }
    let server = Server::start(env!("CARGO_BIN_EXE_byo-users")).await;
    server
        .admin(&[
            "adduser",
            "--email",
            "dee@example.com",
            "--name",
            "Dee Ramos",
            "--tenant",
            "42",
            "--password",
            PW,
        ])
        .await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    let chrome = browser::Chrome::start().await;
    let base = &server.base;

    // A guarded page sends the browser to the front end's login form, with `next`.
    chrome.goto(&format!("{base}/dashboard")).await;
    chrome.wait_url("/?next=/dashboard").await;
    chrome.fill("#email", "dee@example.com").await;
    chrome.fill("#password", "wrong password").await;
    chrome.click("#login").await;
    wait_text(&chrome, "#error", "Please enter a correct").await;

    // The right password: back to the page that asked (`next`), opened by the API's cookie.
    chrome
        .execute_async(
            "document.getElementById('password').value = ''; arguments[arguments.length - 1](0);",
        )
        .await;
    chrome.fill("#password", PW).await;
    chrome.click("#login").await;
    chrome.wait_url("/dashboard").await;
    assert_eq!(chrome.text("#greeting").await, "Welcome, Dee Ramos");

    chrome.goto(&format!("{base}/")).await;
    let hello = wait_text(&chrome, "#hello", "Dee Ramos").await;
    assert_eq!(hello, "Hello Dee Ramos (tenant 42)");
    chrome.screenshot(&shots.join("byo-users-spa.png")).await;

    chrome.click("#logout").await;
    let status = chrome
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            (async () => {
              for (let i = 0; i < 50; i++) {
                const r = await fetch('/api/auth/me');
                if (r.status === 401) { done(401); return; }
                await new Promise((res) => setTimeout(res, 50));
              }
              done(200);
            })();"#,
        )
        .await;
    assert_eq!(status, 401);
    chrome.goto(&format!("{base}/dashboard")).await;
    chrome.wait_url("/?next=/dashboard").await;

    // A hostile `next` is not followed: the front end stays on this site.
    for hostile in [
        "//evil.example/x",
        "/%5Cevil.example",
        "https://evil.example/",
    ] {
        chrome.goto(&format!("{base}/?next={hostile}")).await;
        chrome.fill("#email", "dee@example.com").await;
        chrome.fill("#password", PW).await;
        chrome.click("#login").await;
        wait_text(&chrome, "#hello", "Dee Ramos").await;
        let url = chrome.url().await;
        assert!(url.starts_with(base.as_str()), "{hostile} led to {url}");
        chrome.click("#logout").await;
        wait_text(&chrome, "#login", "Log in").await;
    }
    chrome.quit().await;
}
