use auth_core::{AuthContext, Denial};
use auth_axum::{login_required, permission_required};

#[derive(Debug)]
enum Error {
    Denied(Denial),
}

impl From<Denial> for Error {
    fn from(d: Denial) -> Self {
        Error::Denied(d)
    }
}

#[permission_required("shop.view_reports")]
async fn report(auth: &impl AuthContext, year: u16) -> Result<u16, Error> {
    let _ = auth;
    Ok(year)
}

struct Service<C>(C);

impl<C: AuthContext> Service<C> {
    #[login_required]
    async fn run(&self) -> Result<(), Error> {
        let _ = &self.0;
        Ok(())
    }

    // The receiver and a caller could both be contexts: named once, the stack inherits it.
    #[login_required(auth = caller)]
    #[permission_required("blog.publish_post")]
    async fn run_for(&self, caller: &impl AuthContext) -> Result<(), Error> {
        let _ = (&self.0, caller);
        Ok(())
    }
}

#[auth_core::async_trait]
impl<C: AuthContext> AuthContext for Service<C> {
    fn current_user(&self) -> Option<&auth_core::User> {
        self.0.current_user()
    }
    async fn grants(&self) -> Result<std::sync::Arc<auth_core::Grants>, auth_core::StoreError> {
        self.0.grants().await
    }
}

fn main() {
    let _ = |a: auth_axum::Auth| async move { report(&a, 2024).await };
    let _ = Service::<auth_axum::Auth>::run;
    let _ = |s: Service<auth_axum::Auth>, a: auth_axum::Auth| async move { s.run_for(&a).await };
    let _ = Error::Denied;
}
