use actix_web::{App, HttpResponse, Responder, web};
use auth_actix::{Auth, AuthMiddleware, Denial, login_required, permission_required, group_required};

#[login_required]
async fn dashboard(auth: Auth) -> impl Responder {
    format!("hi {}", auth.user().unwrap().username)
}

async fn denied(_: Denial) -> HttpResponse {
    HttpResponse::NotFound().finish()
}

#[permission_required("blog.publish_post", on_denied = denied)]
async fn publish(_auth: Auth, id: web::Path<i64>, body: web::Json<serde_json::Value>) -> actix_web::Result<String> {
    if *id < 0 {
        return Err(actix_web::error::ErrorBadRequest("negative"));
    }
    Ok(body.to_string())
}

#[login_required]
#[group_required("Editors")]
async fn stacked(auth: Auth) -> String {
    auth.user().unwrap().username.clone()
}

fn main() {
    let _app = App::new()
        .route("/", web::get().to(dashboard))
        .route("/p/{id}", web::post().to(publish))
        .route("/s", web::get().to(stacked))
        .wrap(AuthMiddleware::new(auth_actix::AuthService::in_memory(Default::default())));
}
