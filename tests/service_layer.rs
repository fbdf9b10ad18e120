//! Rule 6: guards on plain async functions outside HTTP (a service layer) that take an auth
//! context by reference or are methods on one, and return `Result<T, E>` with
//! `E: From<Denial>`.

use std::sync::Arc;

use auth_axum::{
    group_required, login_required, permission_required, staff_required, superuser_required,
};
use auth_core::{AuthContext, Denial, Grants, Requirement, StoreError, User, guard::DenialReason};

struct Ctx {
    user: Option<User>,
    grants: Grants,
}

#[auth_core::async_trait]
impl AuthContext for Ctx {
    fn current_user(&self) -> Option<&User> {
        self.user.as_ref()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        Ok(Arc::new(self.grants.clone()))
    }
}

fn ctx(name: Option<&str>, perms: &[&str], groups: &[&str], staff: bool) -> Ctx {
    Ctx {
        user: name.map(|n| {
            let mut u = User::new(1, n);
            u.is_staff = staff;
            u
        }),
        grants: Grants {
            permissions: perms.iter().map(|s| s.to_string()).collect(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
        },
    }
}

#[derive(Debug, thiserror::Error)]
enum ServiceError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error("post {0} not found")]
    NotFound(i64),
}

/// Publishes a post.
#[permission_required("blog.publish_post")]
async fn publish(auth: &Ctx, id: i64) -> Result<String, ServiceError> {
    if id == 0 {
        return Err(ServiceError::NotFound(id));
    }
    Ok(format!(
        "{} published {id}",
        auth.current_user().unwrap().username
    ))
}

#[login_required]
#[group_required("Editors", "Admins")]
async fn edit(auth: &Ctx) -> Result<&'static str, Denial> {
    let _ = auth;
    Ok("edited")
}

#[login_required]
async fn generic<C: AuthContext>(auth: &C) -> Result<String, Denial> {
    Ok(auth.current_user().unwrap().username.clone())
}

#[login_required]
async fn dynamic(auth: &dyn AuthContext) -> Result<(), Denial> {
    let _ = auth;
    Ok(())
}

#[login_required(service)]
async fn by_value(auth: Arc<Ctx>) -> Result<usize, Denial> {
    Ok(Arc::strong_count(&auth))
}

#[superuser_required(auth = ctx)]
async fn named(ctx: &Ctx, n: u32) -> Result<u32, Denial> {
    let _ = ctx;
    Ok(n)
}

fn to_none(_: Denial) -> Result<Option<String>, ServiceError> {
    Ok(None)
}

async fn to_none_async(d: Denial) -> Result<Option<String>, ServiceError> {
    tokio::task::yield_now().await;
    Err(ServiceError::Denied(d))
}

struct Posts {
    cx: Ctx,
}

#[auth_core::async_trait]
impl AuthContext for Posts {
    fn current_user(&self) -> Option<&User> {
        self.cx.current_user()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        self.cx.grants().await
    }
}

impl Posts {
    #[login_required]
    async fn mine(&self) -> Result<String, ServiceError> {
        Ok(format!(
            "posts of {}",
            self.cx.user.as_ref().unwrap().username
        ))
    }

    #[staff_required(on_denied = to_none)]
    async fn audit(&self) -> Result<Option<String>, ServiceError> {
        Ok(Some("audit log".into()))
    }

    #[staff_required(on_denied = to_none_async)]
    async fn audit_async(&self) -> Result<Option<String>, ServiceError> {
        Ok(Some("audit log".into()))
    }
}

#[tokio::test]
async fn reference_context_with_custom_error() {
    let bob = ctx(Some("bob"), &["blog.publish_post"], &[], false);
    assert_eq!(publish(&bob, 3).await.unwrap(), "bob published 3");
    assert!(
        matches!(publish(&bob, 0).await, Err(ServiceError::NotFound(0))),
        "the body's own errors pass through"
    );
    let alice = ctx(Some("alice"), &[], &[], false);
    match publish(&alice, 3).await {
        Err(ServiceError::Denied(d)) => {
            assert_eq!(d.requirement, Requirement::Perm("blog.publish_post"));
            assert_eq!(d.reason, DenialReason::Forbidden);
            assert!(!d.anonymous);
        }
        other => panic!("{other:?}"),
    }
    match publish(&ctx(None, &[], &[], false), 3).await {
        Err(ServiceError::Denied(d)) => assert!(d.anonymous),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn stacked_generic_dyn_by_value_and_named() {
    assert_eq!(
        edit(&ctx(Some("e"), &[], &["Admins"], false))
            .await
            .unwrap(),
        "edited"
    );
    let d = edit(&ctx(Some("e"), &[], &["Readers"], false))
        .await
        .unwrap_err();
    assert_eq!(d.requirement, Requirement::AnyGroup(&["Editors", "Admins"]));
    let d = edit(&ctx(None, &[], &["Admins"], false)).await.unwrap_err();
    assert_eq!(
        d.requirement,
        Requirement::Login,
        "the outer guard checks first"
    );

    assert_eq!(
        generic(&ctx(Some("g"), &[], &[], false)).await.unwrap(),
        "g"
    );
    assert!(generic(&ctx(None, &[], &[], false)).await.is_err());
    assert!(dynamic(&ctx(Some("d"), &[], &[], false)).await.is_ok());
    assert!(dynamic(&ctx(None, &[], &[], false)).await.is_err());
    assert_eq!(
        by_value(Arc::new(ctx(Some("v"), &[], &[], false)))
            .await
            .unwrap(),
        1
    );
    assert!(
        by_value(Arc::new(ctx(None, &[], &[], false)))
            .await
            .is_err()
    );
    assert_eq!(
        named(&ctx(Some("n"), &[], &[], false), 5)
            .await
            .unwrap_err()
            .requirement,
        Requirement::Superuser
    );
}

#[tokio::test]
async fn methods_with_self_and_hooks() {
    let staff = Posts {
        cx: ctx(Some("sam"), &[], &[], true),
    };
    let plain = Posts {
        cx: ctx(Some("pat"), &[], &[], false),
    };
    let anon = Posts {
        cx: ctx(None, &[], &[], false),
    };
    assert_eq!(plain.mine().await.unwrap(), "posts of pat");
    assert!(matches!(anon.mine().await, Err(ServiceError::Denied(_))));
    assert_eq!(staff.audit().await.unwrap().as_deref(), Some("audit log"));
    assert_eq!(
        plain.audit().await.unwrap(),
        None,
        "the sync hook's value is returned"
    );
    assert!(
        matches!(plain.audit_async().await, Err(ServiceError::Denied(d)) if d.requirement == Requirement::Staff)
    );
    assert_eq!(
        staff.audit_async().await.unwrap().as_deref(),
        Some("audit log")
    );
}

#[tokio::test]
async fn inactive_user_is_denied_in_the_service_layer_too() {
    let mut c = ctx(Some("x"), &["blog.publish_post"], &[], false);
    c.user.as_mut().unwrap().is_active = false;
    match publish(&c, 1).await {
        Err(ServiceError::Denied(d)) => assert_eq!(d.reason, DenialReason::Unauthenticated),
        other => panic!("{other:?}"),
    }
}

/// A system context (a background job's): a superuser, so any guard that checks it passes.
struct System(Ctx);

#[auth_core::async_trait]
impl AuthContext for System {
    fn current_user(&self) -> Option<&User> {
        self.0.current_user()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        self.0.grants().await
    }
}

impl System {
    /// The caller is named: the guard checks `auth`, not the system context.
    #[permission_required("blog.publish_post", auth = auth)]
    async fn publish_for(&self, auth: &Ctx) -> Result<&'static str, Denial> {
        let _ = &self.0;
        Ok("published")
    }

    /// The stacked guard inherits `auth = caller` from the guard above it.
    #[login_required(auth = caller)]
    #[permission_required("blog.publish_post")]
    async fn stacked(&self, caller: &Ctx) -> Result<&'static str, Denial> {
        let _ = caller;
        Ok("stacked")
    }
}

fn superuser_system() -> System {
    let mut c = ctx(Some("system"), &[], &[], true);
    if let Some(u) = c.user.as_mut() {
        u.is_superuser = true;
    }
    System(c)
}

#[tokio::test]
async fn guards_check_the_caller_not_the_receiver() {
    let system = superuser_system();
    let anonymous = ctx(None, &[], &[], false);
    let plain = ctx(Some("plain"), &[], &[], false);
    let writer = ctx(Some("writer"), &["blog.publish_post"], &[], false);
    let d = system.publish_for(&anonymous).await.unwrap_err();
    assert_eq!(d.reason, DenialReason::Unauthenticated);
    let d = system.publish_for(&plain).await.unwrap_err();
    assert_eq!(
        (d.requirement, d.reason),
        (
            Requirement::Perm("blog.publish_post"),
            DenialReason::Forbidden
        )
    );
    assert_eq!(system.publish_for(&writer).await, Ok("published"));
    // Stacked: the inner permission guard checks `caller` too, not `self`.
    let d = system.stacked(&anonymous).await.unwrap_err();
    assert_eq!(d.requirement, Requirement::Login);
    let d = system.stacked(&plain).await.unwrap_err();
    assert_eq!(d.requirement, Requirement::Perm("blog.publish_post"));
    assert_eq!(system.stacked(&writer).await, Ok("stacked"));
}
