//! The session lifecycle: rotation, expiry, cleanup, and what ends sessions.

use super::*;

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
        .set_password_hash(&alice.id, &auth_core::password::hash("other").unwrap())
        .await
        .unwrap();
    assert!(s.auth.load_session(Some(a_id)).await.user().is_none());

    let mut c = s.auth.load_session(None).await;
    let alice = s.store.get_user(&alice.id).await.unwrap().unwrap();
    s.auth.login(&mut c, &alice).await.unwrap();
    s.auth.deactivate(&alice.id).await.unwrap();
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
async fn the_cleanup_task_removes_expired_sessions() {
    let sessions = Arc::new(MemorySessionStore::new());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mk = |expires_at| auth_core::session::SessionRecord {
        id: auth_core::SessionId::generate(),
        user_id: None,
        auth_hash: None,
        data: Default::default(),
        created_at: now - 10,
        last_seen: now - 10,
        expires_at,
        meta: Default::default(),
    };
    sessions.save(&mk(now - 1)).await.unwrap();
    sessions.save(&mk(now + 3600)).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let task =
        auth_core::store::spawn_cleanup(sessions.clone(), std::time::Duration::from_millis(10));
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
    s.auth.deactivate(&alice.id).await.unwrap();
    assert!(s.sessions.is_empty());
}

/// A session store that only has the async path (as Redis): wraps the memory store without
/// overriding `load_now`.
struct AsyncOnly(MemorySessionStore);

#[async_trait::async_trait]
impl SessionStore for AsyncOnly {
    async fn load(
        &self,
        id: &auth_core::SessionId,
    ) -> Result<Option<auth_core::session::SessionRecord>, StoreError> {
        self.0.load(id).await
    }
    async fn save(&self, r: &auth_core::session::SessionRecord) -> Result<(), StoreError> {
        self.0.save(r).await
    }
    async fn delete(&self, id: &auth_core::SessionId) -> Result<(), StoreError> {
        self.0.delete(id).await
    }
    async fn delete_user_sessions(
        &self,
        user_id: &auth_core::UserId,
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
    let mut off = s.store.get_user(&alice.id).await.unwrap().unwrap();
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
