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
            &auth_core::session::SessionId::generate().as_str()[..8]
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

/// How [`SmtpMailer`] protects its connection.
#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Connect in plain text, then require `STARTTLS` before anything else (port 587). The
    /// default for every port but 465.
    StartTls,
    /// TLS from the first byte ("implicit TLS", SMTPS, port 465). The default for port 465.
    Implicit,
    /// No TLS at all: only for a relay on this machine or a private network you trust.
    /// Credentials are refused in this mode unless the host is a loopback address.
    None,
}

/// Sends mail through an SMTP server (feature `smtp`), with lettre and rustls.
///
/// The connection is encrypted by default (`STARTTLS` required, or implicit TLS on port 465)
/// and the server's certificate is checked against Mozilla's roots, plus any
/// [`root_certificate_pem`](Self::root_certificate_pem) you add for a private CA. Connections
/// are pooled and reused between messages.
///
/// ```no_run
/// use auth_pages::mail::{SmtpMailer, SmtpTls};
/// let mailer = SmtpMailer::new("smtp.example.com", 587, "Shop <no-reply@shop.example>")
///     .unwrap()
///     .credentials("user", "secret");
/// // A relay on this machine without TLS:
/// let local = SmtpMailer::new("127.0.0.1", 25, "no-reply@shop.example").unwrap().tls(SmtpTls::None);
/// ```
#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
#[derive(Clone)]
pub struct SmtpMailer {
    host: String,
    port: u16,
    from: lettre::message::Mailbox,
    credentials: Option<lettre::transport::smtp::authentication::Credentials>,
    tls: SmtpTls,
    roots: Vec<Vec<u8>>,
    transport: std::sync::Arc<std::sync::OnceLock<TransportResult>>,
}

#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
type TransportResult = Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String>;

#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
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
            tls: if port == 465 {
                SmtpTls::Implicit
            } else {
                SmtpTls::StartTls
            },
            roots: Vec::new(),
            transport: Default::default(),
        })
    }

    /// Logs in with a username and password (sent only inside TLS, or to a loopback relay).
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some(lettre::transport::smtp::authentication::Credentials::new(
            user.to_owned(),
            password.to_owned(),
        ));
        self.transport = Default::default();
        self
    }

    /// Chooses how the connection is protected (see [`SmtpTls`]).
    pub fn tls(mut self, tls: SmtpTls) -> Self {
        self.tls = tls;
        self.transport = Default::default();
        self
    }

    /// Also trusts this CA (or self-signed) certificate, PEM-encoded, for a private mail server.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.roots.push(pem.to_vec());
        self.transport = Default::default();
        self
    }

    fn build(&self) -> TransportResult {
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        use lettre::{AsyncSmtpTransport, Tokio1Executor};
        let err = |e: lettre::transport::smtp::Error| e.to_string();
        let loopback = self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if self.tls == SmtpTls::None && self.credentials.is_some() && !loopback {
            return Err(format!(
                "refusing to send SMTP credentials to {} without TLS: use SmtpTls::StartTls or SmtpTls::Implicit",
                self.host
            ));
        }
        let tls = if self.tls == SmtpTls::None {
            Tls::None
        } else {
            let mut params = TlsParameters::builder(self.host.clone());
            for pem in &self.roots {
                params = params.add_root_certificate(Certificate::from_pem(pem).map_err(err)?);
            }
            let params = params.build_rustls().map_err(err)?;
            match self.tls {
                SmtpTls::Implicit => Tls::Wrapper(params),
                _ => Tls::Required(params),
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some(c) = &self.credentials {
            builder = builder.credentials(c.clone());
        }
        Ok(builder.build())
    }
}

#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        use lettre::{AsyncTransport, Message};
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
        // One transport (and its connection pool) per mailer, built on first use.
        let transport = self
            .transport
            .get_or_init(|| self.build())
            .as_ref()
            .map_err(|e| MailError::Transport(e.clone()))?;
        transport
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
            auth_core::session::SessionId::generate().as_str()
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
