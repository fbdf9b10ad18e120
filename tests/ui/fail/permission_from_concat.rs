use auth_axum::{Auth, permission_required};

#[permission_required(concat!("blog", ".publish_post"))]
async fn publish(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
