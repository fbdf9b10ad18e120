//! In-process scenarios for the built-in pages' configuration: each framework's test builds an
//! app for a given configuration and mount, and runs these.

use std::collections::BTreeMap;

use auth_pages::{LoginView, PageRenderer};

use crate::{Client, PASSWORD, Req, Resp};

/// How the pages are mounted for a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mount {
    /// `add_auth_pages` with the default look.
    All,
    /// `add_auth_pages_with` and [`MarkedRenderer`].
    Marked,
    /// `add_auth_pages_only` with the login and logout pages.
    LoginOnly,
    /// `login_ui` with [`custom_login_ui`] at `/signin` and `/signout`.
    CustomUi,
}

/// A renderer that marks the login page, to prove overrides are honoured.
pub struct MarkedRenderer;

impl PageRenderer for MarkedRenderer {
    fn login(&self, v: &LoginView<'_>) -> String {
        format!("<div id=\"my-look\">{}</div>", auth_pages::render::login(v))
    }
}

/// The app-drawn login form of [`Mount::CustomUi`].
pub fn custom_login_ui() -> auth_pages::LoginUi {
    auth_pages::LoginUi::new(|v: &LoginView<'_>| {
        format!(
            "<h1>Custom sign-in</h1>{}<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf_token\" value=\"{}\"><input name=\"username\"><input name=\"password\"></form>",
            v.errors.join(" "),
            v.common.action,
            v.common.csrf_token
        )
    })
    .login_path("/signin")
    .logout_path("/signout")
}

/// A minimal cookie jar over [`Client`].
pub struct Session<'c, C: Client> {
    client: &'c C,
    jar: BTreeMap<String, String>,
}

impl<'c, C: Client> Session<'c, C> {
    pub fn new(client: &'c C) -> Self {
        Session {
            client,
            jar: BTreeMap::new(),
        }
    }

    pub async fn send(&mut self, mut req: Req) -> Resp {
        if !self.jar.is_empty() {
            let c = self
                .jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.cookie(&c);
        }
        req = req.header("host", "testserver");
        let r = self.client.send(req).await;
        for c in r.headers_named("set-cookie") {
            let pair = c.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.jar.remove(k);
                } else {
                    self.jar.insert(k.into(), v.into());
                }
            }
        }
        r
    }

    /// The values of every cookie held.
    pub fn jar_values(&self) -> Vec<String> {
        self.jar.values().cloned().collect()
    }

    /// GETs `path`, then posts its form with `values` filled in.
    pub async fn submit(&mut self, path: &str, post_to: &str, values: &[(&str, &str)]) -> Resp {
        let page = self.send(Req::get(path).html()).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        let token = token_in(&page.body)
            .unwrap_or_else(|| panic!("no csrf token on {path}: {}", page.body));
        let mut body = format!("csrf_token={token}");
        for (k, v) in values {
            body.push_str(&format!("&{k}={}", auth_core::http::percent_encode(v)));
        }
        self.send(
            Req::post(post_to)
                .html()
                .form(&body)
                .header("origin", "http://testserver"),
        )
        .await
    }
}

pub fn token_in(body: &str) -> Option<String> {
    let key = "name=\"csrf_token\" value=\"";
    let i = body.find(key)? + key.len();
    Some(body[i..i + body[i..].find('"')?].to_owned())
}

/// `Mount::Marked`: the login page has the custom look and the flow still works.
pub async fn renderer_override_is_honoured(c: &impl Client) {
    let mut s = Session::new(c);
    let page = s.send(Req::get("/login").html()).await;
    assert!(page.body.contains("<div id=\"my-look\">"), "{}", page.body);
    let r = s
        .submit(
            "/login",
            "/login",
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let reg = s.send(Req::get("/register").html()).await;
    assert!(
        !reg.body.contains("my-look"),
        "other pages keep the default look"
    );
}

/// `Mount::LoginOnly`: only what was registered exists.
pub async fn register_functions_mount_one_page_each(c: &impl Client) {
    let mut s = Session::new(c);
    assert_eq!(s.send(Req::get("/login").html()).await.status, 200);
    assert_eq!(s.send(Req::get("/register").html()).await.status, 404);
    assert_eq!(s.send(Req::get("/password-reset").html()).await.status, 404);
    let r = s
        .submit(
            "/login",
            "/login",
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = s.send(Req::get("/login").html()).await;
    let token = token_in(&page.body).unwrap();
    let r = s
        .send(Req::post("/logout").form(&format!("csrf_token={token}")))
        .await;
    assert_eq!(r.status, 303);
}

/// `Mount::CustomUi`: the app draws the form; the toolkit's flow runs behind it.
pub async fn custom_login_ui_runs_the_flow(c: &impl Client) {
    let mut s = Session::new(c);
    let page = s.send(Req::get("/signin?next=/after").html()).await;
    assert!(
        page.body.starts_with("<h1>Custom sign-in</h1>"),
        "{}",
        page.body
    );
    let bad = s
        .submit(
            "/signin",
            "/signin",
            &[("username", "alice"), ("password", "nope")],
        )
        .await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("Please enter a correct username"));
    let ok = s
        .submit(
            "/signin?next=/after",
            "/signin?next=/after",
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((ok.status, ok.header("location")), (303, Some("/after")));
    let page = s.send(Req::get("/signin").html()).await;
    let token = token_in(&page.body).unwrap();
    let out = s
        .send(Req::post("/signout").form(&format!("csrf_token={token}")))
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(s.send(Req::get("/whoami")).await.body, "anonymous");
}

/// Config: `signup_enabled = false`, `password_reset_enabled = false`,
/// `login_fields = ["email"]`, `redirect_authenticated_user = true`, custom messages, brand,
/// routes and field names (see [`variant_config`]).
pub async fn configuration_is_honoured(c: &impl Client) {
    let mut s = Session::new(c);
    assert_eq!(s.send(Req::get("/register").html()).await.status, 404);
    assert_eq!(s.send(Req::get("/password-reset").html()).await.status, 404);
    let page = s.send(Req::get("/accounts/signin").html()).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(">Email<"),
        "login by email only: the label says so"
    );
    assert!(page.body.contains("name=\"ident\""), "custom field name");
    assert!(page.body.contains("Shop &amp; Co"), "brand text, escaped");
    assert!(page.body.contains("src=\"/static/logo.svg\""), "brand icon");
    assert!(
        !page.body.contains("/register"),
        "no signup link when disabled"
    );
    let bad = s
        .submit(
            "/accounts/signin",
            "/accounts/signin",
            &[("ident", "alice"), ("secret", PASSWORD)],
        )
        .await;
    assert!(
        bad.body.contains("Nope, try again."),
        "custom message: {}",
        bad.body
    );
    let ok = s
        .submit(
            "/accounts/signin",
            "/accounts/signin",
            &[("ident", "alice@example.com"), ("secret", PASSWORD)],
        )
        .await;
    assert_eq!((ok.status, ok.header("location")), (303, Some("/home")));
    let again = s.send(Req::get("/accounts/signin").html()).await;
    assert_eq!(
        (again.status, again.header("location")),
        (303, Some("/home")),
        "redirect_authenticated_user"
    );
    // The guard's login redirect follows the configured login_url.
    let anon = Session::new(c).send(Req::get("/dashboard").html()).await;
    assert_eq!(
        anon.header("location"),
        Some("/accounts/signin?next=/dashboard")
    );
}

/// The configuration [`configuration_is_honoured`] expects.
pub fn variant_config() -> auth_core::AuthConfig {
    let mut cfg = auth_core::AuthConfig::from_toml_str(
        r#"
        secret_key = "variant-secret"
        signup_enabled = false
        password_reset_enabled = false
        login_fields = ["email"]
        redirect_authenticated_user = true
        login_url = "/accounts/signin"
        login_redirect_url = "/home"
        brand_text = "Shop & Co"
        brand_icon_src = "/static/logo.svg"
        [messages]
        invalid_login = "Nope, try again."
        [fields]
        login_username = "ident"
        login_password = "secret"
        "#,
    )
    .unwrap();
    cfg.logout_url = "/accounts/signout".into();
    cfg
}
