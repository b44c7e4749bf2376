//! HTTPS in process (ADR 020), on the `hoicho` binary with certificates the test makes with
//! openssl: pages over HTTPS with HSTS and Secure cookies, the plain listener redirecting (and
//! serving ACME challenges), a renewed certificate taken on SIGHUP, a bad one refused with
//! the old one kept, and a start refused with the file named when the pair is wrong.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::binary::{hoicho, BIN};
use crate::support::certs::self_signed;
use crate::support::CSRF;

const SITE: &str = "hoicho.hatinh.example.vn";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Tls {
    child: Child,
    https: u16,
    http: u16,
}

impl Drop for Tls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_tls(data: &Path, cert: &Path, key: &Path, acme: &Path) -> Tls {
    let http = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1", "--data"])
        .arg(data)
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .args(["--redirect-addr", &format!("127.0.0.1:{http}"), "--acme-dir"])
        .arg(acme)
        .env("HOICHO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hoicho starts");
    let stdout = child.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("hoicho: "))
        .expect("the server printed its address");
    let url = line.trim_start_matches("hoicho: ").trim();
    assert!(url.starts_with("https://"), "{url}");
    let https = url.rsplit_once(':').unwrap().1.parse().unwrap();
    Tls { child, https, http }
}

/// curl to SITE on `port` (which resolves to 127.0.0.1), trusting `ca`: headers and body.
fn curl(scheme: &str, port: u16, ca: &Path, args: &[&str], path: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "-D", "-", "--max-time", "10", "--cacert"])
        .arg(ca)
        .arg("--resolve")
        .arg(format!("{SITE}:{port}:127.0.0.1"))
        .args(args)
        .arg(format!("{scheme}://{SITE}:{port}{path}"))
        .output()
        .expect("curl runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The subject of the certificate the server presents.
fn served_subject(port: u16) -> String {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            SITE,
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("openssl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("subject="))
        .map(|s| s.replace(' ', ""))
        .unwrap_or_default()
}

fn hangup(child: &Child) {
    let sent = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn https_with_hsts_and_secure_cookies_a_redirecting_listener_and_a_certificate_renewed_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (first, first_key) = self_signed(dir.path(), "hoicho-first", Some(&format!("DNS:{SITE}")), 2);
    let (renewed, renewed_key) = self_signed(dir.path(), "hoicho-renewed", Some(&format!("DNS:{SITE}")), 2);
    let (cert, key) = (dir.path().join("live.crt"), dir.path().join("live.key"));
    std::fs::copy(&first, &cert).unwrap();
    std::fs::copy(&first_key, &key).unwrap();
    let data = dir.path().join("data");
    let added = hoicho(
        &["organizer", "add", "--email", "to.chuc@hatinh.gov.vn", "--json"],
        &data,
    );
    assert!(added.status.success());
    let added: serde_json::Value = serde_json::from_slice(&added.stdout).unwrap();
    let password = added["password"].as_str().unwrap().to_owned();
    let acme = dir.path().join("acme");
    let challenges = acme.join(".well-known/acme-challenge");
    std::fs::create_dir_all(&challenges).unwrap();
    std::fs::write(challenges.join("tok_EN-123"), "tok_EN-123.thumbprint").unwrap();
    std::fs::write(dir.path().join("acme/secret.txt"), "not for the world").unwrap();

    let server = serve_tls(&data, &cert, &key, &acme);
    let page = curl("https", server.https, &first, &[], "/");
    assert_eq!(status(&page), 200, "{page}");
    assert_eq!(
        header(&page, "strict-transport-security"),
        Some("max-age=31536000"),
        "{page}"
    );
    assert_eq!(served_subject(server.https), "CN=hoicho-first");

    // Signing in over HTTPS: the session cookie is Secure.
    let signed_in = curl(
        "https",
        server.https,
        &first,
        &[
            "-H",
            &format!("Cookie: hoicho_csrf={CSRF}"),
            "--data-urlencode",
            "email=to.chuc@hatinh.gov.vn",
            "--data-urlencode",
            &format!("password={password}"),
            "--data-urlencode",
            &format!("csrf={CSRF}"),
        ],
        "/login",
    );
    assert_eq!(status(&signed_in), 303, "{signed_in}");
    let session = signed_in
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: hoicho_session="))
        .unwrap_or_else(|| panic!("a session cookie: {signed_in}"));
    assert!(session.contains("; Secure"), "{session}");

    // Plain HTTP: redirected to the same path over HTTPS; probes and ACME challenges answered.
    let get = curl("http", server.http, &first, &[], "/hoi-cho?lang=vi");
    assert_eq!(status(&get), 301, "{get}");
    assert_eq!(
        header(&get, "location"),
        Some(format!("https://{SITE}:{}/hoi-cho?lang=vi", server.https).as_str())
    );
    assert!(
        header(&get, "strict-transport-security").is_none(),
        "HSTS only over HTTPS"
    );
    let post = curl("http", server.http, &first, &["-d", "x=1"], "/login");
    assert_eq!(status(&post), 308, "{post}");
    assert_eq!(status(&curl("http", server.http, &first, &[], "/healthz")), 200);
    let challenge = curl(
        "http",
        server.http,
        &first,
        &[],
        "/.well-known/acme-challenge/tok_EN-123",
    );
    assert_eq!(status(&challenge), 200, "{challenge}");
    assert!(challenge.ends_with("tok_EN-123.thumbprint"), "{challenge}");
    for outside in [
        "/.well-known/acme-challenge/..%2F..%2Fsecret.txt",
        "/.well-known/acme-challenge/missing",
    ] {
        assert_eq!(
            status(&curl("http", server.http, &first, &[], outside)),
            404,
            "{outside}"
        );
    }

    // A renewed certificate, copied over the files: taken on SIGHUP, no restart.
    std::fs::copy(&renewed, &cert).unwrap();
    std::fs::copy(&renewed_key, &key).unwrap();
    hangup(&server.child);
    until("the renewed certificate is served", || {
        served_subject(server.https) == "CN=hoicho-renewed"
    });
    assert_eq!(status(&curl("https", server.https, &renewed, &[], "/")), 200);

    // A broken renewal (a key that does not match, then no PEM at all): the last good one stays.
    std::fs::copy(&first_key, &key).unwrap();
    hangup(&server.child);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&cert, "not a certificate").unwrap();
    hangup(&server.child);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(served_subject(server.https), "CN=hoicho-renewed");
    assert_eq!(status(&curl("https", server.https, &renewed, &[], "/healthz")), 200);
}

#[test]
fn a_certificate_or_key_that_cannot_be_served_stops_the_start_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path(), "one", Some(&format!("DNS:{SITE}")), 2);
    let (_, other_key) = self_signed(dir.path(), "two", Some(&format!("DNS:{SITE}")), 2);
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN NOTHING-----\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let cases: [(&Path, &Path, &str); 4] = [
        (&missing, &key, "cannot read the certificate"),
        (&garbage, &key, "cannot read the certificate"),
        (&cert, &garbage, "cannot read the private key"),
        (&cert, &other_key, "does not belong to the certificate"),
    ];
    for (i, (cert, key, problem)) in cases.into_iter().enumerate() {
        let data = dir.path().join(format!("data-{i}"));
        let out = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(&data)
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .env("HOICHO_LOG", "warn")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "case {i} started");
        assert!(stderr.contains(problem), "case {i}: {stderr}");
        let named = if problem.contains("private key") { key } else { cert };
        assert!(
            stderr.contains(&named.display().to_string()),
            "case {i} names the file: {stderr}"
        );
        assert!(!data.exists(), "case {i}: nothing was written before the refusal");
    }
    // A key without a certificate is refused by the command line itself.
    let out = Command::new(BIN)
        .args(["serve", "--tls-key"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
}
