//! Mounting the app's own `#[page]` handlers on an axum `Router`: the `pages![..]` macro.

#[doc(hidden)]
pub mod __private {
    use axum::handler::Handler;
    use axum::http::Method;
    use axum::routing::{MethodFilter, MethodRouter, on};

    /// The method router for a `#[page]` handler.
    pub fn page_route<H, T, S>(method: &'static str, handler: H) -> MethodRouter<S>
    where
        H: Handler<T, S>,
        T: 'static,
        S: Clone + Send + Sync + 'static,
    {
        let filter = Method::from_bytes(method.as_bytes())
            .ok()
            .and_then(|m| MethodFilter::try_from(m).ok())
            .unwrap_or(MethodFilter::GET);
        on(filter, handler)
    }
}

/// A `Router` with every listed `#[page]` handler at its route.
///
/// ```
/// use auth_axum::{Auth, page};
///
/// #[page(route = "/")]
/// async fn index() -> &'static str { "home" }
///
/// #[page(route = "/dashboard", login_required)]
/// async fn dashboard(auth: Auth) -> String { auth.user().unwrap().username.clone() }
///
/// let app: axum::Router = auth_axum::pages![index, dashboard];
/// ```
#[macro_export]
macro_rules! pages {
    ($($page:path),* $(,)?) => {{
        let router = $crate::__private::axum::Router::new();
        $(
            let router = router.route(
                <$page as $crate::auth_core::PageRoute>::ROUTE,
                $crate::__pages_private::page_route(<$page as $crate::auth_core::PageRoute>::METHOD, $page),
            );
        )*
        router
    }};
}
