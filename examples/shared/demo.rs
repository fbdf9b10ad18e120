//! The framework-neutral half of the local-auth demo, included by both `local-auth-axum` and
//! `local-auth-actix` (`#[path = "../../shared/demo.rs"] mod demo;`): start-up and the admin
//! command line, every page's content, and the rules of the demo's own JSON endpoints. Each
//! app keeps only its framework's routes, extractors and responses, so the two answer alike.
//!
//! It names the toolkit through the including crate's root (`crate::auth_core`, ...), which
//! each app imports from its adapter.

use std::sync::atomic::{AtomicI64, Ordering};

use clap::{CommandFactory, FromArgMatches, Parser};
use maud::{Markup, html};

use crate::auth_admin::AdminCommand;
use crate::auth_admin::setup::Setup;
use crate::auth_core::guard::Wants;
use crate::auth_core::{AuthConfig, Denial, User};
use crate::auth_pages::render::layout;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Option<AdminCommand>,
}

/// Logs to standard output (`RUST_LOG` filters, default `info`; `AUTH_LOG_FORMAT=json` gives
/// one JSON object a line), reads the command line and the environment, and runs an admin
/// subcommand if one was given (then exits). Returns the set-up to serve with.
pub async fn boot(framework: &str) -> Setup {
    use std::io::IsTerminal as _;
    let logs = tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
    );
    match std::env::var("AUTH_LOG_FORMAT").as_deref() {
        Ok(f) if f.eq_ignore_ascii_case("json") => logs.json().init(),
        // Colour only on a terminal: a file, a pipe or a container log gets plain text.
        _ => logs.with_ansi(std::io::stdout().is_terminal()).init(),
    }
    let about =
        format!("The local-auth demo on {framework}. Without a subcommand, serves the app.");
    let cli = Cli::from_arg_matches(&Cli::command().about(about).get_matches())
        .unwrap_or_else(|e| e.exit());
    // The demo turns the account pages on; AUTH_* variables can still turn them off (and
    // AUTH_REQUIRE_EMAIL_VERIFICATION=true turns email verification on).
    let base = AuthConfig {
        password_change_enabled: true,
        sessions_page_enabled: true,
        remember_me_enabled: true,
        email_change_enabled: true,
        account_deletion: crate::auth_core::config::AccountDeletion::Delete,
        ..AuthConfig::default()
    };
    let setup = match Setup::from_env_over(base).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Some(cmd) = cli.command {
        match cmd.run(&setup.service).await {
            Ok(msg) => {
                println!("{msg}");
                std::process::exit(0);
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
    setup
}

/// A page of the demo: `content`, then, for a logged-in user, who it is and a logout button.
pub fn page(
    cfg: &AuthConfig,
    user: Option<&User>,
    csrf_token: &str,
    title: &str,
    content: Markup,
) -> String {
    let body = html! {
        (content)
        @if let Some(user) = user {
            form method="post" action=(cfg.logout_url) {
                input type="hidden" name="csrf_token" value=(csrf_token);
                p { "Logged in as " strong { (user.username) } }
                button type="submit" { "Log out" }
            }
        }
    };
    layout(cfg, title, None, body)
}

/// The home page's content.
pub fn index(cfg: &AuthConfig, logged_in: bool) -> Markup {
    html! {
        p { "This demo shows login (with remember me), registration (with email verification when AUTH_REQUIRE_EMAIL_VERIFICATION=true), logout, password reset and change, changing your email address, your sessions, deleting your account, and pages guarded by permissions, groups and staff status." }
        div.links {
            a href="/protected" { "Protected page" }
            a href="/reports" { "Reports (needs shop.view_reports)" }
            a href="/editor" { "Editor (needs the Editors group)" }
            a href="/admin-tools" { "Admin tools (staff only)" }
            a href="/superuser" { "Superuser area" }
            @if !logged_in {
                a href=(cfg.login_url) { "Log in" }
                a href=(cfg.signup_url) { "Create an account" }
            }
            @if logged_in && cfg.password_change_enabled {
                a href=(cfg.password_change_url) { "Change password" }
            }
            @if logged_in && cfg.email_change_enabled {
                a href=(cfg.email_change_url) { "Change email" }
            }
            @if logged_in && cfg.sessions_page_enabled {
                a href=(cfg.sessions_url) { "Your sessions" }
            }
            @if logged_in && cfg.account_deletion != crate::auth_core::config::AccountDeletion::Off {
                a href=(cfg.account_delete_url) { "Delete account" }
            }
        }
    }
}

/// A guarded page's content: one sentence and a link home.
pub fn guarded(sentence: &str) -> Markup {
    html! { p { (sentence) } div.links { a href="/" { "Home" } } }
}

/// The 404 page.
pub fn not_found(path: &str) -> String {
    let body =
        html! { p { "Nothing lives at " code { (path) } "." } div.links { a href="/" { "Home" } } };
    layout(&AuthConfig::default(), "Not found", None, body)
}

static NEXT_POST: AtomicI64 = AtomicI64::new(1);

/// `POST /posts`: a `title` from a form or JSON body, non-empty and at most 200 bytes. `Ok` is
/// the created post (answered 201), `Err` the 400 body.
pub fn create_post(
    content_type: &str,
    body: &[u8],
    owner: Option<&User>,
) -> Result<serde_json::Value, serde_json::Value> {
    let title = if content_type.starts_with("application/json") {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("title").and_then(|t| t.as_str()).map(str::to_owned))
    } else {
        crate::auth_core::adapter::Form::parse(Some(content_type), body)
            .ok()
            .and_then(|f| f.opt("title").map(str::to_owned))
    };
    let Some(title) = title.filter(|t| !t.trim().is_empty() && t.len() <= 200) else {
        return Err(
            serde_json::json!({"error": "invalid", "message": "Send a non-empty `title` of at most 200 bytes, as a form or JSON."}),
        );
    };
    let id = NEXT_POST.fetch_add(1, Ordering::Relaxed);
    let owner = owner.map(|u| u.username.clone());
    Ok(serde_json::json!({"id": id, "title": title, "owner": owner}))
}

/// `POST /posts/{id}/publish`'s answer.
pub fn published(id: i64, by: Option<&User>) -> serde_json::Value {
    serde_json::json!({"id": id, "published": true, "by": by.map(|u| u.username.clone())})
}

/// The app-wide denial rule: API routes answer in JSON whatever the client's `Accept` says.
pub fn api_denials_in_json(denial: &mut Denial) {
    if denial.path.starts_with("/api/") {
        denial.wants = Wants::Json;
    }
}
