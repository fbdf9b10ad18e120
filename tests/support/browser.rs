//! An end-to-end test in a real headless Chromium, driven over WebDriver (chromedriver) with a
//! small client: register, log in, see the protected page, log out; then the account pages
//! (remember me, your sessions, change password, change email, delete account). Screenshots
//! go to `docs/screenshots/`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use auth_tests::deps::{base64, http_body_util, hyper, hyper_util, serde_json};
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use auth_tests::server::Server;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session.
pub struct Chrome {
    driver: tokio::process::Child,
    client: HyperClient<HttpConnector, Full<Bytes>>,
    base: String,
    session: String,
    profile: PathBuf,
}

/// Where chromedriver is, if installed (`CHROMEDRIVER` overrides).
pub fn chromedriver() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMEDRIVER").ok(),
        Some("/usr/bin/chromedriver".into()),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Chrome {
    /// Starts chromedriver and a headless Chromium with the flags this machine needs.
    pub async fn start() -> Chrome {
        let driver_path = chromedriver().expect("chromedriver not found: install chromium-driver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = tokio::process::Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let profile = std::env::temp_dir().join(format!("chrome-profile-{port}"));
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut chrome = Chrome {
            driver,
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
            base,
            session: String::new(),
            profile: profile.clone(),
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display()),
                    "--window-size=1280,900",
                ]
            }
        }}});
        let v = chrome.call("POST", "/session", Some(caps)).await;
        chrome.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        chrome
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let res = tokio::time::timeout(Duration::from_secs(60), self.client.request(req))
            .await
            .expect("webdriver timed out")
            .expect("webdriver request");
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if let Some(err) = v["value"]["error"].as_str() {
            panic!(
                "webdriver {method} {path}: {err}: {}",
                v["value"]["message"]
            );
        }
        v["value"].clone()
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})))
            .await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", &self.s("/url"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    pub async fn source(&self) -> String {
        self.call("GET", &self.s("/source"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                &self.s("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Runs `script` in the page as an async WebDriver script (it calls the last argument with
    /// its result) and returns the result.
    pub async fn execute_async(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/async"),
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            "POST",
            &self.s(&format!("/element/{id}/value")),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            "POST",
            &self.s(&format!("/element/{id}/click")),
            Some(json!({})),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.call("GET", &self.s(&format!("/element/{id}/text")), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The browser's cookie `name` as WebDriver reports it (`expiry` absent for a
    /// browser-session cookie), or `None`.
    pub async fn cookie(&self, name: &str) -> Option<Value> {
        let all = self.call("GET", &self.s("/cookie"), None).await;
        all.as_array()?.iter().find(|c| c["name"] == name).cloned()
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            &self.s("/window/rect"),
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Saves a PNG screenshot.
    pub async fn screenshot(&self, path: &std::path::Path) {
        let b64 = self.call("GET", &self.s("/screenshot"), None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Waits until the current URL's path and query are exactly `path` and the document has
    /// loaded.
    pub async fn wait_url(&self, path: &str) -> String {
        for _ in 0..100 {
            let u = self.url().await;
            let ready = self
                .call(
                    "POST",
                    &self.s("/execute/sync"),
                    Some(json!({"script": "return document.readyState", "args": []})),
                )
                .await;
            let here = u
                .splitn(4, '/')
                .nth(3)
                .map(|p| format!("/{p}"))
                .unwrap_or_default();
            if here == path && ready == "complete" {
                return u;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the browser never reached {path}: it is at {}",
            self.url().await
        );
    }

    pub async fn quit(mut self) {
        let _ = self.call("DELETE", &self.s(""), None).await;
        let _ = self.driver.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether the browser test can run here; in CI it must.
pub fn available() -> bool {
    if chromedriver().is_some() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!(
            "CI is set but chromedriver is missing: .ci/run installs chromium and chromium-driver"
        );
    }
    eprintln!(
        "SKIPPED: the headless-Chromium test needs chromedriver (apt-get install chromium chromium-driver)"
    );
    false
}

/// Register, log in, see the protected page, log out, in a real browser. Screenshots are named
/// `{prefix}-login.png`, `{prefix}-login-phone.png`, `{prefix}-register.png`,
/// `{prefix}-protected.png` in `shots`.
pub async fn register_login_logout(server: &Server, shots: &std::path::Path, prefix: &str) {
    let chrome = Chrome::start().await;
    let base = &server.base;

    chrome.goto(&format!("{base}/protected")).await;
    let url = chrome.wait_url("/login?next=/protected").await;
    assert!(url.contains("/login"));
    chrome
        .screenshot(&shots.join(format!("{prefix}-login.png")))
        .await;
    chrome.resize(390, 844).await;
    chrome
        .screenshot(&shots.join(format!("{prefix}-login-phone.png")))
        .await;
    chrome.resize(1280, 900).await;

    chrome.goto(&format!("{base}/register")).await;
    chrome.fill("input[name=username]", "browser_user").await;
    chrome
        .fill("input[name=email]", "browser@example.com")
        .await;
    chrome
        .fill("input[name=password]", "a long browser password")
        .await;
    chrome
        .fill("input[name=confirm_password]", "a long browser password")
        .await;
    chrome
        .screenshot(&shots.join(format!("{prefix}-register.png")))
        .await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/login").await;
    assert!(chrome.source().await.contains("Your account was created"));

    chrome.goto(&format!("{base}/login?next=/protected")).await;
    chrome.fill("input[name=username]", "browser_user").await;
    chrome
        .fill("input[name=password]", "a long browser password")
        .await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/protected").await;
    assert_eq!(chrome.text("h1").await, "Protected Page for browser_user");
    chrome
        .screenshot(&shots.join(format!("{prefix}-protected.png")))
        .await;
    // The page's own fetch and WebSocket pass the cross-origin check with the headers Chromium
    // really sends (Sec-Fetch-Site, Origin).
    let got = chrome
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            (async () => {
              const r = await fetch('/posts', {method: 'POST',
                headers: {'content-type': 'application/json'},
                body: JSON.stringify({title: 'from the page'})});
              const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws/echo');
              const echoed = await new Promise((res) => {
                ws.onopen = () => ws.send('hi');
                ws.onmessage = (e) => res(e.data);
                ws.onerror = () => res('error');
                setTimeout(() => res('timeout'), 5000);
              });
              ws.close();
              done([r.status, echoed]);
            })();"#,
        )
        .await;
    assert_eq!(got, json!([201, "hi"]), "same-origin fetch and WebSocket");

    chrome.click("form[action='/logout'] button").await;
    chrome.wait_url("/").await;
    chrome.goto(&format!("{base}/protected")).await;
    chrome.wait_url("/login?next=/protected").await;
    chrome.quit().await;
}

/// The account pages in a real browser, for `user` (password `password`, registered and not
/// logged in): log in with remember me unchecked (a cookie without expiry), see this and a
/// second session on the sessions page and end the other, change the password (still logged
/// in), and open the change-email and delete-account pages. Screenshots:
/// `{prefix}-sessions.png`, `{prefix}-password-change.png`, `{prefix}-email-change.png`,
/// `{prefix}-account-delete.png`.
pub async fn account_pages(
    server: &Server,
    shots: &std::path::Path,
    prefix: &str,
    user: &str,
    password: &str,
) {
    let chrome = Chrome::start().await;
    let base = &server.base;

    // Remember me, unchecked: the browser keeps the cookie until it closes.
    chrome.goto(&format!("{base}/login")).await;
    chrome.wait_url("/login").await;
    let checkbox = "input[name=remember_me]";
    let checked = chrome
        .call(
            "POST",
            &chrome.s("/execute/sync"),
            Some(json!({"script": format!("return document.querySelector('{checkbox}').checked"), "args": []})),
        )
        .await;
    assert_eq!(checked, json!(true), "remember me is checked by default");
    chrome.click(checkbox).await;
    chrome.fill("input[name=username]", user).await;
    chrome.fill("input[name=password]", password).await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/").await;
    let cookie = chrome.cookie("sessionid").await.expect("a session cookie");
    assert!(
        cookie.get("expiry").is_none_or(Value::is_null),
        "remember me unchecked gives a browser-session cookie: {cookie}"
    );

    // A second session elsewhere, seen on the sessions page and ended from there.
    let mut phone = auth_tests::server::Browser::new(server);
    phone.headers.push((
        "user-agent".into(),
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1".into(),
    ));
    phone.login(user, password).await;
    assert_eq!(phone.get("/protected").await.status, 200);
    chrome.goto(&format!("{base}/sessions")).await;
    chrome.wait_url("/sessions").await;
    let listed = chrome.text("ul.sessions").await;
    assert!(listed.contains("Chrome"), "this browser: {listed}");
    assert!(listed.contains("iPhone"), "the other session: {listed}");
    chrome
        .screenshot(&shots.join(format!("{prefix}-sessions.png")))
        .await;
    chrome.click("button[value=end_others]").await;
    chrome.wait_url("/sessions").await;
    assert!(!chrome.text("ul.sessions").await.contains("iPhone"));
    assert_eq!(
        phone.get("/protected").await.status,
        303,
        "the other session ended"
    );

    // Change the password; this session stays.
    let new_password = "a changed browser password";
    chrome.goto(&format!("{base}/password-change")).await;
    chrome.wait_url("/password-change").await;
    chrome.fill("input[name=old_password]", password).await;
    chrome.fill("input[name=new_password]", new_password).await;
    chrome
        .fill("input[name=confirm_password]", new_password)
        .await;
    chrome
        .screenshot(&shots.join(format!("{prefix}-password-change.png")))
        .await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/password-change").await;
    assert!(
        chrome.source().await.contains("Your password was changed"),
        "the page says so"
    );
    chrome.goto(&format!("{base}/protected")).await;
    chrome.wait_url("/protected").await;
    let mut check = auth_tests::server::Browser::new(server);
    check.login(user, new_password).await;

    // The change-email and delete-account pages.
    chrome.goto(&format!("{base}/email-change")).await;
    chrome.wait_url("/email-change").await;
    chrome
        .fill("input[name=new_email]", "new-address@example.com")
        .await;
    chrome
        .screenshot(&shots.join(format!("{prefix}-email-change.png")))
        .await;
    chrome.goto(&format!("{base}/account/delete")).await;
    chrome.wait_url("/account/delete").await;
    chrome
        .screenshot(&shots.join(format!("{prefix}-account-delete.png")))
        .await;
    chrome.quit().await;
}

/// Email verification in a real browser, on `server` started with
/// `AUTH_REQUIRE_EMAIL_VERIFICATION=true`: register, try to log in before verifying (the page
/// says so and offers to resend), open the mailed link, press its button, log in. Screenshots:
/// `{prefix}-not-verified.png`, `{prefix}-verify-email.png`.
pub async fn email_verification(server: &Server, shots: &std::path::Path, prefix: &str) {
    let chrome = Chrome::start().await;
    let base = &server.base;
    let (user, password) = ("verifying_user", "a long verifying password");
    chrome.goto(&format!("{base}/register")).await;
    chrome.fill("input[name=username]", user).await;
    chrome
        .fill("input[name=email]", "verifying@example.com")
        .await;
    chrome.fill("input[name=password]", password).await;
    chrome.fill("input[name=confirm_password]", password).await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/login").await;
    assert!(
        chrome.source().await.contains("We have emailed you a link"),
        "the login page says to check the mail"
    );

    chrome.fill("input[name=username]", user).await;
    chrome.fill("input[name=password]", password).await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/login").await;
    let page = chrome.source().await;
    assert!(page.contains("not verified yet"), "{page}");
    assert!(page.contains("Send the link again"), "{page}");
    chrome
        .screenshot(&shots.join(format!("{prefix}-not-verified.png")))
        .await;

    let mut link = None;
    for _ in 0..100 {
        link = server.mails().iter().find_map(|m| {
            m.split_whitespace()
                .find(|w| w.contains("/verify-email/"))
                .map(str::to_owned)
        });
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let link = link.expect("a verification mail");
    let path = link.trim_start_matches(base.as_str()).to_owned();
    chrome.goto(&link).await;
    chrome.wait_url(&path).await;
    assert!(chrome.source().await.contains("Verify my email address"));
    chrome
        .screenshot(&shots.join(format!("{prefix}-verify-email.png")))
        .await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/login").await;
    assert!(chrome.source().await.contains("verified"));
    chrome.fill("input[name=username]", user).await;
    chrome.fill("input[name=password]", password).await;
    chrome.click("button[type=submit]").await;
    chrome.wait_url("/").await;
    chrome.goto(&format!("{base}/protected")).await;
    chrome.wait_url("/protected").await;
    assert_eq!(
        chrome.text("h1").await,
        format!("Protected Page for {user}")
    );
    chrome.quit().await;
}
