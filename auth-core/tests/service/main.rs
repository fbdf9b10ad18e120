//! The auth service's rules, over the in-memory stores, one module per flow.

mod account_email;
mod accounts;
mod helpers;
mod login;
mod sessions;

use std::sync::Arc;

use auth_core::{
    AuthConfig, AuthContext, AuthError, AuthService, Grants, MemorySessionStore, MemoryStore,
    Registration, SessionStore, StoreError, User, UserStore,
    config::LoginField,
    guard::{user_has_perm, user_in_group, user_snapshot},
    service::RegisterError,
    user::NewUser,
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
