use auth_axum::{Auth, login_required};

#[login_required(on_denied = "handler")]
async fn view(_auth: Auth) -> &'static str {
    "ok"
}

fn main() {}
