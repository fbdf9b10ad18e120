//! Admin subcommands (feature `cli`, clap) to embed in your own binary: `createuser`,
//! `changepassword`, `grant`, `group`, `group-grant`, `deactivate` and `migrate`.
//!
//! ```no_run
//! use auth_admin::AdminCommand;
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: Option<AdminCommand>,
//! }
//!
//! # async fn run(service: auth_core::AuthService) {
//! if let Some(cmd) = Cli::parse().command {
//!     match cmd.run(&service).await {
//!         Ok(msg) => println!("{msg}"),
//!         Err(e) => { eprintln!("error: {e}"); std::process::exit(1) }
//!     }
//! }
//! # }
//! ```

use std::io::{BufRead, IsTerminal};

use auth_core::error::{AuthError, StoreError};
use auth_core::permission::{Permission, PermissionError};
use auth_core::service::AuthService;
use auth_core::user::{NewUser, User};

/// The admin subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
#[non_exhaustive]
pub enum AdminCommand {
    /// Create a user. Without --password, asks for it twice (or reads one line from stdin).
    Createuser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Email address.
        #[arg(long, default_value = "")]
        email: String,
        /// Password (for scripts; otherwise you are asked).
        #[arg(long)]
        password: Option<String>,
        /// Mark as staff.
        #[arg(long)]
        staff: bool,
        /// Mark as superuser (all permissions).
        #[arg(long)]
        superuser: bool,
        /// Create the account inactive.
        #[arg(long)]
        inactive: bool,
    },
    /// Set a user's password; ends all their sessions.
    Changepassword {
        /// Login name.
        #[arg(long)]
        username: String,
        /// New password (for scripts; otherwise you are asked).
        #[arg(long)]
        password: Option<String>,
    },
    /// Grant a permission (`app_label.codename`) to a user.
    Grant {
        /// Login name.
        #[arg(long)]
        username: String,
        /// The permission, e.g. blog.publish_post.
        #[arg(long)]
        permission: String,
    },
    /// Add a user to a group (created if missing).
    Group {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Group name.
        #[arg(long)]
        group: String,
    },
    /// Grant a permission to every member of a group (created if missing).
    GroupGrant {
        /// Group name.
        #[arg(long)]
        group: String,
        /// The permission, e.g. shop.view_reports.
        #[arg(long)]
        permission: String,
    },
    /// Deactivate a user and end all their sessions.
    Deactivate {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Apply the database migrations (they also run at start-up).
    Migrate,
}

/// Why an admin command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No user has that username.
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// The username or email is taken.
    #[error("a user with this {0} already exists")]
    Taken(&'static str),
    /// The password breaks a rule.
    #[error("password refused: {0}")]
    Password(String),
    /// No password given and none can be asked for.
    #[error("no password: pass --password, or run in a terminal to be asked")]
    NoPassword,
    /// The permission string is malformed.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// The username or email is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A store failed.
    #[error(transparent)]
    Store(StoreError),
    /// Anything else from the service.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field } => AdminError::Taken(field),
            e => AdminError::Store(e),
        }
    }
}

impl AdminCommand {
    /// Runs the command; returns a line to print.
    pub async fn run(self, service: &AuthService) -> Result<String, AdminError> {
        match self {
            AdminCommand::Createuser {
                username,
                email,
                password,
                staff,
                superuser,
                inactive,
            } => {
                let (username, email) = service
                    .validate_identity(&username, &email)
                    .map_err(|e| AdminError::Invalid(e.to_string()))?;
                let password = password_from(password)?;
                let problems =
                    service.validate_new_password(&password, &password, &username, &email);
                if !problems.is_empty() {
                    return Err(AdminError::Password(problems.join(" ")));
                }
                let hash = service
                    .hasher()
                    .hash(password)
                    .await
                    .map_err(AuthError::from)?;
                let user = service
                    .users()
                    .create_user(NewUser {
                        is_active: !inactive,
                        // Django's `createsuperuser` makes superusers staff too, so that
                        // they can use its admin site.
                        is_staff: staff
                            || (superuser && service.config().schema == auth_core::config::Schema::Django),
                        is_superuser: superuser,
                        ..NewUser::new(username, email, hash)
                    })
                    .await?;
                Ok(format!("created user {} (id {})", user.username, user.id))
            }
            AdminCommand::Changepassword { username, password } => {
                let user = find(service, &username).await?;
                let password = password_from(password)?;
                let problems = service.validate_new_password(
                    &password,
                    &password,
                    &user.username,
                    &user.email,
                );
                if !problems.is_empty() {
                    return Err(AdminError::Password(problems.join(" ")));
                }
                service.set_password(&user.id, &password).await?;
                Ok(format!(
                    "password changed for {username}; their sessions ended"
                ))
            }
            AdminCommand::Grant {
                username,
                permission,
            } => {
                let user = find(service, &username).await?;
                let perm = Permission::parse(&permission)?;
                service
                    .permissions()
                    .grant_user_permission(&user.id, &perm)
                    .await?;
                Ok(format!("granted {perm} to {username}"))
            }
            AdminCommand::Group { username, group } => {
                let user = find(service, &username).await?;
                service
                    .permissions()
                    .add_user_to_group(&user.id, &group)
                    .await?;
                Ok(format!("added {username} to {group}"))
            }
            AdminCommand::GroupGrant { group, permission } => {
                let perm = Permission::parse(&permission)?;
                service
                    .permissions()
                    .grant_group_permission(&group, &perm)
                    .await?;
                Ok(format!("granted {perm} to group {group}"))
            }
            AdminCommand::Deactivate { username } => {
                let user = find(service, &username).await?;
                service.deactivate(&user.id).await?;
                Ok(format!("deactivated {username}; their sessions ended"))
            }
            AdminCommand::Migrate if service.config().schema == auth_core::config::Schema::Django => Ok(
                "Django's tables are Django's: run `python manage.py migrate` in the Django project (they are present, or this command would have stopped before)".into(),
            ),
            AdminCommand::Migrate => Ok("migrations applied".into()),
        }
    }
}

async fn find(service: &AuthService, username: &str) -> Result<User, AdminError> {
    service
        .users()
        .find_by_username(username)
        .await?
        .ok_or_else(|| AdminError::NoSuchUser(username.to_owned()))
}

fn password_from(given: Option<String>) -> Result<String, AdminError> {
    if let Some(p) = given {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|_| AdminError::NoPassword)?;
        let again =
            rpassword::prompt_password("Password (again): ").map_err(|_| AdminError::NoPassword)?;
        if first != again {
            return Err(AdminError::Password("the two passwords differ".into()));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| AdminError::NoPassword)?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(AdminError::NoPassword);
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::config::AuthConfig;

    fn service() -> AuthService {
        AuthService::in_memory(AuthConfig {
            secret_key: "k".into(),
            ..AuthConfig::default()
        })
    }

    #[tokio::test]
    async fn commands_change_the_store() {
        let s = service();
        let out = AdminCommand::Createuser {
            username: "boss".into(),
            email: "boss@example.com".into(),
            password: Some("long enough pw".into()),
            staff: true,
            superuser: false,
            inactive: false,
        }
        .run(&s)
        .await
        .unwrap();
        assert!(out.contains("created user boss"));
        let boss = s.users().find_by_username("boss").await.unwrap().unwrap();
        assert!(boss.is_staff && boss.is_active && !boss.is_superuser);
        assert!(s.authenticate("boss", "long enough pw").await.is_ok());

        AdminCommand::Grant {
            username: "boss".into(),
            permission: "blog.publish_post".into(),
        }
        .run(&s)
        .await
        .unwrap();
        AdminCommand::Group {
            username: "boss".into(),
            group: "Editors".into(),
        }
        .run(&s)
        .await
        .unwrap();
        AdminCommand::GroupGrant {
            group: "Editors".into(),
            permission: "shop.view_reports".into(),
        }
        .run(&s)
        .await
        .unwrap();
        let g = s.permissions().grants(&boss.id).await.unwrap();
        assert!(g.has_permission("blog.publish_post") && g.has_permission("shop.view_reports"));
        assert_eq!(g.groups, vec!["Editors".to_string()]);

        AdminCommand::Changepassword {
            username: "boss".into(),
            password: Some("another long pw".into()),
        }
        .run(&s)
        .await
        .unwrap();
        assert!(s.authenticate("boss", "another long pw").await.is_ok());
        AdminCommand::Deactivate {
            username: "boss".into(),
        }
        .run(&s)
        .await
        .unwrap();
        assert!(s.authenticate("boss", "another long pw").await.is_err());
    }

    #[tokio::test]
    async fn errors_say_what_is_wrong() {
        let s = service();
        let e = AdminCommand::Grant {
            username: "ghost".into(),
            permission: "a.b".into(),
        }
        .run(&s)
        .await
        .unwrap_err();
        assert_eq!(e.to_string(), "no user named \"ghost\"");
        let mk = |name: &str, pw: &str| AdminCommand::Createuser {
            username: name.into(),
            email: String::new(),
            password: Some(pw.into()),
            staff: false,
            superuser: false,
            inactive: false,
        };
        assert!(
            mk("x", "short")
                .run(&s)
                .await
                .unwrap_err()
                .to_string()
                .contains("at least 8")
        );
        mk("x", "long enough pw").run(&s).await.unwrap();
        assert_eq!(
            mk("X", "long enough pw")
                .run(&s)
                .await
                .unwrap_err()
                .to_string(),
            "a user with this username already exists"
        );
        let e = AdminCommand::GroupGrant {
            group: "G".into(),
            permission: "nodot".into(),
        }
        .run(&s)
        .await
        .unwrap_err();
        assert!(e.to_string().contains("app_label.codename"), "{e}");
    }
}
