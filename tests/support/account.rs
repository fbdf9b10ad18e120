//! Account self-service over real HTTP, on any app that mounts the built-in pages with
//! `password_change_enabled`, `sessions_page_enabled` and `remember_me_enabled` (the example
//! apps, or an in-process server on the memory store): remember me, change password, your
//! sessions, and their JSON endpoints. Each scenario gets the site and a user that exists
//! with password [`PW`]; the sessions scenario also a second user.

use std::collections::BTreeMap;

use crate::blackbox::{PW, api_csrf};
use crate::server::{Browser, Page};

/// Where the app listens.
#[derive(Clone, Debug)]
pub struct Site {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Where the app writes its mail (one `.eml` file each).
    pub mail_dir: std::path::PathBuf,
}

impl From<&crate::server::Server> for Site {
    fn from(s: &crate::server::Server) -> Self {
        Site {
            base: s.base.clone(),
            addr: s.addr.clone(),
            mail_dir: s.mail_dir(),
        }
    }
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

fn browser(site: &Site, user_agent: &str) -> Browser {
    let mut b = Browser::at(&site.base, &site.addr);
    b.headers.push(("user-agent".into(), user_agent.into()));
    b
}

/// The session cookie a response set.
fn session_cookie(page: &Page) -> String {
    page.all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("sessionid="))
        .unwrap_or_else(|| panic!("no session cookie: {:?}", page.headers))
        .to_owned()
}

/// The login form filled in, as a browser would send it with the box checked or not.
async fn login_form(b: &mut Browser, user: &str, remember: bool) -> BTreeMap<String, String> {
    let page = b.visit("/login").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("name=\"remember_me\"") && page.body.contains("checked"),
        "the login form offers remember me, checked by default: {}",
        page.body
    );
    let mut f = page.form_fields();
    f.insert("username".into(), user.into());
    f.insert("password".into(), PW.into());
    if !remember {
        // An unchecked box is not sent at all.
        f.remove("remember_me");
    }
    f
}

/// Remember me: unchecked gives a cookie without `Max-Age` whose server session still
/// works and ends on logout; checked (or not sent by a client never asked) gives the
/// persistent cookie; the JSON login takes `remember_me` too.
pub async fn remember_me(site: &Site, user: &str) {
    let mut b = browser(site, FIREFOX);
    let f = login_form(&mut b, user, false).await;
    let r = b.post_form("/login", &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = session_cookie(&r);
    assert!(
        !cookie.contains("Max-Age"),
        "a browser-session cookie: {cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert_eq!(b.get("/protected").await.status, 200);
    let sessions = b.visit("/sessions").await;
    assert!(
        sessions.body.contains("until the browser closes"),
        "{}",
        sessions.body
    );

    let mut b = browser(site, FIREFOX);
    let f = login_form(&mut b, user, true).await;
    let cookie = session_cookie(&b.post_form("/login", &f).await);
    assert!(cookie.contains("Max-Age=6048"), "persistent: {cookie}");

    // A client that never saw the box (no `remember_me_shown`): the configured default.
    let mut b = browser(site, FIREFOX);
    let mut f = login_form(&mut b, user, false).await;
    f.remove("remember_me_shown");
    let cookie = session_cookie(&b.post_form("/login", &f).await);
    assert!(
        cookie.contains("Max-Age="),
        "default is remembered: {cookie}"
    );

    // The JSON API.
    for (remember, persistent) in [(false, false), (true, true)] {
        let mut api = browser(site, "curl/8.5.0");
        let token = api_csrf(&mut api).await;
        let body = serde_json::json!({"username": user, "password": PW, "remember_me": remember});
        let r = api
            .request(
                "POST",
                "/api/auth/login",
                Some("application/json"),
                body.to_string().into_bytes(),
                &[("x-csrftoken", &token)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            session_cookie(&r).contains("Max-Age"),
            persistent,
            "remember_me {remember}"
        );
    }
}

/// The change-password page: login required, CSRF, the current password checked (and
/// throttled), validators, the session kept under a new id, other sessions ended, the new
/// password in force.
pub async fn password_change(site: &Site, user: &str, new_password: &str) {
    let mut anon = browser(site, FIREFOX);
    let r = anon.get("/password-change").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=/password-change"));

    let mut a = browser(site, FIREFOX);
    let mut other = browser(site, IPHONE);
    a.login(user, PW).await;
    other.login(user, PW).await;
    let before = a.session().unwrap();

    let page = a.visit("/password-change").await;
    assert_eq!(page.status, 200);
    for name in ["old_password", "new_password", "confirm_password"] {
        assert!(page.body.contains(&format!("name=\"{name}\"")), "{name}");
    }
    // Without the CSRF token: refused, nothing changes.
    let mut f = page.form_fields();
    f.insert("old_password".into(), PW.into());
    f.insert("new_password".into(), new_password.into());
    f.insert("confirm_password".into(), new_password.into());
    let mut no_token = f.clone();
    no_token.remove("csrf_token");
    assert_eq!(a.post_form("/password-change", &no_token).await.status, 403);

    let wrong = a
        .submit(
            "/password-change",
            &[
                ("old_password", "not my password"),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains("old password was entered incorrectly"),
        "{}",
        wrong.body
    );
    let weak = a
        .submit(
            "/password-change",
            &[
                ("old_password", PW),
                ("new_password", "12345678"),
                ("confirm_password", "12345678"),
            ],
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(weak.body.contains("too common") || weak.body.contains("entirely numeric"));
    let mismatch = a
        .submit(
            "/password-change",
            &[
                ("old_password", PW),
                ("new_password", new_password),
                ("confirm_password", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert_eq!(
        other.get("/protected").await.status,
        200,
        "nothing changed yet"
    );

    let ok = a
        .submit(
            "/password-change",
            &[
                ("old_password", PW),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location(), Some("/password-change"));
    let after = a.session().unwrap();
    assert_ne!(before, after, "the session continues under a new id");
    let done = a.follow(ok).await;
    assert!(
        done.body.contains("Your password was changed"),
        "{}",
        done.body
    );
    assert_eq!(a.get("/protected").await.status, 200, "still logged in");
    assert_eq!(
        other.get("/protected").await.status,
        303,
        "other sessions ended"
    );

    // The old id is dead; the old password no longer logs in; the new one does.
    let mut replay = browser(site, FIREFOX);
    replay.jar.insert("sessionid".into(), before);
    assert_eq!(replay.get("/protected").await.status, 303);
    let mut c = browser(site, FIREFOX);
    let f = login_form(&mut c, user, true).await;
    assert_eq!(
        c.post_form("/login", &f).await.status,
        200,
        "old password refused"
    );
    c.login(user, new_password).await;
    assert_eq!(c.get("/protected").await.status, 200);
}

/// The handles of the sessions listed on a sessions page, in order.
fn handles(page: &Page) -> Vec<String> {
    page.body
        .split("name=\"session\" value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

fn csrf(page: &Page) -> String {
    page.form_fields()["csrf_token"].clone()
}

/// Your sessions: every live session of the user with its device and address, this one
/// marked; end one (the others stay), end every other one, a forged or another user's
/// handle ends nothing; the same over the JSON API.
pub async fn sessions_page(site: &Site, user: &str, someone_else: &str) {
    let r = browser(site, FIREFOX).get("/sessions").await;
    assert_eq!(r.status, 303);
    let mut a = browser(site, FIREFOX);
    let mut phone = browser(site, IPHONE);
    let mut script = browser(site, "curl/8.5.0");
    a.login(user, PW).await;
    phone.login(user, PW).await;
    script.login(user, PW).await;
    let mut stranger = browser(site, FIREFOX);
    stranger.login(someone_else, PW).await;

    let page = a.visit("/sessions").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.h1(), "Your sessions");
    assert!(page.body.contains("Firefox on Linux"), "{}", page.body);
    assert!(page.body.contains("Safari on iPhone"));
    assert!(page.body.contains("curl"));
    assert!(page.body.contains("127.0.0.1"), "the address is shown");
    assert!(page.body.contains("This device"));
    assert!(
        !page.body.contains(&a.session().unwrap()),
        "ids are never shown"
    );
    let listed = handles(&page);
    assert_eq!(listed.len(), 2, "an end button for each other session");

    // The stranger cannot end the user's sessions with their handles.
    let theirs = stranger.visit("/sessions").await;
    assert_eq!(
        handles(&theirs),
        Vec::<String>::new(),
        "only their own session"
    );
    // Their CSRF token, from a page with a form.
    let theirs = stranger.visit("/password-change").await;
    let mut f = BTreeMap::new();
    f.insert("csrf_token".to_string(), csrf(&theirs));
    f.insert("action".to_string(), "end".to_string());
    f.insert("session".to_string(), listed[0].clone());
    assert_eq!(stranger.post_form("/sessions", &f).await.status, 404);
    f.insert("session".to_string(), "0".repeat(24));
    assert_eq!(stranger.post_form("/sessions", &f).await.status, 404);
    assert_eq!(phone.get("/protected").await.status, 200);
    assert_eq!(script.get("/protected").await.status, 200);

    // Ending one: the phone's (found by its device line).
    let phone_handle = listed
        .iter()
        .find(|h| {
            let at = page.body.find(h.as_str()).unwrap();
            let li = page.body[..at].rfind("<li").unwrap();
            page.body[li..at].contains("iPhone")
        })
        .unwrap()
        .clone();
    let mut f = BTreeMap::new();
    f.insert("csrf_token".to_string(), csrf(&page));
    f.insert("action".to_string(), "end".to_string());
    f.insert("session".to_string(), phone_handle.clone());
    let mut no_token = f.clone();
    no_token.remove("csrf_token");
    assert_eq!(a.post_form("/sessions", &no_token).await.status, 403);
    let r = a.post_form("/sessions", &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = a.follow(r).await;
    assert!(
        after.body.contains("The session was ended"),
        "{}",
        after.body
    );
    assert_eq!(
        phone.get("/protected").await.status,
        303,
        "the phone is logged out"
    );
    assert_eq!(
        script.get("/protected").await.status,
        200,
        "the others stay"
    );
    assert_eq!(handles(&after).len(), 1);
    // Ending it again: gone.
    assert_eq!(a.post_form("/sessions", &f).await.status, 404);

    // The JSON API lists the same and ends every other one.
    let mut api = browser(site, FIREFOX);
    api.jar = a.jar.clone();
    let list = api.get("/api/auth/sessions").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let doc = list.json();
    let sessions = doc["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["current"], true);
    assert_eq!(sessions[0]["device"], "Firefox on Linux");
    assert!(sessions.iter().all(|s| s.get("id").is_none()));
    let token = api_csrf(&mut api).await;
    let end = |body: serde_json::Value| body.to_string().into_bytes();
    let r = api
        .request(
            "POST",
            "/api/auth/sessions/end",
            Some("application/json"),
            end(serde_json::json!({"handle": "f".repeat(24)})),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = api
        .request(
            "POST",
            "/api/auth/sessions/end",
            Some("application/json"),
            end(serde_json::json!({"others": true})),
            &[],
        )
        .await;
    assert_eq!(r.status, 403, "no CSRF token");
    let r = api
        .request(
            "POST",
            "/api/auth/sessions/end",
            Some("application/json"),
            end(serde_json::json!({"others": true})),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ended"], 1);
    assert_eq!(script.get("/protected").await.status, 303);
    assert_eq!(a.get("/protected").await.status, 200, "this one stays");
    assert_eq!(
        stranger.get("/protected").await.status,
        200,
        "nobody else's"
    );
    let anon = browser(site, FIREFOX).get("/api/auth/sessions").await;
    assert_eq!(anon.status, 401);
}

/// `POST /api/auth/password-change`: 401 anonymous, 403 without the token, 400 with the
/// field errors, 200 and the new password in force.
pub async fn password_change_json(site: &Site, user: &str, new_password: &str) {
    let mut api = browser(site, "curl/8.5.0");
    let token = api_csrf(&mut api).await;
    let body = |old: &str, new: &str| {
        serde_json::json!({"old_password": old, "new_password": new, "confirm_password": new})
            .to_string()
            .into_bytes()
    };
    let post = "/api/auth/password-change";
    let r = api
        .request(
            "POST",
            post,
            Some("application/json"),
            body(PW, new_password),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 401);
    let login = serde_json::json!({"username": user, "password": PW}).to_string();
    let r = api
        .request(
            "POST",
            "/api/auth/login",
            Some("application/json"),
            login.into_bytes(),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = api_csrf(&mut api).await;
    let r = api
        .request(
            "POST",
            post,
            Some("application/json"),
            body(PW, new_password),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = api
        .request(
            "POST",
            post,
            Some("application/json"),
            body("wrong", new_password),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["fields"]["old_password"].is_array(), "{}", r.body);
    let r = api
        .request(
            "POST",
            post,
            Some("application/json"),
            body(PW, new_password),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["changed"], true);
    assert_eq!(api.get("/api/auth/me").await.status, 200, "still logged in");
    let mut b = browser(site, FIREFOX);
    b.login(user, new_password).await;
}

/// Where an example app keeps its data in [`on_example`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stores {
    /// The in-memory stores (`DATABASE_URL=memory://`); users are registered over HTTP.
    Memory,
    /// Its own SQLite file (the default set-up).
    Sqlite,
    /// `DATABASE_URL` (PostgreSQL) for users and sessions.
    Postgres,
    /// PostgreSQL for users, `REDIS_URL` for sessions.
    PostgresAndRedis,
}

fn url(var: &str, scheme: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if u.starts_with(scheme) => Some(u),
        _ => {
            eprintln!("SKIPPED: set {var}={scheme}://... to run this test (.ci/run does)");
            None
        }
    }
}

/// A username no other run has (PostgreSQL and Redis are shared between tests).
pub fn fresh_name(prefix: &str) -> String {
    let id = auth_core::SessionId::generate();
    let tail: String = id
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();
    format!("{prefix}{}", tail.to_lowercase())
}

/// Starts example `bin` over `stores` (skipping, and saying so, when the database is not
/// configured) with two fresh users with password [`PW`], and runs `scenario` on it. The app
/// runs with every account page on, `AUTH_REQUIRE_EMAIL_VERIFICATION=true` and
/// `AUTH_LOGIN_FIELDS=username,email` (what [`crate::account_email`] expects).
pub async fn on_example<F, Fut>(bin: &str, stores: Stores, scenario: F)
where
    F: FnOnce(Site, String, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut env: Vec<(&str, String)> = vec![
        ("AUTH_REQUIRE_EMAIL_VERIFICATION", "true".into()),
        ("AUTH_LOGIN_FIELDS", "username,email".into()),
        // Every test registers from 127.0.0.1, and PostgreSQL and Redis keep the per-client
        // counters between tests and runs; the limits have tests of their own.
        ("AUTH_REGISTRATIONS_PER_CLIENT_PER_HOUR", "100000".into()),
        ("AUTH_PASSWORD_RESETS_PER_CLIENT_PER_HOUR", "100000".into()),
    ];
    if stores == Stores::Memory {
        env.push(("DATABASE_URL", "memory://".into()));
    } else if stores != Stores::Sqlite {
        let Some(pg) = url("DATABASE_URL", "postgres") else {
            return;
        };
        env.push(("DATABASE_URL", pg));
    }
    if stores == Stores::PostgresAndRedis {
        let Some(redis) = url("REDIS_URL", "redis") else {
            return;
        };
        env.push(("SESSION_URL", redis));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = crate::server::Server::start_with(bin, &env).await;
    let site = Site::from(&server);
    let (a, b) = (fresh_name("acct"), fresh_name("other"));
    for name in [&a, &b] {
        if stores == Stores::Memory {
            // The admin command line is another process: it cannot see this one's memory.
            crate::account_email::register_verified(&site, name).await;
        } else {
            crate::blackbox::seed_one(&server, name).await;
        }
    }
    scenario(site, a, b).await;
}
