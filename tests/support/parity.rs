//! The differential check: the same script of requests against the axum and the actix-web
//! example, every response compared (status, headers, cookie attributes, redirect targets,
//! bodies). The only differences allowed are headers a framework chooses itself.

use std::collections::BTreeMap;

use crate::blackbox::{PW, seed};
use crate::server::{Browser, Page, Server};

/// Headers a framework sets on its own; not compared.
const FRAMEWORK_HEADERS: &[&str] = &[
    "date",
    "server",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
];

/// Replaces what legitimately differs between two runs (random tokens and ids, the port,
/// timestamps) by placeholders.
fn normalize(s: &str, base: &str, addr: &str) -> String {
    let mut out = s.replace(base, "http://HOST").replace(addr, "HOST");
    for (key, len) in [
        ("sessionid=", 32),
        ("authkit_csrf=", 43),
        ("csrf_token\" value=\"", 43),
    ] {
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(i) = rest.find(key) {
            let j = i + key.len();
            result.push_str(&rest[..j]);
            let tail = &rest[j..];
            let n = tail
                .char_indices()
                .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .count();
            if n >= len.min(22) {
                result.push_str("TOKEN");
                rest = &tail[n..];
            } else {
                rest = tail;
            }
        }
        result.push_str(rest);
        out = result;
    }
    // Timestamps in JSON snapshots.
    let mut result = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find("\"20") {
        result.push_str(&rest[..i + 1]);
        let tail = &rest[i + 1..];
        let end = tail.find('"').unwrap_or(0);
        if end >= 19 && tail.as_bytes().get(4) == Some(&b'-') {
            result.push_str("TIME");
            rest = &tail[end..];
        } else {
            rest = tail;
        }
    }
    result.push_str(rest);
    result
}

#[derive(Debug, PartialEq, Eq)]
struct Seen {
    status: u16,
    headers: BTreeMap<String, Vec<String>>,
    body: String,
}

fn seen(p: &Page, s: &Server) -> Seen {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &p.headers {
        let k = k.to_ascii_lowercase();
        if FRAMEWORK_HEADERS.contains(&k.as_str()) {
            continue;
        }
        headers
            .entry(k)
            .or_default()
            .push(normalize(v, &s.base, &s.addr));
    }
    for v in headers.values_mut() {
        v.sort();
    }
    Seen {
        status: p.status,
        headers,
        body: normalize(&p.body, &s.base, &s.addr),
    }
}

/// One step of the script, run in a browser of each server.
type Step = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [u8],
    &'static [(&'static str, &'static str)],
);

const STEPS: &[Step] = &[
    // (method, path, content type, body, extra headers)
    ("GET", "/", None, b"", &[]),
    ("GET", "/protected", None, b"", &[]),
    ("GET", "/protected?x=1&y=%2F", None, b"", &[]),
    (
        "GET",
        "/reports",
        None,
        b"",
        &[("accept", "application/json")],
    ),
    ("GET", "/api/me", None, b"", &[("accept", "*/*")]),
    (
        "GET",
        "/api/me",
        None,
        b"",
        &[("accept", "application/json")],
    ),
    (
        "POST",
        "/posts",
        Some("application/json"),
        br#"{"title":"x"}"#,
        &[("accept", "application/json")],
    ),
    ("POST", "/posts/3/publish", None, b"", &[]),
    ("GET", "/login", None, b"", &[]),
    ("GET", "/login?next=/reports", None, b"", &[]),
    ("GET", "/login?next=//evil.example", None, b"", &[]),
    ("GET", "/register", None, b"", &[]),
    ("GET", "/password-reset", None, b"", &[]),
    ("GET", "/password-reset/done", None, b"", &[]),
    ("GET", "/password-reset/complete", None, b"", &[]),
    (
        "GET",
        "/password-reset/confirm/MQ/bad-token",
        None,
        b"",
        &[],
    ),
    (
        "GET",
        "/password-reset/confirm/MQ/set-password",
        None,
        b"",
        &[],
    ),
    ("GET", "/logout", None, b"", &[]),
    ("PUT", "/login", None, b"", &[]),
    ("POST", "/login", Some("application/json"), b"{}", &[]),
    (
        "POST",
        "/login",
        Some("application/x-www-form-urlencoded"),
        b"username=%ff",
        &[],
    ),
    (
        "POST",
        "/login",
        Some("application/x-www-form-urlencoded"),
        b"username=a&password=b",
        &[],
    ),
    (
        "POST",
        "/login",
        Some("application/x-www-form-urlencoded"),
        b"username=a&password=b",
        &[("origin", "http://evil.example")],
    ),
    ("GET", "/nowhere", None, b"", &[]),
    (
        "GET",
        "/protected",
        None,
        b"",
        &[("cookie", "sessionid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
    ),
    (
        "GET",
        "/protected",
        None,
        b"",
        &[("cookie", "sessionid=garbage")],
    ),
];

async fn run_steps(b: &mut Browser, steps: &[Step]) -> Vec<Page> {
    let mut out = Vec::new();
    for (method, path, ct, body, extra) in steps {
        out.push(b.request(method, path, *ct, body.to_vec(), extra).await);
    }
    out
}

fn assert_same(what: &str, a: &Page, sa: &Server, b: &Page, sb: &Server) {
    let (x, y) = (seen(a, sa), seen(b, sb));
    assert_eq!(x.status, y.status, "{what}: status differs");
    assert_eq!(x.headers, y.headers, "{what}: headers differ");
    assert_eq!(x.body, y.body, "{what}: body differs");
}

/// Runs the script against both servers and compares every answer.
pub async fn compare(axum_bin: &str, actix_bin: &str) {
    let (sa, sb) = (
        Server::start(axum_bin).await,
        Server::start(actix_bin).await,
    );
    seed(&sa).await;
    seed(&sb).await;

    // Anonymous script.
    let (mut ba, mut bb) = (Browser::new(&sa), Browser::new(&sb));
    let (pa, pb) = (
        run_steps(&mut ba, STEPS).await,
        run_steps(&mut bb, STEPS).await,
    );
    for (i, (a, b)) in pa.iter().zip(&pb).enumerate() {
        let (m, p, ..) = STEPS[i];
        assert_same(&format!("anonymous {m} {p}"), a, &sa, b, &sb);
    }
    let statuses: std::collections::BTreeSet<u16> = pa.iter().map(|p| p.status).collect();
    for expected in [200, 303, 400, 401, 403, 404, 405, 415] {
        assert!(
            statuses.contains(&expected),
            "the script covers status {expected}: {statuses:?}"
        );
    }

    // Log in as each kind of user and walk the guarded routes.
    for (user, pw) in [
        ("plain", PW),
        ("writer", PW),
        ("editor", PW),
        ("staffer", PW),
        ("root", PW),
        ("ghost", PW),
        ("plain", "wrong"),
    ] {
        let (mut ba, mut bb) = (Browser::new(&sa), Browser::new(&sb));
        let ra = ba
            .submit(
                "/login?next=/protected",
                &[("username", user), ("password", pw)],
            )
            .await;
        let rb = bb
            .submit(
                "/login?next=/protected",
                &[("username", user), ("password", pw)],
            )
            .await;
        assert_same(&format!("login {user}"), &ra, &sa, &rb, &sb);
        for path in [
            "/",
            "/protected",
            "/reports",
            "/editor",
            "/admin-tools",
            "/superuser",
            "/api/me",
            "/login",
        ] {
            let (a, b) = (ba.get(path).await, bb.get(path).await);
            assert_same(&format!("{user} GET {path}"), &a, &sa, &b, &sb);
        }
        for (ct, body) in [
            ("application/json", &br#"{"title":"t"}"#[..]),
            ("application/x-www-form-urlencoded", b"title=t"),
            ("application/json", b"nope"),
        ] {
            let a = ba
                .request("POST", "/posts", Some(ct), body.to_vec(), &[])
                .await;
            let b = bb
                .request("POST", "/posts", Some(ct), body.to_vec(), &[])
                .await;
            assert_same(&format!("{user} POST /posts {ct}"), &a, &sa, &b, &sb);
        }
        let (a, b) = (
            ba.request(
                "POST",
                "/posts/9/publish",
                None,
                vec![],
                &[("accept", "application/json")],
            )
            .await,
            bb.request(
                "POST",
                "/posts/9/publish",
                None,
                vec![],
                &[("accept", "application/json")],
            )
            .await,
        );
        assert_same(&format!("{user} publish"), &a, &sa, &b, &sb);
        if ba.session().is_some() {
            let pa = ba.visit("/protected").await.form_fields();
            let pb = bb.visit("/protected").await.form_fields();
            let (a, b) = (
                ba.post_form("/logout", &pa).await,
                bb.post_form("/logout", &pb).await,
            );
            assert_same(&format!("{user} logout"), &a, &sa, &b, &sb);
        }
    }

    // Registration, with errors and then for real.
    let (mut ba, mut bb) = (Browser::new(&sa), Browser::new(&sb));
    for values in [
        &[
            ("username", "bad name"),
            ("email", "x"),
            ("password", "short"),
            ("confirm_password", "no"),
        ][..],
        &[
            ("username", "plain"),
            ("email", "new@example.com"),
            ("password", PW),
            ("confirm_password", PW),
        ],
        &[
            ("username", "twin"),
            ("email", "twin@example.com"),
            ("password", PW),
            ("confirm_password", PW),
        ],
    ] {
        let a = ba.submit("/register", values).await;
        let b = bb.submit("/register", values).await;
        assert_same(&format!("register {:?}", values[0]), &a, &sa, &b, &sb);
        let (a, b) = (ba.follow(a).await, bb.follow(b).await);
        assert_same("after register", &a, &sa, &b, &sb);
    }

    // Password reset request and its mail.
    let a = ba
        .submit("/password-reset", &[("email", "twin@example.com")])
        .await;
    let b = bb
        .submit("/password-reset", &[("email", "twin@example.com")])
        .await;
    assert_same("reset request", &a, &sa, &b, &sb);
    for _ in 0..100 {
        if !sa.mails().is_empty() && !sb.mails().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (ma, mb) = (sa.mails(), sb.mails());
    assert_eq!(ma.len(), 1);
    assert_eq!(mb.len(), 1);
    let strip = |m: &str, s: &Server| {
        let m = normalize(m, &s.base, &s.addr);
        m.lines()
            .filter(|l| !l.starts_with("Date:"))
            .map(|l| {
                if l.contains("/confirm/") {
                    l.rsplit_once('/').map_or(l, |(h, _)| h)
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&ma[0], &sa), strip(&mb[0], &sb), "reset mails differ");
}
