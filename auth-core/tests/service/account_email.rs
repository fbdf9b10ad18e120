//! Email verification, change of address and deleting the account, through the service.

use super::*;
use auth_core::config::AccountDeletion;
use auth_core::reset::encode_uid;

#[tokio::test]
async fn verification_gates_login_and_the_link_works_once() {
    let s = setup(AuthConfig {
        require_email_verification: true,
        ..config()
    });
    let reg = Registration::new("vera", "vera@example.com", "a long passphrase");
    let user = s.auth.register(&reg).await.unwrap();
    assert!(!user.is_active, "inactive until verified");
    assert!(s.store.email_unverified(&user.id).await.unwrap());
    // The right password says so; a wrong one says nothing more than usual.
    assert!(matches!(
        s.auth.authenticate("vera", "a long passphrase").await,
        Err(AuthError::EmailNotVerified)
    ));
    assert!(matches!(
        s.auth.authenticate("vera", "wrong password").await,
        Err(AuthError::InvalidCredentials)
    ));
    let uid = encode_uid(&user.id);
    let token = s.auth.email_verification_token(&user);
    assert!(s.auth.verify_email(&uid, "1-00").await.unwrap().is_none());
    assert!(s.auth.verify_email(&uid, &token).await.unwrap().is_some());
    assert!(
        s.auth.verify_email(&uid, &token).await.unwrap().is_none(),
        "single use"
    );
    assert!(
        s.auth
            .authenticate("vera", "a long passphrase")
            .await
            .is_ok()
    );
    // An account an admin deactivates is never reactivated by an old link.
    s.auth.deactivate(&user.id).await.unwrap();
    assert!(s.auth.verify_email(&uid, &token).await.unwrap().is_none());
    assert!(
        s.auth
            .awaiting_verification("vera")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        s.auth.authenticate("vera", "a long passphrase").await,
        Err(AuthError::InvalidCredentials)
    ));
}

#[tokio::test]
async fn change_of_address_is_bound_to_the_user_and_the_address() {
    let s = setup(config());
    let a = s
        .auth
        .register(&Registration::new(
            "ann",
            "ann@example.com",
            "a long passphrase",
        ))
        .await
        .unwrap();
    let b = s
        .auth
        .register(&Registration::new(
            "bob",
            "bob@example.com",
            "a long passphrase",
        ))
        .await
        .unwrap();
    let token = s.auth.email_change_token(&a, "ann@new.example");
    let uid = encode_uid(&a.id);
    assert!(
        s.auth
            .confirm_email_change(&encode_uid(&b.id), &token)
            .await
            .unwrap()
            .is_none(),
        "not for another user"
    );
    let tampered = token.replacen(
        token.split('.').next().unwrap(),
        &base64_of("eve@evil.example"),
        1,
    );
    assert!(
        s.auth
            .confirm_email_change(&uid, &tampered)
            .await
            .unwrap()
            .is_none()
    );
    let (user, old) = s
        .auth
        .confirm_email_change(&uid, &token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.email.as_str(), old.as_str()),
        ("ann@new.example", "ann@example.com")
    );
    assert!(
        s.auth
            .confirm_email_change(&uid, &token)
            .await
            .unwrap()
            .is_none(),
        "single use"
    );
    assert_eq!(
        s.store
            .find_by_email("ann@new.example")
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    // A link to an address someone took meanwhile does nothing.
    let a = s.store.get_user(&a.id).await.unwrap().unwrap();
    let token = s.auth.email_change_token(&a, "bob@example.com");
    assert!(
        s.auth
            .confirm_email_change(&uid, &token)
            .await
            .unwrap()
            .is_none()
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_ends_every_session() {
    let s = setup(AuthConfig {
        account_deletion: AccountDeletion::Delete,
        ..config()
    });
    let u = s
        .auth
        .register(&Registration::new(
            "dora",
            "dora@example.com",
            "a long passphrase",
        ))
        .await
        .unwrap();
    let mut here = s.auth.load_session(None).await;
    s.auth.login(&mut here, &u).await.unwrap();
    let mut there = s.auth.load_session(None).await;
    s.auth.login(&mut there, &u).await.unwrap();
    s.auth.commit(&mut there).await.unwrap();
    assert!(s.auth.delete_account(&mut here, "wrong").await.is_err());
    assert!(s.store.get_user(&u.id).await.unwrap().is_some());
    s.auth
        .delete_account(&mut here, "a long passphrase")
        .await
        .unwrap();
    assert!(s.store.get_user(&u.id).await.unwrap().is_none());
    assert!(here.user().is_none());
    assert!(s.sessions.user_sessions(&u.id).await.unwrap().is_empty());
}
