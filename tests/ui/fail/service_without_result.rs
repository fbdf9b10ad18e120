use auth_core::AuthContext;
use auth_axum::login_required;

#[login_required]
async fn count(auth: &dyn AuthContext) -> u32 {
    let _ = auth;
    1
}

fn main() {}
