use auth_axum::{Auth, login_required};

#[login_required(on_deny = handler)]
async fn dashboard(_auth: Auth) -> &'static str {
    "ok"
}

fn main() {}
