use auth_axum::{Auth, login_required};

#[login_required(redirect = "//evil.example")]
async fn view(_auth: Auth) -> &'static str {
    "ok"
}

fn main() {}
