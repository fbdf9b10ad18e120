//! Registration, password changes and resets.

use super::*;

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
        .update_user(&{
            let mut u = same.clone();
            u.username = "SAME".into();
            u
        })
        .await;
    assert!(
        renamed.is_ok(),
        "renaming a user to a case variant of their own name is fine"
    );
    let other = user(&s, "other", "password-one").await;
    let clash = s
        .store
        .update_user(&{
            let mut u = other.clone();
            u.username = "same".into();
            u
        })
        .await;
    assert!(matches!(
        clash,
        Err(StoreError::Conflict { field: "username" })
    ));
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
