use auth_axum::{Auth, AuthLayer, Denial, login_required, permission_required, group_required, staff_required, superuser_required};
use axum::extract::{Json, Path};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

#[login_required]
async fn dashboard(auth: Auth) -> impl IntoResponse {
    format!("hi {}", auth.user().unwrap().username)
}

fn denied(_: Denial) -> StatusCode {
    StatusCode::NOT_FOUND
}

#[permission_required("blog.publish_post", "blog.edit_post", on_denied = denied, redirect = "/signin")]
pub async fn publish(_auth: Auth, Path(id): Path<i64>, Json(v): Json<serde_json::Value>) -> Result<String, StatusCode> {
    if id < 0 {
        return Err(StatusCode::BAD_REQUEST);
    }
    Ok(v.to_string())
}

/// Documented, stacked, generic.
#[staff_required]
#[group_required("Editors")]
#[superuser_required]
pub(crate) async fn stacked<T: Default + ToString>(mut auth: Auth) -> String
where
    T: Send,
{
    let _ = auth.logout().await;
    T::default().to_string()
}

#[login_required(adapter = Auth)]
async fn no_param() -> &'static str {
    "ok"
}

fn main() {
    let _app: Router = Router::new()
        .route("/", get(dashboard))
        .route("/p/{id}", post(publish))
        .route("/s", get(stacked::<u8>))
        .route("/n", get(no_param))
        .layer(AuthLayer::new(auth_axum::AuthService::in_memory(Default::default())));
}
