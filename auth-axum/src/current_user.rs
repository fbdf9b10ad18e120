//! [`CurrentUser<T>`]: the logged-in user as the app's own type.

use std::sync::Arc;

use auth_core::Requirement;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::extract::Auth;
use crate::response::request_info;

/// The logged-in user as your own type `T` (the value your store put in
/// [`User::from_app`](auth_core::User::from_app)), or the built-in
/// [`User`](auth_core::User): no `Option`, no second lookup.
///
/// Anonymous requests are refused as `#[login_required]` refuses them (the same denial, the
/// layer's `on_denied` handler included); a logged-in user who is not a `T` is a setup bug
/// (500, logged).
///
/// ```
/// use auth_axum::CurrentUser;
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

impl<S, T> FromRequestParts<S> for CurrentUser<T>
where
    S: Send + Sync,
    T: Send + Sync + 'static,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let (auth, shared) = Auth::from_parts(parts).map_err(IntoResponse::into_response)?;
        if let Some(user) = auth.user_as::<T>() {
            return Ok(CurrentUser(user));
        }
        if auth.user().is_some() {
            let message = format!(
                "CurrentUser<{}>: the logged-in user is not of this type; the user store must \
                 return User::from_app(value) with a value of this type",
                std::any::type_name::<T>()
            );
            tracing::error!("{message}");
            return Err((StatusCode::INTERNAL_SERVER_ERROR, message).into_response());
        }
        const LOGIN: &[Requirement] = &[Requirement::Login];
        let denial = auth_core::adapter::evaluate(&auth, LOGIN, None, || {
            let uri = parts
                .extensions
                .get::<OriginalUri>()
                .map(|o| &o.0)
                .unwrap_or(&parts.uri);
            request_info(&parts.method, uri, &parts.headers)
        })
        .await
        .err()
        .unwrap_or_else(|| {
            auth_core::Denial::new(
                Requirement::Login,
                auth_core::guard::DenialReason::Unauthenticated,
            )
        });
        Err(shared.deny(denial).await)
    }
}
