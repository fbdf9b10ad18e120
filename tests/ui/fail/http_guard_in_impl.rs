use auth_axum::{Auth, login_required};

struct Handlers;

impl Handlers {
    #[login_required(auth = auth)]
    async fn dashboard(&self, auth: Auth) -> String {
        auth.user().unwrap().username.clone()
    }
}

fn main() {}
