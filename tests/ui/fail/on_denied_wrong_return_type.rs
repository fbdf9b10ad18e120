use auth_axum::{Auth, Denial, login_required};

fn count_denials(_denial: Denial) -> u32 {
    1
}

#[login_required(on_denied = count_denials)]
async fn dashboard(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
