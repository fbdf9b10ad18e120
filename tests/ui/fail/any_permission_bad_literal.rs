use auth_axum::{Auth, permission_required};

// Each literal of an `any` list is checked like any other permission.
#[permission_required("blog.publish_post", "review", any)]
async fn moderate(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
