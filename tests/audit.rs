//! Audit events: every security event is logged through `tracing`, and no password, token or
//! session id ever appears in the log.

use std::sync::{Arc, Mutex};

use auth_axum::{
    Auth, AuthLayer, AuthPages, add_auth_pages_with, login_required, permission_required,
};
use auth_pages::mail::{Email, MailError, Mailer};
use auth_tests::clients::AxumApp;
use auth_tests::pages::{Session, token_in};
use auth_tests::{Client, Req, fixture_with};
use axum::Router;
use axum::extract::Form;
use axum::routing::{get, post};
use serde::Deserialize;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// This thread's log, as text, from now until the guard drops.
fn capture() -> (Buffer, tracing::subscriber::DefaultGuard) {
    let log = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    (log, tracing::subscriber::set_default(subscriber))
}

#[derive(Clone, Default)]
struct Outbox(Arc<Mutex<Vec<Email>>>);

#[auth_core::async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

#[permission_required("blog.publish_post")]
async fn publish(_auth: Auth) -> &'static str {
    "published"
}

#[derive(Deserialize)]
struct Change {
    old: String,
    new: String,
}

#[login_required]
async fn change(mut auth: Auth, Form(f): Form<Change>) -> &'static str {
    auth.change_password(&f.old, &f.new, &f.new)
        .await
        .map(|_| "changed")
        .unwrap_or("refused")
}

const PW1: &str = "first secret phrase";
const PW2: &str = "second secret phrase";
const PW3: &str = "third secret phrase";

#[tokio::test]
async fn security_events_are_logged_without_secrets() {
    let (log, _guard) = capture();

    let config = auth_core::AuthConfig {
        secret_key: "audit-secret".into(),
        site_origin: Some("http://testserver".into()),
        login_failures_per_client: 2,
        ..Default::default()
    };
    let f = fixture_with(config.clone()).await;
    let outbox = Outbox::default();
    let routes = Router::new()
        .route("/publish", get(publish))
        .route("/change", post(change));
    let app = AxumApp(
        add_auth_pages_with(routes, &config, AuthPages::new().mailer(outbox.clone()))
            .layer(AuthLayer::new(f.service.clone())),
    );
    let mut secrets: Vec<String> = vec![PW1.into(), PW2.into(), PW3.into(), "wrong guess".into()];

    let mut s = Session::new(&app);
    let r = s
        .submit(
            "/register",
            "/register",
            &[
                ("username", "auditor"),
                ("email", "auditor@example.com"),
                ("password", PW1),
                ("confirm_password", PW1),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    s.submit(
        "/login",
        "/login",
        &[("username", "auditor"), ("password", "wrong guess")],
    )
    .await;
    let r = s
        .submit(
            "/login",
            "/login",
            &[("username", "auditor"), ("password", PW1)],
        )
        .await;
    assert_eq!(r.status, 303);
    let other = auth_tests::login_cookie(
        &f.service,
        &auth_core::UserStore::find_by_username(f.service.users().as_ref(), "auditor")
            .await
            .unwrap()
            .unwrap(),
    )
    .await;
    secrets.push(other.trim_start_matches("sessionid=").to_owned());
    assert_eq!(s.send(Req::get("/publish")).await.status, 403);
    let r = s
        .send(Req::post("/change").form(&format!(
            "old={}&new={}",
            PW1.replace(' ', "+"),
            PW2.replace(' ', "+")
        )))
        .await;
    assert_eq!(r.body, "changed");
    // The other session is now invalid; loading it ends it.
    let r = app.send(Req::get("/publish").cookie(&other)).await;
    assert_eq!(r.status, 303);
    for v in s.jar_values() {
        secrets.push(v);
    }
    let page = s.send(Req::get("/login")).await;
    secrets.push(token_in(&page.body).unwrap());
    let r = s
        .send(
            Req::post("/logout")
                .form(&format!("csrf_token={}", token_in(&page.body).unwrap()))
                .header("origin", "http://testserver"),
        )
        .await;
    assert_eq!(r.status, 303);

    // Reset: request, follow the link, set a password.
    let mut r2 = Session::new(&app);
    let r = r2
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "auditor@example.com")],
        )
        .await;
    assert_eq!(r.status, 303);
    for _ in 0..100 {
        if !outbox.0.lock().unwrap().is_empty() {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mail = outbox.0.lock().unwrap()[0].body.clone();
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/confirm/"))
        .unwrap()
        .to_owned();
    let path = link.trim_start_matches("http://testserver").to_owned();
    secrets.push(path.rsplit('/').next().unwrap().to_owned());
    let r = r2.send(Req::get(&path).html()).await;
    let form = r.header("location").unwrap().to_owned();
    let r = r2
        .submit(
            &form,
            &form,
            &[("new_password", PW3), ("confirm_password", PW3)],
        )
        .await;
    assert_eq!(r.status, 303);

    // Lockout.
    let mut r3 = Session::new(&app);
    for _ in 0..3 {
        r3.submit(
            "/login",
            "/login",
            &[("username", "auditor"), ("password", "wrong guess")],
        )
        .await;
    }

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    for event in [
        "event=\"registered\"",
        "event=\"login_failed\"",
        "event=\"login\"",
        "event=\"permission_denied\"",
        "event=\"password_changed\"",
        "event=\"session_invalidated\"",
        "event=\"logout\"",
        "event=\"password_reset_requested\"",
        "event=\"password_reset\"",
        "event=\"lockout\"",
    ] {
        assert!(text.contains(event), "missing {event} in the log:\n{text}");
    }
    for secret in &secrets {
        assert!(secret.len() >= 8, "{secret}");
        assert!(
            !text.contains(secret.as_str()),
            "the log contains a secret ({secret}):\n{text}"
        );
    }
}

/// Waits for the `n`th mail of `outbox` (1-based) and returns its link's path.
async fn nth_link(outbox: &Outbox, n: usize) -> String {
    for _ in 0..200 {
        if outbox.0.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mail = outbox.0.lock().unwrap()[n - 1].body.clone();
    mail.split_whitespace()
        .find(|w| w.starts_with("http://testserver/"))
        .unwrap_or_else(|| panic!("no link in {mail}"))
        .trim_start_matches("http://testserver")
        .to_owned()
}

#[tokio::test]
async fn account_lifecycle_events_are_logged_without_secrets() {
    let (log, _guard) = capture();
    let config = auth_core::AuthConfig {
        secret_key: "audit-secret".into(),
        site_origin: Some("http://testserver".into()),
        require_email_verification: true,
        email_change_enabled: true,
        account_deletion: auth_core::config::AccountDeletion::Delete,
        ..Default::default()
    };
    let f = fixture_with(config.clone()).await;
    let outbox = Outbox::default();
    let app = AxumApp(
        add_auth_pages_with(
            Router::new(),
            &config,
            AuthPages::new().mailer(outbox.clone()),
        )
        .layer(AuthLayer::new(f.service.clone())),
    );
    let mut s = Session::new(&app);
    let r = s
        .submit(
            "/register",
            "/register",
            &[
                ("username", "closer"),
                ("email", "closer@example.com"),
                ("password", PW1),
                ("confirm_password", PW1),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let verify = nth_link(&outbox, 1).await;
    assert_eq!(s.submit(&verify, &verify, &[]).await.status, 303);
    let r = s
        .submit(
            "/login",
            "/login",
            &[("username", "closer"), ("password", PW1)],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = s
        .submit(
            "/email-change",
            "/email-change",
            &[("password", PW1), ("new_email", "closer.new@example.com")],
        )
        .await;
    assert_eq!(r.status, 303);
    let change = nth_link(&outbox, 2).await;
    assert_eq!(s.submit(&change, &change, &[]).await.status, 303);
    let r = s
        .submit("/account/delete", "/account/delete", &[("password", PW1)])
        .await;
    assert_eq!(r.status, 303);

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    for event in [
        "event=\"registered\"",
        "event=\"verification_mail_sent\"",
        "event=\"email_verified\"",
        "event=\"email_change_mail_sent\"",
        "event=\"email_changed\"",
        "event=\"account_deleted\"",
    ] {
        assert!(text.contains(event), "missing {event} in the log:\n{text}");
    }
    let mut secrets = vec![PW1.to_owned()];
    for link in [&verify, &change] {
        secrets.push(link.rsplit('/').next().unwrap().to_owned());
    }
    secrets.extend(s.jar_values());
    for secret in &secrets {
        assert!(secret.len() >= 8, "{secret}");
        assert!(
            !text.contains(secret.as_str()),
            "the log contains a secret ({secret}):\n{text}"
        );
    }
}
