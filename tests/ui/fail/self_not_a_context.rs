use auth_axum::login_required;
use auth_core::{AuthContext, Denial};

struct Mailer;

impl Mailer {
    // `self` is checked, but the context is `ctx`: the error says to write `auth = ctx`.
    #[login_required]
    async fn send(&self, ctx: &dyn AuthContext) -> Result<(), Denial> {
        let _ = ctx;
        Ok(())
    }
}

fn main() {}
