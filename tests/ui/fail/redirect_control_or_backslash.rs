use auth_axum::{Auth, login_required};

#[login_required(redirect = "/\\evil.example")]
async fn backslash(auth: Auth) -> String {
    auth.is_authenticated().to_string()
}

#[login_required(redirect = "/\t/evil.example")]
async fn tab(auth: Auth) -> String {
    auth.is_authenticated().to_string()
}

#[login_required(redirect = "/\n/x")]
async fn newline(auth: Auth) -> String {
    auth.is_authenticated().to_string()
}

fn main() {}
