use auth_axum::{Auth, group_required, login_required};

// Each guard of a stack is parsed: both mistakes are reported, each at its own token.
#[login_required(on_deny = handler)]
#[group_required("Editors", on_denied = "handler")]
async fn editors(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {}
