//! Mounting the app's own `#[page]` handlers on an actix-web `App`: the `pages![..]` macro.

#[doc(hidden)]
pub mod __private {
    use actix_web::http::Method;
    use actix_web::{Route, web};

    /// The route for a `#[page]` handler's method.
    pub fn page_route(method: &'static str) -> Route {
        web::method(Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET))
    }
}

/// A `ServiceConfig` function that mounts every listed `#[page]` handler at its route.
///
/// ```
/// use auth_actix::{Auth, page};
///
/// #[page(route = "/")]
/// async fn index() -> &'static str { "home" }
///
/// #[page(route = "/dashboard", login_required)]
/// async fn dashboard(auth: Auth) -> String { auth.user().unwrap().username.clone() }
///
/// let app = actix_web::App::new().configure(auth_actix::pages![index, dashboard]);
/// ```
#[macro_export]
macro_rules! pages {
    ($($page:path),* $(,)?) => {
        |cfg: &mut $crate::__private::actix_web::web::ServiceConfig| {
            $(
                cfg.route(
                    <$page as $crate::auth_core::PageRoute>::ROUTE,
                    $crate::__pages_private::page_route(<$page as $crate::auth_core::PageRoute>::METHOD).to($page),
                );
            )*
        }
    };
}
