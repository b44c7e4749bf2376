//! Where mail goes: an SMTP server (lettre, from a URL in lettre's own form) or, by default,
//! mailbox files in the data directory.

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

type OutboxJob = (Vec<u8>, tokio::sync::oneshot::Sender<std::io::Result<PathBuf>>);

/// The mail outbox: one thread takes whatever emails are waiting and writes them as one
/// mailbox file (mboxrd, `DATA/mail/{time}-{n}.mbox`), written whole under a temporary
/// name, synced, renamed into place and the directory synced — so a file is either all
/// there or not at all, and one file costs what one email did (ADR 011).
pub struct Outbox {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<OutboxJob>>,
}

/// Most emails one file takes.
const OUTBOX_GROUP: usize = 256;
/// How long the outbox waits for more emails after the first of a group: a file costs far
/// more than an email in it, and mail is not waited on by anyone's request.
const OUTBOX_WINDOW: Duration = Duration::from_millis(5);

impl Outbox {
    fn start(dir: &Path) -> anyhow::Result<Outbox> {
        // What a crash left half-written was never acknowledged: its emails are sent again.
        for entry in std::fs::read_dir(dir).with_context(|| format!("Failed to read {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                let _ = std::fs::remove_file(&path);
            }
        }
        let (tx, rx) = std::sync::mpsc::channel::<OutboxJob>();
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("hoicho-outbox".into())
            .spawn(move || {
                let mut files = 0u64;
                // One buffer for every file: a fresh one of a megabyte or so would be new
                // memory from the system each time, zeroed page by page.
                let mut bytes = Vec::new();
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    let until = std::time::Instant::now() + OUTBOX_WINDOW;
                    while group.len() < OUTBOX_GROUP {
                        let left = until.saturating_duration_since(std::time::Instant::now());
                        match rx.recv_timeout(left) {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    files += 1;
                    let name = format!("{}-{files}.mbox", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"));
                    let (messages, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                    let written = write_mailbox(&dir, &name, &messages, &mut bytes);
                    for reply in replies {
                        let _ = reply.send(match &written {
                            Ok(path) => Ok(path.clone()),
                            Err(err) => Err(std::io::Error::new(err.kind(), err.to_string())),
                        });
                    }
                }
            })
            .context("Failed to start the mail outbox")?;
        Ok(Outbox {
            jobs: std::sync::Mutex::new(tx),
        })
    }

    /// Writes one message; answers with the file it is in, once that file is on disk.
    async fn write(&self, message: Vec<u8>) -> std::io::Result<PathBuf> {
        let (reply, done) = tokio::sync::oneshot::channel();
        let sent = self
            .jobs
            .lock()
            .map_err(|_| std::io::Error::other("the outbox stopped"))?
            .send((message, reply));
        sent.map_err(|_| std::io::Error::other("the outbox stopped"))?;
        done.await.map_err(|_| std::io::Error::other("the outbox stopped"))?
    }
}

/// Writes `messages` as the mailbox `dir/name`, whole and on disk before it returns;
/// `bytes` is where the file is put together.
fn write_mailbox(dir: &Path, name: &str, messages: &[Vec<u8>], bytes: &mut Vec<u8>) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.tmp"));
    bytes.clear();
    bytes.reserve(messages.iter().map(|m| m.len() + 64).sum());
    let separator = format!("From hoicho {}\n", chrono::Utc::now().format("%a %b %e %H:%M:%S %Y"));
    for message in messages {
        mboxrd(bytes, &separator, message);
    }
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_data()?;
    drop(file);
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(path)
}

/// Appends one message in mboxrd form: the `From ` separator line, the message with Unix line
/// ends and every line that starts with `>*From ` quoted once more, and a blank line.
fn mboxrd(out: &mut Vec<u8>, separator: &str, message: &[u8]) {
    out.extend_from_slice(separator.as_bytes());
    for line in message.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let unquoted = line
            .iter()
            .position(|&b| b != b'>')
            .map_or(&line[line.len()..], |i| &line[i..]);
        if unquoted.starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    if !out.ends_with(b"\n\n") {
        out.push(b'\n');
    }
}

impl Transport {
    /// The transport `--smtp` names, or mailbox files in `data_dir/mail`.
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

    /// How many emails may be on their way at once: the SMTP pool's size, or for files a
    /// whole outbox group, since the outbox writes what waits together.
    pub fn concurrency(&self, configured: usize) -> usize {
        match self {
            Transport::Smtp { .. } => configured.max(1),
            Transport::Files { .. } => configured.max(OUTBOX_GROUP),
        }
    }

    /// Where mail goes, for logs and pages: never a password.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => shown.clone(),
            Transport::Files { dir, .. } => format!("files in {}", dir.display()),
        }
    }

    /// [`Transport::describe`] for a page in `lang`.
    pub fn describe_in(&self, lang: crate::i18n::Lang) -> String {
        match (self, lang) {
            (Transport::Files { dir, .. }, crate::i18n::Lang::Vi) => {
                format!("lưu thành tệp trong {}", dir.display())
            }
            _ => self.describe(),
        }
    }

    /// Sends one message.
    pub async fn send(&self, message: &Message) -> Result<String, SendError> {
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
                let path = outbox
                    .write(message.formatted())
                    .await
                    .map_err(|err| SendError::Transient(format!("cannot write to {}: {err}", dir.display())))?;
                Ok(format!("written to {}", path.display()))
            }
        }
    }
}

/// Connects to the SMTP server as sending would (TLS and sign-in included), sends nothing.
pub async fn probe(url: &SmtpUrl) -> Result<(), String> {
    if !matches!(url.0.split_once("://"), Some(("smtp" | "smtps", _))) {
        return Err(
            "not an SMTP URL: use smtps://user:pass@host:465, smtp://user:pass@host:587?tls=required or smtp://host:25"
                .into(),
        );
    }
    let transport: AsyncSmtpTransport<Tokio1Executor> = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
        .map_err(|err| format!("not a usable SMTP URL: {err}"))?
        .timeout(Some(Duration::from_secs(10)))
        .build();
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err("the server did not answer as an SMTP server".into()),
        Err(err) => Err(error_text(&err)),
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
        std::fs::write(
            dir.path().join("20261130T000000.000000Z-1.mbox.tmp"),
            "From hoicho\nSubj",
        )
        .unwrap();
        let outbox = std::sync::Arc::new(Outbox::start(dir.path()).unwrap());
        let writes: Vec<_> = (0..200)
            .map(|n| {
                let outbox = outbox.clone();
                tokio::spawn(async move {
                    let message = format!("Subject: {n}\r\n\r\nXin chào {n}\r\nFrom here on\r\n>From there\r\n");
                    outbox.write(message.into_bytes()).await
                })
            })
            .collect();
        let mut files = std::collections::BTreeSet::new();
        for write in writes {
            files.insert(write.await.unwrap().expect("written"));
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| n.ends_with(".mbox")),
            "no temporary files left: {names:?}"
        );
        assert_eq!(
            names.len(),
            files.len(),
            "every file named in an answer, and only those"
        );
        let all: String = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
        assert_eq!(
            all.lines().filter(|l| l.starts_with("From hoicho ")).count(),
            200,
            "200 messages"
        );
        for n in 0..200 {
            let one = format!("\nSubject: {n}\n\nXin chào {n}\n>From here on\n>>From there\n\n");
            assert_eq!(
                all.matches(&one).count(),
                1,
                "message {n} once, quoted, with Unix line ends"
            );
        }
        std::fs::remove_dir_all(dir.path()).unwrap();
        assert!(
            outbox.write(b"x".to_vec()).await.is_err(),
            "a write that cannot happen says so"
        );
    }
}
