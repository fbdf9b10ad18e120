use auth_axum::{Auth, login_required};

#[login_required(auth = missing)]
async fn dashboard(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
