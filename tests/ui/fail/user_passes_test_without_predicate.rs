use auth_axum::{Auth, user_passes_test};

#[user_passes_test(redirect = "/signin")]
async fn desk(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
