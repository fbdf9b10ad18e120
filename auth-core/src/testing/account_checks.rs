//! Conformance checks of the account-lifecycle writes: the email-verification mark, a change
//! of address, deleting a user.

use std::sync::Arc;

use crate::error::StoreError;
use crate::permission::Permission;
use crate::store::{PermissionChecker, UserStore};
use crate::user::NewUser;

/// The account-lifecycle writes of a writable user store:
///
/// - the verification mark: off for a new user; [`set_email_unverified`] answers whether it
///   was on, so of several parallel "take it off" calls exactly one gets `true`;
/// - [`change_email`]: swaps only while the address is still the old one, refuses an address
///   another user has (any case) with [`StoreError::Conflict`], and of parallel swaps from the
///   same old address exactly one wins; the new address finds the user, the old one nobody;
/// - [`delete_user`]: the user, their groups and permissions and their mark are gone, their
///   name and address are free again, and a second delete answers `false`.
///
/// [`set_email_unverified`]: UserStore::set_email_unverified
/// [`change_email`]: UserStore::change_email
/// [`delete_user`]: UserStore::delete_user
pub async fn account_lifecycle(
    store: Arc<dyn UserStore>,
    perms: &dyn PermissionChecker,
    prefix: &str,
) {
    let name = |s: &str| format!("{prefix}{s}");
    let mail = |s: &str| format!("{prefix}{s}@example.com");
    let a = store
        .create_user(NewUser::new(name("lc_a"), mail("lc_a"), "!"))
        .await
        .unwrap();
    let b = store
        .create_user(NewUser::new(name("lc_b"), mail("lc_b"), "!"))
        .await
        .unwrap();

    // The verification mark.
    assert!(
        !store.email_unverified(&a.id).await.unwrap(),
        "no mark on a new user"
    );
    assert!(
        !store.set_email_unverified(&a.id, true).await.unwrap(),
        "was off"
    );
    assert!(
        store.set_email_unverified(&a.id, true).await.unwrap(),
        "was on already"
    );
    assert!(store.email_unverified(&a.id).await.unwrap());
    assert!(
        !store.email_unverified(&b.id).await.unwrap(),
        "only that user is marked"
    );
    let takes = (0..8).map(|_| {
        let store = store.clone();
        let id = a.id.clone();
        tokio::spawn(async move { store.set_email_unverified(&id, false).await.unwrap() })
    });
    let mut won = 0;
    for t in takes {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one parallel take finds the mark");
    assert!(!store.email_unverified(&a.id).await.unwrap());

    // A change of address.
    let (old, new) = (mail("lc_a"), mail("lc_a_new"));
    assert!(
        !store
            .change_email(&a.id, &mail("elsewhere"), &new)
            .await
            .unwrap(),
        "only from the address in force"
    );
    match store
        .change_email(&a.id, &old, &mail("LC_B").to_uppercase())
        .await
    {
        Err(StoreError::Conflict { field: "email" }) => {}
        other => panic!("another user's address (in another case) is a conflict, got {other:?}"),
    }
    let swaps = ["x1", "x2", "x3", "x4"].map(|tag| {
        let store = store.clone();
        let (id, old, to) = (a.id.clone(), old.clone(), mail(&format!("lc_a_{tag}")));
        tokio::spawn(async move { store.change_email(&id, &old, &to).await.unwrap() })
    });
    let mut won = 0;
    for t in swaps {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(
        won, 1,
        "exactly one parallel swap from the same address wins"
    );
    let now = store.get_user(&a.id).await.unwrap().unwrap().email;
    assert!(store.change_email(&a.id, &now, &new).await.unwrap());
    assert_eq!(
        store.find_by_email(&new).await.unwrap().map(|u| u.id),
        Some(a.id.clone())
    );
    assert!(
        store.find_by_email(&old).await.unwrap().is_none(),
        "the old address is free"
    );
    assert_eq!(store.get_user(&a.id).await.unwrap().unwrap().email, new);

    // Deleting a user.
    let group = name("lc_group");
    perms.add_user_to_group(&b.id, &group).await.unwrap();
    if let Ok(p) = Permission::parse("shop.view_reports") {
        // A store whose permissions must be declared first may refuse this one.
        let _ = perms.grant_user_permission(&b.id, &p).await;
    }
    store.set_email_unverified(&b.id, true).await.unwrap();
    assert!(store.delete_user(&b.id).await.unwrap());
    assert!(
        store.get_user(&b.id).await.unwrap().is_none(),
        "the user is gone"
    );
    assert!(
        store
            .find_by_username(&name("lc_b"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.find_by_email(&mail("lc_b")).await.unwrap().is_none());
    assert!(
        !store.email_unverified(&b.id).await.unwrap(),
        "with their mark"
    );
    let grants = perms.grants(&b.id).await.unwrap();
    assert!(
        grants.groups.is_empty() && grants.permissions.is_empty(),
        "with their groups and permissions: {grants:?}"
    );
    assert!(!store.delete_user(&b.id).await.unwrap(), "twice is nothing");
    let again = store
        .create_user(NewUser::new(name("lc_b"), mail("lc_b"), "!"))
        .await
        .expect("the name and address are free again");
    assert_ne!(again.id, b.id);
}
