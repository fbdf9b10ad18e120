//! The session and attempt-counter checks of the conformance suite.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::session::{SessionId, SessionRecord};
use crate::store::SessionStore;
use crate::user::UserId;

fn record(user_id: Option<&UserId>, now: i64, expires_in: i64) -> SessionRecord {
    let mut data = BTreeMap::new();
    data.insert("theme".to_string(), serde_json::json!("dark"));
    data.insert("n".to_string(), serde_json::json!({"nested": [1, 2, 3]}));
    SessionRecord {
        id: SessionId::generate(),
        user_id: user_id.cloned(),
        auth_hash: user_id.map(|_| crate::session::AuthHash::from_bytes([0xab; 32])),
        data,
        created_at: now,
        last_seen: now,
        expires_at: now + expires_in,
        meta: Default::default(),
    }
}

/// Sessions: save/load round trip, update, delete, per-user deletion, expiry and cleanup.
/// `user_ids` are ids of two distinct users of this store (sessions may reference users), of
/// any kind (sessions must keep UUID and text ids as well as integers).
/// With `server_side_expiry` (Redis), the server drops expired records by itself, so
/// `delete_expired` has nothing left to count.
pub async fn sessions(store: &dyn SessionStore, user_ids: [UserId; 2], server_side_expiry: bool) {
    let now = crate::session::now_unix();
    let [u1, u2] = &user_ids;
    let a = record(Some(u1), now, 3600);
    store.save(&a).await.unwrap();
    assert_eq!(store.load(&a.id).await.unwrap().as_ref(), Some(&a));
    let mut a2 = a.clone();
    a2.last_seen = now + 5;
    a2.data.insert("k".into(), serde_json::json!(1));
    store.save(&a2).await.unwrap();
    assert_eq!(
        store.load(&a.id).await.unwrap().as_ref(),
        Some(&a2),
        "save replaces"
    );
    assert!(store.load(&SessionId::generate()).await.unwrap().is_none());

    let b = record(Some(u1), now, 3600);
    let c = record(Some(u2), now, 3600);
    let anon = record(None, now, 3600);
    for r in [&b, &c, &anon] {
        store.save(r).await.unwrap();
    }
    assert_eq!(
        store.delete_user_sessions(u1, Some(&b.id)).await.unwrap(),
        1
    );
    assert!(store.load(&a.id).await.unwrap().is_none());
    assert!(store.load(&b.id).await.unwrap().is_some(), "kept");
    assert!(
        store.load(&c.id).await.unwrap().is_some(),
        "other user untouched"
    );
    assert_eq!(store.delete_user_sessions(u1, None).await.unwrap(), 1);
    assert!(store.load(&b.id).await.unwrap().is_none());
    store.delete(&c.id).await.unwrap();
    store.delete(&c.id).await.unwrap(); // deleting twice is fine
    assert!(store.load(&c.id).await.unwrap().is_none());
    assert!(store.load(&anon.id).await.unwrap().is_some());

    // Expiry: an expired record is never returned, and cleanup removes it.
    let old = record(Some(u2), now - 100, 50);
    store.save(&old).await.unwrap();
    assert!(store.load(&old.id).await.unwrap().is_none());
    let removed = store.delete_expired(now).await.unwrap();
    if !server_side_expiry {
        assert!(removed >= 1, "cleanup removed {removed}");
    }
    assert_eq!(
        store.delete_user_sessions(u2, None).await.unwrap(),
        0,
        "the expired one is gone"
    );
    store.delete(&anon.id).await.unwrap();
}

/// [`SessionStore::update`] writes back a live session and never
/// brings back one that was deleted meanwhile (a logout elsewhere). Every store of this crate
/// passes it; a store that keeps the trait's default `update` (which saves) does not.
pub async fn session_updates(store: &dyn SessionStore, user_id: UserId) {
    let now = crate::session::now_unix();
    let mut rec = record(Some(&user_id), now, 3600);
    store.save(&rec).await.unwrap();
    rec.data.insert("theme".into(), serde_json::json!("light"));
    rec.last_seen = now + 1;
    assert!(
        store.update(&rec).await.unwrap(),
        "a live session is updated"
    );
    let back = store.load(&rec.id).await.unwrap().expect("still there");
    assert_eq!(back.data.get("theme"), Some(&serde_json::json!("light")));
    store.delete(&rec.id).await.unwrap();
    assert!(
        !store.update(&rec).await.unwrap(),
        "a deleted session is not written back"
    );
    assert!(
        store.load(&rec.id).await.unwrap().is_none(),
        "and stays deleted"
    );
}

/// Failed-login counters: counting in a window, reading, clearing, expiry.
pub async fn attempts(store: &dyn crate::store::AttemptStore, prefix: &str) {
    let k = format!("{prefix}pair:1.2.3.4|alice");
    assert_eq!(store.failures(&k).await.unwrap(), 0);
    assert_eq!(store.record_failure(&k, 60).await.unwrap(), 1);
    assert_eq!(store.record_failure(&k, 60).await.unwrap(), 2);
    assert_eq!(store.failures(&k).await.unwrap(), 2);
    let other = format!("{prefix}ip:1.2.3.4");
    assert_eq!(
        store.record_failure(&other, 60).await.unwrap(),
        1,
        "keys are separate"
    );
    store.clear(&k).await.unwrap();
    assert_eq!(store.failures(&k).await.unwrap(), 0);
    let short = format!("{prefix}short");
    store.record_failure(&short, 1).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        store.failures(&short).await.unwrap(),
        0,
        "the window passed"
    );
    assert_eq!(
        store.record_failure(&short, 1).await.unwrap(),
        1,
        "a new window starts at 1"
    );
}

/// The attempt store under a burst (security review 2, finding 3): reservations are atomic,
/// `release` gives one back, and through the service a burst of parallel wrong passwords gets
/// exactly as many password checks as the limit allows one at a time.
pub async fn attempts_under_a_burst(store: Arc<dyn crate::store::AttemptStore>, prefix: &str) {
    let k = format!("{prefix}burst-key");
    let counts = futures_util::future::join_all((0..50).map(|_| store.record_failure(&k, 60)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect::<std::collections::BTreeSet<u32>>();
    assert_eq!(
        counts,
        (1..=50).collect(),
        "each reservation sees its own count"
    );
    store.release(&k).await.unwrap();
    assert_eq!(store.failures(&k).await.unwrap(), 49);
    let fresh = format!("{prefix}never-counted");
    store.release(&fresh).await.unwrap();
    assert_eq!(
        store.failures(&fresh).await.unwrap(),
        0,
        "release never goes below 0"
    );
    assert_eq!(store.record_failure(&fresh, 60).await.unwrap(), 1);

    let config = crate::config::AuthConfig {
        secret_key: "burst-secret-burst-secret-burst-secret".into(),
        ..crate::config::AuthConfig::default()
    };
    let service = crate::service::AuthService::in_memory(config).with_attempt_store(store.clone());
    let name = format!(
        "burst{}",
        prefix.replace(|c: char| !c.is_alphanumeric(), "")
    );
    service
        .register(&crate::service::Registration::new(
            &name,
            &format!("{name}@example.com"),
            "correct horse battery",
        ))
        .await
        .unwrap();
    let client = Some("203.0.113.50".parse().unwrap());
    let answers = futures_util::future::join_all(
        (0..30).map(|_| service.authenticate_from(&name, "wrong guess", client)),
    )
    .await;
    let checked = answers
        .iter()
        .filter(|r| matches!(r, Err(crate::error::AuthError::InvalidCredentials)))
        .count();
    let throttled = answers
        .iter()
        .filter(|r| matches!(r, Err(crate::error::AuthError::Throttled { .. })))
        .count();
    assert_eq!((checked, throttled), (5, 25), "{answers:?}");
    assert!(matches!(
        service
            .authenticate_from(&name, "correct horse battery", client)
            .await,
        Err(crate::error::AuthError::Throttled { .. })
    ));
    // Another client still logs in, and a success gives its address reservation back.
    let other = Some("198.51.100.50".parse().unwrap());
    service
        .authenticate_from(&name, "correct horse battery", other)
        .await
        .unwrap();
    assert_eq!(store.failures("ip:198.51.100.50").await.unwrap(), 0);
}

/// A user's session list ([`SessionStore::user_sessions`]) and what each session records
/// ([`SessionMeta`](crate::session::SessionMeta)): only that user's live sessions, most
/// recently seen first, with their address, user agent and cookie kind as saved, and an
/// update that keeps them. `user_ids` are two distinct users with no sessions yet.
pub async fn session_listing(store: &dyn SessionStore, user_ids: [UserId; 2]) {
    use crate::session::SessionMeta;
    let now = crate::session::now_unix();
    let [u1, u2] = &user_ids;
    let mut mine = Vec::new();
    for (i, ua) in [
        "Firefox/133.0 (X11; Linux)",
        "curl/8.5.0",
        "Safari/604 (iPhone)",
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = record(Some(u1), now - 100, 3600);
        r.last_seen = now - 50 + i as i64 * 10;
        r.meta = SessionMeta {
            ip: Some(format!("192.0.2.{}", i + 1).parse().unwrap()),
            user_agent: Some(ua.into()),
            browser_session: i == 1,
        };
        store.save(&r).await.unwrap();
        mine.push(r);
    }
    let theirs = record(Some(u2), now, 3600);
    store.save(&theirs).await.unwrap();
    let anonymous = record(None, now, 3600);
    store.save(&anonymous).await.unwrap();

    let listed = store.user_sessions(u1).await.unwrap();
    let ids: Vec<&SessionId> = listed.iter().map(|r| &r.id).collect();
    assert_eq!(
        ids,
        vec![&mine[2].id, &mine[1].id, &mine[0].id],
        "the user's sessions, most recently seen first"
    );
    for r in &listed {
        let saved = mine.iter().find(|m| m.id == r.id).unwrap();
        assert_eq!(r.meta, saved.meta, "metadata round-trips");
        assert_eq!(
            r.data, saved.data,
            "the metadata is not part of the app's data"
        );
        assert_eq!(r.user_id.as_ref(), Some(u1));
    }
    let loaded = store.load(&mine[1].id).await.unwrap().unwrap();
    assert_eq!(loaded.meta, mine[1].meta);
    assert!(loaded.meta.browser_session);

    // An update of the idle clock keeps the metadata.
    let mut touched = loaded.clone();
    touched.last_seen = now;
    assert!(store.update(&touched).await.unwrap());
    assert_eq!(
        store.load(&touched.id).await.unwrap().unwrap().meta,
        mine[1].meta
    );

    let other: Vec<SessionId> = store
        .user_sessions(u2)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(other, vec![theirs.id.clone()]);

    store.delete(&mine[0].id).await.unwrap();
    assert_eq!(store.user_sessions(u1).await.unwrap().len(), 2);
    store.delete_user_sessions(u1, None).await.unwrap();
    store.delete_user_sessions(u2, None).await.unwrap();
    store.delete(&anonymous.id).await.unwrap();
    assert!(store.user_sessions(u1).await.unwrap().is_empty());
}
