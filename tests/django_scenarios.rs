//! Scenarios from Django's `tests/auth_tests` (tokens, hashers, validators, views, middleware)
//! and `tests/utils_tests/test_http.py` (the open-redirect URL lists), ported to this toolkit.
//! Each test names the Django test it follows. HTTP scenarios run against both adapters.

use std::sync::{Arc, Mutex};

use actix_web::{App, test as atest};
use auth_core::{AuthConfig, User, password, reset, validators};
use auth_pages::mail::{Email, MailError, Mailer};
use auth_tests::clients::{ActixApp, AxumApp};
use auth_tests::pages::{Session, token_in};
use auth_tests::{Client, PASSWORD, Req, fixture_with};

// ---- tokens (auth_tests/test_tokens.py) ----

fn user() -> User {
    let mut u = User::new(7, "tokentestuser");
    u.email = "test2@example.com".into();
    u.password_hash = password::hash("testpw").unwrap();
    u.date_joined = time::OffsetDateTime::UNIX_EPOCH;
    u
}

/// TokenGeneratorTest.test_make_token
#[test]
fn make_token() {
    let u = user();
    let now = 1_900_000_000;
    let t = reset::make_token(b"secret", &u, now);
    assert!(reset::check_token(b"secret", &u, &t, now, 3 * 86400));
}

/// TokenGeneratorTest.test_timeout: valid just before the timeout, invalid just after.
#[test]
fn token_timeout() {
    let u = user();
    let now = 1_900_000_000;
    let t = reset::make_token(b"secret", &u, now);
    assert!(reset::check_token(
        b"secret",
        &u,
        &t,
        now + 86400 * 3,
        86400 * 3
    ));
    assert!(!reset::check_token(
        b"secret",
        &u,
        &t,
        now + 86400 * 3 + 1,
        86400 * 3
    ));
}

/// TokenGeneratorTest.test_check_token_with_nonexistent_token_and_user / test_token_with_different_secret
#[test]
fn token_with_different_secret_or_garbage() {
    let u = user();
    let t = reset::make_token(b"secret", &u, 1_900_000_000);
    assert!(!reset::check_token(
        b"other-secret",
        &u,
        &t,
        1_900_000_000,
        100
    ));
    assert!(!reset::check_token(b"secret", &u, "", 1_900_000_000, 100));
    assert!(!reset::check_token(
        b"secret",
        &u,
        "not-a-token",
        1_900_000_000,
        100
    ));
}

/// TokenGeneratorTest.test_token_with_different_email: changing the email invalidates it.
#[test]
fn token_with_different_email() {
    let u = user();
    let t = reset::make_token(b"secret", &u, 1_900_000_000);
    let mut moved = u.clone();
    moved.email = "test2@example.org".into();
    assert!(!reset::check_token(
        b"secret",
        &moved,
        &t,
        1_900_000_000,
        100
    ));
}

// ---- hashers (auth_tests/test_hashers.py) ----

/// TestUtilsHashPass.test_simple and test_unusable
#[test]
fn hashers_simple_and_unusable() {
    let encoded = password::hash("lètmein").unwrap();
    assert!(password::is_usable(&encoded));
    assert_eq!(password::verify("lètmein", &encoded), Ok(true));
    assert_eq!(password::verify("lètmeinz", &encoded), Ok(false));
    // Empty passwords hash and verify like any other.
    let blank = password::hash("").unwrap();
    assert_eq!(password::verify("", &blank), Ok(true));
    assert_eq!(password::verify(" ", &blank), Ok(false));
    let unusable = password::make_unusable();
    assert!(!password::is_usable(&unusable));
    assert_eq!(password::verify("", &unusable), Ok(false));
    assert_eq!(password::verify(&unusable, &unusable), Ok(false));
    assert!(!password::needs_rehash(&unusable));
}

/// TestUtilsHashPass.test_pbkdf2_upgrade / test_low_level_pbkdf2: weaker parameters need a rehash.
#[test]
fn older_formats_must_be_upgraded() {
    assert!(password::needs_rehash("pbkdf2_sha256$260000$salt$aGFzaA=="));
    assert!(password::needs_rehash(
        "md5$salt$0123456789abcdef0123456789abcdef"
    ));
    assert!(!password::needs_rehash(&password::hash("x").unwrap()));
}

// ---- validators (auth_tests/test_validators.py) ----

/// MinimumLengthValidatorTest, NumericPasswordValidatorTest, CommonPasswordValidatorTest,
/// UserAttributeSimilarityValidatorTest.
#[test]
fn validators_as_django() {
    let cfg = AuthConfig::default();
    let v =
        |pw: &str, user: &str, email: &str| validators::validate_password(&cfg, pw, user, email);
    assert!(
        v("98124a7z", "", "").is_empty(),
        "8 characters, not numeric, not common"
    );
    let short_numeric = v("8127364", "", "");
    assert!(
        short_numeric.iter().any(|m| m.contains("too short")),
        "{short_numeric:?}"
    );
    assert!(short_numeric.contains(&cfg.messages.password_entirely_numeric));
    assert_eq!(
        v("42424242", "", ""),
        vec![cfg.messages.password_entirely_numeric.clone()]
    );
    assert!(v("4242x4242", "", "").is_empty());
    assert_eq!(
        v("godzilla", "", ""),
        vec![cfg.messages.password_too_common.clone()]
    );
    assert_eq!(
        v("GODZILLA", "", ""),
        vec![cfg.messages.password_too_common.clone()],
        "case-insensitive"
    );
    assert!(
        !v("testclient", "testclient", "").is_empty(),
        "identical to the username"
    );
    assert!(
        !v("example.com", "", "testclient@example.com").is_empty(),
        "a part of the email"
    );
    let lax = AuthConfig {
        password_max_similarity_percent: 100,
        ..AuthConfig::default()
    };
    assert!(
        validators::validate_password(&lax, "testclient2", "testclient", "").is_empty(),
        "below 100%"
    );
}

// ---- open redirects (utils_tests/test_http.py, URLHasAllowedHostAndSchemeTests) ----
// The full lists run in auth-core's redirect unit tests; here a sample goes through the login
// view of both adapters (views: LoginTest.test_security_check).

const BAD_NEXT: &[&str] = &[
    "http://example.com",
    "http:///example.com",
    "https://example.com",
    "ftp://example.com",
    "///example.com",
    "//example.com",
    "javascript:alert(\"XSS\")",
    "\\\\example.com",
    "/\\/example.com",
];
const GOOD_NEXT: &[&str] = &[
    "/view/?param=http://example.com",
    "/view/?param=https://example.com",
    "/url%20with%20spaces/",
    "/custom/",
];

#[derive(Clone, Default)]
struct Outbox(Arc<Mutex<Vec<Email>>>);

#[auth_core::async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

fn config() -> AuthConfig {
    AuthConfig {
        secret_key: "django-scenarios-secret".into(),
        site_origin: Some("https://shop.example".into()),
        // The test client's pages are served as http://testserver.
        csrf_trusted_origins: vec!["http://testserver".into()],
        ..AuthConfig::default()
    }
}

async fn axum_app(outbox: &Outbox) -> AxumApp {
    let f = fixture_with(config()).await;
    let pages = auth_pages::AuthPages::new().mailer(outbox.clone());
    AxumApp(
        auth_axum::add_auth_pages_with(axum::Router::new(), &config(), pages)
            .layer(auth_axum::AuthLayer::new(f.service)),
    )
}

macro_rules! both {
    ($scenario:ident) => {{
        let outbox = Outbox::default();
        $scenario(&axum_app(&outbox).await, &outbox).await;
        let outbox = Outbox::default();
        let f = fixture_with(config()).await;
        let pages = auth_pages::AuthPages::new().mailer(outbox.clone());
        let app = atest::init_service(
            App::new()
                .configure(auth_actix::add_auth_pages_with(&config(), pages))
                .wrap(auth_actix::AuthMiddleware::new(f.service)),
        )
        .await;
        $scenario(&ActixApp(app), &outbox).await;
    }};
}

async fn login_security_check(c: &impl Client, _: &Outbox) {
    for next in BAD_NEXT {
        let mut s = Session::new(c);
        let q = format!("/login?next={}", auth_core::http::percent_encode(next));
        let r = s
            .submit(&q, &q, &[("username", "alice"), ("password", PASSWORD)])
            .await;
        assert_eq!(
            (r.status, r.header("location")),
            (303, Some("/")),
            "{next:?} must not be the target"
        );
    }
    for next in GOOD_NEXT {
        let mut s = Session::new(c);
        let q = format!("/login?next={}", auth_core::http::percent_encode(next));
        let r = s
            .submit(&q, &q, &[("username", "alice"), ("password", PASSWORD)])
            .await;
        assert_eq!(r.header("location"), Some(*next), "{next:?} is safe");
    }
}

/// LoginTest.test_security_check
#[actix_web::test]
async fn login_view_security_check() {
    both!(login_security_check);
}

async fn login_rotates_csrf_and_session(c: &impl Client, _: &Outbox) {
    let mut s = Session::new(c);
    let before = s.send(Req::get("/login").html()).await;
    let token_before = token_in(&before.body).unwrap();
    s.submit(
        "/login",
        "/login",
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    let after = s.send(Req::get("/login").html()).await;
    let token_after = token_in(&after.body).unwrap();
    assert_ne!(token_before, token_after, "CSRF token rotates on login");
    // The pre-login token no longer works.
    let r = s
        .send(
            Req::post("/logout")
                .form(&format!("csrf_token={token_before}"))
                .header("origin", "http://testserver"),
        )
        .await;
    assert_eq!(r.status, 403);
}

/// LoginTest.test_login_csrf_rotate and test_session_key_flushed_on_login
#[actix_web::test]
async fn login_csrf_rotate() {
    both!(login_rotates_csrf_and_session);
}

async fn logout_needs_post_and_is_not_cached(c: &impl Client, _: &Outbox) {
    let mut s = Session::new(c);
    s.submit(
        "/login",
        "/login",
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    let r = s.send(Req::get("/logout")).await;
    assert_eq!(r.status, 405, "GET never logs out");
    assert_eq!(r.header("allow"), Some("POST"));
    let page = s.send(Req::get("/login").html()).await;
    let r = s
        .send(
            Req::post("/logout")
                .form(&format!("csrf_token={}", token_in(&page.body).unwrap()))
                .header("origin", "http://testserver"),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

/// LogoutTest.test_logout_with_get / test_logout_doesnt_cache
#[actix_web::test]
async fn logout_with_get_and_no_cache() {
    both!(logout_needs_post_and_is_not_cached);
}

async fn reset_email_found_not_found_poisoned_host(c: &impl Client, outbox: &Outbox) {
    let mut s = Session::new(c);
    let r = s
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "not_a_real_email@email.com")],
        )
        .await;
    assert_eq!(r.status, 303);
    // A forged Host header must not end up in the link.
    let page = s.send(Req::get("/password-reset").html()).await;
    let token = token_in(&page.body).unwrap();
    let r = s
        .send(
            Req::post("/password-reset")
                .form(&format!("csrf_token={token}&email=alice%40example.com"))
                .header("host", "www.evil.example"),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    for _ in 0..200 {
        if !outbox.0.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mails = outbox.0.lock().unwrap().clone();
    assert_eq!(
        mails.len(),
        1,
        "no mail for the unknown address, one for the known"
    );
    assert_eq!(mails[0].to, "alice@example.com");
    assert!(
        mails[0]
            .body
            .contains("https://shop.example/password-reset/confirm/")
    );
    assert!(!mails[0].body.contains("evil"), "test_poisoned_http_host");
}

/// PasswordResetTest.test_email_not_found / test_email_found / test_poisoned_http_host
#[actix_web::test]
async fn password_reset_email() {
    both!(reset_email_found_not_found_poisoned_host);
}

async fn reset_confirm_invalid_links(c: &impl Client, _: &Outbox) {
    let mut s = Session::new(c);
    for path in [
        "/password-reset/confirm/MQ/1-abcdef", // test_confirm_invalid
        "/password-reset/confirm/MTIzNDU2/1-abcdef", // test_confirm_invalid_user
        "/password-reset/confirm/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ/1-abc", // test_confirm_overflow_user
        "/password-reset/confirm/!!!/x",                                // test_confirm_invalid_uid
        "/password-reset/confirm/MQ/set-password",                      // no token in the session
    ] {
        let r = s.send(Req::get(path).html()).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.body.contains("invalid, expired or already used"),
            "{path}"
        );
    }
    let r = s
        .send(Req::post("/password-reset/confirm/MQ/set-password").form("new_password=x"))
        .await;
    assert_eq!(r.status, 403, "posting without a CSRF token");
}

/// PasswordResetTest.test_confirm_invalid, test_confirm_invalid_user, test_confirm_overflow_user
#[actix_web::test]
async fn password_reset_confirm_invalid() {
    both!(reset_confirm_invalid_links);
}

async fn reset_confirm_flow(c: &impl Client, outbox: &Outbox) {
    let mut s = Session::new(c);
    s.submit(
        "/password-reset",
        "/password-reset",
        &[("email", "bob@example.com")],
    )
    .await;
    for _ in 0..200 {
        if !outbox.0.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let body = outbox.0.lock().unwrap()[0].body.clone();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/confirm/"))
        .unwrap()
        .trim_start_matches("https://shop.example")
        .to_owned();
    // test_reset_redirect: the token leaves the URL.
    let r = s.send(Req::get(&link).html()).await;
    let form = r.header("location").unwrap().to_owned();
    assert!(form.ends_with("/set-password") && !form.contains(link.rsplit('/').next().unwrap()));
    // test_confirm_different_passwords
    let r = s
        .submit(
            &form,
            &form,
            &[("new_password", "anewpassword"), ("confirm_password", "x")],
        )
        .await;
    assert!(r.body.contains("match"), "{}", r.body);
    // test_confirm_complete
    let r = s
        .submit(
            &form,
            &form,
            &[
                ("new_password", "anewpassword"),
                ("confirm_password", "anewpassword"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), Some("/password-reset/complete"));
    // test_confirm_link_redirects_to_set_password_page twice: the link is now invalid.
    let r = Session::new(c).send(Req::get(&link).html()).await;
    assert!(r.body.contains("invalid"));
}

/// PasswordResetTest.test_confirm_complete / test_confirm_different_passwords / test_reset_redirect
#[actix_web::test]
async fn password_reset_confirm_complete() {
    both!(reset_confirm_flow);
}
