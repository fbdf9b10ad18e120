// Shapes that must compile: a guard above `#[tracing::instrument]`, `&mut self` as the
// context, a typo-free body with a nested block, and `#[page]` with the login guard's options.
use auth_axum::{Auth, Denial, login_required, page};
use auth_core::{AuthContext, Grants, StoreError, User};
use std::sync::Arc;

#[login_required]
#[tracing::instrument]
async fn traced(auth: Auth, id: u32) -> String {
    format!("{} {id}", auth.user().unwrap().username)
}

struct Counter {
    user: Option<User>,
    hits: u32,
}

#[auth_core::async_trait]
impl AuthContext for Counter {
    fn current_user(&self) -> Option<&User> {
        self.user.as_ref()
    }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> {
        Ok(Arc::new(Grants::default()))
    }
}

impl Counter {
    #[login_required]
    async fn hit(&mut self) -> Result<u32, Denial> {
        self.hits += 1;
        Ok(self.hits)
    }
}

fn denied(_d: Denial) -> &'static str {
    "no"
}

#[page(route = "/p", login_required, redirect = "/signin", on_denied = denied)]
async fn guarded_page(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {
    let _: axum::Router = auth_axum::pages![guarded_page];
}
