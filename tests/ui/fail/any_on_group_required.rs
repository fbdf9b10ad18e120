use auth_axum::{Auth, group_required};

#[group_required("Editors", "Admins", any)]
async fn editor(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
