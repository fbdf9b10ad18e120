//! What the password-reset request sends, and to whom.

use std::sync::Arc;

use auth_core::user::NewUser;
use auth_core::{
    AuthConfig, AuthService, MemorySessionStore, MemoryStore, Registration, UserStore,
};
use auth_pages::mail;

#[tokio::test]
async fn no_reset_mail_for_inactive_users_or_unusable_passwords() {
    #[derive(Default)]
    struct Count(std::sync::atomic::AtomicUsize);
    #[auth_core::async_trait]
    impl mail::Mailer for Count {
        async fn send(&self, _: &mail::Email) -> Result<(), mail::MailError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }
    let store = Arc::new(MemoryStore::new());
    let auth = AuthService::new(
        AuthConfig {
            secret_key: "unit-test-secret".into(),
            site_origin: Some("https://x.example".into()),
            ..AuthConfig::default()
        },
        store.clone(),
        store.clone(),
        Arc::new(MemorySessionStore::new()),
    );
    for name in ["active", "inactive"] {
        let email = format!("{name}@example.com");
        auth.register(&Registration::new(name, &email, "password-one"))
            .await
            .unwrap();
    }
    let inactive = store.find_by_username("inactive").await.unwrap().unwrap();
    auth.deactivate(&inactive.id).await.unwrap();
    store
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
        auth_pages::send_reset_mail(&auth, &mailer, email)
            .await
            .unwrap();
    }
    assert_eq!(
        mailer.0.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "only the active user with a password"
    );
}
