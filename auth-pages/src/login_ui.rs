//! [`LoginUi`]: the login flow behind a form the app draws itself.

use super::render::{LoginView, PageRenderer};

use super::{AuthPages, Page, Route};

/// A login form drawn by the app itself, with the toolkit's flow behind it (the analogue of
/// reflex-django's `session_auth_mixin`): give the paths and a function that renders the
/// [`LoginView`]; the adapters' `login_ui(..)` mounts `GET`/`POST` login and `POST` logout.
///
/// ```
/// use auth_pages::{LoginUi, LoginView};
/// let ui = LoginUi::new(|v: &LoginView<'_>| {
///     format!(
///         "<form method=post><input type=hidden name=csrf_token value=\"{}\">\
///          <input name=username><input name=password type=password><button>Go</button></form>",
///         v.common.csrf_token
///     )
/// })
/// .login_path("/signin")
/// .logout_path("/signout");
/// assert_eq!(ui.routes()[0].path, "/signin");
/// ```
#[derive(Clone, Debug)]
pub struct LoginUi {
    login_path: String,
    logout_path: String,
    pages: AuthPages,
}

struct FnRenderer<F>(F);

impl<F> PageRenderer for FnRenderer<F>
where
    F: Fn(&LoginView<'_>) -> String + Send + Sync + 'static,
{
    fn login(&self, v: &LoginView<'_>) -> String {
        (self.0)(v)
    }
}

impl LoginUi {
    /// A login UI rendered by `render`, at `/login` and `/logout` until changed.
    pub fn new<F>(render: F) -> Self
    where
        F: Fn(&LoginView<'_>) -> String + Send + Sync + 'static,
    {
        LoginUi {
            login_path: "/login".into(),
            logout_path: "/logout".into(),
            pages: AuthPages::new().renderer(FnRenderer(render)),
        }
    }

    /// Where the login form lives.
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// Where logout is posted.
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.logout_path = path.into();
        self
    }

    /// The two routes.
    pub fn routes(&self) -> Vec<Route> {
        vec![
            Route {
                path: self.login_path.clone(),
                page: Page::Login,
            },
            Route {
                path: self.logout_path.clone(),
                page: Page::Logout,
            },
        ]
    }

    /// The pages behind the routes.
    pub fn pages(&self) -> &AuthPages {
        &self.pages
    }
}
