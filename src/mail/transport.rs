//! Where mail goes: an SMTP server (lettre, from a URL in lettre's own form) or, by default,
//! `.eml` files in the data directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// An SMTP URL whose password never reaches a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(pub String);

impl SmtpUrl {
    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match url_parts(&self.0) {
            Some((scheme, userinfo, rest)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{rest}"),
                None => format!("{scheme}://{userinfo}@{rest}"),
            },
            None => self.0.clone(),
        }
    }
}

fn url_parts(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (userinfo, host) = rest.rsplit_once('@')?;
    Some((scheme, userinfo, host))
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Why a message did not go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// May pass: the server is down or answered 4xx. Try again later.
    Transient(String),
    /// Will not pass: the server answered 5xx, or the message cannot be built.
    Permanent(String),
}

pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        shown: String,
    },
    Files {
        dir: PathBuf,
    },
}

impl Transport {
    /// The transport `--smtp` names, or `.eml` files in `data_dir/mail`.
    /// `connections`: how many SMTP connections the pool keeps. lettre 0.11.23 leaves Nagle's
    /// algorithm on and writes a message's closing `.` separately, so each message waits for
    /// the server's delayed ACK (about 40 ms on Linux); parallel connections hide the wait
    /// until a lettre release sets TCP_NODELAY (lettre pull request 1159).
    pub fn from_config(smtp: Option<&SmtpUrl>, data_dir: &Path, connections: u32) -> anyhow::Result<Transport> {
        match smtp {
            Some(url) if !url.0.is_empty() => {
                if !matches!(url.0.split_once("://"), Some(("smtp" | "smtps", _))) {
                    anyhow::bail!(
                        "--smtp {} is not an SMTP URL: use smtps://user:pass@host:465, smtp://user:pass@host:587?tls=required or smtp://host:25",
                        url.redacted()
                    );
                }
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
                    .map_err(|err| anyhow::anyhow!("--smtp {} is not a usable SMTP URL: {err}", url.redacted()))?
                    .timeout(Some(Duration::from_secs(20)))
                    .pool_config(PoolConfig::new().max_size(connections.max(1)))
                    .build();
                Ok(Transport::Smtp {
                    transport,
                    shown: url.redacted(),
                })
            }
            _ => {
                let dir = data_dir.join("mail");
                std::fs::create_dir_all(&dir).with_context(|| format!("Failed to create {}", dir.display()))?;
                Ok(Transport::Files { dir })
            }
        }
    }

    /// Where mail goes, for logs and pages: never a password.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => shown.clone(),
            Transport::Files { dir } => format!("files in {}", dir.display()),
        }
    }

    /// Sends one message; `name` names its file for the file transport, so a repeat
    /// replaces the earlier copy instead of adding one.
    pub async fn send(&self, name: &str, message: &Message) -> Result<String, SendError> {
        match self {
            Transport::Smtp { transport, .. } => match transport.send(message.clone()).await {
                Ok(response) => Ok(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(err) if err.is_permanent() => Err(SendError::Permanent(error_text(&err))),
                Err(err) => Err(SendError::Transient(error_text(&err))),
            },
            Transport::Files { dir } => {
                let path = dir.join(format!("{name}.eml"));
                let bytes = message.formatted();
                let shown = path.display().to_string();
                tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
                    .await
                    .map_err(|err| SendError::Transient(err.to_string()))?
                    .map_err(|err| SendError::Transient(format!("cannot write {shown}: {err}")))?;
                Ok(format!("written to {shown}"))
            }
        }
    }
}

/// The error and its causes on one line.
fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace(['\r', '\n'], " ")
}

/// Writes a file so it is whole and on disk before the send counts: a temporary file,
/// synced, then renamed over the name.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("eml.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = SmtpUrl("smtps://mailer:s3cr3t@mail.example.vn:465".into());
        assert_eq!(url.redacted(), "smtps://mailer:***@mail.example.vn:465");
        assert!(!format!("{url:?} {url}").contains("s3cr3t"));
        assert_eq!(SmtpUrl("smtp://127.0.0.1:25".into()).redacted(), "smtp://127.0.0.1:25");
    }
}
