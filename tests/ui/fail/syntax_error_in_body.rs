use auth_axum::{Auth, login_required};

// A mistake inside the body gets rustc's own error, at the mistake.
#[login_required]
async fn dashboard(auth: Auth) -> String {
    let name = auth.user().unwrap().username.clone()
    name
}

fn main() {}
