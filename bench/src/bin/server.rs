//! One server binary for the load script: `server MODE`, listening on `BIND_ADDR`.
//!
//! Every mode serves `GET /protected` ("ok", behind its guard), `POST /login` (logs the demo
//! user in and sets its session cookie) and `GET /public` (no guard).
//!
//! Modes: bare-axum, ours-axum, ours-axum-redis, ours-axum-sqlite, ours-axum-postgres,
//! ours-axum-django-sqlite, ours-axum-django-sqlite-wal, ours-axum-django-postgres
//! (`DJANGO_BENCH_DB`), peer-axum-login,
//! peer-axum-login-redis, bare-actix, ours-actix, peer-actix-grants.

use std::sync::Arc;

use axum::routing::{get, post};

const PASSWORD: &str = "bench-password-1";

fn addr() -> String {
    std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:4000".into())
}

async fn ok() -> &'static str {
    "ok"
}

// ---- ours, axum ----

mod ours_axum {
    use auth_axum::{Auth, login_required};

    #[login_required]
    pub async fn protected(_auth: Auth) -> &'static str {
        "ok"
    }

    pub async fn login(mut auth: Auth) -> axum::http::StatusCode {
        match auth.authenticate_and_login("bench", super::PASSWORD).await {
            Ok(_) => axum::http::StatusCode::OK,
            Err(_) => axum::http::StatusCode::UNAUTHORIZED,
        }
    }
}

async fn ours_service(mode: &str) -> auth_axum::AuthService {
    use auth_axum::auth_core::{AuthConfig, AuthService, MemoryStore, Registration};
    let config = AuthConfig {
        secret_key: "load-test-secret-load-test-secret".into(),
        login_failures_per_client: u32::MAX,
        login_failures_per_ip: u32::MAX,
        ..AuthConfig::default()
    };
    let users = Arc::new(MemoryStore::new());
    let service = match mode {
        "redis" => {
            let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
            let prefix = format!("bench-{}:", std::process::id());
            let sessions = Arc::new(auth_axum::auth_redis::RedisSessionStore::connect(&url, &prefix).await.unwrap());
            AuthService::new(config, users.clone(), users, sessions)
        }
        "sqlite" => {
            let path = std::env::temp_dir().join(format!("bench-{}.db", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let store = Arc::new(auth_axum::auth_sql::SqliteStore::connect(path.to_str().unwrap()).await.unwrap());
            AuthService::new(config, store.clone(), store.clone(), store)
        }
        "postgres" => {
            // The native store in a schema of its own on DATABASE_URL's database.
            let url = std::env::var("DATABASE_URL").expect("DATABASE_URL for ours-axum-postgres");
            let store = Arc::new(auth_axum::auth_sql::PgStore::connect_in_schema(&url, Some("bench_native")).await.unwrap());
            AuthService::new(config, store.clone(), store.clone(), store)
        }
        "django-sqlite" | "django-sqlite-wal" | "django-postgres" => {
            // A database Django's `migrate` made (scripts/load.sh prepares it with
            // tests/django/djctl.py); the same SECRET_KEY as that project.
            use auth_axum::{auth_core::config::Schema, auth_sql::django::DjangoStore};
            let url = std::env::var("DJANGO_BENCH_DB").expect("DJANGO_BENCH_DB for the django modes");
            let config = AuthConfig { schema: Schema::Django, ..config };
            let store = Arc::new(DjangoStore::connect(&url, &config).await.unwrap());
            AuthService::new(config, store.clone(), store.clone(), store.clone()).with_attempt_store(store)
        }
        _ => AuthService::new(config, users.clone(), users, Arc::new(auth_axum::auth_core::MemorySessionStore::new())),
    };
    // A database kept between runs has the user already.
    if service.authenticate("bench", PASSWORD).await.is_err() {
        service.register(&Registration::new("bench", "bench@example.com", PASSWORD)).await.unwrap();
    }
    service
}

async fn serve_axum(app: axum::Router) {
    let listener = tokio::net::TcpListener::bind(addr()).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}

// ---- axum-login ----

mod peer_axum {
    use axum_login::{AuthSession, AuthUser, AuthnBackend, UserId};

    #[derive(Clone, Debug)]
    pub struct BenchUser {
        id: i64,
        hash: Vec<u8>,
    }

    impl AuthUser for BenchUser {
        type Id = i64;
        fn id(&self) -> i64 {
            self.id
        }
        fn session_auth_hash(&self) -> &[u8] {
            &self.hash
        }
    }

    #[derive(Clone)]
    pub struct Backend {
        pub user: BenchUser,
    }

    impl Backend {
        pub fn new() -> Self {
            Backend { user: BenchUser { id: 1, hash: b"hash-of-the-password-hash".to_vec() } }
        }
    }

    impl AuthnBackend for Backend {
        type User = BenchUser;
        type Credentials = ();
        type Error = std::io::Error;
        async fn authenticate(&self, _: ()) -> Result<Option<BenchUser>, std::io::Error> {
            Ok(Some(self.user.clone()))
        }
        async fn get_user(&self, id: &UserId<Self>) -> Result<Option<BenchUser>, std::io::Error> {
            Ok((*id == self.user.id).then(|| self.user.clone()))
        }
    }

    pub async fn login(mut auth: AuthSession<Backend>) -> axum::http::StatusCode {
        let user = auth.backend.user.clone();
        match auth.login(&user).await {
            Ok(()) => axum::http::StatusCode::OK,
            Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

async fn serve_axum_login(redis: bool) {
    use axum_login::{AuthManagerLayerBuilder, login_required};
    use peer_axum::Backend;
    let app = axum::Router::new()
        .route("/protected", get(ok))
        .route_layer(login_required!(Backend))
        .route("/login", post(peer_axum::login))
        .route("/public", get(ok));
    if redis {
        use tower_sessions_redis_store::fred::prelude::*;
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let pool = Pool::new(Config::from_url(&url).unwrap(), None, None, None, 4).unwrap();
        pool.connect();
        pool.wait_for_connect().await.unwrap();
        let sessions = tower_sessions::SessionManagerLayer::new(tower_sessions_redis_store::RedisStore::new(pool)).with_secure(false);
        let layer = AuthManagerLayerBuilder::new(Backend::new(), sessions).build();
        serve_axum(app.layer(layer)).await;
    } else {
        let sessions = tower_sessions::SessionManagerLayer::new(tower_sessions::MemoryStore::default()).with_secure(false);
        let layer = AuthManagerLayerBuilder::new(Backend::new(), sessions).build();
        serve_axum(app.layer(layer)).await;
    }
}

// ---- actix ----

mod ours_actix {
    use auth_actix::{Auth, login_required};

    #[login_required]
    pub async fn protected(_auth: Auth) -> &'static str {
        "ok"
    }

    pub async fn login(mut auth: Auth) -> actix_web::HttpResponse {
        match auth.authenticate_and_login("bench", super::PASSWORD).await {
            Ok(_) => actix_web::HttpResponse::Ok().finish(),
            Err(_) => actix_web::HttpResponse::Unauthorized().finish(),
        }
    }
}

mod peer_actix {
    use std::collections::HashSet;

    use actix_session::SessionExt;
    use actix_web::dev::ServiceRequest;

    pub async fn extract(req: &ServiceRequest) -> Result<HashSet<String>, actix_web::Error> {
        let logged_in = req.get_session().get::<i64>("uid")?.is_some();
        Ok(if logged_in { HashSet::from(["USER".to_string()]) } else { HashSet::new() })
    }

    #[actix_web_grants::protect("USER")]
    pub async fn protected() -> &'static str {
        "ok"
    }

    pub async fn login(session: actix_session::Session) -> actix_web::HttpResponse {
        session.renew();
        match session.insert("uid", 1_i64) {
            Ok(()) => actix_web::HttpResponse::Ok().finish(),
            Err(_) => actix_web::HttpResponse::InternalServerError().finish(),
        }
    }
}

fn run_actix(mode: String) {
    actix_web::rt::System::new().block_on(async move {
        use actix_web::{App, HttpServer, web};
        macro_rules! serve {
            ($factory:expr) => {
                HttpServer::new($factory).workers(1).bind(addr()).unwrap().run().await.unwrap()
            };
        }
        match mode.as_str() {
            "bare-actix" => serve!(|| App::new()
                .route("/public", web::get().to(ok))
                .route("/protected", web::get().to(ok))
                .route("/login", web::post().to(ok))),
            "ours-actix" => {
                let service = ours_service("memory").await;
                serve!(move || App::new()
                    .route("/public", web::get().to(ok))
                    .route("/protected", web::get().to(ours_actix::protected))
                    .route("/login", web::post().to(ours_actix::login))
                    .wrap(auth_actix::AuthMiddleware::new(service.clone())))
            }
            _ => {
                let key = actix_web::cookie::Key::generate();
                serve!(move || App::new()
                    .route("/public", web::get().to(ok))
                    .route("/protected", web::get().to(peer_actix::protected))
                    .route("/login", web::post().to(peer_actix::login))
                    .wrap(actix_web_grants::GrantsMiddleware::with_extractor(peer_actix::extract))
                    .wrap(
                        actix_session::SessionMiddleware::builder(
                            actix_session::storage::CookieSessionStore::default(),
                            key.clone(),
                        )
                        .cookie_secure(false)
                        .build(),
                    ))
            }
        }
    });
}

fn main() {
    let mode = std::env::args().nth(1).expect("usage: server MODE");
    if mode.ends_with("actix") || mode == "peer-actix-grants" {
        run_actix(mode);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async move {
        match mode.as_str() {
            "bare-axum" => serve_axum(axum::Router::new().route("/protected", get(ok)).route("/login", post(ok)).route("/public", get(ok))).await,
            "peer-axum-login" => serve_axum_login(false).await,
            "peer-axum-login-redis" => serve_axum_login(true).await,
            m => {
                let store = m.strip_prefix("ours-axum").unwrap_or("").trim_start_matches('-');
                let service = ours_service(store).await;
                let app = axum::Router::new()
                    .route("/protected", get(ours_axum::protected))
                    .route("/login", post(ours_axum::login))
                    .route("/public", get(ok))
                    .layer(auth_axum::AuthLayer::new(service));
                serve_axum(app).await
            }
        }
    });
}
