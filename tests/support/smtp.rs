//! A real SMTP server for the mail tests: aiosmtpd over TCP on a free port, in its own
//! process, so a test can stop it (an outage) and start it again on the same port.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    reject: Vec<String>,
    fast: bool,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpSink {
    /// Starts the server; recipients at the `reject` domains get a permanent 550.
    pub fn start(reject: &[&str]) -> SmtpSink {
        SmtpSink::launch(reject, false)
    }

    /// For benchmarks: records only each message's envelope, so the server spends its time
    /// on SMTP rather than on parsing MIME.
    pub fn start_fast() -> SmtpSink {
        SmtpSink::launch(&[], true)
    }

    fn launch(reject: &[&str], fast: bool) -> SmtpSink {
        let mut sink = SmtpSink {
            port: free_port(),
            dir: tempfile::tempdir().expect("a directory for received mail"),
            reject: reject.iter().map(|d| d.to_string()).collect(),
            fast,
            child: None,
        };
        sink.resume();
        println!(
            "mail test: real SMTP server (aiosmtpd) listening on 127.0.0.1:{}",
            sink.port
        );
        sink
    }

    /// `smtp://127.0.0.1:PORT`, plain, as for a relay on the same host.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server: connections are refused until [`SmtpSink::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port.
    pub fn resume(&mut self) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut command = Command::new("python3");
            command
                .arg(&script)
                .arg("--port")
                .arg(self.port.to_string())
                .arg("--dir")
                .arg(self.dir.path());
            if self.fast {
                command.arg("--fast");
            }
            for domain in &self.reject {
                command.arg("--reject").arg(domain);
            }
            let mut child = command
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("python3 runs the SMTP server (scripts/test installs aiosmtpd)");
            let stdout = child.stdout.take().expect("stdout");
            let ready = BufReader::new(stdout)
                .lines()
                .next()
                .is_some_and(|l| l.is_ok_and(|l| l.trim() == "ready"));
            if ready {
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            // The port may still be held by the process just stopped.
            assert!(
                Instant::now() < deadline,
                "the SMTP server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("the mail directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("a message")).expect("JSON"))
            .collect()
    }

    /// Waits until at least `n` messages have arrived, and returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The emails received more than once, by recipient and subject, with how many times.
pub fn repeated(messages: &[Value]) -> Vec<((String, String), usize)> {
    let mut counts: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    for m in messages {
        *counts
            .entry((
                m["to"].as_str().unwrap_or_default().to_owned(),
                m["subject"].as_str().unwrap_or_default().to_owned(),
            ))
            .or_default() += 1;
    }
    let mut repeated: Vec<_> = counts.into_iter().filter(|(_, n)| *n > 1).collect();
    repeated.sort();
    repeated
}
