use auth_axum::{Auth, login_required};

#[login_required]
const fn answer(auth: Auth) -> u32 {
    let _ = auth;
    42
}

fn main() {}
