//! The SMTP mailer against a real SMTP server (Python's aiosmtpd, started by the test;
//! `.ci/run` installs it from PyPI), alone and behind the password reset page.

use std::process::Stdio;
use std::time::Duration;

use auth_axum::{AuthLayer, AuthPages, add_auth_pages_with};
use auth_pages::mail::{Email, Mailer, SmtpMailer, SmtpTls};
use auth_tests::clients::AxumApp;
use auth_tests::fixture_with;
use auth_tests::pages::Session;

struct Sink {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn aiosmtpd_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("CI is set but aiosmtpd is missing: .ci/run installs it with pip");
        }
        eprintln!("SKIPPED: the SMTP test needs Python's aiosmtpd (pip install aiosmtpd)");
    }
    ok
}

fn start_sink() -> Sink {
    start_sink_with(&["plain"])
}

/// Starts the sink with extra arguments (`starttls`/`tls`, then user and password).
fn start_sink_with(args: &[&str]) -> Sink {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("smtp-sink-{port}"));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp_sink.py");
    #[allow(clippy::zombie_processes)] // reaped in Sink's Drop
    let child = std::process::Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(&dir)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .expect("start the SMTP sink");
    for _ in 0..400 {
        if dir.join("ready").exists() && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Sink { child, port, dir };
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the SMTP sink did not start");
}

fn hello(n: usize) -> Email {
    Email {
        to: "bob@example.com".into(),
        subject: format!("Hello {n}"),
        body: "Over TLS".into(),
    }
}

fn connection_of(mail: &str) -> String {
    mail.lines()
        .find_map(|l| l.strip_prefix("X-Connection: "))
        .unwrap_or_default()
        .to_owned()
}

/// STARTTLS (required) with credentials, against a server whose certificate comes from a
/// private CA the mailer is told to trust; three messages share one connection.
#[tokio::test]
async fn smtp_starttls_with_credentials_and_reused_connections() {
    if !aiosmtpd_available() {
        return;
    }
    let sink = start_sink_with(&["starttls", "mailer", "s3cret"]);
    let ca = std::fs::read(sink.dir.join("ca.pem")).unwrap();
    let mailer = SmtpMailer::new("127.0.0.1", sink.port, "no-reply@shop.example")
        .unwrap()
        .root_certificate_pem(&ca)
        .credentials("mailer", "s3cret");
    for n in 0..3 {
        mailer.send(&hello(n)).await.unwrap();
    }
    let got = wait_for(&sink.dir, 3).await;
    assert_eq!(got.len(), 3);
    for m in &got {
        assert!(m.contains("X-Tls: yes"), "{m}");
        assert!(m.contains("X-Auth-User: mailer"), "{m}");
    }
    assert_eq!(
        connection_of(&got[0]),
        connection_of(&got[2]),
        "one pooled connection"
    );
    // An untrusted certificate and a plain server when TLS is required are each an error,
    // never a silent downgrade.
    let untrusted = SmtpMailer::new("127.0.0.1", sink.port, "no-reply@shop.example")
        .unwrap()
        .credentials("mailer", "s3cret");
    assert!(untrusted.send(&hello(9)).await.is_err());
    let plain = start_sink();
    let needs_tls = SmtpMailer::new("127.0.0.1", plain.port, "no-reply@shop.example").unwrap();
    assert!(
        needs_tls.send(&hello(9)).await.is_err(),
        "STARTTLS is required"
    );
    assert!(received(&plain.dir).is_empty());
    // Credentials never go out in plain text to another machine.
    let err = SmtpMailer::new("192.0.2.1", 25, "no-reply@shop.example")
        .unwrap()
        .tls(SmtpTls::None)
        .credentials("mailer", "s3cret")
        .send(&hello(9))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("without TLS"), "{err}");
}

/// Implicit TLS (SMTPS) from the first byte.
#[tokio::test]
async fn smtp_implicit_tls() {
    if !aiosmtpd_available() {
        return;
    }
    let sink = start_sink_with(&["tls", "mailer", "s3cret"]);
    let ca = std::fs::read(sink.dir.join("ca.pem")).unwrap();
    let mailer = SmtpMailer::new("127.0.0.1", sink.port, "no-reply@shop.example")
        .unwrap()
        .tls(SmtpTls::Implicit)
        .root_certificate_pem(&ca)
        .credentials("mailer", "s3cret");
    mailer.send(&hello(1)).await.unwrap();
    let got = wait_for(&sink.dir, 1).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("X-Tls: yes"), "{}", got[0]);
    assert!(got[0].contains("X-Auth-User: mailer"), "{}", got[0]);
}

fn received(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

async fn wait_for(dir: &std::path::Path, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let got = received(dir);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    received(dir)
}

#[tokio::test]
async fn smtp_mailer_delivers_to_a_real_server() {
    if !aiosmtpd_available() {
        return;
    }
    let sink = start_sink();
    let mailer = SmtpMailer::new("127.0.0.1", sink.port, "Shop <no-reply@shop.example>")
        .unwrap()
        .tls(SmtpTls::None);
    mailer
        .send(&Email {
            to: "bob@example.com".into(),
            subject: "Hello ünïcode".into(),
            body: "Line one\nLine two".into(),
        })
        .await
        .unwrap();
    let got = wait_for(&sink.dir, 1).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(m.contains("X-Envelope-To: bob@example.com"), "{m}");
    assert!(m.contains("From: Shop <no-reply@shop.example>"), "{m}");
    assert!(m.contains("Line one"), "{m}");

    // A server that is not there is a clear error, not a hang.
    let dead = SmtpMailer::new("127.0.0.1", 1, "a@example.com")
        .unwrap()
        .tls(SmtpTls::None);
    let err = dead
        .send(&Email {
            to: "b@example.com".into(),
            subject: "x".into(),
            body: "y".into(),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("mail transport failed"), "{err}");
    assert!(SmtpMailer::new("127.0.0.1", 25, "not an address").is_err());
}

#[tokio::test]
async fn reset_mail_goes_over_smtp_to_the_stored_address() {
    if !aiosmtpd_available() {
        return;
    }
    let sink = start_sink();
    let config = auth_core::AuthConfig {
        secret_key: "smtp-test-secret".into(),
        site_origin: Some("https://shop.example".into()),
        // The test client's pages are served as http://testserver.
        csrf_trusted_origins: vec!["http://testserver".into()],
        ..Default::default()
    };
    let f = fixture_with(config.clone()).await;
    let mailer = SmtpMailer::new("127.0.0.1", sink.port, "no-reply@shop.example")
        .unwrap()
        .tls(SmtpTls::None);
    let app = AxumApp(
        add_auth_pages_with(
            axum::Router::new(),
            &config,
            AuthPages::new().mailer(mailer),
        )
        .layer(AuthLayer::new(f.service.clone())),
    );
    let mut s = Session::new(&app);
    // Typed in another case: the mail goes to the address on record.
    let r = s
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "ALICE@EXAMPLE.COM")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = s
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(r.status, 303);
    let got = wait_for(&sink.dir, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_after = received(&sink.dir);
    assert_eq!(got_after.len(), 1, "one mail: none for the unknown address");
    let m = &got[0];
    assert!(m.contains("X-Envelope-To: alice@example.com"), "{m}");
    assert!(
        m.contains("https://shop.example/password-reset/confirm/"),
        "links use site_origin: {m}"
    );
}
