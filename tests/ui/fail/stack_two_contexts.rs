use std::sync::Arc;
use auth_axum::{login_required, staff_required};
use auth_core::{AuthContext, Denial, Grants, StoreError, User};

struct Ctx;

#[auth_core::async_trait]
impl AuthContext for Ctx {
    fn current_user(&self) -> Option<&User> { None }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> { Ok(Arc::default()) }
}

// A stack checks one auth context, however many guards it has.
#[login_required(auth = caller)]
#[staff_required(auth = approver)]
async fn approve(caller: &Ctx, approver: &Ctx) -> Result<(), Denial> {
    let _ = (caller, approver);
    Ok(())
}

fn main() {}
