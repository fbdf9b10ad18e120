//! Memory per live session in the memory store: the resident-set growth when 1,000,000
//! logged-in sessions are stored, divided by their number.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin session_memory [COUNT]`

use auth_axum::auth_core::{SessionId, session::{SessionRecord, now_unix}};
use auth_axum::auth_core::{MemorySessionStore, SessionStore};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let store = MemorySessionStore::new();
    let now = now_unix();
    let before = rss_bytes();
    for i in 0..n {
        let rec = SessionRecord {
            id: SessionId::generate(),
            user_id: Some(((i % 50_000) as i64 + 1).into()),
            auth_hash: Some(auth_axum::auth_core::session::AuthHash::from_bytes([0xf0; 32])),
            data: Default::default(),
            created_at: now,
            last_seen: now,
            expires_at: now + 7 * 86400,
            meta: Default::default(),
        };
        store.save(&rec).await.unwrap();
    }
    let after = rss_bytes();
    let per = (after - before) as f64 / n as f64;
    println!(
        "memory store: {n} sessions, resident set +{:.1} MiB, {per:.0} bytes per session (goal <= 256: {})",
        (after - before) as f64 / (1 << 20) as f64,
        if per <= 256.0 { "met" } else { "missed" }
    );
}
