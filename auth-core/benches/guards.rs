//! Micro-benchmarks of the hot path: a guard check with permissions cached, a session lookup in
//! the memory store, cookie decoding and validation, a permission check, and the whole
//! per-request session load, and the layer's cross-origin check.
//!
//! `cargo bench -p auth-core --bench guards`; `cargo test -p auth-core --benches` runs each once
//! (what `.ci/run` does, so they never rot).
#![allow(missing_docs)] // criterion_group! defines an undocumented public function

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use auth_core::adapter::session_id_from_cookie_header;
use auth_core::{
    AuthConfig, AuthContext, AuthService, Grants, MemorySessionStore, Registration, Requirement,
    SessionStore, StoreError, User,
    guard::{check, user_has_perm},
};
use criterion::{Criterion, criterion_group, criterion_main};

/// Polls a future that completes without waiting (no I/O on these paths).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the hot path waited"),
    }
}

struct Cached {
    user: User,
    grants: Arc<Grants>,
}

#[auth_core::async_trait]
impl AuthContext for Cached {
    fn current_user(&self) -> Option<&User> {
        Some(&self.user)
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        Ok(self.grants.clone())
    }
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut user = User::new(1, "alice");
    user.email = "alice@example.com".into();
    let cx = Cached {
        user,
        grants: Arc::new(Grants {
            permissions: [
                "blog.publish_post".to_string(),
                "shop.view_reports".to_string(),
            ]
            .into(),
            groups: vec!["Editors".into()],
        }),
    };
    const REQS: &[Requirement] = &[
        Requirement::Login,
        Requirement::Perm("blog.publish_post"),
        Requirement::AnyGroup(&["Editors"]),
    ];
    c.bench_function("guard_check_cached_permissions", |b| {
        b.iter(|| now(check(black_box(&cx), black_box(REQS))))
    });
    c.bench_function("guard_check_login_only", |b| {
        b.iter(|| now(check(black_box(&cx), &[Requirement::Login])))
    });
    c.bench_function("permission_check", |b| {
        b.iter(|| now(user_has_perm(black_box(&cx), "shop.view_reports")).unwrap())
    });

    let store = MemorySessionStore::new();
    let auth = AuthService::in_memory(AuthConfig {
        secret_key: "bench".repeat(8),
        ..AuthConfig::default()
    });
    let (id, header) = rt.block_on(async {
        let u = auth
            .register(&Registration::new(
                "alice",
                "alice@example.com",
                "bench password 1",
            ))
            .await
            .unwrap();
        let mut st = auth.load_session(None).await;
        auth.login(&mut st, &u).await.unwrap();
        let rec = st.record().unwrap().clone();
        store.save(&rec).await.unwrap();
        (
            rec.id.clone(),
            format!(
                "theme=dark; sessionid={}; authkit_csrf=abc",
                rec.id.as_str()
            ),
        )
    });
    c.bench_function("session_lookup_memory_store", |b| {
        b.iter(|| now(store.load(black_box(&id))).unwrap())
    });
    c.bench_function("cookie_decode_and_validate", |b| {
        b.iter(|| session_id_from_cookie_header(black_box(&header), "sessionid"))
    });
    c.bench_function("request_session_load_memory", |b| {
        b.iter(|| {
            rt.block_on(auth_core::adapter::RequestAuth::load(
                &auth,
                [header.as_bytes()],
                None,
            ))
        })
    });
    // The layer's cross-origin check (security review 2): a safe GET, and a same-origin POST
    // (the most work it does on an allowed request).
    let policy = auth_core::adapter::OriginPolicy::from_config(&AuthConfig::default());
    let get = |h: auth_core::adapter::RequestHeader| match h {
        auth_core::adapter::RequestHeader::Host => Some(&b"127.0.0.1:3000"[..]),
        _ => None,
    };
    let post = |h: auth_core::adapter::RequestHeader| match h {
        auth_core::adapter::RequestHeader::Host => Some(&b"127.0.0.1:3000"[..]),
        auth_core::adapter::RequestHeader::Origin => Some(&b"http://127.0.0.1:3000"[..]),
        _ => None,
    };
    c.bench_function("origin_check_get", |b| {
        b.iter(|| policy.check(black_box("GET"), black_box("/protected"), get))
    });
    c.bench_function("origin_check_same_origin_post", |b| {
        b.iter(|| policy.check(black_box("POST"), black_box("/posts"), post))
    });
}

criterion_group!(guards, benches);
criterion_main!(guards);
