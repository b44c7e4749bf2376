//! What an IT officer is given in `deploy/`, tried: hoicho behind Debian's nginx with the site
//! configuration (`deploy/nginx/hoicho.conf`) and a certificate the test makes — plain HTTP
//! is sent to HTTPS, HSTS is set, each client behind the proxy has its own rate limit (a
//! made-up `X-Forwarded-For` changes nothing), a session cookie over the proxy's HTTPS is
//! Secure; and the systemd unit (`deploy/hoicho.service`) read by systemd's own checker, its
//! hardening scored.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::support::{application_body, open_fair, spawn_with, CSRF};

const SITE: &str = "hoicho.example.gov.vn";

struct Nginx {
    child: Child,
    http: u16,
    https: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `text` with `from` replaced by `to`, which must be there: the deploy file keeps its shape.
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "deploy/nginx/hoicho.conf no longer has {from:?}");
    text.replace(from, to)
}

/// nginx in front of hoicho on `upstream`, with the deploy configuration.
fn nginx(upstream: u16) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj"])
        .arg(format!("/CN={SITE}"))
        .args(["-keyout", &at("key.pem"), "-out", &at("cert.pem")])
        .stderr(Stdio::null())
        .status()
        .expect("openssl makes a certificate");
    assert!(made.success());
    let (http, https) = (free_port(), free_port());
    let site = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx/hoicho.conf")).unwrap();
    let site = replaced(&site, "listen 80;", &format!("listen 127.0.0.1:{http};"));
    let site = replaced(
        &site,
        "listen 443 ssl http2;",
        &format!("listen 127.0.0.1:{https} ssl http2;"),
    );
    let site = replaced(
        &site,
        &format!("/etc/letsencrypt/live/{SITE}/fullchain.pem"),
        &at("cert.pem"),
    );
    let site = replaced(
        &site,
        &format!("/etc/letsencrypt/live/{SITE}/privkey.pem"),
        &at("key.pem"),
    );
    let site = replaced(&site, "http://127.0.0.1:8080", &format!("http://127.0.0.1:{upstream}"));
    std::fs::write(at("site.conf"), site).unwrap();
    // The parts of nginx.conf a distribution provides, in the test's own directory.
    let temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map(|t| format!("{t}_temp_path {};", at(t)))
        .join(" ");
    // One process (no workers to outlive a kill holding the test's output open), run as root.
    let main = format!(
        "master_process off; user root; pid {}; error_log {} warn; events {{}} http {{ access_log off; {temp} include {}; }}",
        at("nginx.pid"),
        at("error.log"),
        at("site.conf")
    );
    std::fs::write(at("nginx.conf"), main).unwrap();
    let child = Command::new("nginx")
        .args(["-p", &at(""), "-c", &at("nginx.conf"), "-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx runs (scripts/test installs Debian's nginx-light)");
    let nginx = Nginx {
        child,
        http,
        https,
        _dir: dir,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", https)).is_err() {
        assert!(std::time::Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    nginx
}

/// curl through nginx, as a browser would reach the site: the response's headers and body.
fn curl(nginx: &Nginx, args: &[&str], path: &str) -> String {
    let out = Command::new("curl")
        .args(["-sk", "-D", "-", "--resolve"])
        .arg(format!("{SITE}:{}:127.0.0.1", nginx.https))
        .args(args)
        .arg(format!("https://{SITE}:{}{path}", nginx.https))
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn behind_nginx_each_client_has_its_own_limit_and_cookies_are_secure() {
    let proxy = vec![hoicho::web::kit::client::parse_network("127.0.0.1").unwrap()];
    let app = spawn_with(|s| {
        s.public_posts_per_minute = 2;
        s.trust_proxy = proxy;
    })
    .await;
    open_fair(&app, "gioi-han").await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let nginx = nginx(port);

    // Plain HTTP: sent to HTTPS.
    let plain = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H"])
        .arg(format!("Host: {SITE}"))
        .arg(format!("http://127.0.0.1:{}/fairs", nginx.http))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout),
        format!("301 https://{SITE}/fairs")
    );

    // Each client its own limit; a client naming someone else first is still itself.
    let body = application_body().to_string();
    let apply = |client: &str| {
        let header = format!("X-Forwarded-For: {client}");
        let args = [
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            &header,
            "--data",
            &body,
        ];
        status(&curl(&nginx, &args, "/api/v1/fairs/gioi-han/registrations"))
    };
    // The test's curl runs on 127.0.0.1, a trusted proxy here, so the address it names is
    // taken as its client's, as a second proxy's would be.
    assert_eq!(
        [apply("198.51.100.1"), apply("198.51.100.1"), apply("198.51.100.1")],
        [201, 201, 429]
    );
    assert_eq!(apply("198.51.100.2"), 201);
    assert_eq!(apply("203.0.113.9, 198.51.100.1"), 429);

    // Signing in over the proxy's HTTPS: a Secure cookie, and HSTS.
    let cookie = format!("Cookie: hoicho_csrf={CSRF}");
    let email = format!("email={}", app.organizer_email);
    let password = format!("password={}", app.organizer_password);
    let csrf = format!("csrf={CSRF}");
    let signed_in = curl(
        &nginx,
        &[
            "-H",
            &cookie,
            "--data-urlencode",
            &email,
            "--data-urlencode",
            &password,
            "--data-urlencode",
            &csrf,
        ],
        "/login",
    );
    assert_eq!(status(&signed_in), 303, "{signed_in}");
    let session = signed_in
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: hoicho_session="))
        .unwrap_or_else(|| panic!("a session cookie: {signed_in}"));
    assert!(session.contains("; Secure"), "{session}");
    assert!(
        signed_in
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{signed_in}"
    );
}

/// systemd's own reading of the unit: it parses, and its exposure (systemd-analyze security,
/// 0 best, 10 worst) is at most 2.
#[test]
fn the_systemd_unit_is_valid_and_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/hoicho.service")).unwrap();
    // The binary where the unit expects it is this build's.
    let unit = replaced(&unit, "/usr/local/bin/hoicho", env!("CARGO_BIN_EXE_hoicho"));
    let path = dir.path().join("hoicho.service");
    std::fs::write(&path, unit).unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs (Debian's systemd package)");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout);
    assert!(security.status.success(), "exposure above 2.0:\n{report}");
    assert!(report.contains("Overall exposure level"), "{report}");
}
