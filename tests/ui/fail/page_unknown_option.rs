use auth_axum::{Auth, page};

#[page(route = "/reports", permission = "shop.view_reports")]
async fn reports(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
