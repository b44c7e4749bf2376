//! Certificates made with openssl for the TLS tests (and the HTTPS benchmark): P-256 keys, PEM.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn openssl(args: &[&str], dir: &Path) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl {args:?}");
}

const KEY: [&str; 5] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/// A self-signed certificate `CN=name` for `names` (subjectAltName form, e.g.
/// `DNS:localhost`), valid `days`: (`name.crt`, `name.key`) in `dir`.
pub fn self_signed(dir: &Path, name: &str, names: Option<&str>, days: u32) -> (PathBuf, PathBuf) {
    let (cert, key) = (format!("{name}.crt"), format!("{name}.key"));
    let (subject, days) = (format!("/CN={name}"), days.to_string());
    let mut args = vec!["req", "-x509"];
    args.extend(KEY);
    args.extend(["-days", &days, "-subj", &subject, "-keyout", &key, "-out", &cert]);
    let extension = names.map(|n| format!("subjectAltName={n}"));
    if let Some(extension) = &extension {
        args.extend(["-addext", extension]);
    }
    openssl(&args, dir);
    (dir.join(cert), dir.join(key))
}

/// A CA `CN=ca`, and a server certificate it signs for `names`: (ca.crt, server.crt, server.key).
pub fn authority(dir: &Path, ca: &str, names: &str) -> (PathBuf, PathBuf, PathBuf) {
    let file = |suffix: &str| format!("{ca}-{suffix}");
    let (ca_key, ca_crt) = (file("ca.key"), file("ca.crt"));
    let (key, csr, crt, ext) = (file("server.key"), file("server.csr"), file("server.crt"), file("ext"));
    let subject = format!("/CN={ca}");
    let mut args = vec!["req", "-x509"];
    args.extend(KEY);
    args.extend(["-days", "2", "-subj", &subject, "-keyout", &ca_key, "-out", &ca_crt]);
    openssl(&args, dir);
    let mut args = vec!["req"];
    args.extend(KEY);
    args.extend(["-subj", "/CN=server", "-keyout", &key, "-out", &csr]);
    openssl(&args, dir);
    std::fs::write(dir.join(&ext), format!("subjectAltName={names}\n")).unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_crt,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &crt,
        ],
        dir,
    );
    (dir.join(ca_crt), dir.join(crt), dir.join(key))
}
