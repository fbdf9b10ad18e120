//! The example's read-only store against the toolkit's conformance suite, and what a
//! read-only store changes: the registration and reset pages refuse to mount, the builder
//! refuses a missing piece, logins still work and record nothing.

use auth_core::testing::{KnownUser, read_only_grants, read_only_users};
use auth_core::{AuthConfig, AuthService, StoreError, UserId, UserStore};
use byo_users::AppUsers;

async fn pool() -> (sqlx::SqlitePool, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "byo-store-{}",
        auth_core::SessionId::generate().as_str()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("app.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    byo_users::migrate(&pool).await.unwrap();
    (pool, dir)
}

#[tokio::test]
async fn the_example_store_passes_the_read_only_conformance_suite() {
    let (pool, dir) = pool().await;
    let id = byo_users::add_user(&pool, "Bea@Example.com", "Bea", 3, "pass-word-long")
        .await
        .unwrap();
    sqlx::query("INSERT INTO user_permissions VALUES (?, 'billing.view_invoices')")
        .bind(id.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let store = AppUsers { pool: pool.clone() };
    let known = KnownUser {
        id: UserId::from(id),
        username: "Bea@Example.com".into(),
        password: "pass-word-long".into(),
    };
    read_only_users(&store, &known).await;
    read_only_grants(&store, &known.id, &["billing.view_invoices"], &[]).await;
    // The app's own type rides along with the built-in view.
    let u = store.get_user(&known.id).await.unwrap().unwrap();
    assert_eq!(u.app::<byo_users::AppUser>().unwrap().tenant_id, 3);
    assert!(matches!(
        store
            .create_user(auth_core::user::NewUser::new("x", "", "!"))
            .await,
        Err(StoreError::Unsupported {
            operation: "create_user"
        })
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn read_only_stores_keep_registration_and_reset_pages_off() {
    let (pool, dir) = pool().await;
    let service = byo_users::service(pool, AuthConfig::default())
        .await
        .unwrap();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        auth_axum::add_auth_pages(axum::Router::<()>::new(), &service)
    }));
    let message = *refused
        .expect_err("mounting must refuse")
        .downcast::<String>()
        .unwrap();
    assert!(
        message.contains("registration page needs a user store that can write"),
        "{message}"
    );
    assert!(message.contains("signup_enabled"), "{message}");
    // With both pages off, the login and logout pages mount.
    let config = AuthConfig {
        signup_enabled: false,
        password_reset_enabled: false,
        ..AuthConfig::default()
    };
    let (pool, dir2) = self::pool().await;
    let service = byo_users::service(pool.clone(), config).await.unwrap();
    let _router: axum::Router = auth_axum::add_auth_pages(axum::Router::new(), &service);
    // Logins work over the read-only store, and record nothing in the app's table.
    byo_users::add_user(&pool, "cy@example.com", "Cy", 1, "pass-word-long")
        .await
        .unwrap();
    let user = service
        .authenticate("CY@example.com", "pass-word-long")
        .await
        .unwrap();
    assert_eq!(user.app::<byo_users::AppUser>().unwrap().display_name, "Cy");
    assert!(
        service
            .authenticate("cy@example.com", "wrong")
            .await
            .is_err()
    );
    let mut st = service.load_session(None).await;
    service.login(&mut st, &user).await.unwrap();
    assert!(st.user().unwrap().last_login.is_none());
    for d in [dir, dir2] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[tokio::test]
async fn the_builder_names_a_missing_piece() {
    let (pool, dir) = pool().await;
    let err = AuthService::builder(AuthConfig::default())
        .users(AppUsers { pool })
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no permission store"), "{err}");
    let err = AuthService::builder(AuthConfig::default())
        .users(auth_core::MemoryStore::new())
        .permissions(auth_core::store::NoPermissions)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no session store"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
