//! The guard scenarios, written once. Each framework's test file builds an app with the same
//! routes (see `guards_axum.rs` and `guards_actix.rs`) and runs every function here.
//!
//! Routes:
//! - `GET /dashboard`: `#[login_required]`, `impl IntoResponse`/`impl Responder`, "hi {name}"
//! - `GET /fallible?mode=`: `#[login_required]`, `Result<String, AppError>` with `?` and early return
//! - `POST /posts`: `#[login_required]`, JSON body, 201 JSON
//! - `POST /posts/{id}/publish`: `#[permission_required("blog.publish_post")]`, form body, 303
//! - `GET /reports`: `#[login_required]` + `#[group_required("Editors")]` + `#[permission_required("shop.view_reports")]`
//! - `GET /staff`: `#[staff_required(on_denied = sync_hook)]` (hook: 418 "denied {path} anonymous={bool}")
//! - `GET /superuser`: `#[superuser_required(on_denied = async_hook)]` (hook: 402 "async denied")
//! - `GET /elsewhere`: `#[login_required(redirect = "/signin")]`
//! - `GET /no-auth-param`: `#[login_required(adapter = Auth)]`, no Auth parameter
//! - `GET /generic`: a generic `#[login_required]` handler with a where-clause, "generic 0"
//! - `GET /whoami`: unguarded, the username or "anonymous"
//! - `POST /login`: form `username`, `password`; 200 "welcome {name}" or 401
//! - `POST /logout`: logs out, 200 "bye"
//! - `POST /theme`: stores `theme` in the session
//! - `POST /cart/{item}`: `#[login_required]`, a typed `Cart` in the session, answers its items
//! - `GET /moderate`: `#[permission_required("blog.publish_post", "blog.review_post", any)]`
//! - `GET /desk`: `#[user_passes_test(name_starts_with_c)]`
//! - `GET /staff-area/one`, `POST /staff-area/two`: unguarded `whoami` handlers behind a route
//!   layer (axum) / scope middleware (actix-web) requiring staff, `redirect("/signin")`
//! - `GET|POST /hooked`: `#[login_required(on_denied = method_hook)]`: 418 "{method} {x-client} cookie=seen|hidden"
//! - `GET /theme-as-cart`: reads `theme` as a `Cart`: 500 with the typed error

use crate::{Client, Fixture, PASSWORD, Req};

pub async fn anonymous_html_is_redirected_to_login_with_next(c: &impl Client) {
    let r = c.send(Req::get("/dashboard").html()).await;
    assert_eq!(r.status, 303, "{r:?}");
    assert_eq!(r.location(), Some("/login?next=/dashboard"));
    let r = c.send(Req::get("/reports?tab=q1&x=%2F").html()).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.location(),
        Some("/login?next=/reports%3Ftab%3Dq1%26x%3D%252F")
    );
    // No Accept header at all is a browser-like client: redirect, never 307.
    let r = c.send(Req::get("/dashboard")).await;
    assert_eq!(r.status, 303);
}

pub async fn anonymous_json_gets_401(c: &impl Client) {
    let r = c.send(Req::get("/dashboard").json_client()).await;
    assert_eq!(r.status, 401, "{r:?}");
    let j = r.json();
    assert_eq!(j["error"], "unauthenticated");
    assert_eq!(j["login_url"], "/login");
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let r = c
        .send(Req::get("/dashboard").header("x-requested-with", "XMLHttpRequest"))
        .await;
    assert_eq!(r.status, 401);
}

pub async fn htmx_requests_get_401_with_hx_redirect(c: &impl Client, f: &Fixture) {
    // Anonymous htmx: 401 and HX-Redirect to the login page, back to the page the user is on.
    let r = c
        .send(
            Req::get("/dashboard")
                .header("hx-request", "true")
                .header("hx-current-url", "http://testserver/reports?tab=q1"),
        )
        .await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(
        r.header("hx-redirect"),
        Some("/login?next=/reports%3Ftab%3Dq1")
    );
    assert_eq!(
        r.location(),
        None,
        "no 303 for htmx to swap into the fragment"
    );
    // Without HX-Current-URL, back to the fragment's own path; the guard's `redirect` counts.
    let r = c
        .send(Req::get("/elsewhere").header("hx-request", "true"))
        .await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.header("hx-redirect"), Some("/signin?next=/elsewhere"));
    // HX-Request other than "true" is an ordinary browser request.
    let r = c
        .send(Req::get("/dashboard").html().header("hx-request", "false"))
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/login?next=/dashboard"))
    );
    // Logged in: the guard passes as usual; lacking a permission: the usual 403.
    let r = c
        .send(
            Req::get("/dashboard")
                .header("hx-request", "true")
                .cookie(&f.alice),
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "hi alice"), "{r:?}");
    let r = c
        .send(
            Req::get("/reports")
                .header("hx-request", "true")
                .cookie(&f.alice),
        )
        .await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.header("hx-redirect"), None);
}

pub async fn any_of_permissions(c: &impl Client, f: &Fixture) {
    // bob holds publish_post directly, carol review_post through Editors, root is superuser.
    for (who, cookie) in [("bob", &f.bob), ("carol", &f.carol), ("root", &f.root)] {
        let r = c.send(Req::get("/moderate").cookie(cookie)).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, format!("moderation for {who}").as_str()),
            "{who}: {r:?}"
        );
    }
    let r = c.send(Req::get("/moderate").cookie(&f.alice)).await;
    assert_eq!(r.status, 403, "alice has neither: {r:?}");
    let r = c.send(Req::get("/moderate").html()).await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/login?next=/moderate"))
    );
}

pub async fn predicate_guard(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/desk").cookie(&f.carol)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "desk of carol"), "{r:?}");
    // A logged-in user who fails the test: 403, never a login loop.
    let r = c.send(Req::get("/desk").html().cookie(&f.alice)).await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = c
        .send(Req::get("/desk").json_client().cookie(&f.alice))
        .await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = c.send(Req::get("/desk").html()).await;
    assert_eq!((r.status, r.location()), (303, Some("/login?next=/desk")));
}

pub async fn route_layer_guards_many_routes(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/staff-area/one").html()).await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/signin?next=/staff-area/one")),
        "{r:?}"
    );
    let r = c.send(Req::post("/staff-area/two").json_client()).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.json()["error"], "unauthenticated");
    let r = c
        .send(Req::get("/staff-area/one").header("hx-request", "true"))
        .await;
    assert_eq!(
        (r.status, r.header("hx-redirect")),
        (401, Some("/signin?next=/staff-area/one"))
    );
    let r = c
        .send(Req::get("/staff-area/one").html().cookie(&f.alice))
        .await;
    assert_eq!(r.status, 403, "a logged-in non-staff user: {r:?}");
    for (method, path) in [("GET", "/staff-area/one"), ("POST", "/staff-area/two")] {
        let req = if method == "GET" {
            Req::get(path)
        } else {
            Req::post(path)
        };
        let r = c.send(req.cookie(&f.staff)).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, "staffer"),
            "{method} {path}: {r:?}"
        );
    }
    // Routes outside the layer are untouched.
    let r = c.send(Req::get("/whoami")).await;
    assert_eq!((r.status, r.body.as_str()), (200, "anonymous"));
}

pub async fn hooks_see_method_and_headers(c: &impl Client) {
    let r = c
        .send(
            Req::get("/hooked")
                .header("x-client", "app")
                .cookie("sessionid=forged"),
        )
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (418, "GET app cookie=hidden"),
        "{r:?}"
    );
    let r = c.send(Req::post("/hooked")).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (418, "POST - cookie=hidden"),
        "{r:?}"
    );
}

pub async fn typed_session_values(c: &impl Client, f: &Fixture) {
    for (item, want) in [("3", "3"), ("5", "3,5")] {
        let r = c
            .send(Req::post(&format!("/cart/{item}")).cookie(&f.alice))
            .await;
        assert_eq!((r.status, r.body.as_str()), (200, want), "{r:?}");
    }
    // Another user's session has its own cart.
    let r = c.send(Req::post("/cart/1").cookie(&f.bob)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "1"), "{r:?}");
    // A value stored as another type is an error that names the key, not a silent default.
    let r = c
        .send(Req::post("/theme").form("theme=dark").cookie(&f.carol))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = c.send(Req::get("/theme-as-cart").cookie(&f.carol)).await;
    assert_eq!(r.status, 500, "{r:?}");
    assert!(
        r.body.contains("session value `theme` is not a"),
        "{}",
        r.body
    );
}

pub async fn logged_in_user_passes(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/dashboard").html().cookie(&f.alice)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "hi alice"), "{r:?}");
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "authenticated responses are not cached"
    );
}

pub async fn result_bodies_with_question_mark_and_early_return(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/fallible?mode=ok").cookie(&f.alice)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "fine alice"));
    let r = c
        .send(Req::get("/fallible?mode=fail").cookie(&f.alice))
        .await;
    assert_eq!((r.status, r.body.as_str()), (400, "app error: bad mode"));
    let r = c
        .send(Req::get("/fallible?mode=early").cookie(&f.alice))
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "early"));
    let r = c.send(Req::get("/fallible?mode=ok").html()).await;
    assert_eq!(r.status, 303, "the guard runs before the body");
}

pub async fn json_body_extractor(c: &impl Client, f: &Fixture) {
    let r = c
        .send(
            Req::post("/posts")
                .cookie(&f.alice)
                .json_client()
                .json(r#"{"title":"Hello"}"#),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        r.json(),
        serde_json::json!({"title": "Hello", "owner": "alice"})
    );
    // Anonymous with a broken body: the guard answers, not the body extractor.
    let r = c
        .send(Req::post("/posts").json_client().json("{not json"))
        .await;
    assert_eq!(r.status, 401, "{r:?}");
    let r = c.send(Req::post("/posts").html().form("garbage")).await;
    assert_eq!(r.status, 303, "{r:?}");
    // Logged in with a broken body: now the body extractor answers.
    let r = c
        .send(
            Req::post("/posts")
                .cookie(&f.alice)
                .json_client()
                .json("{not json"),
        )
        .await;
    assert!(
        (400..500).contains(&r.status) && r.status != 401 && r.status != 403,
        "{r:?}"
    );
}

pub async fn form_body_and_permission(c: &impl Client, f: &Fixture) {
    let publish = |cookie: Option<&str>| {
        let mut r = Req::post("/posts/7/publish").html().form("title=Launch");
        if let Some(ck) = cookie {
            r = r.cookie(ck);
        }
        r
    };
    let r = c.send(publish(None)).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=/posts/7/publish"));
    let r = c.send(publish(Some(&f.alice))).await;
    assert_eq!(
        r.status, 403,
        "a logged-in user without the permission: 403, never a login redirect"
    );
    assert!(r.location().is_none());
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let r = c.send(publish(Some(&f.bob))).await;
    assert_eq!(r.status, 303, "{r:?}");
    assert_eq!(r.location(), Some("/posts/7?published=Launch"));
    let r = c.send(publish(Some(&f.root))).await;
    assert_eq!(r.status, 303, "an active superuser has every permission");
    let r = c
        .send(
            Req::post("/posts/7/publish")
                .json_client()
                .cookie(&f.alice)
                .form("title=x"),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"], "forbidden");
}

pub async fn stacked_guards(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/reports").html().cookie(&f.bob)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "reports for bob"),
        "{r:?}"
    );
    let r = c.send(Req::get("/reports").html().cookie(&f.carol)).await;
    assert_eq!(r.status, 403, "in the group but without the permission");
    let r = c.send(Req::get("/reports").html().cookie(&f.alice)).await;
    assert_eq!(r.status, 403, "neither group nor permission");
    let r = c.send(Req::get("/reports").html().cookie(&f.root)).await;
    assert_eq!(
        r.status, 403,
        "superusers are not members of groups they never joined"
    );
    let r = c.send(Req::get("/reports").html()).await;
    assert_eq!(r.status, 303);
}

pub async fn on_denied_hooks_sync_and_async(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/staff?x=1").html()).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (418, "denied /staff?x=1 anonymous=true html")
    );
    let r = c
        .send(Req::get("/staff").json_client().cookie(&f.alice))
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (418, "denied /staff anonymous=false json")
    );
    let r = c.send(Req::get("/staff").cookie(&f.staff)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "staff area"));
    let r = c.send(Req::get("/superuser").cookie(&f.staff)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (402, "async denied superuser status")
    );
    let r = c.send(Req::get("/superuser").cookie(&f.root)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "root area"));
}

pub async fn redirect_option_and_adapter_option(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/elsewhere").html()).await;
    assert_eq!(r.location(), Some("/signin?next=/elsewhere"));
    let r = c.send(Req::get("/elsewhere").html().cookie(&f.alice)).await;
    assert_eq!(r.status, 200);
    let r = c.send(Req::get("/no-auth-param").html()).await;
    assert_eq!(r.status, 303);
    let r = c.send(Req::get("/no-auth-param").cookie(&f.alice)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "no auth param"));
    let r = c.send(Req::get("/generic").cookie(&f.alice)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "generic 0"));
    let r = c.send(Req::get("/generic").json_client()).await;
    assert_eq!(r.status, 401);
}

pub async fn bad_cookies_are_anonymous(c: &impl Client, f: &Fixture) {
    let forged = "sessionid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for cookie in [
        forged,
        "sessionid=not-a-session",
        "sessionid=",
        "sessionid=%00%01",
        "sessionid=../../etc/passwd",
        "=; ; sessionid",
        &format!("{}x", f.alice),
    ] {
        let r = c.send(Req::get("/whoami").cookie(cookie)).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, "anonymous"),
            "cookie {cookie:?}: {r:?}"
        );
        let r = c.send(Req::get("/dashboard").html().cookie(cookie)).await;
        assert_eq!(r.status, 303, "cookie {cookie:?}");
    }
    // A well-formed cookie for a session that does not exist is cleared.
    let r = c.send(Req::get("/whoami").cookie(forged)).await;
    let cleared = r.headers_named("set-cookie");
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("sessionid=;") && c.contains("Max-Age=0")),
        "{r:?}"
    );
}

pub async fn inactive_users_are_anonymous(c: &impl Client, f: &Fixture) {
    let r = c.send(Req::get("/dashboard").html().cookie(&f.dave)).await;
    assert_eq!(r.status, 303, "a deactivated user's session ended");
    let r = c
        .send(Req::post("/login").form(&format!("username=dave&password={}", enc(PASSWORD))))
        .await;
    assert_eq!(r.status, 401, "inactive users cannot log in");
}

pub async fn login_rotates_logout_invalidates_and_replay_fails(c: &impl Client, f: &Fixture) {
    // An anonymous session with a theme.
    let r = c.send(Req::post("/theme").form("theme=dark")).await;
    let anon = r
        .session_cookie()
        .expect("an anonymous session was created");
    // Wrong password, unknown user: the same 401 and body.
    let bad1 = c
        .send(
            Req::post("/login")
                .cookie(&anon)
                .form("username=alice&password=nope"),
        )
        .await;
    let bad2 = c
        .send(
            Req::post("/login")
                .cookie(&anon)
                .form("username=nobody&password=nope"),
        )
        .await;
    assert_eq!((bad1.status, &bad1.body), (bad2.status, &bad2.body));
    assert_eq!(bad1.status, 401);
    // Log in: a new id; the old one is gone; the theme survives.
    let r = c
        .send(
            Req::post("/login")
                .cookie(&anon)
                .form(&format!("username=alice&password={}", enc(PASSWORD))),
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "welcome alice"), "{r:?}");
    let set = r.headers_named("set-cookie").join(" | ");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    let logged = r.session_cookie().expect("login sets a cookie");
    assert_ne!(logged, anon, "the session id rotates on login");
    let r = c.send(Req::get("/whoami").cookie(&anon)).await;
    assert_eq!(r.body, "anonymous", "the pre-login id no longer works");
    let r = c.send(Req::get("/whoami").cookie(&logged)).await;
    assert_eq!(r.body, "alice");
    let r = c.send(Req::get("/theme").cookie(&logged)).await;
    assert_eq!(r.body, "dark");
    // Log out: the server-side session is deleted; replaying the cookie is anonymous.
    let r = c.send(Req::post("/logout").cookie(&logged)).await;
    assert_eq!(r.status, 200);
    let after = r.session_cookie();
    let r = c.send(Req::get("/whoami").cookie(&logged)).await;
    assert_eq!(
        r.body, "anonymous",
        "a replayed cookie after logout is anonymous"
    );
    let r = c.send(Req::get("/dashboard").html().cookie(&logged)).await;
    assert_eq!(r.status, 303);
    // Only the theme was kept, in a new anonymous session.
    let kept = after.expect("logout keeps the theme in a new session");
    assert_ne!(kept, logged);
    let r = c.send(Req::get("/theme").cookie(&kept)).await;
    assert_eq!(r.body, "dark");
    let r = c.send(Req::get("/whoami").cookie(&kept)).await;
    assert_eq!(r.body, "anonymous");
    let _ = f;
}

pub async fn password_change_logs_out_other_sessions(c: &impl Client, f: &Fixture) {
    let login =
        |pw: &str| Req::post("/login").form(&format!("username=carol&password={}", enc(pw)));
    let one = c.send(login(PASSWORD)).await.session_cookie().unwrap();
    let two = c.send(login(PASSWORD)).await.session_cookie().unwrap();
    let r = c
        .send(Req::post("/password").cookie(&one).form(&format!(
            "old={}&new=another+long+password&confirm=another+long+password",
            enc(PASSWORD)
        )))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let rotated = r
        .session_cookie()
        .expect("the changing session gets a new id");
    assert_eq!(
        c.send(Req::get("/whoami").cookie(&two)).await.body,
        "anonymous"
    );
    assert_eq!(
        c.send(Req::get("/whoami").cookie(&one)).await.body,
        "anonymous"
    );
    assert_eq!(
        c.send(Req::get("/whoami").cookie(&rotated)).await.body,
        "carol"
    );
    assert_eq!(
        c.send(Req::get("/whoami").cookie(&f.carol)).await.body,
        "anonymous"
    );
    let r = c
        .send(
            Req::post("/password")
                .cookie(&rotated)
                .form("old=wrong&new=x&confirm=y"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("old password")
            && r.body.contains("too short")
            && r.body.contains("didn't match"),
        "{}",
        r.body
    );
}

pub async fn app_wide_denial_handler(c: &impl Client, f: &Fixture) {
    // Built with the layer's / middleware's on_denied handler.
    let r = c.send(Req::get("/dashboard").html()).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (451, "app-wide: login anonymous=true")
    );
    let r = c.send(Req::get("/reports").cookie(&f.alice)).await;
    assert_eq!(r.status, 451);
    // A guard's own hook still wins.
    let r = c.send(Req::get("/staff").cookie(&f.alice)).await;
    assert_eq!(r.status, 418);
}

pub async fn store_down_fails_closed(c: &impl Client, f: &Fixture) {
    // The session store is down: anonymous HTML is sent to log in, everything else is 503,
    // and no guarded route answers 200.
    let r = c.send(Req::get("/dashboard").html().cookie(&f.alice)).await;
    assert_eq!(r.status, 303, "{r:?}");
    let r = c
        .send(Req::get("/dashboard").json_client().cookie(&f.alice))
        .await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.json()["error"], "unavailable");
    let r = c
        .send(Req::get("/reports").json_client().cookie(&f.bob))
        .await;
    assert_eq!(r.status, 503);
}

fn enc(s: &str) -> String {
    auth_core::http::percent_encode(s)
}

/// One session load and at most one permission read per request, however many guards and
/// `Auth` extractors the handler has. Needs an app over [`crate::CountingStore`] and
/// [`crate::CountingPerms`] where `cookie` is bob's session (in Editors, with
/// `shop.view_reports`).
pub async fn one_session_load_and_one_permission_read_per_request(
    c: &impl Client,
    cookie: &str,
    loads: &std::sync::atomic::AtomicUsize,
    reads: &std::sync::atomic::AtomicUsize,
) {
    use std::sync::atomic::Ordering::SeqCst;
    let (l0, r0) = (loads.load(SeqCst), reads.load(SeqCst));
    let r = c.send(Req::get("/reports").cookie(cookie)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        loads.load(SeqCst) - l0,
        1,
        "one session load for three stacked guards"
    );
    assert_eq!(
        reads.load(SeqCst) - r0,
        1,
        "one permission read for a group and a permission check"
    );
    let r = c.send(Req::get("/dashboard").cookie(cookie)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        reads.load(SeqCst) - r0,
        1,
        "login_required alone reads no permissions"
    );
}
