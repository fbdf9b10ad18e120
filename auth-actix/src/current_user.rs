//! [`CurrentUser<T>`]: the logged-in user as the app's own type.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use auth_core::Requirement;
use futures_util::future::LocalBoxFuture;

use crate::extract::Auth;
use crate::response::request_info;

/// The logged-in user as your own type `T` (the value your store put in
/// [`User::from_app`](auth_core::User::from_app)), or the built-in
/// [`User`](auth_core::User): no `Option`, no second lookup.
///
/// Anonymous requests are refused as `#[login_required]` refuses them (the same denial, the
/// middleware's `on_denied` handler included); a logged-in user who is not a `T` is a setup
/// bug (500, logged).
///
/// ```
/// use auth_actix::CurrentUser;
/// # #[derive(Clone)] struct Member { display_name: String }
/// async fn hello(me: CurrentUser<Member>) -> String {
///     format!("hello {}", me.display_name)
/// }
/// ```
#[derive(Debug)]
pub struct CurrentUser<T>(pub Arc<T>);

impl<T> Clone for CurrentUser<T> {
    fn clone(&self) -> Self {
        CurrentUser(self.0.clone())
    }
}

impl<T> std::ops::Deref for CurrentUser<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Send + Sync + 'static> FromRequest for CurrentUser<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (auth, shared) = Auth::from_req(&req)?;
            if let Some(user) = auth.user_as::<T>() {
                return Ok(CurrentUser(user));
            }
            if auth.user().is_some() {
                let message = format!(
                    "CurrentUser<{}>: the logged-in user is not of this type; the user store \
                     must return User::from_app(value) with a value of this type",
                    std::any::type_name::<T>()
                );
                tracing::error!("{message}");
                let response = HttpResponse::InternalServerError().body(message);
                return Err(InternalError::from_response("CurrentUser type", response).into());
            }
            const LOGIN: &[Requirement] = &[Requirement::Login];
            let denial = auth_core::adapter::evaluate(&auth, LOGIN, None, || request_info(&req))
                .await
                .err()
                .unwrap_or_else(|| {
                    auth_core::Denial::new(
                        Requirement::Login,
                        auth_core::guard::DenialReason::Unauthenticated,
                    )
                });
            let response = shared.deny(denial, req.clone()).await;
            Err(InternalError::from_response("login required", response).into())
        })
    }
}
