//! Checking credentials: username or email, equal cost for every failure, rehashing, the
//! hashing pool, lockout.

use super::*;

#[tokio::test]
async fn authenticate_by_username_then_email_as_configured() {
    let s = setup(config());
    user(&s, "alice", "password-one").await;
    assert_eq!(
        s.auth
            .authenticate("alice", "password-one")
            .await
            .unwrap()
            .username,
        "alice"
    );
    assert_eq!(
        s.auth
            .authenticate("ALICE", "password-one")
            .await
            .unwrap()
            .username,
        "alice"
    );
    assert!(matches!(
        s.auth
            .authenticate("alice@example.com", "password-one")
            .await,
        Err(AuthError::InvalidCredentials)
    ));

    let both = setup(AuthConfig {
        login_fields: vec![LoginField::Username, LoginField::Email],
        ..config()
    });
    user(&both, "bob", "password-two").await;
    assert_eq!(
        both.auth
            .authenticate("Bob@Example.com", "password-two")
            .await
            .unwrap()
            .username,
        "bob"
    );
    assert_eq!(
        both.auth
            .authenticate("bob", "password-two")
            .await
            .unwrap()
            .username,
        "bob"
    );

    let email = setup(AuthConfig {
        login_fields: vec![LoginField::Email],
        ..config()
    });
    user(&email, "carol", "password-3x").await;
    assert!(
        email
            .auth
            .authenticate("carol", "password-3x")
            .await
            .is_err()
    );
    assert!(
        email
            .auth
            .authenticate("carol@example.com", "password-3x")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn every_failure_costs_one_hash_and_looks_the_same() {
    let s = setup(config());
    user(&s, "alice", "password-one").await;
    let inactive = user(&s, "ivan", "password-one").await;
    s.auth.deactivate(&inactive.id).await.unwrap();
    s.store
        .create_user(NewUser::new(
            "una",
            "una@example.com",
            auth_core::password::make_unusable(),
        ))
        .await
        .unwrap();
    s.store
        .create_user(NewUser::new(
            "mal",
            "mal@example.com",
            "pbkdf2_sha256$1e6$salt$abc=",
        ))
        .await
        .unwrap();
    let pool = s.auth.hasher();
    for (who, pw) in [
        ("nobody", "x"),
        ("alice", "wrong"),
        ("ivan", "password-one"),
        ("una", "x"),
        ("mal", "x"),
    ] {
        let before = pool.runs();
        let err = s.auth.authenticate(who, pw).await.unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials), "{who}: {err}");
        assert_eq!(pool.runs() - before, 1, "{who}: exactly one hash");
    }
}

#[tokio::test]
async fn legacy_hash_is_rehashed_to_argon2id_on_login() {
    let s = setup(config());
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../../../tests/vectors/password-hashes.json")).unwrap();
    let row = rows
        .iter()
        .find(|r| r["algorithm"] == "pbkdf2_sha256" && r["valid"] == true)
        .unwrap();
    let (pw, enc) = (
        row["password"].as_str().unwrap(),
        row["encoded"].as_str().unwrap(),
    );
    let u = s
        .store
        .create_user(NewUser::new("legacy", "", enc))
        .await
        .unwrap();
    let got = s.auth.authenticate("legacy", pw).await.unwrap();
    assert!(got.password_hash.starts_with("$argon2id$"));
    let stored = s.store.get_user(&u.id).await.unwrap().unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "rehash saved"
    );
    assert!(
        s.auth.authenticate("legacy", pw).await.is_ok(),
        "still logs in after rehash"
    );
}

#[test]
fn hashing_never_runs_on_the_runtime_thread() {
    // On a single-threaded runtime, a hash on the runtime thread would block every other task
    // until it finished. Count how often another task gets to run while a login hashes.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = setup(config());
        user(&s, "alice", "password-one").await;
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        let auth = s.auth.clone();
        let login = tokio::spawn(async move {
            let r = auth.authenticate("alice", "password-one").await;
            d.store(true, std::sync::atomic::Ordering::SeqCst);
            r
        });
        // Sleep rather than spin: hashing threads run at idle priority, so a spinning runtime
        // thread would (rightly) take the CPU they need.
        let mut interleaved = 0u32;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            interleaved += 1;
        }
        assert!(login.await.unwrap().is_ok());
        // On the runtime thread the hash would run inside the first sleep, so the loop would
        // see `done` after one turn.
        assert!(
            interleaved >= 3,
            "only {interleaved} other polls ran during the hash"
        );
    });
}

#[tokio::test]
async fn brute_force_lockout_per_client_and_per_ip() {
    let s = setup(AuthConfig {
        login_failures_per_client: 3,
        login_failures_per_ip: 6,
        ..config()
    });
    user(&s, "victim", "victim password 1").await;
    user(&s, "other", "other password 1").await;
    let attacker: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    let owner: std::net::IpAddr = "198.51.100.7".parse().unwrap();
    for _ in 0..3 {
        let e = s
            .auth
            .authenticate_from("victim", "guess", Some(attacker))
            .await
            .unwrap_err();
        assert!(matches!(e, AuthError::InvalidCredentials));
    }
    // Locked for this identifier from this address, even with the right password; no hash.
    let before = s.auth.hasher().runs();
    let e = s
        .auth
        .authenticate_from("victim", "victim password 1", Some(attacker))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AuthError::Throttled {
                retry_after_secs: 900
            }
        ),
        "{e}"
    );
    assert_eq!(
        s.auth.hasher().runs(),
        before,
        "a locked-out attempt costs no hash"
    );
    // The owner, from their own address, is not locked out.
    assert!(
        s.auth
            .authenticate_from("VICTIM", "victim password 1", Some(owner))
            .await
            .is_ok()
    );
    // Unknown identifiers are counted and locked the same way (no enumeration).
    for _ in 0..3 {
        let _ = s
            .auth
            .authenticate_from("ghost", "guess", Some(owner))
            .await;
    }
    let e = s
        .auth
        .authenticate_from("ghost", "guess", Some(owner))
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::Throttled { .. }));
    // Per-address limit across identifiers: 3 more failures from the attacker on other names.
    for name in ["a", "b", "c"] {
        let _ = s
            .auth
            .authenticate_from(name, "guess", Some(attacker))
            .await;
    }
    let e = s
        .auth
        .authenticate_from("other", "other password 1", Some(attacker))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AuthError::Throttled { .. }),
        "the address is locked for every account"
    );
    assert!(
        s.auth
            .authenticate_from("other", "other password 1", Some(owner))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_success_clears_the_count_and_lockouts_end_with_the_window() {
    let s = setup(AuthConfig {
        login_failures_per_client: 2,
        // Long enough for the hashes below on a loaded CI machine (at 1 s it flaked once).
        login_failure_window_secs: 3,
        ..config()
    });
    user(&s, "alice", "password-one").await;
    let ip = Some("192.0.2.1".parse().unwrap());
    let _ = s.auth.authenticate_from("alice", "x", ip).await;
    assert!(
        s.auth
            .authenticate_from("alice", "password-one", ip)
            .await
            .is_ok()
    );
    let _ = s.auth.authenticate_from("alice", "x", ip).await;
    assert!(
        s.auth
            .authenticate_from("alice", "password-one", ip)
            .await
            .is_ok(),
        "the success cleared the count"
    );
    let _ = s.auth.authenticate_from("alice", "x", ip).await;
    let _ = s.auth.authenticate_from("alice", "x", ip).await;
    assert!(matches!(
        s.auth.authenticate_from("alice", "password-one", ip).await,
        Err(AuthError::Throttled { .. })
    ));
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert!(
        s.auth
            .authenticate_from("alice", "password-one", ip)
            .await
            .is_ok(),
        "never locked for longer than the window"
    );
}
