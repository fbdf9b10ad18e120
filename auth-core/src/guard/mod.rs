//! How a guard's requirements are checked: [`check`], [`evaluate`], the [`AuthContext`] they
//! read, and the traits adapters and the macros meet at ([`Adapter`], [`Policy`]). What a guard
//! can require is in `requirement.rs`, what a refusal is in `denial.rs`.
//!
//! [`crate::adapter`] walks one request from the attribute to the response.

pub(crate) mod denial;
pub(crate) mod helpers;
pub(crate) mod requirement;
pub(crate) mod route;

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::StoreError;
pub use crate::guard::denial::{Denial, DenialReason, DeniedRequest, audit_denial};
pub use crate::guard::helpers::{
    CheckError, UserSnapshot, require_login_user, user_has_perm, user_in_group, user_snapshot,
};
pub use crate::guard::requirement::{Requirement, Wants};
pub use crate::guard::route::RouteRequirements;
use crate::permission::Grants;
use crate::user::User;

/// A failed check: the requirement's index among those checked, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Index into the requirement list.
    pub index: usize,
    /// The requirement.
    pub requirement: Requirement,
    /// Why.
    pub reason: DenialReason,
    /// Whether nobody was logged in.
    pub anonymous: bool,
}

impl Failure {
    /// Turns the failure into a [`Denial`] for a request.
    pub fn into_denial(self, request: DeniedRequest, login_url: Option<&'static str>) -> Denial {
        Denial {
            requirement: self.requirement,
            reason: self.reason,
            anonymous: self.anonymous,
            path: request.path,
            wants: request.wants,
            login_url,
            htmx: request.htmx,
            method: request.method,
            headers: request.headers,
        }
    }
}

/// Anything guards can check: the adapters' `Auth` extractors, and your own service-layer
/// context types.
///
/// ```
/// use std::sync::Arc;
/// use auth_core::{AuthContext, Grants, StoreError, User, async_trait};
///
/// struct Ctx { user: Option<User>, grants: Arc<Grants> }
///
/// #[async_trait]
/// impl AuthContext for Ctx {
///     fn current_user(&self) -> Option<&User> { self.user.as_ref() }
///     async fn grants(&self) -> Result<Arc<Grants>, StoreError> { Ok(self.grants.clone()) }
/// }
/// ```
#[async_trait]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an auth context, but a guard was asked to check it",
    label = "a guard checks this as the auth context",
    note = "a guard on a method checks `self` unless told otherwise: if the context is another parameter, name it with `auth = <name>`",
    note = "an auth context is the adapter's `Auth`, or a type that implements `auth_core::AuthContext`"
)]
pub trait AuthContext: Send + Sync {
    /// The logged-in user, if any.
    fn current_user(&self) -> Option<&User>;
    /// The user's grants; called only when a requirement needs them, at most once per check.
    /// Implementations should cache them for the request.
    async fn grants(&self) -> Result<Arc<Grants>, StoreError>;
    /// Whether the session could not be loaded because a store is down. Guards then deny
    /// with [`DenialReason::Unavailable`] instead of treating the request as anonymous.
    fn is_unavailable(&self) -> bool {
        false
    }
}

#[async_trait]
impl<T: AuthContext + ?Sized> AuthContext for &T {
    fn current_user(&self) -> Option<&User> {
        (**self).current_user()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        (**self).grants().await
    }
    fn is_unavailable(&self) -> bool {
        (**self).is_unavailable()
    }
}

#[async_trait]
impl<T: AuthContext + ?Sized> AuthContext for Arc<T> {
    fn current_user(&self) -> Option<&User> {
        (**self).current_user()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        (**self).grants().await
    }
    fn is_unavailable(&self) -> bool {
        (**self).is_unavailable()
    }
}

/// Checks one requirement against a user and (if needed) their grants, with no I/O.
///
/// The rules: inactive users count as anonymous; active superusers have every permission but
/// are members only of the groups they joined; staff and superuser status need an active user.
pub fn requirement_met(req: &Requirement, user: &User, grants: Option<&Grants>) -> bool {
    if !user.is_active {
        return false;
    }
    match req {
        Requirement::Login => true,
        Requirement::Staff => user.is_staff,
        Requirement::Superuser => user.is_superuser,
        Requirement::Test(test, _) => test(user),
        // Checked by the layer from request headers, not from the user.
        Requirement::SameOrigin => true,
        Requirement::Perm(p) => user.is_superuser || grants.is_some_and(|g| g.has_permission(p)),
        Requirement::AnyPerm(ps) => {
            user.is_superuser || grants.is_some_and(|g| ps.iter().any(|p| g.has_permission(p)))
        }
        Requirement::AnyGroup(names) => grants.is_some_and(|g| names.iter().any(|n| g.in_group(n))),
    }
}

/// Checks every requirement in order and returns the first failure.
///
/// Grants are fetched once, and only if a requirement needs them and the user is not already
/// known to pass (superusers skip the fetch for permissions). A store error fails closed with
/// [`DenialReason::Unavailable`].
pub async fn check<C: AuthContext + ?Sized>(cx: &C, reqs: &[Requirement]) -> Result<(), Failure> {
    let anonymous = cx.current_user().is_none_or(|u| !u.is_active);
    let fail = |index: usize, reason| Failure {
        index,
        requirement: reqs[index],
        reason,
        anonymous,
    };
    let Some(user) = cx.current_user().filter(|u| u.is_active) else {
        if reqs.is_empty() {
            return Ok(());
        }
        let reason = if cx.is_unavailable() {
            DenialReason::Unavailable
        } else {
            DenialReason::Unauthenticated
        };
        return Err(fail(0, reason));
    };
    let mut grants: Option<Arc<Grants>> = None;
    for (i, req) in reqs.iter().enumerate() {
        let needs = match req {
            Requirement::Perm(_) | Requirement::AnyPerm(_) => !user.is_superuser,
            Requirement::AnyGroup(_) => true,
            _ => false,
        };
        if needs && grants.is_none() {
            grants = Some(cx.grants().await.map_err(|e| {
                tracing::warn!(error = %e, "cannot load permissions; denying (fail closed)");
                fail(i, DenialReason::Unavailable)
            })?);
        }
        if !requirement_met(req, user, grants.as_deref()) {
            return Err(fail(i, DenialReason::Forbidden));
        }
    }
    Ok(())
}

/// What an adapter's guard extractor runs: [`check`], and on failure a [`Denial`] built from
/// the request (path and content negotiation, asked for only then) and logged with
/// [`audit_denial`].
pub async fn evaluate<C, F>(
    cx: &C,
    reqs: &[Requirement],
    login_url: Option<&'static str>,
    request: F,
) -> Result<(), Denial>
where
    C: AuthContext + ?Sized,
    F: FnOnce() -> DeniedRequest,
{
    match check(cx, reqs).await {
        Ok(()) => Ok(()),
        Err(f) => {
            let d = f.into_denial(request(), login_url);
            audit_denial(&d);
            Err(d)
        }
    }
}

/// Who answers a guard's denial, as [`answer`] decides it.
#[derive(Debug)]
pub enum Answer<H> {
    /// The guard's own `on_denied` hook: the adapter awaits it and sends what it returns.
    Hook(H),
    /// The guard has no hook: the app-wide handler given to the adapter's middleware answers,
    /// or, without one, the built-in answer
    /// ([`DenialResponse::for_denial`](crate::http::DenialResponse::for_denial)).
    App(Denial),
}

/// Who answers the denial [`evaluate`] returned for the policy `P`, in the contract's order:
/// the guard's own `on_denied` hook first, else the app ([`Answer`]). An adapter's guard
/// extractor awaits `evaluate(&auth, P::REQUIREMENTS, P::LOGIN_URL, ..)`, and on a denial
/// sends what this says.
pub fn answer<A: Adapter, P: Policy<A>>(denial: Denial) -> Answer<A::DenyFuture> {
    match P::on_denied(denial) {
        Ok(hook) => Answer::Hook(hook),
        Err(denial) => Answer::App(denial),
    }
}

/// Implemented by an adapter's `Auth` type; lets the guard macros reach the adapter's guard
/// extractor without naming a web framework.
pub trait Adapter: Sized + 'static {
    /// The adapter's extractor that checks `P` before the handler runs.
    type Guard<P: Policy<Self>>;
    /// The response future an `on_denied` hook is turned into.
    type DenyFuture;
    /// Gets the `Auth` value back out of a guard that passed.
    fn unguard<P: Policy<Self>>(guard: Self::Guard<P>) -> Self;
}

/// A guard's static description, generated by the guard macros for each guarded handler.
pub trait Policy<A: Adapter>: 'static {
    /// Every requirement, checked in order.
    const REQUIREMENTS: &'static [Requirement];
    /// The `redirect = "..."` option.
    const LOGIN_URL: Option<&'static str> = None;
    /// The `on_denied` hook, if the guard has one; `Err(denial)` hands the denial on to the
    /// app-wide handler or the built-in answer.
    fn on_denied(denial: Denial) -> Result<A::DenyFuture, Denial> {
        Err(denial)
    }
}

/// A page's route, implemented by the companion struct that `#[page(route = ..)]` emits next
/// to a handler; the adapters' `pages![..]` macros read it.
pub trait PageRoute {
    /// The path, e.g. `/reports`.
    const ROUTE: &'static str;
    /// The HTTP method: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    const METHOD: &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_permissions() {
        let mut user = user(true, false, false);
        let grants = Grants {
            permissions: ["blog.review_post".to_owned()].into_iter().collect(),
            groups: vec![],
        };
        let any = Requirement::AnyPerm(&["blog.publish_post", "blog.review_post"]);
        assert!(any.needs_grants());
        assert!(requirement_met(&any, &user, Some(&grants)));
        let none = Requirement::AnyPerm(&["blog.publish_post", "shop.view_reports"]);
        assert!(!requirement_met(&none, &user, Some(&grants)));
        assert!(!requirement_met(&any, &user, None));
        user.is_superuser = true;
        assert!(requirement_met(&none, &user, None));
        user.is_active = false;
        assert!(!requirement_met(&none, &user, None));
        assert_eq!(
            any.to_string(),
            "one of the permissions blog.publish_post, blog.review_post"
        );
    }
    use time::OffsetDateTime;

    pub(crate) fn user(active: bool, staff: bool, superuser: bool) -> User {
        User {
            id: 1.into(),
            username: "u".into(),
            email: String::new(),
            password_hash: "!".into(),
            is_active: active,
            is_staff: staff,
            is_superuser: superuser,
            last_login: None,
            date_joined: OffsetDateTime::UNIX_EPOCH,
            app: None,
        }
    }

    struct Cx {
        user: Option<User>,
        grants: Result<Grants, ()>,
        fetches: std::sync::atomic::AtomicUsize,
        unavailable: bool,
    }

    impl Cx {
        fn new(user: Option<User>, perms: &[&str], groups: &[&str]) -> Self {
            Cx {
                user,
                grants: Ok(Grants {
                    permissions: perms.iter().map(|s| s.to_string()).collect(),
                    groups: groups.iter().map(|s| s.to_string()).collect(),
                }),
                fetches: Default::default(),
                unavailable: false,
            }
        }
    }

    #[async_trait]
    impl AuthContext for Cx {
        fn current_user(&self) -> Option<&User> {
            self.user.as_ref()
        }
        async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
            self.fetches
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.grants
                .clone()
                .map(Arc::new)
                .map_err(|_| StoreError::unavailable("down"))
        }
        fn is_unavailable(&self) -> bool {
            self.unavailable
        }
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn anonymous_fails_every_requirement_as_unauthenticated() {
        let cx = Cx::new(None, &[], &[]);
        for req in [
            Requirement::Login,
            Requirement::Perm("a.b"),
            Requirement::Staff,
        ] {
            let f = run(check(&cx, &[req])).unwrap_err();
            assert_eq!(f.reason, DenialReason::Unauthenticated);
        }
        assert_eq!(run(check(&cx, &[])), Ok(()));
    }

    #[test]
    fn inactive_user_is_anonymous_and_has_no_permissions() {
        let cx = Cx::new(Some(user(false, true, true)), &["a.b"], &["G"]);
        let f = run(check(&cx, &[Requirement::Perm("a.b")])).unwrap_err();
        assert_eq!(f.reason, DenialReason::Unauthenticated);
        assert!(!requirement_met(
            &Requirement::Perm("a.b"),
            &user(false, false, true),
            None
        ));
    }

    #[test]
    fn active_superuser_has_all_permissions_without_a_fetch() {
        let cx = Cx::new(Some(user(true, false, true)), &[], &[]);
        assert_eq!(
            run(check(
                &cx,
                &[Requirement::Perm("x.y"), Requirement::Superuser]
            )),
            Ok(())
        );
        assert_eq!(cx.fetches.load(std::sync::atomic::Ordering::SeqCst), 0);
        // ...but is not a member of groups it never joined.
        let f = run(check(&cx, &[Requirement::AnyGroup(&["Editors"])])).unwrap_err();
        assert_eq!(f.reason, DenialReason::Forbidden);
    }

    #[test]
    fn permissions_and_groups_fetch_once() {
        let cx = Cx::new(
            Some(user(true, false, false)),
            &["blog.publish_post"],
            &["Editors"],
        );
        let reqs = [
            Requirement::Login,
            Requirement::Perm("blog.publish_post"),
            Requirement::AnyGroup(&["Admins", "Editors"]),
        ];
        assert_eq!(run(check(&cx, &reqs)), Ok(()));
        assert_eq!(cx.fetches.load(std::sync::atomic::Ordering::SeqCst), 1);
        let f = run(check(
            &cx,
            &[Requirement::Login, Requirement::Perm("blog.delete_post")],
        ))
        .unwrap_err();
        assert_eq!((f.index, f.reason), (1, DenialReason::Forbidden));
    }

    #[test]
    fn staff_and_superuser_rules() {
        assert!(requirement_met(
            &Requirement::Staff,
            &user(true, true, false),
            None
        ));
        assert!(!requirement_met(
            &Requirement::Staff,
            &user(true, false, true),
            None
        ));
        assert!(!requirement_met(
            &Requirement::Superuser,
            &user(true, true, false),
            None
        ));
        assert!(!requirement_met(
            &Requirement::Staff,
            &user(false, true, false),
            None
        ));
    }

    #[test]
    fn store_failure_fails_closed() {
        let mut cx = Cx::new(Some(user(true, false, false)), &[], &[]);
        cx.grants = Err(());
        let f = run(check(&cx, &[Requirement::Perm("a.b")])).unwrap_err();
        assert_eq!(f.reason, DenialReason::Unavailable);
        let mut anon = Cx::new(None, &[], &[]);
        anon.unavailable = true;
        let f = run(check(&anon, &[Requirement::Login])).unwrap_err();
        assert_eq!(f.reason, DenialReason::Unavailable);
    }

    #[test]
    fn content_negotiation() {
        use Wants::*;
        assert_eq!(Wants::from_headers(Some("*/*"), None, None), Html);
        assert_eq!(
            Wants::from_headers(Some("application/json, text/plain"), None, None),
            Json
        );
        assert_eq!(
            Wants::from_headers(Some("application/problem+json"), None, None),
            Json
        );
        assert_eq!(
            Wants::from_headers(None, Some("application/json; charset=utf-8"), None),
            Json
        );
        assert_eq!(
            Wants::from_headers(None, None, Some("XMLHttpRequest")),
            Json
        );
        assert_eq!(
            Wants::from_headers(Some("text/html"), Some("application/json"), None),
            Html
        );
    }
}
