// A method on a context type that also takes the caller's context: which one is checked?
use std::sync::Arc;
use auth_axum::permission_required;
use auth_core::{AuthContext, Denial, Grants, StoreError, User};

struct System;

#[auth_core::async_trait]
impl AuthContext for System {
    fn current_user(&self) -> Option<&User> { None }
    async fn grants(&self) -> Result<Arc<Grants>, StoreError> { Ok(Arc::default()) }
}

impl System {
    #[permission_required("a.b")]
    async fn publish_for(&self, auth: &impl AuthContext) -> Result<&'static str, Denial> {
        let _ = auth;
        Ok("published")
    }
}

fn main() {}
