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
        outbox: Outbox,
    },
}

type OutboxJob = (PathBuf, Vec<u8>, tokio::sync::oneshot::Sender<std::io::Result<()>>);

/// The `.eml` outbox: one thread writes whatever emails are waiting, then makes them all
/// durable together — one `syncfs` for their contents, the renames, one more for the
/// directory — instead of two fsyncs for each (group commit, as the SQLite log does).
pub struct Outbox {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<OutboxJob>>,
}

/// Most emails one flush takes.
const OUTBOX_GROUP: usize = 256;

impl Outbox {
    fn start(dir: &Path) -> anyhow::Result<Outbox> {
        let (tx, rx) = std::sync::mpsc::channel::<OutboxJob>();
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("hoicho-outbox".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    while group.len() < OUTBOX_GROUP {
                        match rx.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    flush(&dir, group);
                }
            })
            .context("Failed to start the mail outbox")?;
        Ok(Outbox {
            jobs: std::sync::Mutex::new(tx),
        })
    }

    async fn write(&self, path: PathBuf, bytes: Vec<u8>) -> std::io::Result<()> {
        let (reply, done) = tokio::sync::oneshot::channel();
        let sent = self
            .jobs
            .lock()
            .map_err(|_| std::io::Error::other("the outbox stopped"))?
            .send((path, bytes, reply));
        sent.map_err(|_| std::io::Error::other("the outbox stopped"))?;
        done.await.map_err(|_| std::io::Error::other("the outbox stopped"))?
    }
}

/// Writes a group of emails so each is whole and on disk before its send counts: temporary
/// files, their contents synced, then renamed over their names and the directory synced.
fn flush(dir: &Path, group: Vec<OutboxJob>) {
    use std::io::Write;
    let written: Vec<(OutboxJob, std::io::Result<PathBuf>)> = group
        .into_iter()
        .map(|job| {
            let tmp = job.0.with_extension("eml.tmp");
            let result = std::fs::File::create(&tmp)
                .and_then(|mut file| file.write_all(&job.1))
                .map(|_| tmp);
            (job, result)
        })
        .collect();
    let synced = std::fs::File::open(dir).and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from));
    let renamed: Vec<(OutboxJob, std::io::Result<()>)> = written
        .into_iter()
        .map(|(job, tmp)| {
            let result = match (&synced, tmp) {
                (Err(err), _) => Err(std::io::Error::new(err.kind(), err.to_string())),
                (Ok(()), Err(err)) => Err(err),
                (Ok(()), Ok(tmp)) => std::fs::rename(&tmp, &job.0),
            };
            (job, result)
        })
        .collect();
    let dir_synced = std::fs::File::open(dir).and_then(|d| d.sync_all());
    for ((_, _, reply), result) in renamed {
        let result = match (&dir_synced, result) {
            (Err(err), _) => Err(std::io::Error::new(err.kind(), err.to_string())),
            (Ok(()), result) => result,
        };
        let _ = reply.send(result);
    }
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
                let outbox = Outbox::start(&dir)?;
                Ok(Transport::Files { dir, outbox })
            }
        }
    }

    /// Where mail goes, for logs and pages: never a password.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => shown.clone(),
            Transport::Files { dir, .. } => format!("files in {}", dir.display()),
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
            Transport::Files { dir, outbox } => {
                let path = dir.join(format!("{name}.eml"));
                let shown = path.display().to_string();
                outbox
                    .write(path, message.formatted())
                    .await
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_outbox_writes_every_email_whole_and_leaves_nothing_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = std::sync::Arc::new(Outbox::start(dir.path()).unwrap());
        let writes: Vec<_> = (0..200)
            .map(|n| {
                let outbox = outbox.clone();
                let path = dir.path().join(format!("{n}.eml"));
                tokio::spawn(async move {
                    outbox
                        .write(path, format!("Subject: {n}\r\n\r\nXin chào {n}").into_bytes())
                        .await
                })
            })
            .collect();
        for write in writes {
            write.await.unwrap().expect("written");
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 200, "no temporary files left: {names:?}");
        assert!(names.iter().all(|n| n.ends_with(".eml")));
        let text = std::fs::read_to_string(dir.path().join("137.eml")).unwrap();
        assert_eq!(text, "Subject: 137\r\n\r\nXin chào 137");
        let missing = outbox
            .write(dir.path().join("no-such-dir").join("x.eml"), b"x".to_vec())
            .await;
        assert!(missing.is_err(), "a write that cannot happen says so");
    }
}
