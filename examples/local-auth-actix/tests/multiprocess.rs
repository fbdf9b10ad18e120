//! An axum process and an actix-web process of the example share PostgreSQL and Redis:
//! sessions move between them, logouts and password changes are seen at once, a bounded mixed
//! load produces no wrong-user answer, no lost session and no 5xx, and when Redis and then
//! PostgreSQL go down the guarded routes fail closed and recover by themselves.
//!
//! Needs `DATABASE_URL` (PostgreSQL) and `REDIS_URL`; `.ci/run` provides both. The load runs
//! `LOAD_SECS` seconds (default 10).

#[path = "../../../tests/support/multiprocess.rs"]
mod multiprocess;

use multiprocess::{PrivatePostgres, PrivateRedis, Shared};

fn bins() -> (String, String) {
    let actix = env!("CARGO_BIN_EXE_local-auth-actix");
    let axum = std::path::Path::new(actix).with_file_name("local-auth-axum");
    assert!(
        axum.exists(),
        "{} is missing: run `cargo test --workspace`, which builds both examples",
        axum.display()
    );
    (axum.to_str().unwrap().to_owned(), actix.to_owned())
}

fn urls() -> Option<(String, String)> {
    match (std::env::var("DATABASE_URL"), std::env::var("REDIS_URL")) {
        (Ok(db), Ok(redis)) if db.starts_with("postgres") => Some((db, redis)),
        _ => {
            eprintln!(
                "SKIPPED: the multi-process tests need DATABASE_URL=postgres://... and REDIS_URL (.ci/run sets both)"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_move_between_processes() {
    let Some((db, redis)) = urls() else { return };
    let (axum, actix) = bins();
    let shared = Shared::new(&db, &redis);
    let (a, b) = shared.start(&axum, &actix).await;
    multiprocess::sessions_are_shared(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_mixed_load_across_two_processes() {
    let Some((db, redis)) = urls() else { return };
    let (axum, actix) = bins();
    let secs: u64 = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let shared = Shared::new(&db, &redis);
    let (a, b) = shared.start(&axum, &actix).await;
    let started = std::time::Instant::now();
    let c = multiprocess::mixed_load(&a, &b, 8, secs).await;
    let elapsed = started.elapsed().as_secs_f64();
    use std::sync::atomic::Ordering::Relaxed;
    let requests = c.requests.load(Relaxed);
    println!(
        "load: {requests} requests in {elapsed:.1} s ({:.0} req/s) over 2 processes, 8 users: {} logins, {} guarded reads, {} logouts; wrong-user {}, lost sessions {}, stale after logout {}, 5xx {}",
        requests as f64 / elapsed,
        c.logins.load(Relaxed),
        c.reads.load(Relaxed),
        c.logouts.load(Relaxed),
        c.wrong_user.load(Relaxed),
        c.lost_sessions.load(Relaxed),
        c.stale_after_logout.load(Relaxed),
        c.server_errors.load(Relaxed),
    );
    assert!(c.logins.load(Relaxed) > 0);
    assert_eq!(c.wrong_user.load(Relaxed), 0, "wrong-user answers");
    assert_eq!(c.lost_sessions.load(Relaxed), 0, "lost sessions");
    assert_eq!(
        c.stale_after_logout.load(Relaxed),
        0,
        "logouts not seen by the other process"
    );
    assert_eq!(c.server_errors.load(Relaxed), 0, "5xx");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_then_postgres_down_fail_closed_and_recover() {
    if urls().is_none() {
        return;
    }
    let (axum, actix) = bins();
    let mut redis = PrivateRedis::start();
    let mut pg = PrivatePostgres::start();
    let shared = Shared::new(&pg.url(), &redis.url());
    let (a, b) = shared.start(&axum, &actix).await;
    a.admin(&[
        "createuser",
        "--username",
        "faulty",
        "--password",
        auth_tests::blackbox::PW,
    ])
    .await;

    let r = multiprocess::outage(&a, &b, "faulty", &mut redis).await;
    println!(
        "redis down: {} guarded requests, {} failed closed, {} answered 200; recovered {:.2} s after restart",
        r.requests,
        r.failed_closed,
        r.ok,
        r.recovery.as_secs_f64()
    );
    assert_eq!(r.ok, 0, "no guarded 200 while Redis was down");
    assert!(r.requests > 0);
    assert!(r.recovery.as_secs() < 10, "recovered within a few seconds");

    let p = multiprocess::outage(&a, &b, "faulty", &mut pg).await;
    println!(
        "postgres down: {} guarded requests, {} failed closed, {} answered 200; recovered {:.2} s after restart",
        p.requests,
        p.failed_closed,
        p.ok,
        p.recovery.as_secs_f64()
    );
    assert_eq!(p.ok, 0, "no guarded 200 while PostgreSQL was down");
    assert!(p.recovery.as_secs() < 10, "recovered within a few seconds");
}
