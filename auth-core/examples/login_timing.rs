//! Measures whether login timing tells unknown users from known ones: the median time of a
//! login for an unknown username against a wrong password for a known username (both
//! fail), interleaved, on the in-memory stores. Prints both medians and their ratio.
//!
//! `cargo run -p auth-core --example login_timing [ROUNDS]` (default 300 each).

use std::time::{Duration, Instant};

use auth_core::{AuthConfig, AuthService, Registration};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let auth = AuthService::in_memory(AuthConfig {
        secret_key: "timing-secret-timing-secret-timing".into(),
        // Measure the credential check, not the lockout that would start after 5 failures.
        login_failures_per_client: u32::MAX,
        login_failures_per_ip: u32::MAX,
        ..AuthConfig::default()
    });
    auth.register(&Registration::new(
        "known_user",
        "known@example.com",
        "the real password 1",
    ))
    .await
    .unwrap();
    // Warm up (first use of the dummy hash, allocator, caches).
    for _ in 0..10 {
        let _ = auth.authenticate("known_user", "wrong").await;
        let _ = auth.authenticate("unknown_user", "wrong").await;
    }
    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        let order = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_known in order {
            let who = if is_known {
                "known_user"
            } else {
                "unknown_user"
            };
            let t = Instant::now();
            let r = auth.authenticate(who, "a wrong password").await;
            let d = t.elapsed();
            assert!(r.is_err());
            if is_known {
                known.push(d)
            } else {
                unknown.push(d)
            }
        }
    }
    let (mu, mk) = (median(unknown), median(known));
    let ratio = mu.as_secs_f64() / mk.as_secs_f64();
    println!(
        "login timing over {rounds} rounds each: unknown user median {:.2} ms, known user + wrong password median {:.2} ms, ratio {ratio:.3} ({})",
        mu.as_secs_f64() * 1e3,
        mk.as_secs_f64() * 1e3,
        if (ratio - 1.0).abs() <= 0.10 {
            "within 10%"
        } else {
            "NOT within 10%"
        }
    );
}
