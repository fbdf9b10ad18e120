use auth_axum::{Auth, user_passes_test};

fn is_long(name: &str) -> bool {
    name.len() > 3
}

#[user_passes_test(is_long)]
async fn desk(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
