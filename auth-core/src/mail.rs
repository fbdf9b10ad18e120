//! Sending email: the [`Mailer`] trait, a console mailer (the default) and a file mailer.

use std::path::PathBuf;

use async_trait::async_trait;

/// One plain-text message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// A message that could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// Writing the message failed.
    #[error("cannot write mail to {path}: {source}")]
    Io {
        /// Where.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The mail transport refused or failed.
    #[error("mail transport failed: {0}")]
    Transport(String),
}

/// Sends email. Implement it for your provider.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message.
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}

/// Prints each message to standard output. The default, for development.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsoleMailer;

#[async_trait]
impl Mailer for ConsoleMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        println!(
            "----- email -----\nTo: {}\nSubject: {}\n\n{}\n-----------------",
            email.to, email.subject, email.body
        );
        Ok(())
    }
}

/// Writes each message as one `.eml` file into a directory (created if missing).
#[derive(Clone, Debug)]
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    /// Writes into `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileMailer { dir: dir.into() }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let dir = self.dir.clone();
        let now = time::OffsetDateTime::now_utc();
        let name = format!(
            "{}-{}.eml",
            now.unix_timestamp_nanos(),
            &crate::session::SessionId::generate().as_str()[..8]
        );
        let path = dir.join(name);
        let date = now
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let text = format!(
            "To: {}\r\nSubject: {}\r\nDate: {date}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
            email.to,
            email.subject,
            email.body.replace('\n', "\r\n")
        );
        let io = |source| MailError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        // Write then rename, so readers never see half a message.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }
}

/// Sends mail through an SMTP server (feature `smtp`), with lettre.
///
/// ```no_run
/// use auth_core::mail::SmtpMailer;
/// let mailer = SmtpMailer::new("smtp.internal", 25, "Shop <no-reply@shop.example>")
///     .unwrap()
///     .credentials("user", "secret");
/// ```
#[cfg(feature = "smtp")]
#[derive(Clone)]
pub struct SmtpMailer {
    host: String,
    port: u16,
    from: lettre::message::Mailbox,
    credentials: Option<lettre::transport::smtp::authentication::Credentials>,
}

#[cfg(feature = "smtp")]
impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "smtp")]
impl SmtpMailer {
    /// A mailer for the SMTP server at `host:port`, sending as `from` (`Name <addr>` or `addr`).
    pub fn new(host: impl Into<String>, port: u16, from: &str) -> Result<Self, MailError> {
        let from = from
            .parse()
            .map_err(|e| MailError::Transport(format!("invalid sender address {from:?}: {e}")))?;
        Ok(SmtpMailer {
            host: host.into(),
            port,
            from,
            credentials: None,
        })
    }

    /// Logs in with a username and password (only over a connection you trust).
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some(lettre::transport::smtp::authentication::Credentials::new(
            user.to_owned(),
            password.to_owned(),
        ));
        self
    }
}

#[cfg(feature = "smtp")]
#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let to = email
            .to
            .parse()
            .map_err(|e| MailError::Transport(format!("invalid recipient address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| MailError::Transport(e.to_string()))?;
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some(c) = &self.credentials {
            transport = transport.credentials(c.clone());
        }
        transport
            .build()
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Transport(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_mailer_writes_one_file_per_message() {
        let dir = std::env::temp_dir().join(format!(
            "mail-{}",
            crate::session::SessionId::generate().as_str()
        ));
        let m = FileMailer::new(&dir);
        for i in 0..3 {
            m.send(&Email {
                to: "a@example.com".into(),
                subject: format!("s{i}"),
                body: "line1\nline2".into(),
            })
            .await
            .unwrap();
        }
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 3);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.starts_with("To: a@example.com\r\nSubject: s"));
        assert!(text.ends_with("line1\r\nline2"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
