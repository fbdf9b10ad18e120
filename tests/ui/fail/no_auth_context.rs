use auth_axum::login_required;

#[login_required]
async fn dashboard(user_id: u32) -> String {
    user_id.to_string()
}

fn main() {}
