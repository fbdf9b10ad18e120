use auth_axum::{Auth, permission_required};

const PUBLISH: &str = "blog.publish_post";

#[permission_required(PUBLISH)]
async fn publish(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
