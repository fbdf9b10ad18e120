//! The bring-your-own-users demo.
//!
//! ```sh
//! cargo run -p byo-users -- adduser --email ann@example.com --name "Ann" --tenant 7 --password 'long password'
//! cargo run -p byo-users                       # serve on 127.0.0.1:3000
//! ```
//!
//! Environment: `BIND_ADDR` (default `127.0.0.1:3000`), `DATABASE_URL` (default
//! `sqlite://byo_users.db`), and any `AUTH_*` key (`AUTH_SECRET_KEY`, ...).

use std::str::FromStr;
use std::time::Duration;

use auth_axum::AuthConfig;
use clap::{Parser, Subcommand};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

#[derive(Parser)]
#[command(
    about = "Bring your own users: an app over its own users table. Without a subcommand, serves the app."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// The app's own user administration (the auth toolkit only reads `users`).
#[derive(Subcommand)]
enum Command {
    /// Adds a user.
    Adduser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        tenant: i64,
        #[arg(long)]
        password: String,
    },
    /// Grants a permission (`app_label.codename`).
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long)]
        permission: String,
    },
    /// Sets a user's password.
    Setpassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
    },
    /// Marks a user inactive.
    Deactivate {
        #[arg(long)]
        email: String,
    },
}

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn admin(pool: &sqlx::SqlitePool, cmd: Command) -> Result<String, Error> {
    let one = |n: u64, email: &str| match n {
        1 => Ok(()),
        _ => Err(format!("no user with email {email}")),
    };
    match cmd {
        Command::Adduser {
            email,
            name,
            tenant,
            password,
        } => {
            let id = byo_users::add_user(pool, &email, &name, tenant, &password).await?;
            Ok(format!("added {email} ({id})"))
        }
        Command::Grant { email, permission } => {
            auth_axum::Permission::parse(&permission)?;
            let n = sqlx::query("INSERT OR IGNORE INTO user_permissions (user_id, permission) SELECT id, ? FROM users WHERE email = ? COLLATE NOCASE")
                .bind(&permission).bind(&email).execute(pool).await?.rows_affected();
            let known: Option<String> =
                sqlx::query_scalar("SELECT id FROM users WHERE email = ? COLLATE NOCASE")
                    .bind(&email)
                    .fetch_optional(pool)
                    .await?;
            one(u64::from(known.is_some()).max(n), &email)?;
            Ok(format!("granted {permission} to {email}"))
        }
        Command::Setpassword { email, password } => {
            let hash = auth_axum::auth_core::password::hash(&password)?;
            let n =
                sqlx::query("UPDATE users SET password_hash = ? WHERE email = ? COLLATE NOCASE")
                    .bind(hash)
                    .bind(&email)
                    .execute(pool)
                    .await?
                    .rows_affected();
            one(n, &email)?;
            Ok(format!("password set for {email}"))
        }
        Command::Deactivate { email } => {
            let n = sqlx::query("UPDATE users SET is_active = 0 WHERE email = ? COLLATE NOCASE")
                .bind(&email)
                .execute(pool)
                .await?
                .rows_affected();
            one(n, &email)?;
            Ok(format!("{email} deactivated"))
        }
    }
}

async fn run() -> Result<(), Error> {
    let cli = Cli::parse();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://byo_users.db".into());
    let opts = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await?;
    byo_users::migrate(&pool).await?;
    if let Some(cmd) = cli.command {
        println!("{}", admin(&pool, cmd).await?);
        return Ok(());
    }
    let mut config = AuthConfig::from_env()?;
    if std::env::var_os("AUTH_LOGIN_URL").is_none() {
        config.login_url = "/".into(); // the front end has the login form
    }
    let service = byo_users::service(pool, config).await?;
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!("byo-users listening on http://{addr}");
    axum::serve(listener, byo_users::app(service))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
