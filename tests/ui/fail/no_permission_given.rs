use auth_axum::{Auth, permission_required};

#[permission_required]
async fn publish(_auth: Auth) -> &'static str {
    "ok"
}

fn main() {}
