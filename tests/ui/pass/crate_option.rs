// `crate = path`: the expansion reaches `auth_core` through the path given, here a re-export.
mod my_reexport {
    pub use auth_axum::auth_core;
}

use auth_axum::{Auth, login_required, page, permission_required};
use auth_core::{AuthContext, Denial};

#[login_required(crate = crate::my_reexport::auth_core)]
async fn dashboard(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

#[page(route = "/reports", login_required, crate = crate::my_reexport::auth_core)]
#[permission_required("shop.view_reports")]
async fn reports(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

#[permission_required("blog.publish_post", crate = ::auth_core)]
async fn publish(auth: &impl AuthContext) -> Result<(), Denial> {
    let _ = auth;
    Ok(())
}

fn main() {
    let _: axum::Router = auth_axum::pages![reports];
    let _: axum::routing::MethodRouter = axum::routing::get(dashboard);
    let _ = |a: Auth| async move { publish(&a).await };
}
