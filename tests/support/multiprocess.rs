//! Several app processes sharing PostgreSQL (users, permissions) and Redis (sessions): one
//! axum and one actix-web process of the example, behind no load balancer, hit in turn.

use auth_tests::deps::auth_core;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use auth_tests::blackbox::PW;
use auth_tests::server::{Browser, Server};

/// The environment that points a process at shared PostgreSQL and Redis.
pub struct Shared {
    pub database_url: String,
    pub schema: String,
    pub session_url: String,
    pub prefix: String,
}

impl Shared {
    /// A fresh schema and key prefix on the given servers.
    pub fn new(database_url: &str, session_url: &str) -> Shared {
        let tag = auth_core::SessionId::generate().as_str()[..10]
            .to_lowercase()
            .replace('-', "_");
        Shared {
            database_url: database_url.into(),
            schema: format!("mp_{tag}"),
            session_url: session_url.into(),
            prefix: format!("mp-{tag}:"),
        }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("DATABASE_URL", self.database_url.as_str()),
            ("AUTH_DB_SCHEMA", self.schema.as_str()),
            ("SESSION_URL", self.session_url.as_str()),
            ("SESSION_PREFIX", self.prefix.as_str()),
            ("AUTH_SECRET_KEY", "shared-secret-of-the-cluster"),
        ]
    }

    /// Starts one process of each example on these servers.
    pub async fn start(&self, axum_bin: &str, actix_bin: &str) -> (Server, Server) {
        let a = Server::start_with(axum_bin, &self.env()).await;
        let b = Server::start_with(actix_bin, &self.env()).await;
        (a, b)
    }
}

/// Logs out through the logout button of the protected page.
pub async fn logout(b: &mut Browser) -> u16 {
    let page = b.get("/protected").await;
    let fields = page.form_fields();
    b.post_form("/logout", &fields).await.status
}

/// A session made on one process works on the other; a logout, a password change and a
/// deactivation on one are seen at once on the other.
pub async fn sessions_are_shared(a: &Server, b: &Server) {
    for name in ["mp_alice", "mp_bob"] {
        auth_tests::blackbox::seed_one(a, name).await;
    }
    // Log in on A, use the session on B.
    let mut alice = Browser::new(a);
    alice.login("mp_alice", PW).await;
    alice.switch_to(b);
    assert_eq!(
        alice.me().await,
        (200, Some("mp_alice".into())),
        "the session made on A works on B"
    );
    // Logout on B is seen on A at once.
    let cookie = alice.session().unwrap();
    assert_eq!(logout(&mut alice).await, 303);
    let mut replay = Browser::new(a);
    replay.jar.insert("sessionid".into(), cookie);
    assert_eq!(replay.me().await.0, 401, "logged out on B, anonymous on A");

    // A password change through A ends the sessions that B serves.
    let mut bob = Browser::new(b);
    bob.login("mp_bob", PW).await;
    assert_eq!(bob.me().await.0, 200);
    a.admin(&[
        "changepassword",
        "--username",
        "mp_bob",
        "--password",
        "a changed password",
    ])
    .await;
    assert_eq!(
        bob.me().await.0,
        401,
        "password changed elsewhere: session ended"
    );
    bob.switch_to(a);
    assert_eq!(bob.me().await.0, 401);

    // Deactivation: log in on A with the new password, deactivate, both deny.
    let mut bob = Browser::new(a);
    bob.login("mp_bob", "a changed password").await;
    b.admin(&["deactivate", "--username", "mp_bob"]).await;
    assert_eq!(bob.me().await.0, 401);
    bob.switch_to(b);
    assert_eq!(bob.me().await.0, 401);
}

/// Counters of the load run.
#[derive(Default)]
pub struct Counts {
    pub requests: AtomicU64,
    pub logins: AtomicU64,
    pub reads: AtomicU64,
    pub logouts: AtomicU64,
    pub wrong_user: AtomicU64,
    pub lost_sessions: AtomicU64,
    pub stale_after_logout: AtomicU64,
    pub server_errors: AtomicU64,
}

/// A bounded mixed load across both processes for `secs` seconds with `users` virtual users:
/// log in on one process, read `/api/me` alternating processes (it must name the user),
/// log out on one, check the old cookie is anonymous on the other.
pub async fn mixed_load(a: &Server, b: &Server, users: usize, secs: u64) -> Arc<Counts> {
    for i in 0..users {
        let name = format!("vu{i}");
        a.admin(&["createuser", "--username", &name, "--password", PW])
            .await;
    }
    let counts = Arc::new(Counts::default());
    let deadline = Instant::now() + Duration::from_secs(secs);
    let servers = [
        (a.base.clone(), a.addr.clone()),
        (b.base.clone(), b.addr.clone()),
    ];
    let mut tasks = Vec::new();
    for i in 0..users {
        let counts = counts.clone();
        let servers = servers.clone();
        let mut browser = Browser::new(a);
        tasks.push(tokio::spawn(async move {
            let name = format!("vu{i}");
            let mut round = i;
            while Instant::now() < deadline {
                round += 1;
                let (first, second) = (&servers[round % 2], &servers[(round + 1) % 2]);
                browser.jar.clear();
                browser.retarget(&first.0, &first.1);
                let login_page = browser.get("/login").await;
                let r = browser
                    .post_form("/login", &{
                        let mut f = login_page.form_fields();
                        f.insert("username".into(), name.clone());
                        f.insert("password".into(), PW.into());
                        f
                    })
                    .await;
                counts.requests.fetch_add(2, Relaxed);
                counts.logins.fetch_add(1, Relaxed);
                if r.status >= 500 {
                    counts.server_errors.fetch_add(1, Relaxed);
                    continue;
                }
                assert_eq!(r.status, 303, "login of {name}");
                for k in 0..4 {
                    let target = if k % 2 == 0 { second } else { first };
                    browser.retarget(&target.0, &target.1);
                    let r = browser.me_page().await;
                    counts.requests.fetch_add(1, Relaxed);
                    counts.reads.fetch_add(1, Relaxed);
                    match r.status {
                        200 if r.json()["username"] == name.as_str() => {}
                        200 => {
                            counts.wrong_user.fetch_add(1, Relaxed);
                        }
                        401 => {
                            counts.lost_sessions.fetch_add(1, Relaxed);
                        }
                        s if s >= 500 => {
                            counts.server_errors.fetch_add(1, Relaxed);
                        }
                        _ => {}
                    }
                }
                let cookie = browser.session();
                browser.retarget(&second.0, &second.1);
                let status = logout(&mut browser).await;
                counts.requests.fetch_add(2, Relaxed);
                counts.logouts.fetch_add(1, Relaxed);
                if status >= 500 {
                    counts.server_errors.fetch_add(1, Relaxed);
                }
                if let Some(cookie) = cookie {
                    browser.jar.clear();
                    browser.jar.insert("sessionid".into(), cookie);
                    browser.retarget(&first.0, &first.1);
                    let r = browser.me_page().await;
                    counts.requests.fetch_add(1, Relaxed);
                    if r.status != 401 {
                        counts.stale_after_logout.fetch_add(1, Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    counts
}

/// A private Redis server on a free port, which the fault test may stop and start.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut r = PrivateRedis { port, child: None };
        r.restart();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (installed on this machine kind)");
        self.child = Some(child);
        wait_port(self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nothing listens on {port}");
}

/// A private PostgreSQL cluster (initdb as the `postgres` user) on a free port.
pub struct PrivatePostgres {
    pub port: u16,
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
}

impl PrivatePostgres {
    pub fn start() -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("auth-pg-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        run_as_postgres(&["chown", "-R", "postgres", dir.to_str().unwrap()], false);
        let data = dir.join("data");
        run_as_postgres(
            &[
                bin.join("initdb").to_str().unwrap(),
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
            true,
        );
        let pg = PrivatePostgres { port, dir, bin };
        pg.restart();
        pg
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.join("data");
        let mut all = vec![
            self.bin.join("pg_ctl").to_str().unwrap().to_owned(),
            "-D".into(),
            data.to_str().unwrap().to_owned(),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run_as_postgres(&refs, true);
    }

    pub fn restart(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        self.pg_ctl(&["-o", &opts, "-l", log.to_str().unwrap(), "-w", "start"]);
    }

    pub fn stop(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = std::process::Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                self.bin.join("pg_ctl").to_str().unwrap(),
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run_as_postgres(args: &[&str], as_postgres: bool) {
    let out = if as_postgres {
        std::process::Command::new("runuser")
            .arg("-u")
            .arg("postgres")
            .arg("--")
            .args(args)
            .output()
    } else {
        std::process::Command::new(args[0])
            .args(&args[1..])
            .output()
    }
    .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the fault test saw while a server was down, and how long recovery took.
#[derive(Debug, Default)]
pub struct Outage {
    /// Guarded requests sent while the server was down.
    pub requests: u64,
    /// Of those, answered 200 (must be 0: no guarded route without a check).
    pub ok: u64,
    /// Answered 503 (API) or 303 to the login page (HTML).
    pub failed_closed: u64,
    /// From the restart until a fresh login and a guarded read succeed.
    pub recovery: Duration,
}

/// A server the fault test can take down and bring back.
pub trait Downable {
    /// Stops it.
    fn down(&mut self);
    /// Starts it again.
    fn up(&mut self);
}

impl Downable for PrivateRedis {
    fn down(&mut self) {
        self.stop();
    }
    fn up(&mut self) {
        self.restart();
    }
}

impl Downable for PrivatePostgres {
    fn down(&mut self) {
        self.stop();
    }
    fn up(&mut self) {
        self.restart();
    }
}

/// Hammers guarded routes while `server` is down, then brings it back and measures how long
/// until a full login + guarded read works again.
pub async fn outage(a: &Server, b: &Server, user: &str, server: &mut dyn Downable) -> Outage {
    let mut html = Browser::new(a);
    html.login(user, PW).await;
    let mut api = Browser::api(b);
    api.jar = html.jar.clone();
    assert_eq!(api.me().await.0, 200);
    server.down();
    let mut o = Outage::default();
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        for (browser, path, accept) in [
            (&mut html, "/protected", "text/html"),
            (&mut api, "/api/me", "application/json"),
        ] {
            let r = browser
                .request("GET", path, None, vec![], &[("accept", accept)])
                .await;
            o.requests += 1;
            match r.status {
                200 => o.ok += 1,
                503 => o.failed_closed += 1,
                303 if r.location().is_some_and(|l| l.starts_with("/login")) => {
                    o.failed_closed += 1
                }
                other => panic!("{path} answered {other} during the outage: {}", r.body),
            }
        }
    }
    server.up();
    let restarted = Instant::now();
    loop {
        let mut fresh = Browser::new(b);
        let page = fresh.get("/login").await;
        if page.status == 200 {
            let mut f = page.form_fields();
            f.insert("username".into(), user.into());
            f.insert("password".into(), PW.into());
            let r = fresh.post_form("/login", &f).await;
            if r.status == 303 && fresh.me().await.0 == 200 {
                break;
            }
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(30),
            "no recovery within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    o.recovery = restarted.elapsed();
    o
}
