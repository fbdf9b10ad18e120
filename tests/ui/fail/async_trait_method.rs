use auth_axum::login_required;
use auth_core::{AuthContext, Denial};

#[auth_core::async_trait]
trait Reports {
    async fn yearly(&self) -> Result<u32, Denial>;
}

struct Ctx<C>(C);

#[auth_core::async_trait]
impl<C: AuthContext> Reports for Ctx<C> {
    #[login_required]
    async fn yearly(&self) -> Result<u32, Denial> {
        Ok(1)
    }
}

fn main() {}
