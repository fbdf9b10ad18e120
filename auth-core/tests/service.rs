//! The auth service's rules, over the in-memory stores.

use std::sync::Arc;

use auth_core::{
    AuthConfig, AuthContext, AuthError, AuthService, Grants, LoginField, MemorySessionStore,
    MemoryStore, NewUser, RegisterError, Registration, SessionStore, StoreError, User, UserStore,
    user_has_perm, user_in_group, user_snapshot,
};

fn config() -> AuthConfig {
    AuthConfig {
        secret_key: "unit-test-secret".into(),
        ..AuthConfig::default()
    }
}

struct Setup {
    auth: AuthService,
    store: Arc<MemoryStore>,
    sessions: Arc<MemorySessionStore>,
}

fn setup(config: AuthConfig) -> Setup {
    let store = Arc::new(MemoryStore::new());
    let sessions = Arc::new(MemorySessionStore::new());
    let auth = AuthService::new(config, store.clone(), store.clone(), sessions.clone());
    Setup {
        auth,
        store,
        sessions,
    }
}

async fn user(s: &Setup, name: &str, pw: &str) -> User {
    s.auth
        .register(&Registration::new(name, &format!("{name}@example.com"), pw))
        .await
        .unwrap()
}

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
    s.auth.deactivate(inactive.id).await.unwrap();
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
        serde_json::from_str(include_str!("../../tests/vectors/password-hashes.json")).unwrap();
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
    let stored = s.store.get_user(u.id).await.unwrap().unwrap();
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
async fn login_rotates_and_logout_keeps_only_configured_keys() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let mut st = s.auth.load_session(None).await;
    s.auth.session_insert(&mut st, "theme", "dark".into());
    s.auth.session_insert(&mut st, "cart", 3.into());
    s.auth.commit(&mut st).await.unwrap();
    let anon_id = st.record().unwrap().id.clone();
    s.auth.login(&mut st, &alice).await.unwrap();
    let logged_id = st.record().unwrap().id.clone();
    assert_ne!(anon_id, logged_id);
    assert!(
        s.sessions.load(&anon_id).await.unwrap().is_none(),
        "old id deleted"
    );
    assert_eq!(
        st.get("cart"),
        Some(&3.into()),
        "an anonymous session's data survives login"
    );
    s.auth.logout(&mut st).await.unwrap();
    assert!(s.sessions.load(&logged_id).await.unwrap().is_none());
    assert_eq!(st.get("theme"), Some(&"dark".into()));
    assert_eq!(st.get("cart"), None);
    assert!(st.user().is_none());
    assert_ne!(st.record().unwrap().id, logged_id);
}

#[tokio::test]
async fn switching_user_flushes_session_data() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let bob = user(&s, "bob", "password-two").await;
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &alice).await.unwrap();
    s.auth.session_insert(&mut st, "secret", "alice's".into());
    s.auth.login(&mut st, &bob).await.unwrap();
    assert_eq!(st.get("secret"), None);
}

#[tokio::test]
async fn absolute_and_idle_expiry() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &alice).await.unwrap();
    let mut rec = st.record().unwrap().clone();

    // Fresh: loads, and is not written back (the idle clock moves at a coarse interval).
    let mut loaded = s.auth.load_session(Some(rec.id.clone())).await;
    assert_eq!(loaded.user().unwrap().id, alice.id);
    s.sessions.delete(&rec.id).await.unwrap();
    s.auth.commit(&mut loaded).await.unwrap();
    assert!(
        s.sessions.load(&rec.id).await.unwrap().is_none(),
        "a fresh read writes nothing"
    );
    s.sessions.save(&rec).await.unwrap();

    // Idle for longer than the touch interval: the idle clock is refreshed on read.
    rec.last_seen = now - 3600;
    rec.expires_at = now + 1000;
    s.sessions.save(&rec).await.unwrap();
    let mut loaded = s.auth.load_session(Some(rec.id.clone())).await;
    s.auth.commit(&mut loaded).await.unwrap();
    let stored = s.sessions.load(&rec.id).await.unwrap().unwrap();
    assert!(stored.last_seen >= now, "read refreshed the idle clock");

    // Idle past 2 days.
    rec.last_seen = now - 2 * 86400 - 1;
    rec.expires_at = now + 1000; // even if a store kept it
    s.sessions.save(&rec).await.unwrap();
    assert!(
        s.auth
            .load_session(Some(rec.id.clone()))
            .await
            .user()
            .is_none()
    );

    // Older than 7 days, though recently seen.
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &alice).await.unwrap();
    let mut rec = st.record().unwrap().clone();
    rec.created_at = now - 7 * 86400 - 1;
    rec.last_seen = now;
    rec.expires_at = now + 1000;
    s.sessions.save(&rec).await.unwrap();
    assert!(
        s.auth
            .load_session(Some(rec.id.clone()))
            .await
            .user()
            .is_none()
    );
    assert!(
        s.sessions.load(&rec.id).await.unwrap().is_none(),
        "expired session deleted"
    );
}

#[tokio::test]
async fn expired_sessions_are_cleaned_up() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &alice).await.unwrap();
    let mut rec = st.record().unwrap().clone();
    rec.expires_at = 10;
    s.sessions.save(&rec).await.unwrap();
    assert!(
        s.sessions.load(&rec.id).await.unwrap().is_none(),
        "the store never returns it"
    );
    assert_eq!(s.sessions.delete_expired(11).await.unwrap(), 1);
    assert!(s.sessions.is_empty());
}

#[tokio::test]
async fn password_change_elsewhere_and_deactivation_end_sessions() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let mut a = s.auth.load_session(None).await;
    let mut b = s.auth.load_session(None).await;
    s.auth.login(&mut a, &alice).await.unwrap();
    s.auth.login(&mut b, &alice).await.unwrap();
    let b_id = b.record().unwrap().id.clone();
    s.auth
        .change_password(&mut a, "password-one", "password-new", "password-new")
        .await
        .unwrap();
    assert!(s.auth.load_session(Some(b_id)).await.user().is_none());
    let a_id = a.record().unwrap().id.clone();
    assert_eq!(
        s.auth
            .load_session(Some(a_id.clone()))
            .await
            .user()
            .unwrap()
            .id,
        alice.id
    );

    // A hash changed behind the service's back (another process) also ends the session.
    s.store
        .set_password_hash(alice.id, &auth_core::password::hash("other").unwrap())
        .await
        .unwrap();
    assert!(s.auth.load_session(Some(a_id)).await.user().is_none());

    let mut c = s.auth.load_session(None).await;
    let alice = s.store.get_user(alice.id).await.unwrap().unwrap();
    s.auth.login(&mut c, &alice).await.unwrap();
    s.auth.deactivate(alice.id).await.unwrap();
    assert!(
        s.auth
            .load_session(Some(c.record().unwrap().id.clone()))
            .await
            .user()
            .is_none()
    );
    assert!(s.sessions.is_empty());
}

#[tokio::test]
async fn registration_messages_and_no_account_enumeration() {
    let s = setup(config());
    user(&s, "alice", "password-one").await;
    let errors = |r: Result<User, RegisterError>| match r {
        Err(RegisterError::Invalid(e)) => e,
        other => panic!("expected form errors, got {other:?}"),
    };
    let e = errors(
        s.auth
            .register(&Registration {
                confirm_password: "x".into(),
                ..Registration::new("", "bad", "short")
            })
            .await,
    );
    assert_eq!(e.fields["username"], vec!["Enter a username."]);
    assert!(e.fields["email"][0].contains("valid email"));
    assert!(
        e.fields["password"]
            .iter()
            .any(|m| m.contains("at least 8"))
    );
    assert!(
        e.fields["password"]
            .iter()
            .any(|m| m.contains("didn't match"))
    );
    let e = errors(
        s.auth
            .register(&Registration::new(
                "a b<script>",
                "x@example.com",
                "password-one",
            ))
            .await,
    );
    assert!(e.fields["username"][0].contains("letters, digits"));
    let long = "x".repeat(5000);
    let e = errors(
        s.auth
            .register(&Registration::new("zed", "z@example.com", &long))
            .await,
    );
    assert!(
        e.fields["password"][0].contains("too long"),
        "never truncated silently"
    );

    // A taken username and a taken email give the same form-level message; no field says which.
    let taken_name = errors(
        s.auth
            .register(&Registration::new(
                "Alice",
                "new@example.com",
                "password-one",
            ))
            .await,
    );
    let taken_mail = errors(
        s.auth
            .register(&Registration::new(
                "newname",
                "ALICE@example.com",
                "password-one",
            ))
            .await,
    );
    assert_eq!(taken_name, taken_mail);
    assert!(taken_name.fields.is_empty());
    assert_eq!(
        taken_name.form,
        vec![AuthConfig::default().messages.account_unavailable]
    );

    // 64+ characters are fine, and every character counts.
    let pw = "p".repeat(80);
    let u = s
        .auth
        .register(&Registration::new("longpw", "l@example.com", &pw))
        .await
        .unwrap();
    assert_eq!(s.auth.authenticate("longpw", &pw).await.unwrap().id, u.id);
    assert!(s.auth.authenticate("longpw", &pw[..72]).await.is_err());
}

#[tokio::test]
async fn concurrent_registrations_keep_usernames_unique() {
    let s = setup(AuthConfig {
        password_hash_concurrency: 2,
        ..config()
    });
    let mut tasks = Vec::new();
    for i in 0..8 {
        let auth = s.auth.clone();
        tasks.push(tokio::spawn(async move {
            auth.register(&Registration::new(
                "same",
                &format!("u{i}@example.com"),
                "password-one",
            ))
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
    let same = s.store.find_by_username("same").await.unwrap().unwrap();
    let renamed = s
        .store
        .update_user(&User {
            username: "SAME".into(),
            ..same
        })
        .await;
    assert!(
        renamed.is_ok(),
        "renaming a user to a case variant of their own name is fine"
    );
    let other = user(&s, "other", "password-one").await;
    let clash = s
        .store
        .update_user(&User {
            username: "same".into(),
            ..other
        })
        .await;
    assert!(matches!(
        clash,
        Err(StoreError::Conflict { field: "username" })
    ));
}

struct Ctx(Option<User>, Grants);

#[auth_core::async_trait]
impl AuthContext for Ctx {
    fn current_user(&self) -> Option<&User> {
        self.0.as_ref()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        Ok(Arc::new(self.1.clone()))
    }
}

#[tokio::test]
async fn helpers_and_snapshot() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let grants = Grants {
        permissions: ["blog.add_post".to_string()].into(),
        groups: vec!["Editors".into()],
    };
    let cx = Ctx(Some(alice.clone()), grants.clone());
    assert!(user_has_perm(&cx, "blog.add_post").await.unwrap());
    assert!(!user_has_perm(&cx, "blog.delete_post").await.unwrap());
    assert!(
        user_has_perm(&cx, "add_post").await.is_err(),
        "a malformed permission is an error, never false"
    );
    assert!(user_in_group(&cx, "Editors").await.unwrap());
    assert!(!user_in_group(&cx, "editors").await.unwrap());
    assert!(auth_core::require_login_user(&cx).is_ok());
    let anon = Ctx(None, grants.clone());
    assert!(auth_core::require_login_user(&anon).is_err());
    assert!(!user_has_perm(&anon, "blog.add_post").await.unwrap());

    let snap = user_snapshot(&cx, true).await.unwrap().unwrap();
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["username"], "alice");
    assert_eq!(json["groups"], serde_json::json!(["Editors"]));
    assert!(json.get("password_hash").is_none());
    assert!(
        !serde_json::to_string(&alice).unwrap().contains("argon2"),
        "User never serializes its hash"
    );
    assert!(!format!("{alice:?}").contains("argon2"), "nor prints it");
    let snap = user_snapshot(&cx, false).await.unwrap().unwrap();
    assert!(serde_json::to_value(&snap).unwrap().get("groups").is_none());
    assert!(user_snapshot(&anon, true).await.unwrap().is_none());
}

#[tokio::test]
async fn the_cleanup_task_removes_expired_sessions() {
    let sessions = Arc::new(MemorySessionStore::new());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mk = |expires_at| auth_core::SessionRecord {
        id: auth_core::SessionId::generate(),
        user_id: None,
        auth_hash: None,
        data: Default::default(),
        created_at: now - 10,
        last_seen: now - 10,
        expires_at,
    };
    sessions.save(&mk(now - 1)).await.unwrap();
    sessions.save(&mk(now + 3600)).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let task = auth_core::spawn_cleanup(sessions.clone(), std::time::Duration::from_millis(10));
    for _ in 0..100 {
        if sessions.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    task.abort();
    assert_eq!(
        sessions.len(),
        1,
        "the expired record was cleaned up, the live one kept"
    );
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

#[test]
fn startup_warns_about_unsafe_settings() {
    let warnings = AuthConfig {
        site_origin: Some("https://shop.example".into()),
        password_min_length: 6,
        ..AuthConfig::default()
    }
    .security_warnings();
    assert!(warnings.iter().any(|w| w.contains("secret_key is empty")));
    assert!(warnings.iter().any(|w| w.contains("session_cookie_secure")));
    assert!(warnings.iter().any(|w| w.contains("password_min_length")));
    let safe = AuthConfig {
        secret_key: "x".repeat(40),
        site_origin: Some("https://shop.example".into()),
        session_cookie_host_prefix: true,
        ..AuthConfig::default()
    };
    assert!(
        safe.security_warnings().is_empty(),
        "{:?}",
        safe.security_warnings()
    );
}

#[tokio::test]
async fn keeping_other_sessions_on_password_change_is_explicit() {
    let s = setup(AuthConfig {
        password_change_keeps_other_sessions: true,
        ..config()
    });
    let alice = user(&s, "alice", "password-one").await;
    let mut a = s.auth.load_session(None).await;
    let mut b = s.auth.load_session(None).await;
    s.auth.login(&mut a, &alice).await.unwrap();
    s.auth.login(&mut b, &alice).await.unwrap();
    s.auth
        .change_password(
            &mut a,
            "password-one",
            "a new passphrase",
            "a new passphrase",
        )
        .await
        .unwrap();
    let b_id = b.record().unwrap().id.clone();
    assert!(
        s.sessions.load(&b_id).await.unwrap().is_some(),
        "not deleted when keeping"
    );
    assert_eq!(
        s.auth.load_session(Some(b_id)).await.user().unwrap().id,
        alice.id,
        "still logged in"
    );
    // Deactivation still ends every session.
    s.auth.deactivate(alice.id).await.unwrap();
    assert!(s.sessions.is_empty());
}

#[tokio::test]
async fn every_place_that_sets_a_password_validates_it() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let e = s
        .auth
        .register(&Registration::new("bob", "bob@example.com", "password1"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("too common"), "{e}");
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &alice).await.unwrap();
    let e = s
        .auth
        .change_password(&mut st, "password-one", "123456789012", "123456789012")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("entirely numeric"), "{e}");
    let e = s
        .auth
        .change_password(&mut st, "password-one", "aliceee!", "aliceee!")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("too similar to the username"), "{e}");
}

#[tokio::test]
async fn no_reset_mail_for_inactive_users_or_unusable_passwords() {
    #[derive(Default)]
    struct Count(std::sync::atomic::AtomicUsize);
    #[auth_core::async_trait]
    impl auth_core::mail::Mailer for Count {
        async fn send(&self, _: &auth_core::mail::Email) -> Result<(), auth_core::mail::MailError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }
    let s = setup(AuthConfig {
        site_origin: Some("https://x.example".into()),
        ..config()
    });
    user(&s, "active", "password-one").await;
    let inactive = user(&s, "inactive", "password-one").await;
    s.auth.deactivate(inactive.id).await.unwrap();
    s.store
        .create_user(NewUser::new(
            "nopw",
            "nopw@example.com",
            auth_core::password::make_unusable(),
        ))
        .await
        .unwrap();
    let mailer = Count::default();
    for email in [
        "inactive@example.com",
        "nopw@example.com",
        "nobody@example.com",
        "active@example.com",
    ] {
        auth_core::pages::send_reset_mail(&s.auth, &mailer, email)
            .await
            .unwrap();
    }
    assert_eq!(
        mailer.0.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "only the active user with a password"
    );
}

/// A session store that only has the async path (as Redis): wraps the memory store without
/// overriding `load_now`.
struct AsyncOnly(MemorySessionStore);

#[async_trait::async_trait]
impl SessionStore for AsyncOnly {
    async fn load(
        &self,
        id: &auth_core::SessionId,
    ) -> Result<Option<auth_core::SessionRecord>, StoreError> {
        self.0.load(id).await
    }
    async fn save(&self, r: &auth_core::SessionRecord) -> Result<(), StoreError> {
        self.0.save(r).await
    }
    async fn delete(&self, id: &auth_core::SessionId) -> Result<(), StoreError> {
        self.0.delete(id).await
    }
    async fn delete_user_sessions(
        &self,
        user_id: i64,
        keep: Option<&auth_core::SessionId>,
    ) -> Result<u64, StoreError> {
        self.0.delete_user_sessions(user_id, keep).await
    }
    async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        self.0.delete_expired(now).await
    }
}

#[tokio::test]
async fn the_no_wait_session_load_agrees_with_the_full_one_and_defers_every_write() {
    let s = setup(config());
    let alice = user(&s, "alice", "password-one").await;
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &alice).await.unwrap();
    let id = st.record().unwrap().id.clone();

    // A valid session: the same user and record either way, and nothing to save afterwards.
    let now = s
        .auth
        .load_session_now(Some(id.clone()))
        .expect("memory answers at once");
    let full = s.auth.load_session(Some(id.clone())).await;
    assert_eq!(now.user().unwrap().id, alice.id);
    assert_eq!(now.record(), full.record());
    assert!(s.auth.commit_now(&now).is_some(), "nothing to write");
    assert!(s.auth.load_session_now(None).unwrap().user().is_none());

    // Unknown and forged ids are anonymous at once.
    let forged = auth_core::SessionId::generate();
    assert!(
        s.auth
            .load_session_now(Some(forged))
            .unwrap()
            .user()
            .is_none()
    );

    // A session that must end (user deactivated) is left to the full path, which deletes it.
    let mut other = s.auth.load_session(None).await;
    s.auth.login(&mut other, &alice).await.unwrap();
    let other_id = other.record().unwrap().id.clone();
    let mut off = s.store.get_user(alice.id).await.unwrap().unwrap();
    off.is_active = false;
    s.store.update_user(&off).await.unwrap();
    assert!(s.auth.load_session_now(Some(other_id.clone())).is_none());
    assert!(
        s.auth
            .load_session(Some(other_id.clone()))
            .await
            .user()
            .is_none()
    );
    assert!(
        s.sessions.load(&other_id).await.unwrap().is_none(),
        "deleted"
    );

    // An idle clock due for a refresh is written by `commit`, never skipped by `commit_now`.
    let s = setup(AuthConfig {
        session_touch_interval_secs: 0,
        ..config()
    });
    let bob = user(&s, "bob", "password-two").await;
    let mut st = s.auth.load_session(None).await;
    s.auth.login(&mut st, &bob).await.unwrap();
    let touched = s
        .auth
        .load_session_now(Some(st.record().unwrap().id.clone()))
        .unwrap();
    assert!(s.auth.commit_now(&touched).is_none(), "a save is due");

    // A store without a no-wait path always takes the full one.
    let mem = Arc::new(MemoryStore::new());
    let auth = AuthService::new(
        config(),
        mem.clone(),
        mem,
        Arc::new(AsyncOnly(MemorySessionStore::new())),
    );
    auth.register(&Registration::new(
        "carol",
        "c@example.com",
        "password-three",
    ))
    .await
    .unwrap();
    let carol = auth.authenticate("carol", "password-three").await.unwrap();
    let mut st = auth.load_session(None).await;
    auth.login(&mut st, &carol).await.unwrap();
    let id = st.record().unwrap().id.clone();
    assert!(auth.load_session_now(Some(id.clone())).is_none());
    assert_eq!(
        auth.load_session(Some(id)).await.user().unwrap().id,
        carol.id
    );
}
