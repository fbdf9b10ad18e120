//! A real Django 5.2 beside the example apps: `tests/django/djctl.py` (a small Django project
//! with the `blog` and `shop` apps, driven over a JSON-lines pipe) in the virtualenv that
//! `scripts/django-venv.sh` makes, on a fresh SQLite file or PostgreSQL database per test.
//! [`interop`] is the scenario each example app's `tests/django.rs` runs on both databases.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::server::{Browser, Server};

/// Django's `SECRET_KEY` in these tests, shared with the app as `AUTH_SECRET_KEY`.
pub const SECRET: &str = "django-insecure-interop-test-key-0123456789abcdefghijklmnop";
/// Every test user's password.
pub const PW: &str = "correct horse battery";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The virtualenv's Python with Django 5.2: `DJANGO_PYTHON` if set (`.ci/run` sets it), else
/// the one `scripts/django-venv.sh` makes (from PyPI) under `target/`. `None`, said loudly,
/// when this machine has no `python3` to make it with.
pub fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("DJANGO_PYTHON") {
        return Some(PathBuf::from(p));
    }
    static MADE: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        if std::process::Command::new("python3").arg("--version").output().is_err() {
            eprintln!("SKIPPED: the Django interop tests need python3 (to install Django 5.2 from PyPI); none on this machine");
            return None;
        }
        let out = std::process::Command::new("bash")
            .arg(repo().join("scripts/django-venv.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/django-venv.sh");
        assert!(out.status.success(), "scripts/django-venv.sh failed");
        let text = String::from_utf8(out.stdout).unwrap();
        Some(PathBuf::from(text.lines().last().expect("the venv's python").trim()))
    })
    .clone()
}

/// Where the Django project keeps its data for one test.
pub enum DjangoDb {
    /// A fresh SQLite file.
    Sqlite(PathBuf),
    /// A fresh PostgreSQL database on `DATABASE_URL`'s server (dropped by [`DjangoDb::drop_db`]).
    Postgres { admin: String, name: String },
}

impl DjangoDb {
    pub fn sqlite() -> DjangoDb {
        let dir = std::env::temp_dir().join(format!(
            "auth-django-{}",
            auth_core::SessionId::generate().as_str()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        DjangoDb::Sqlite(dir.join("django.db"))
    }

    /// A new database, or `None` (said loudly) without `DATABASE_URL`.
    pub async fn postgres() -> Option<DjangoDb> {
        let Ok(admin) = std::env::var("DATABASE_URL") else {
            eprintln!(
                "SKIPPED: DATABASE_URL is not set; the Django interop test on PostgreSQL did not run"
            );
            return None;
        };
        let name = format!(
            "dj_{}",
            auth_core::SessionId::generate().as_str()[..10]
                .to_ascii_lowercase()
                .replace('-', "_")
        );
        let pool = sqlx::PgPool::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        Some(DjangoDb::Postgres { admin, name })
    }

    /// The URL both Django (`DJANGO_DB`) and the app (`DATABASE_URL`) are given.
    pub fn url(&self) -> String {
        match self {
            DjangoDb::Sqlite(path) => format!("sqlite://{}", path.display()),
            DjangoDb::Postgres { admin, name } => {
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }

    fn django_url(&self) -> String {
        match self {
            DjangoDb::Sqlite(path) => format!("sqlite:///{}", path.display()),
            DjangoDb::Postgres { .. } => self.url(),
        }
    }

    /// Removes the database.
    pub async fn drop_db(self) {
        match self {
            DjangoDb::Sqlite(path) => {
                std::fs::remove_dir_all(path.parent().unwrap()).ok();
            }
            DjangoDb::Postgres { admin, name } => {
                let pool = sqlx::PgPool::connect(&admin).await.unwrap();
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        }
    }
}

/// A running `djctl.py`: Django's ORM, auth and session machinery, one command at a time.
pub struct Django {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Django {
    pub async fn start(python: &Path, db: &DjangoDb) -> Django {
        let mut child = tokio::process::Command::new(python)
            .arg(repo().join("tests/django/djctl.py"))
            .env("DJANGO_DB", db.django_url())
            .env("DJANGO_SECRET_KEY", SECRET)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start djctl.py");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Django {
            _child: child,
            stdin,
            lines,
        }
    }

    /// Sends one command; its answer (`ok` is `true` or `false`).
    pub async fn try_cmd(&mut self, cmd: Value) -> Value {
        let mut line = cmd.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
        let answer = self
            .lines
            .next_line()
            .await
            .unwrap()
            .expect("djctl.py answered");
        serde_json::from_str(&answer).unwrap()
    }

    /// Sends one command that must succeed.
    pub async fn cmd(&mut self, cmd: Value) -> Value {
        let answer = self.try_cmd(cmd.clone()).await;
        assert_eq!(answer["ok"], true, "django {cmd}: {answer}");
        answer
    }

    /// Django's `login` view with this username and password: the `sessionid` it set.
    pub async fn login(&mut self, username: &str, password: &str) -> String {
        let r = self
            .cmd(json!({"cmd": "login", "username": username, "password": password}))
            .await;
        r["sessionid"]
            .as_str()
            .unwrap_or_else(|| panic!("Django's login refused {username}: {r}"))
            .to_owned()
    }

    /// Who Django's middleware says a `sessionid` belongs to (`None`: anonymous).
    pub async fn whoami(&mut self, sessionid: &str) -> Option<String> {
        let r = self
            .cmd(json!({"cmd": "whoami", "sessionid": sessionid}))
            .await;
        r["username"].as_str().map(str::to_owned)
    }
}

/// A browser on the app holding a session cookie Django made.
fn browser_with(app: &Server, sessionid: &str) -> Browser {
    let mut b = Browser::new(app);
    b.jar.insert("sessionid".into(), sessionid.to_owned());
    b
}

async fn publish(b: &mut Browser) -> u16 {
    b.request(
        "POST",
        "/posts/5/publish",
        None,
        vec![],
        &[("accept", "application/json")],
    )
    .await
    .status
}

/// The example app `bin` beside a real Django on `db`: the users, groups, permissions and
/// sessions of one decide the other's answers, both ways.
pub async fn interop(bin: &str, db: DjangoDb) {
    let Some(python) = python() else { return };
    let mut dj = Django::start(&python, &db).await;
    dj.cmd(json!({"cmd": "migrate"})).await;

    // Users, groups and grants, made with Django's ORM.
    for (name, flags) in [
        ("plain", json!({})),
        ("writer", json!({})),
        ("analyst", json!({})),
        ("editor", json!({})),
        ("staffer", json!({"is_staff": true})),
        ("root", json!({"is_superuser": true, "is_staff": true})),
    ] {
        let mut c = json!({"cmd": "create_user", "username": name, "password": PW, "email": format!("{name}@example.com")});
        c.as_object_mut()
            .unwrap()
            .extend(flags.as_object().unwrap().clone());
        dj.cmd(c).await;
    }
    dj.cmd(json!({"cmd": "grant", "username": "writer", "perm": "blog.publish_post"}))
        .await;
    dj.cmd(json!({"cmd": "create_group", "name": "Analysts", "perms": ["shop.view_reports"]}))
        .await;
    dj.cmd(json!({"cmd": "add_to_group", "username": "analyst", "group": "Analysts"}))
        .await;
    dj.cmd(json!({"cmd": "create_group", "name": "Editors"}))
        .await;
    dj.cmd(json!({"cmd": "add_to_group", "username": "editor", "group": "Editors"}))
        .await;

    let app = Server::start_with(
        bin,
        &[
            ("AUTH_SCHEMA", "django"),
            ("DATABASE_URL", &db.url()),
            ("AUTH_SECRET_KEY", SECRET),
        ],
    )
    .await;

    // 1. Django's logins are logins here, and Django's grants decide the guards.
    let expect: [(&str, [u16; 5], u16); 6] = [
        // /reports, /editor, /admin-tools, /superuser, /protected; then publish
        ("plain", [403, 403, 403, 403, 200], 403),
        ("writer", [403, 403, 403, 403, 200], 200),
        ("analyst", [200, 403, 403, 403, 200], 403),
        ("editor", [403, 200, 403, 403, 200], 403),
        ("staffer", [403, 403, 200, 403, 200], 403),
        ("root", [200, 403, 200, 200, 200], 200),
    ];
    for (name, statuses, publish_status) in expect {
        let sid = dj.login(name, PW).await;
        let mut b = browser_with(&app, &sid);
        for (path, want) in [
            "/reports",
            "/editor",
            "/admin-tools",
            "/superuser",
            "/protected",
        ]
        .into_iter()
        .zip(statuses)
        {
            let r = b.get(path).await;
            assert_eq!(
                r.status, want,
                "{name} on {path} with Django's session: {}",
                r.body
            );
        }
        assert_eq!(publish(&mut b).await, publish_status, "{name} publishes");
        assert_eq!(b.me().await, (200, Some(name.to_owned())));
        // This side wrote its clocks into Django's row at the first request (so its idle and
        // absolute limits apply), and Django still reads the row as the same login.
        let data = dj
            .cmd(json!({"cmd": "session_data", "sessionid": sid}))
            .await;
        assert!(data["data"]["_authkit_created"].is_i64(), "{data}");
        assert_eq!(
            data["data"]["_auth_user_backend"],
            "django.contrib.auth.backends.ModelBackend"
        );
        assert_eq!(dj.whoami(&sid).await.as_deref(), Some(name));
    }

    // A session Django did not sign, or signed under another key, is nobody.
    let mut forged = browser_with(&app, "abcdefghijklmnopqrstuvwxyz012345");
    assert_eq!(forged.get("/protected").await.status, 303);

    // 2. A login here is a login in Django; a logout here ends it there.
    let mut b = Browser::new(&app);
    b.login("plain", PW).await;
    let sid = b.session().expect("a session cookie");
    assert_eq!(
        dj.whoami(&sid).await.as_deref(),
        Some("plain"),
        "Django's get_user()"
    );
    let page = b.visit("/protected").await;
    let r = b.post_form("/logout", &page.form_fields()).await;
    assert_eq!(r.status, 303);
    assert_eq!(dj.whoami(&sid).await, None, "logged out in Django too");
    let gone = dj
        .cmd(json!({"cmd": "session_exists", "sessionid": sid}))
        .await;
    assert_eq!(gone["exists"], false);

    // A logout in Django ends the session here.
    let sid = dj.login("writer", PW).await;
    let mut b = browser_with(&app, &sid);
    assert_eq!(b.get("/protected").await.status, 200);
    dj.cmd(json!({"cmd": "logout", "sessionid": sid})).await;
    assert_eq!(
        b.get("/protected").await.status,
        303,
        "Django's logout ends it here"
    );

    // 3. A password change in Django ends the app's view of the old session (its
    // `_auth_user_hash` no longer matches), and the new password works on both sides.
    let mut b = Browser::new(&app);
    b.login("editor", PW).await;
    assert_eq!(b.get("/editor").await.status, 200);
    dj.cmd(json!({"cmd": "set_password", "username": "editor", "password": "a whole new secret"}))
        .await;
    assert_eq!(b.get("/editor").await.status, 303, "the old session ended");
    let mut b = Browser::new(&app);
    b.login("editor", "a whole new secret").await;
    assert_eq!(b.get("/editor").await.status, 200);

    // 4. A permission granted in Django applies on the app's next request, and a group
    // taken away too.
    let mut b = Browser::new(&app);
    b.login("plain", PW).await;
    assert_eq!(b.get("/reports").await.status, 403);
    dj.cmd(json!({"cmd": "grant", "username": "plain", "perm": "shop.view_reports"}))
        .await;
    assert_eq!(b.get("/reports").await.status, 200, "granted in Django");
    let mut analyst = Browser::new(&app);
    analyst.login("analyst", PW).await;
    assert_eq!(analyst.get("/reports").await.status, 200);
    dj.cmd(json!({"cmd": "remove_from_group", "username": "analyst", "group": "Analysts"}))
        .await;
    assert_eq!(
        analyst.get("/reports").await.status,
        403,
        "group left in Django"
    );
    // Deactivated in Django: out here at once.
    dj.cmd(json!({"cmd": "set_flags", "username": "plain", "is_active": false}))
        .await;
    assert_eq!(b.get("/protected").await.status, 303, "inactive in Django");

    // 5. A user registered through the app's page passes Django's authenticate(), with a
    // hash in Django's default format.
    let mut b = Browser::new(&app);
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
    assert_eq!(r.status, 303, "{}", r.body);
    let auth = dj
        .cmd(json!({"cmd": "authenticate", "username": "newbie", "password": PW}))
        .await;
    assert!(auth["id"].is_i64(), "Django's authenticate(): {auth}");
    let hash = auth["password"].as_str().unwrap();
    assert!(hash.starts_with("pbkdf2_sha256$1000000$"), "{hash}");
    let row = dj.cmd(json!({"cmd": "user", "username": "newbie"})).await;
    assert_eq!(row["email"], "newbie@example.com");
    assert_eq!(row["is_active"], true);
    assert_eq!(row["is_staff"], false);
    // A name Django already has, in another case, is taken.
    let mut b = Browser::new(&app);
    let r = b
        .submit(
            "/register",
            &[
                ("username", "WRITER"),
                ("email", "other@example.com"),
                ("password", PW),
                ("confirm_password", PW),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "the form again, with an error");

    // 6. Login here upgrades an older hash the way Django would, and sets last_login.
    let old = auth_core::password::Hasher::DjangoPbkdf2Sha256 {
        iterations: 600_000,
    }
    .hash(PW)
    .unwrap();
    set_raw_password(&db, "writer", &old).await;
    let mut b = Browser::new(&app);
    b.login("writer", PW).await;
    let row = dj.cmd(json!({"cmd": "user", "username": "writer"})).await;
    let upgraded = row["password"].as_str().unwrap();
    assert!(upgraded.starts_with("pbkdf2_sha256$1000000$"), "{upgraded}");
    assert!(row["last_login"].is_string(), "last_login written: {row}");
    let auth = dj
        .cmd(json!({"cmd": "authenticate", "username": "writer", "password": PW}))
        .await;
    assert!(auth["id"].is_i64(), "Django accepts the upgraded hash");

    // 7. Admin commands write Django's tables the Django way.
    app.admin(&[
        "createuser",
        "--username",
        "clerk",
        "--email",
        "clerk@example.com",
        "--password",
        PW,
        "--staff",
    ])
    .await;
    app.admin(&[
        "grant",
        "--username",
        "clerk",
        "--permission",
        "blog.publish_post",
    ])
    .await;
    app.admin(&["group", "--username", "clerk", "--group", "Editors"])
        .await;
    let auth = dj
        .cmd(json!({"cmd": "authenticate", "username": "clerk", "password": PW}))
        .await;
    assert!(auth["id"].is_i64(), "{auth}");
    let perm = dj
        .cmd(json!({"cmd": "has_perm", "username": "clerk", "perm": "blog.publish_post"}))
        .await;
    assert_eq!(perm["has_perm"], true);
    let sid = dj.login("clerk", PW).await;
    let me = dj.cmd(json!({"cmd": "whoami", "sessionid": sid})).await;
    assert_eq!(me["groups"], json!(["Editors"]));
    assert_eq!(me["is_staff"], true);
    app.admin(&[
        "createuser",
        "--username",
        "boss",
        "--email",
        "boss@example.com",
        "--password",
        PW,
        "--superuser",
    ])
    .await;
    let boss = dj.cmd(json!({"cmd": "user", "username": "boss"})).await;
    assert_eq!(
        (&boss["is_superuser"], &boss["is_staff"]),
        (&json!(true), &json!(true)),
        "as Django's createsuperuser makes them"
    );
    let out = app
        .admin_output(&[
            "grant",
            "--username",
            "clerk",
            "--permission",
            "blog.no_such_perm",
        ])
        .await;
    assert!(!out.status.success(), "an unknown permission is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("auth_permission"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 8. A password change here ends the sessions Django made, and Django takes the new one.
    let sid = dj.login("staffer", PW).await;
    assert_eq!(dj.whoami(&sid).await.as_deref(), Some("staffer"));
    app.admin(&[
        "changepassword",
        "--username",
        "staffer",
        "--password",
        "another long secret",
    ])
    .await;
    assert_eq!(
        dj.whoami(&sid).await,
        None,
        "ended in Django by a change here"
    );
    let auth = dj
        .cmd(json!({"cmd": "authenticate", "username": "staffer", "password": "another long secret"}))
        .await;
    assert!(auth["id"].is_i64(), "{auth}");

    // 9. One browser, both CSRF cookies: the app's forms never touch Django's `csrftoken`.
    let mut b = Browser::new(&app);
    let django_token = "DjangoCsrfToken0123456789abcdefghijklmnopqrstuvwxyzABCD";
    b.jar.insert("csrftoken".into(), django_token.into());
    b.login("root", PW).await;
    assert_eq!(
        b.jar.get("csrftoken").map(String::as_str),
        Some(django_token)
    );
    assert!(b.jar.contains_key("authkit_csrf"), "{:?}", b.jar.keys());
    assert_eq!(b.get("/superuser").await.status, 200);

    drop(app);
    drop(dj);
    db.drop_db().await;
}

/// A Django-migrated database and the Django store over it (for store-level tests).
pub async fn migrated_store(db: &DjangoDb) -> Option<auth_sql::django::DjangoStore> {
    let python = python()?;
    let mut dj = Django::start(&python, db).await;
    dj.cmd(json!({"cmd": "migrate"})).await;
    drop(dj);
    let config = auth_core::AuthConfig {
        schema: auth_core::config::Schema::Django,
        secret_key: SECRET.into(),
        ..auth_core::AuthConfig::default()
    };
    Some(
        auth_sql::django::DjangoStore::connect(&db.url(), &config)
            .await
            .unwrap(),
    )
}

async fn set_raw_password(db: &DjangoDb, username: &str, hash: &str) {
    exec_sql(
        db,
        &format!("UPDATE auth_user SET password = '{hash}' WHERE username = '{username}'"),
    )
    .await;
}

/// Runs SQL on the Django database directly, as Django's ORM or admin could have written it.
pub async fn exec_sql(db: &DjangoDb, sql: &str) {
    match db {
        DjangoDb::Sqlite(_) => {
            let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        DjangoDb::Postgres { .. } => {
            let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// The app refuses to start on a database Django has not migrated, and says what to do.
pub async fn refuses_an_unmigrated_database(bin: &str) {
    let db = DjangoDb::sqlite();
    std::fs::File::create(match &db {
        DjangoDb::Sqlite(p) => p,
        _ => unreachable!(),
    })
    .unwrap();
    let out = tokio::process::Command::new(bin)
        .arg("migrate")
        .env("AUTH_SCHEMA", "django")
        .env("DATABASE_URL", db.url())
        .env("AUTH_SECRET_KEY", SECRET)
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("manage.py migrate") && err.contains("auth_user"),
        "{err}"
    );
    db.drop_db().await;
}
