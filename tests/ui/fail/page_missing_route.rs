use auth_axum::{Auth, page};

#[page(login_required)]
async fn reports(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
