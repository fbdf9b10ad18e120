use auth_axum::login_required;
use auth_core::Denial;

struct Mailer;

impl Mailer {
    // No parameter is a context, so the receiver is checked, and `Mailer` is not one.
    #[login_required]
    async fn send(&self, to: &str) -> Result<(), Denial> {
        let _ = to;
        Ok(())
    }
}

fn main() {}
