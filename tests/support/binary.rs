//! The `hoicho` binary as a separate process: started, stopped, killed, run for one command.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_hoicho");

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `hoicho serve` on a free port and waits for it to say where it listens.
pub fn serve(data: &Path, extra: &[&str]) -> Server {
    serve_with(Path::new(BIN), data, extra)
}

/// [`serve`] with another `hoicho` binary (the previous release, for a rolling upgrade).
pub fn serve_with(bin: &Path, data: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1", "--data"])
        .arg(data)
        .args(extra)
        .env("HOICHO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hoicho starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(rest) = line.strip_prefix("hoicho: ") {
            url = Some(rest.trim().to_owned());
            break;
        }
    }
    Server {
        child,
        url: url.expect("the server printed its address"),
    }
}

pub fn hoicho(args: &[&str], data: &Path) -> std::process::Output {
    hoicho_with(Path::new(BIN), args, data)
}

/// [`hoicho`] with another binary.
pub fn hoicho_with(bin: &Path, args: &[&str], data: &Path) -> std::process::Output {
    Command::new(bin)
        .args(args)
        .arg("--data")
        .arg(data)
        .env("HOICHO_LOG", "warn")
        .output()
        .expect("hoicho runs")
}

pub async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// `hoicho serve` on `data`, logging at `level` to `log` (appended to, across starts), as an
/// operator runs it: the process, its address, and the demo organizer's token when `--demo`
/// printed one.
pub fn serve_logged(data: &Path, log: &Path, level: &str, extra: &[&str]) -> (Child, String, Option<String>) {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("the log file opens");
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1", "--data"])
        .arg(data)
        .args(extra)
        .env("HOICHO_LOG", level)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("hoicho starts");
    let stdout = child.stdout.take().expect("stdout");
    let (mut organizer, mut url) = (None, None);
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(token) = line.trim().strip_prefix("API token: ") {
            organizer = Some(token.to_owned());
        }
        if let Some(rest) = line.strip_prefix("hoicho: ") {
            url = Some(rest.trim().to_owned());
            break;
        }
    }
    (child, url.expect("the server printed its address"), organizer)
}

/// SIGTERM, and the exit it leads to (within 60 s).
pub fn stop(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "still running 60 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
