use auth_axum::login_required;
use auth_core::Denial;

trait Reports {
    #[login_required]
    async fn yearly(&self) -> Result<u32, Denial>;
}

fn main() {}
