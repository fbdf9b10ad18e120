use auth_axum::{Auth, login_required, permission_required};

// A stack expands once, from its top guard: an attribute macro between two guards splits it.
#[login_required]
#[tracing::instrument]
#[permission_required("blog.publish_post")]
async fn publish(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
