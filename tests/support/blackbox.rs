//! The black-box suite: the example app started as a real process and driven over HTTP like a
//! browser. Written once; each example app's `tests/blackbox.rs` runs every function here
//! against its own binary.

use std::collections::BTreeMap;

use futures_util::{SinkExt, StreamExt};

use crate::server::{Browser, Page, Server};

pub const PW: &str = "correct horse battery";

/// Creates users through the admin subcommands:
/// - `plain`: nothing special;
/// - `writer`: `blog.publish_post` directly, `shop.view_reports` through group `Analysts`;
/// - `editor`: in `Editors`;
/// - `staffer`: staff; `root`: superuser; `ghost`: inactive.
pub async fn seed(s: &Server) {
    for (name, flags) in [
        ("plain", &[][..]),
        ("writer", &[]),
        ("editor", &[]),
        ("staffer", &["--staff"]),
        ("root", &["--superuser"]),
        ("ghost", &["--inactive"]),
    ] {
        let email = format!("{name}@example.com");
        let mut args = vec![
            "createuser",
            "--username",
            name,
            "--email",
            &email,
            "--password",
            PW,
        ];
        args.extend_from_slice(flags);
        let out = s.admin(&args).await;
        assert!(String::from_utf8_lossy(&out.stdout).contains("created user"));
    }
    s.admin(&[
        "grant",
        "--username",
        "writer",
        "--permission",
        "blog.publish_post",
    ])
    .await;
    s.admin(&[
        "group-grant",
        "--group",
        "Analysts",
        "--permission",
        "shop.view_reports",
    ])
    .await;
    s.admin(&["group", "--username", "writer", "--group", "Analysts"])
        .await;
    s.admin(&["group", "--username", "editor", "--group", "Editors"])
        .await;
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub async fn anonymous_access(s: &Server) {
    let mut b = Browser::new(s);
    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("href=\"/protected\""),
        "home links to /protected"
    );
    let r = b.get("/protected").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=/protected"));
    for path in ["/reports", "/editor", "/admin-tools", "/superuser"] {
        let r = b.get(path).await;
        assert_eq!(
            (r.status, r.location()),
            (303, Some(format!("/login?next={path}").as_str())),
            "{path}"
        );
    }
    // An anonymous htmx request: 401 and HX-Redirect (htmx navigates), not a 303 to swap in.
    let r = b
        .request("GET", "/protected", None, vec![], &[("hx-request", "true")])
        .await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.header("hx-redirect"), Some("/login?next=/protected"));
    // /api/me answers JSON whatever the Accept header says.
    for accept in ["application/json", "*/*", "text/html"] {
        let r = b
            .request("GET", "/api/me", None, vec![], &[("accept", accept)])
            .await;
        assert_eq!(r.status, 401, "Accept: {accept}");
        assert_eq!(r.json()["error"], "unauthenticated");
    }
    let mut api = Browser::api(s);
    let r = api
        .request(
            "POST",
            "/posts",
            Some("application/json"),
            br#"{"title":"x"}"#.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 401);
    let r = b.get("/no/such/page").await;
    assert_eq!(r.status, 404);
}

pub async fn register_then_log_in(s: &Server) {
    let mut b = Browser::new(s);
    let r = b
        .submit(
            "/register",
            &[
                ("username", "newbie"),
                ("email", "newbie@example.com"),
                ("password", PW),
                ("confirm_password", PW),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/login")),
        "{}",
        r.body
    );
    let login = b.follow(r).await;
    assert!(
        login.body.contains("Your account was created"),
        "the login page says so"
    );
    let r = b
        .submit("/login", &[("username", "newbie"), ("password", PW)])
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/")));
    let p = b.visit("/protected").await;
    assert_eq!(p.status, 200);
    assert_eq!(p.h1(), "Protected Page for newbie");
    assert!(p.body.contains("href=\"/\""), "a link home");
    assert!(p.body.contains("action=\"/logout\""), "a logout button");
    let me = b.me_page().await;
    assert_eq!(me.json()["username"], "newbie");
    assert!(me.json().get("password_hash").is_none());

    // Registration errors are specific, and the form keeps what was typed (never passwords).
    let mut c = Browser::new(s);
    let r = c
        .submit(
            "/register",
            &[
                ("username", "bad name!"),
                ("email", "nope"),
                ("password", "short"),
                ("confirm_password", "other"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    for msg in ["valid username", "valid email", "too short", "match"] {
        assert!(r.body.contains(msg), "missing {msg:?}");
    }
    assert!(r.body.contains("value=\"bad name!\""));
    assert!(!r.body.contains("value=\"short\""));
    // A taken username and a taken email read the same.
    let taken_user = c
        .submit(
            "/register",
            &[
                ("username", "NEWBIE"),
                ("email", "fresh@example.com"),
                ("password", PW),
                ("confirm_password", PW),
            ],
        )
        .await;
    let taken_mail = c
        .submit(
            "/register",
            &[
                ("username", "fresh"),
                ("email", "newbie@EXAMPLE.com"),
                ("password", PW),
                ("confirm_password", PW),
            ],
        )
        .await;
    assert_eq!(taken_user.status, 200);
    assert!(taken_user.body.contains("cannot be used"));
    assert_eq!(
        taken_user
            .without_tokens()
            .replace("NEWBIE", "X")
            .replace("fresh@example.com", "Y"),
        taken_mail
            .without_tokens()
            .replace("fresh", "X")
            .replace("newbie@EXAMPLE.com", "Y"),
    );
}

pub async fn next_handling(s: &Server) {
    seed_one(s, "nexter").await;
    // A safe next is honoured, carried through the form.
    let mut b = Browser::new(s);
    let r = b.visit("/protected").await;
    assert!(r.url.ends_with("/login?next=/protected"));
    let f = r.form_fields();
    assert_eq!(f.get("next").map(String::as_str), Some("/protected"));
    let r = b
        .submit(
            "/login?next=/protected",
            &[("username", "nexter"), ("password", PW)],
        )
        .await;
    assert_eq!(r.location(), Some("/protected"));
    // Hostile values fall back to the login redirect URL.
    for hostile in [
        "//evil.example/",
        "https://evil.example/",
        "http:/\\evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "\t//evil.example",
        "///evil.example",
        "http://127.0.0.1:1/elsewhere",
    ] {
        let mut b = Browser::new(s);
        let path = format!("/login?next={}", auth_core::http::percent_encode(hostile));
        let page = b.get(&path).await;
        let mut f = page.form_fields();
        assert!(
            !f.contains_key("next"),
            "hostile next {hostile:?} is not put in the form"
        );
        f.insert("username".into(), "nexter".into());
        f.insert("password".into(), PW.into());
        f.insert("next".into(), hostile.into());
        let r = b.post_form(&path, &f).await;
        assert_eq!(
            (r.status, r.location()),
            (303, Some("/")),
            "next={hostile:?}"
        );
    }
}

/// Creates one user `name` (email `name@example.com`, password [`PW`]) with the admin command.
pub async fn seed_one(s: &Server, name: &str) {
    let email = format!("{name}@example.com");
    s.admin(&[
        "createuser",
        "--username",
        name,
        "--email",
        &email,
        "--password",
        PW,
    ])
    .await;
}

pub async fn same_answer_for_wrong_password_unknown_user_inactive(s: &Server) {
    seed(s).await;
    let mut pages = Vec::new();
    for (user, pw) in [
        ("plain", "wrong password"),
        ("nobody-here", PW),
        ("ghost", PW),
    ] {
        let mut b = Browser::new(s);
        let r = b
            .submit("/login", &[("username", user), ("password", pw)])
            .await;
        assert_eq!(r.status, 200, "{user}");
        assert!(
            r.body
                .contains("Please enter a correct username and password")
        );
        assert!(b.session().is_none(), "no session for a failed login");
        pages.push(r.without_tokens().replace(user, "USER"));
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[1], pages[2]);
}

pub async fn forbidden_for_users_lacking_the_requirement(s: &Server) {
    seed(s).await;
    let mut plain = Browser::new(s);
    plain.login("plain", PW).await;
    for path in ["/reports", "/editor", "/admin-tools", "/superuser"] {
        let r = plain.get(path).await;
        assert_eq!(
            r.status, 403,
            "{path}: a logged-in user gets 403, not a login redirect"
        );
        assert!(r.location().is_none());
    }
    let r = plain
        .request(
            "POST",
            "/posts/5/publish",
            None,
            vec![],
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"], "forbidden");

    let mut writer = Browser::new(s);
    writer.login("writer", PW).await;
    assert_eq!(
        writer.get("/reports").await.status,
        200,
        "through the Analysts group"
    );
    let r = writer
        .request(
            "POST",
            "/posts/5/publish",
            None,
            vec![],
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        serde_json::json!({"id": 5, "published": true, "by": "writer"})
    );
    assert_eq!(writer.get("/editor").await.status, 403);

    let mut editor = Browser::new(s);
    editor.login("editor", PW).await;
    assert_eq!(editor.get("/editor").await.status, 200);
    let mut staffer = Browser::new(s);
    staffer.login("staffer", PW).await;
    assert_eq!(staffer.get("/admin-tools").await.status, 200);
    assert_eq!(staffer.get("/superuser").await.status, 403);
    let mut root = Browser::new(s);
    root.login("root", PW).await;
    assert_eq!(root.get("/superuser").await.status, 200);
    assert_eq!(
        root.get("/reports").await.status,
        200,
        "superusers have every permission"
    );
    assert_eq!(
        root.get("/editor").await.status,
        403,
        "but are not in groups they never joined"
    );

    // Deactivation ends the user's sessions at once.
    s.admin(&["deactivate", "--username", "writer"]).await;
    assert_eq!(writer.get("/reports").await.status, 303);
}

pub async fn posts_take_form_or_json(s: &Server) {
    seed_one(s, "poster").await;
    let mut b = Browser::new(s);
    b.login("poster", PW).await;
    let r = b
        .request(
            "POST",
            "/posts",
            Some("application/x-www-form-urlencoded"),
            b"title=Hello+form".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let first = r.json();
    assert_eq!(
        (first["title"].as_str(), first["owner"].as_str()),
        (Some("Hello form"), Some("poster"))
    );
    let r = b
        .request(
            "POST",
            "/posts",
            Some("application/json"),
            br#"{"title":"Hello json"}"#.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 201);
    let second = r.json();
    assert_eq!(second["title"], "Hello json");
    assert!(second["id"].as_i64() > first["id"].as_i64());
    let r = b
        .request(
            "POST",
            "/posts",
            Some("application/json"),
            b"{\"title\": 5}".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
}

pub async fn logout_ends_the_server_session_and_old_cookies_fail(s: &Server) {
    seed_one(s, "leaver").await;
    let mut b = Browser::new(s);
    b.login("leaver", PW).await;
    let first = b.session().unwrap();
    // Logging in again rotates the id; the old one no longer works.
    b.login("leaver", PW).await;
    let second = b.session().unwrap();
    assert_ne!(first, second);
    let mut replay = Browser::new(s);
    replay.jar.insert("sessionid".into(), first.clone());
    assert_eq!(
        replay.get("/protected").await.status,
        303,
        "replayed pre-rotation cookie"
    );

    // Logout needs a POST with the CSRF token.
    assert_eq!(b.get("/logout").await.status, 405);
    let r = b
        .post_form("/logout", &fields(&[("csrf_token", "forged")]))
        .await;
    assert_eq!(r.status, 403);
    let page = b.visit("/protected").await;
    let r = b.post_form("/logout", &page.form_fields()).await;
    assert_eq!((r.status, r.location()), (303, Some("/")));
    assert!(b.session().is_none(), "the cookie is cleared");
    let mut replay = Browser::new(s);
    replay.jar.insert("sessionid".into(), second);
    assert_eq!(
        replay.get("/protected").await.status,
        303,
        "the server-side session is gone"
    );
    assert_eq!(replay.me_page().await.status, 401);
}

fn reset_link(mail: &str) -> String {
    let start = mail.find("http://").expect("a link in the mail");
    mail[start..].split_whitespace().next().unwrap().to_owned()
}

pub async fn password_reset_round_trip(s: &Server) {
    seed_one(s, "forgetful").await;
    let mut other = Browser::new(s);
    other.login("forgetful", PW).await;

    // An unknown address: the same answer, and no mail.
    let mut b = Browser::new(s);
    let unknown = b
        .submit("/password-reset", &[("email", "nobody@example.com")])
        .await;
    let known = b
        .submit("/password-reset", &[("email", "FORGETFUL@example.com")])
        .await;
    assert_eq!(
        (unknown.status, unknown.location()),
        (known.status, known.location())
    );
    assert_eq!(known.location(), Some("/password-reset/done"));
    let done = b.follow(known).await;
    assert!(done.body.contains("If an account uses that address"));
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = s.mails();
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mails_now = s.mails();
    assert_eq!(mails_now.len(), 1, "one mail, for the known address only");
    let mail = &mails[0];
    assert!(
        mail.contains("To: forgetful@example.com"),
        "sent to the stored address: {mail}"
    );
    let link = reset_link(mail);
    assert!(
        link.starts_with(&s.base),
        "the link uses site_origin: {link}"
    );

    // The token leaves the URL before the form is shown.
    let mut r = Browser::new(s);
    let first = r.get(&link).await;
    assert_eq!(first.status, 303);
    let form_url = first.location().unwrap().to_owned();
    assert!(form_url.ends_with("/set-password"), "{form_url}");
    let short = r
        .submit(
            &form_url,
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert!(short.body.contains("too short"));
    let done = r
        .submit(
            &form_url,
            &[
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(
        (done.status, done.location()),
        (303, Some("/password-reset/complete"))
    );
    let complete = r.follow(done).await;
    assert!(complete.body.contains("Your password has been set"));

    // Single use; old password gone; new one works; the other session ended.
    let again = Browser::new(s).get(&link).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("invalid, expired or already used"));
    let mut c = Browser::new(s);
    let r = c
        .submit("/login", &[("username", "forgetful"), ("password", PW)])
        .await;
    assert_eq!(r.status, 200, "the old password no longer works");
    c.login("forgetful", "a brand new password").await;
    assert_eq!(
        other.get("/protected").await.status,
        303,
        "a password reset ends other sessions"
    );

    // A tampered or foreign link is invalid.
    let tampered = format!("{}x", link);
    assert!(
        Browser::new(s)
            .get(&tampered)
            .await
            .body
            .contains("invalid")
    );
    assert!(
        Browser::new(s)
            .get("/password-reset/confirm/MQ/set-password")
            .await
            .body
            .contains("invalid")
    );
}

pub async fn password_change_logs_out_other_sessions(s: &Server) {
    seed_one(s, "changer").await;
    let mut a = Browser::new(s);
    let mut b = Browser::new(s);
    a.login("changer", PW).await;
    b.login("changer", PW).await;
    s.admin(&[
        "changepassword",
        "--username",
        "changer",
        "--password",
        "changed password 1",
    ])
    .await;
    assert_eq!(a.get("/protected").await.status, 303);
    assert_eq!(b.get("/protected").await.status, 303);
    b.login("changer", "changed password 1").await;
    assert_eq!(b.get("/protected").await.status, 200);
}

pub async fn csrf_and_bad_input(s: &Server) {
    seed_one(s, "careful").await;
    let mut b = Browser::new(s);
    // No token, a forged token, a foreign Origin: refused.
    let page = b.visit("/login").await;
    let mut f = page.form_fields();
    f.insert("username".into(), "careful".into());
    f.insert("password".into(), PW.into());
    let mut no_token = f.clone();
    no_token.remove("csrf_token");
    assert_eq!(b.post_form("/login", &no_token).await.status, 403);
    let mut forged = f.clone();
    forged.insert("csrf_token".into(), "x".repeat(43));
    assert_eq!(b.post_form("/login", &forged).await.status, 403);
    let body = crate::server::encode(&f).into_bytes();
    let r = b
        .request(
            "POST",
            "/login",
            Some("application/x-www-form-urlencoded"),
            body.clone(),
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(r.status, 403, "a cross-site post");
    // Every state-changing page checks the token.
    for path in ["/register", "/password-reset", "/logout"] {
        let r = b
            .post_form(
                path,
                &fields(&[("email", "careful@example.com"), ("username", "x")]),
            )
            .await;
        assert_eq!(r.status, 403, "{path} without a CSRF token");
    }
    // Huge, non-UTF-8 and wrongly typed bodies get clear errors.
    let huge = vec![b'a'; 200 * 1024];
    let r = b
        .request(
            "POST",
            "/login",
            Some("application/x-www-form-urlencoded"),
            huge,
            &[],
        )
        .await;
    assert_eq!(r.status, 413);
    let r = b
        .request(
            "POST",
            "/login",
            Some("application/x-www-form-urlencoded"),
            b"username=%ff%fe".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("could not be read"));
    let r = b
        .request(
            "POST",
            "/login",
            Some("application/json"),
            b"{}".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, 415);
    // Malformed cookies are anonymous, never an error.
    for cookie in [
        "sessionid=",
        "sessionid=../../x",
        "sessionid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "garbage",
        "csrftoken=; sessionid=%00",
    ] {
        let r = b
            .request("GET", "/protected", None, vec![], &[("cookie", cookie)])
            .await;
        assert_eq!(r.status, 303, "cookie {cookie:?}");
    }
    // After all that, the real login still works.
    let r = b.post_form("/login", &f).await;
    assert_eq!(r.status, 303);
}

pub async fn guarded_websocket(s: &Server) {
    seed_one(s, "socket").await;
    let url = format!("ws://{}/ws/echo", s.addr);
    // Anonymous: refused before the upgrade.
    let err = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => {
            assert_ne!(resp.status().as_u16(), 101);
            assert!(
                matches!(resp.status().as_u16(), 303 | 401),
                "{}",
                resp.status()
            );
        }
        other => panic!("expected an HTTP refusal, got {other}"),
    }
    // Logged in: the upgrade happens and echoes.
    let mut b = Browser::new(s);
    b.login("socket", PW).await;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut()
        .insert("cookie", b.cookie().parse().unwrap());
    let (mut ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    assert_eq!(resp.status().as_u16(), 101);
    ws.send(tokio_tungstenite::tungstenite::Message::text("ping"))
        .await
        .unwrap();
    let echoed = ws.next().await.unwrap().unwrap();
    assert_eq!(echoed.into_text().unwrap().as_str(), "ping");
}

pub async fn cookies_and_headers(s: &Server) {
    seed_one(s, "cookie").await;
    let mut b = Browser::new(s);
    let r = b.login("cookie", PW).await;
    let set = r.all("set-cookie");
    let session = set
        .iter()
        .find(|c| c.starts_with("sessionid="))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session.contains(attr), "{session} lacks {attr}");
    }
    let value = session
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sessionid=");
    assert!(value.len() >= 22, "at least 128 bits");
    let p = b.get("/protected").await;
    assert_eq!(p.header("cache-control"), Some("no-store"));
    let login = Browser::new(s).get("/login").await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
    assert_eq!(login.header("x-frame-options"), Some("DENY"));
}

/// The environment [`brute_force_lockout`] needs: client addresses from `X-Forwarded-For`
/// (so one machine can play several clients) and a low limit.
pub const LOCKOUT_ENV: &[(&str, &str)] = &[
    ("AUTH_CLIENT_IP_HEADER", "x-forwarded-for"),
    ("AUTH_LOGIN_FAILURES_PER_CLIENT", "3"),
];

pub async fn brute_force_lockout(s: &Server) {
    seed_one(s, "target").await;
    let mut attacker = Browser::new(s);
    attacker
        .headers
        .push(("x-forwarded-for".into(), "203.0.113.66".into()));
    for _ in 0..3 {
        let r = attacker
            .submit("/login", &[("username", "target"), ("password", "guess")])
            .await;
        assert_eq!(r.status, 200);
    }
    let r = attacker
        .submit("/login", &[("username", "target"), ("password", PW)])
        .await;
    assert_eq!(r.status, 429, "locked out even with the right password");
    assert_eq!(r.header("retry-after"), Some("900"));
    assert!(
        r.body
            .contains("Too many failed login attempts. Wait 15 minutes"),
        "{}",
        r.body
    );
    // The same for an identifier that does not exist: lockouts reveal nothing.
    for _ in 0..3 {
        attacker
            .submit(
                "/login",
                &[("username", "no-such-user"), ("password", "guess")],
            )
            .await;
    }
    assert_eq!(
        attacker
            .submit(
                "/login",
                &[("username", "no-such-user"), ("password", "guess")]
            )
            .await
            .status,
        429
    );
    // The owner, from another address, logs in.
    let mut owner = Browser::new(s);
    owner
        .headers
        .push(("x-forwarded-for".into(), "198.51.100.20".into()));
    owner.login("target", PW).await;
    assert_eq!(owner.get("/protected").await.status, 200);
}

/// `GET /api/auth/csrf`: the token (and the CSRF cookie in the jar).
pub async fn api_csrf(b: &mut Browser) -> String {
    let r = b.get("/api/auth/csrf").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let doc = r.json();
    assert_eq!(doc["header"], "X-CSRFToken");
    assert!(
        b.jar.contains_key(doc["cookie"].as_str().unwrap()),
        "the CSRF cookie is set"
    );
    doc["token"].as_str().unwrap().to_owned()
}

/// `POST /api/auth/login` with JSON credentials and the token header.
pub async fn api_login(b: &mut Browser, token: &str, username: &str, password: &str) -> Page {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    b.request(
        "POST",
        "/api/auth/login",
        Some("application/json"),
        body.into_bytes(),
        &[("x-csrftoken", token)],
    )
    .await
}

/// The JSON API: login, me, csrf and logout over real HTTP, with its errors.
pub async fn json_api(s: &Server) {
    seed(s).await;
    let mut b = Browser::api(s);
    let me = b.get("/api/auth/me").await;
    assert_eq!(me.status, 401, "{}", me.body);
    assert_eq!(me.json()["error"], "unauthenticated");

    let token = api_csrf(&mut b).await;
    // Without the token header, with a forged one, with another content type, bad JSON.
    let body = br#"{"username":"writer","password":"x"}"#.to_vec();
    let r = b
        .request(
            "POST",
            "/api/auth/login",
            Some("application/json"),
            body.clone(),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (403, Some("csrf_failed"))
    );
    let r = b
        .request(
            "POST",
            "/api/auth/login",
            Some("application/json"),
            body.clone(),
            &[("x-csrftoken", "forged")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = b
        .request(
            "POST",
            "/api/auth/login",
            Some("application/x-www-form-urlencoded"),
            b"username=writer&password=x".to_vec(),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.body);
    let r = b
        .request(
            "POST",
            "/api/auth/login",
            Some("application/json"),
            b"{not json".to_vec(),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (400, Some("bad_request"))
    );
    let r = b.request("GET", "/api/auth/login", None, vec![], &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    // A huge body is refused, not read into memory.
    let huge = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(200_000));
    let r = b
        .request(
            "POST",
            "/api/auth/login",
            Some("application/json"),
            huge.into_bytes(),
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(r.status, 413);

    // Wrong password, unknown user and inactive user: one answer.
    let wrong = api_login(&mut b, &token, "writer", "wrong password").await;
    let unknown = api_login(&mut b, &token, "nobody-here", PW).await;
    let inactive = api_login(&mut b, &token, "ghost", PW).await;
    for r in [&wrong, &unknown, &inactive] {
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.body, wrong.body);
        assert_eq!(r.json()["error"], "invalid_credentials");
    }

    // From another origin: refused before anything is checked.
    let evil = b
        .request(
            "POST",
            "/api/auth/login",
            Some("application/json"),
            serde_json::json!({"username": "writer", "password": PW})
                .to_string()
                .into_bytes(),
            &[("x-csrftoken", &token), ("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(evil.status, 403, "{}", evil.body);
    assert!(b.session().is_none());

    // The right password: the user as JSON, a new session cookie, no password hash.
    let before = b.session();
    let ok = api_login(&mut b, &token, "WRITER", PW).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let user = ok.json();
    assert_eq!(user["username"], "writer");
    assert!(user.get("password_hash").is_none() && !ok.body.contains("argon2"));
    let session = b.session().expect("session cookie");
    assert_ne!(Some(session.clone()), before);
    let me = b.get("/api/auth/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["username"], "writer");
    assert_eq!(me.header("cache-control"), Some("no-store"));
    assert_eq!(
        b.get("/reports").await.status,
        200,
        "the API login is a login"
    );

    // The login rotated the CSRF token: the old one no longer logs out.
    let stale = b
        .request(
            "POST",
            "/api/auth/logout",
            None,
            vec![],
            &[("x-csrftoken", &token)],
        )
        .await;
    assert_eq!(stale.status, 403, "{}", stale.body);
    let fresh = api_csrf(&mut b).await;
    let out = b
        .request(
            "POST",
            "/api/auth/logout",
            None,
            vec![],
            &[("x-csrftoken", &fresh)],
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.body);
    assert_eq!(b.get("/api/auth/me").await.status, 401);
    // The old session cookie is dead on the server.
    let mut replay = Browser::api(s);
    replay.jar.insert("sessionid".into(), session);
    assert_eq!(replay.get("/api/auth/me").await.status, 401);

    // htmx: an anonymous fragment request is told where to navigate.
    let hx = Browser::new(s)
        .request("GET", "/protected", None, vec![], &[("hx-request", "true")])
        .await;
    assert_eq!(hx.status, 401);
    assert_eq!(hx.header("hx-redirect"), Some("/login?next=/protected"));
}

/// The JSON API under the lockout of [`LOCKOUT_ENV`]: 429 with `Retry-After`, as the page.
pub async fn json_api_lockout(s: &Server) {
    seed_one(s, "apitarget").await;
    let mut b = Browser::api(s);
    b.headers
        .push(("x-forwarded-for".into(), "203.0.113.77".into()));
    let token = api_csrf(&mut b).await;
    for _ in 0..3 {
        assert_eq!(
            api_login(&mut b, &token, "apitarget", "guess").await.status,
            401
        );
    }
    let r = api_login(&mut b, &token, "apitarget", PW).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("900"));
    assert_eq!(r.json()["error"], "throttled");
}
