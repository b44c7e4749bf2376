//! `hoicho check` on the binary: a configuration that would start is said to, and one with a
//! port taken, a key that does not match its certificate, a secret key others can read, a
//! store and a mail server that do not answer, an unwritable backup directory and a bad public
//! address has each named — and checking changes nothing.

use std::path::Path;
use std::process::Command;

use crate::support::binary::{hoicho, BIN};
use crate::support::certs::self_signed;
use crate::support::postgres::Database;
use crate::support::smtp::SmtpSink;

fn check(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("check")
        .arg("--data")
        .arg(data)
        .args(args)
        .env("HOICHO_LOG", "warn")
        .output()
        .expect("hoicho runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_configuration_passes_and_each_fault_is_named_without_changing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        hoicho(&["organizer", "add", "--email", "kiem.tra@hatinh.gov.vn"], &data)
            .status
            .success()
    );
    let (cert, key) = self_signed(dir.path(), "hoicho.hatinh.example.vn", None, 90);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let (_, other_key) = self_signed(dir.path(), "other", None, 90);
    let other_key = other_key.display().to_string();
    let sink = SmtpSink::start(&[]);
    let backups = dir.path().join("backups");
    let addr = free_addr();

    let (ok, stdout, stderr) = check(
        &data,
        &[
            "--addr",
            &addr,
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--smtp",
            &sink.url(),
            "--backup-dir",
            backups.to_str().unwrap(),
            "--backup-every",
            "1h",
            "--public-url",
            "https://hoicho.hatinh.example.vn",
        ],
    );
    assert!(ok, "{stdout}{stderr}");
    for expected in [
        &format!("ok       {addr} (HTTPS) can be listened on"),
        "(CN=hoicho.hatinh.example.vn), valid until",
        "the key matches",
        "events.sqlite: 1 events",
        &format!("mail: {} answers", sink.url()),
        "can be written",
        "No problems found.",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }

    // PostgreSQL: what is there, over the same connection the store makes.
    let db = Database::create().await;
    let (ok, stdout, _) = check(&data, &["--addr", &addr, "--store", &db.url]);
    assert!(ok, "{stdout}");
    assert!(stdout.contains("hoicho will create its schema there"), "{stdout}");

    // Everything wrong at once.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap().to_string();
    // A secret key copied over from another machine without its mode.
    let secret = data.join("secret.key");
    std::fs::write(&secret, [7u8; 64]).unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let not_a_dir = dir.path().join("a-file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let before = listing(&data);
    let (ok, stdout, stderr) = check(
        &data,
        &[
            "--addr",
            &taken_addr,
            "--tls-cert",
            &cert,
            "--tls-key",
            &other_key,
            "--store",
            "postgres://hoicho@127.0.0.1:1/nowhere",
            "--smtp",
            "smtp://127.0.0.1:1",
            "--backup-dir",
            not_a_dir.to_str().unwrap(),
            "--backup-every",
            "1h",
            "--public-url",
            "hoicho.hatinh.example.vn",
        ],
    );
    assert!(!ok);
    for expected in [
        &format!("PROBLEM  {taken_addr} (HTTPS) is in use by another program"),
        "does not belong to the certificate",
        "secret.key can be read by others (mode 644)",
        "PROBLEM  event log: event store unavailable: cannot reach postgres://hoicho@127.0.0.1:1/nowhere",
        "PROBLEM  mail: smtp://127.0.0.1:1",
        "PROBLEM  backups: cannot write to the backup directory",
        "is not an http(s):// address",
    ] {
        assert!(stdout.contains(expected), "{expected}: {stdout}");
    }
    assert!(stderr.contains("7 problems found"), "{stderr}");
    assert_eq!(listing(&data), before, "checking changed nothing");
    drop(taken);
}
