//! The second security review's findings, replayed over real HTTP against an example app
//! started as a process. Each example's `tests/attacks.rs` runs every function here against its
//! own binary.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use crate::blackbox::{PW, seed, seed_one};
use crate::server::{Browser, Server};

const FORM: &str = "application/x-www-form-urlencoded";

/// Finding 1: a logged-in user's cookie does not carry cross-site unsafe requests to the app's
/// own routes, in any body format; same-origin and non-browser requests still work.
pub async fn cross_origin_posts_are_refused(s: &Server) {
    seed(s).await;
    let mut b = Browser::new(s);
    b.login("writer", PW).await;
    let own = format!("http://{}", s.addr);
    let hostile: &[&[(&str, &str)]] = &[
        &[("origin", "http://evil.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://sub.127.0.0.1"),
        ],
        &[("origin", "https://127.0.0.1")],
        &[("origin", "http://127.0.0.1:1")],
    ];
    let bodies: [(&str, &[u8]); 3] = [
        (FORM, b"title=csrf"),
        ("application/json", br#"{"title":"csrf"}"#),
        ("text/plain", b"title=csrf"),
    ];
    for headers in hostile {
        for (ct, body) in bodies {
            let r = b
                .request("POST", "/posts", Some(ct), body.to_vec(), headers)
                .await;
            assert_eq!(r.status, 403, "POST /posts {headers:?} as {ct}: {}", r.body);
        }
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let r = b
                .request(method, "/posts/7/publish", Some(FORM), vec![], headers)
                .await;
            assert_eq!(r.status, 403, "{method} /posts/7/publish {headers:?}");
        }
    }
    // The refusal follows the denial contract: JSON for API clients, a page for browsers, and
    // never a login redirect.
    let r = b
        .request(
            "POST",
            "/posts",
            Some("application/json"),
            br#"{"title":"x"}"#.to_vec(),
            &[
                ("origin", "http://evil.example"),
                ("accept", "application/json"),
            ],
        )
        .await;
    assert_eq!(r.json()["error"], "cross_origin");
    let r = b
        .request(
            "POST",
            "/posts",
            Some(FORM),
            b"title=x".to_vec(),
            &[("origin", "http://evil.example")],
        )
        .await;
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(r.body.contains("another site"), "{}", r.body);
    // Anonymous cross-site posts are refused too (403, not a login redirect).
    let mut anon = Browser::new(s);
    let r = anon
        .request(
            "POST",
            "/posts",
            Some(FORM),
            b"title=x".to_vec(),
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(r.status, 403);
    // Same-origin requests keep working: the site's own pages and a same-origin fetch.
    for headers in [
        &[("origin", own.as_str())][..],
        &[("sec-fetch-site", "same-origin"), ("origin", own.as_str())],
        &[("sec-fetch-site", "none")],
        &[],
    ] {
        let r = b
            .request(
                "POST",
                "/posts",
                Some(FORM),
                b"title=mine".to_vec(),
                headers,
            )
            .await;
        assert_eq!(r.status, 201, "{headers:?}: {}", r.body);
    }
    let r = b
        .request(
            "POST",
            "/posts/7/publish",
            Some(FORM),
            vec![],
            &[("origin", own.as_str())],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Safe methods are not affected.
    let r = b
        .request(
            "GET",
            "/protected",
            None,
            vec![],
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(r.status, 200);
}

async fn ws_connect(
    s: &Server,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let url = format!("ws://{}/ws/echo", s.addr);
    let mut req = url.as_str().into_client_request().unwrap();
    if let Some(c) = cookie {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, resp)) => {
            assert_eq!(resp.status().as_u16(), 101);
            Ok(ws)
        }
        Err(tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("expected an HTTP answer, got {e}"),
    }
}

/// Finding 2: a cross-site page cannot open the user's WebSocket, and a logout closes an open
/// one.
pub async fn cross_site_websockets_are_refused_and_logout_closes_them(s: &Server) {
    seed_one(s, "socket").await;
    let mut b = Browser::new(s);
    b.login("socket", PW).await;
    let cookie = b.cookie();
    let port = s.addr.rsplit(':').next().unwrap();
    let other_port = format!(
        "http://127.0.0.1:{}",
        port.parse::<u16>().unwrap().wrapping_add(1)
    );
    for origin in ["http://evil.example", "null", other_port.as_str()] {
        let status = ws_connect(s, Some(&cookie), Some(origin))
            .await
            .err()
            .unwrap_or_else(|| panic!("Origin {origin} upgraded"));
        assert_eq!(status, 403, "Origin {origin}");
    }
    let own = format!("http://{}", s.addr);
    let mut ws = ws_connect(s, Some(&cookie), Some(&own))
        .await
        .expect("a same-origin upgrade");
    ws.send(tungstenite::Message::text("ping")).await.unwrap();
    let echoed = ws.next().await.unwrap().unwrap();
    assert_eq!(echoed.into_text().unwrap().as_str(), "ping");
    // Log out in the browser: the socket is closed by the server within a few seconds.
    let home = b.get("/").await;
    let token = home.form_fields().get("csrf_token").cloned().unwrap();
    let r = b
        .request(
            "POST",
            "/logout",
            Some(FORM),
            format!("csrf_token={token}").into_bytes(),
            &[("origin", own.as_str())],
        )
        .await;
    assert_eq!(r.status, 303, "logout: {}", r.body);
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(tungstenite::Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(closed, "the socket outlived the logout");
}

/// The environment of [`parallel_wrong_passwords_meet_the_lockout`]: a proxy header so the
/// test can play one client, and the default limit of 5 per client.
pub const PROXY_ENV: &[(&str, &str)] = &[("AUTH_CLIENT_IP_HEADER", "x-forwarded-for")];

/// Finding 3: a burst of parallel wrong passwords gets no more checks than the limit allows
/// one at a time, and the right password is then refused too.
pub async fn parallel_wrong_passwords_meet_the_lockout(s: &Server) {
    seed_one(s, "burst").await;
    let mut clients = Vec::new();
    for _ in 0..40 {
        let mut b = Browser::new(s);
        b.headers
            .push(("x-forwarded-for".into(), "203.0.113.9".into()));
        let page = b.visit("/login").await;
        let mut f = page.form_fields();
        f.insert("username".into(), "burst".into());
        f.insert("password".into(), "wrong guess".into());
        clients.push((b, f));
    }
    let answers = futures_util::future::join_all(
        clients
            .iter_mut()
            .map(|(b, f)| async move { b.post_form("/login", f).await.status }),
    )
    .await;
    let checked = answers.iter().filter(|s| **s == 200).count();
    let throttled = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, answers.len(), "{answers:?}");
    assert_eq!(checked, 5, "password checks in the burst: {answers:?}");
    let mut owner = Browser::new(s);
    owner
        .headers
        .push(("x-forwarded-for".into(), "203.0.113.9".into()));
    let r = owner
        .submit("/login", &[("username", "burst"), ("password", PW)])
        .await;
    assert_eq!(r.status, 429, "the right password after the burst");
}

/// Finding 4: usernames are NFKC-normalised and compared with full case folding; emails are
/// validated like Django's `EmailValidator`.
pub async fn lookalike_usernames_are_one_account(s: &Server) {
    let mut b = Browser::new(s);
    let register = |name: &'static str, email: &'static str| {
        [
            ("username", name),
            ("email", email),
            ("password", PW),
            ("confirm_password", PW),
        ]
    };
    for (first, second, n) in [
        ("ffuser", "\u{FB00}user", 1),
        ("AAA", "\u{1D504}\u{1D504}\u{1D504}", 2),
        ("strasse", "STRAßE", 3),
        ("\u{3A3}igma", "\u{3C2}igma", 4),
    ] {
        let e1: &'static str = Box::leak(format!("first{n}@example.com").into_boxed_str());
        let e2: &'static str = Box::leak(format!("second{n}@example.com").into_boxed_str());
        let r = b.submit("/register", &register(first, e1)).await;
        assert_eq!(r.status, 303, "{first}: {}", r.body);
        let r = b.submit("/register", &register(second, e2)).await;
        assert_eq!(r.status, 200, "{second} is {first}");
        assert!(r.body.contains("cannot be used"), "{}", r.body);
    }
    // The stored name is the NFKC form, and any case-folded spelling logs in.
    let mut u = Browser::new(s);
    u.login("FFUSER", PW).await;
    assert_eq!(u.me().await, (200, Some("ffuser".to_string())));
    let mut u = Browser::new(s);
    u.login("\u{FB00}user", PW).await;
    assert_eq!(u.me().await, (200, Some("ffuser".to_string())));
    // Emails.
    for bad in [
        "<script>alert(1)</script>@evil.com",
        "a b@example.com",
        "x@localhost.",
        "x@-bad.example",
    ] {
        let r = b.submit("/register", &register("mailer", bad)).await;
        assert_eq!(r.status, 200, "{bad}");
        assert!(r.body.contains("valid email"), "{bad}: {}", r.body);
    }
    let r = b
        .submit("/register", &register("mailer", "Mixed.Case@EXAMPLE.Com"))
        .await;
    assert_eq!(r.status, 303);
    // The admin command normalises too.
    let out = s
        .admin(&[
            "createuser",
            "--username",
            "\u{FB03}x",
            "--email",
            "ffix@example.com",
            "--password",
            PW,
        ])
        .await;
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("created user ffix"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = s
        .admin_output(&[
            "createuser",
            "--username",
            "FFIX",
            "--email",
            "other@example.com",
            "--password",
            PW,
        ])
        .await;
    assert!(!out.status.success(), "FFIX is ffix");
}

/// The environment of [`usernames_cannot_be_addresses`].
pub const EMAIL_LOGIN_ENV: &[(&str, &str)] = &[("AUTH_LOGIN_FIELDS", "username,email")];

/// Finding 5: with email login on, nobody can register a username that is (or could be) an
/// address and so take over logins by it.
pub async fn usernames_cannot_be_addresses(s: &Server) {
    seed_one(s, "victim").await;
    let mut b = Browser::new(s);
    let r = b
        .submit(
            "/register",
            &[
                ("username", "victim@example.com"),
                ("email", "attacker@example.com"),
                ("password", PW),
                ("confirm_password", PW),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("cannot contain @"), "{}", r.body);
    let mut v = Browser::new(s);
    v.login("victim@example.com", PW).await;
    assert_eq!(v.me().await, (200, Some("victim".to_string())));
}

/// Hardening: a `next` with control characters is unsafe and falls back; `Host` is checked
/// against `allowed_hosts`; a cross-site refusal comes before a 404 of a later extractor.
pub async fn hardening(s: &Server) {
    seed(s).await;
    for hostile in [
        "/\r\nSet-Cookie: x=1",
        "/a\nb",
        "/\t/evil.example",
        "/\x00x",
    ] {
        let mut b = Browser::new(s);
        let path = format!("/login?next={}", auth_core::http::percent_encode(hostile));
        let r = b
            .submit(
                &path,
                &[("username", "plain"), ("password", PW), ("next", hostile)],
            )
            .await;
        assert_eq!(
            (r.status, r.location()),
            (303, Some("/")),
            "next={hostile:?}"
        );
    }
    // A logged-in user without the permission gets 403 for a malformed id too (the guard runs
    // before the path extractor on both frameworks).
    let mut b = Browser::new(s);
    b.login("plain", PW).await;
    let r = b
        .request("POST", "/posts/abc/publish", None, vec![], &[])
        .await;
    assert_eq!(r.status, 403);
    let mut w = Browser::new(s);
    w.login("writer", PW).await;
    let r = w
        .request("POST", "/posts/abc/publish", None, vec![], &[])
        .await;
    assert!(matches!(r.status, 400 | 404), "{}", r.status);
}

/// The environment of [`allowed_hosts_and_throttles`].
pub const LIMITS_ENV: &[(&str, &str)] = &[
    ("AUTH_ALLOWED_HOSTS", "127.0.0.1,localhost"),
    ("AUTH_CLIENT_IP_HEADER", "x-forwarded-for"),
    ("AUTH_REGISTRATIONS_PER_CLIENT_PER_HOUR", "2"),
    ("AUTH_PASSWORD_RESETS_PER_CLIENT_PER_HOUR", "4"),
    ("AUTH_PASSWORD_RESET_MAILS_PER_ADDRESS_PER_HOUR", "2"),
];

/// Hardening: another `Host` gets 400; registrations and reset requests are limited per
/// client, and reset mails per address.
pub async fn allowed_hosts_and_throttles(s: &Server) {
    let mut evil = Browser::new(s);
    let base = format!("http://{}", s.addr);
    evil.retarget(&base, "evil.example");
    assert_eq!(evil.get("/").await.status, 400);
    assert_eq!(evil.get("/login").await.status, 400);
    let mut b = Browser::new(s);
    b.headers
        .push(("x-forwarded-for".into(), "198.51.100.7".into()));
    assert_eq!(b.get("/").await.status, 200);
    for i in 0..3 {
        let name = format!("reg{i}");
        let email = format!("reg{i}@example.com");
        let r = b
            .submit(
                "/register",
                &[
                    ("username", &name),
                    ("email", &email),
                    ("password", PW),
                    ("confirm_password", PW),
                ],
            )
            .await;
        let want = if i < 2 { 303 } else { 429 };
        assert_eq!(r.status, want, "registration {i}: {}", r.body);
    }
    // Reset mails: two per address per hour, whatever the client.
    for i in 0..4 {
        let mut c = Browser::new(s);
        c.headers
            .push(("x-forwarded-for".into(), format!("192.0.2.{i}")));
        let r = c
            .submit("/password-reset", &[("email", "reg0@example.com")])
            .await;
        assert_eq!(r.status, 303, "reset request {i}");
    }
    let mut mails = 0;
    for _ in 0..40 {
        mails = s.mails().len();
        if mails >= 2 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            mails = s.mails().len();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mails, 2, "reset mails to one address in an hour");
    // Reset requests: four per client per hour.
    let mut c = Browser::new(s);
    c.headers
        .push(("x-forwarded-for".into(), "192.0.2.200".into()));
    for i in 0..5 {
        let r = c
            .submit("/password-reset", &[("email", "nobody@example.com")])
            .await;
        assert_eq!(r.status, if i < 4 { 303 } else { 429 }, "request {i}");
    }
}

/// Hardening: in production mode the app refuses to start and lists every problem.
pub async fn production_mode_refuses_unsafe_settings(bin: &str) {
    let out = tokio::process::Command::new(bin)
        .env("AUTH_ENV", "production")
        .env("AUTH_SECRET_KEY", "")
        .env("DATABASE_URL", "sqlite::memory:")
        .env("BIND_ADDR", "127.0.0.1:0")
        .env_remove("AUTH_MAIL_DIR")
        .env_remove("SITE_ORIGIN")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for problem in [
        "secret_key is empty",
        "site_origin is not set",
        "mail goes to the console",
    ] {
        assert!(err.contains(problem), "{problem} missing from: {err}");
    }
    let out = tokio::process::Command::new(bin)
        .env("AUTH_ENV", "production")
        .env("AUTH_SECRET_KEY", "x".repeat(40))
        .env("SITE_ORIGIN", "https://shop.example")
        .env("AUTH_MAIL_DIR", std::env::temp_dir())
        .env("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/app")
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("Secure"),
        "https without a Secure cookie: {err}"
    );
    // A safe configuration gets as far as the database, whose password is not printed.
    let out = tokio::process::Command::new(bin)
        .env("AUTH_ENV", "production")
        .env("AUTH_SECRET_KEY", "x".repeat(40))
        .env("SITE_ORIGIN", "https://shop.example")
        .env("AUTH_SESSION_COOKIE_SECURE", "true")
        .env("AUTH_MAIL_DIR", std::env::temp_dir())
        .env("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/app")
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("app:***@127.0.0.1:1"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the database password leaked: {err}"
    );
}
