// A parameter named `auth` and another typed `..::Auth`: which one is checked?
use std::sync::Arc;
use auth_axum::permission_required;
use auth_core::{AuthContext, Denial, Grants, StoreError, User};

struct Ctx;

#[auth_core::async_trait]
impl AuthContext for Ctx {
    fn current_user(&self) -> Option<&User> { None }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> { Ok(Arc::default()) }
}

mod sys {
    pub type Auth = super::Ctx;
}

#[permission_required("a.b")]
async fn named_vs_typed(auth: &Ctx, admin: &sys::Auth) -> Result<&'static str, Denial> {
    let _ = (auth, admin);
    Ok("done")
}

fn main() {}
