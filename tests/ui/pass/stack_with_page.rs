// A three-guard stack under `#[page]`, written with paths and with doc comments and lint
// attributes between the guards; it expands once, from `#[page]`.
use auth_axum::{Auth, Denial, page};
use axum::extract::Path;
use axum::http::StatusCode;

fn not_an_editor(_: Denial) -> StatusCode {
    StatusCode::NOT_FOUND
}

/// The reports page.
#[page(route = "/reports", login_required, redirect = "/signin")]
/// Editors only.
#[auth_axum::group_required("Editors", on_denied = not_an_editor)]
#[allow(clippy::unused_async)]
/// And only those who may see reports.
#[auth_axum::permission_required("shop.view_reports", "shop.export_reports", any)]
#[must_use]
pub async fn reports(auth: Auth) -> String {
    format!("reports for {}", auth.user().unwrap().username)
}

/// The same stack with the guards above `#[page]` and a traced body below.
#[auth_axum::login_required]
#[doc = "Staff only."]
#[auth_axum::staff_required]
#[page(route = "/staff/{id}", method = "POST")]
#[tracing::instrument]
async fn staff(auth: Auth, id: Path<u32>) -> String {
    format!("{} {}", auth.user().unwrap().username, id.0)
}

fn main() {
    let _: axum::Router = auth_axum::pages![reports, staff];
}
