use auth_axum::{Auth, login_required};

#[login_required(redirect = "/a", redirect = "/b")]
async fn dashboard(_auth: Auth) -> &'static str {
    "ok"
}

fn main() {}
