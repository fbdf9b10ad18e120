use auth_axum::{Auth, login_required};

#[login_required("blog.view_post")]
async fn view(_auth: Auth) -> &'static str {
    "ok"
}

fn main() {}
