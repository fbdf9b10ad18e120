use auth_axum::page;

#[page(route = "/", redirect = "/signin")]
async fn index() -> &'static str {
    "home"
}

fn main() {}
