//! `hoicho check`: what is wrong with a configuration, before starting with it. Takes the
//! same flags and environment as `serve` and tries each part as `serve` would use it, without
//! changing anything: the listening addresses, the certificate, the data directory, the event
//! log, the mail transport, the backup directory.

use std::path::Path;
use std::time::Duration;

use crate::cli::ServeArgs;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Ok(String),
    /// Worth knowing; not a reason not to start.
    Note(String),
    Problem(String),
}

impl Finding {
    fn line(&self) -> String {
        match self {
            Finding::Ok(text) => format!("  ok       {text}"),
            Finding::Note(text) => format!("  note     {text}"),
            Finding::Problem(text) => format!("  PROBLEM  {text}"),
        }
    }
}

/// Runs every check and prints them; an error (exit 1) when any found a problem.
pub async fn check_command(args: ServeArgs) -> anyhow::Result<()> {
    let findings = check(&args).await;
    println!("hoicho check: the configuration `serve` would start with");
    for finding in &findings {
        println!("{}", finding.line());
    }
    let problems = findings.iter().filter(|f| matches!(f, Finding::Problem(_))).count();
    match problems {
        0 => {
            println!("No problems found.");
            Ok(())
        }
        1 => anyhow::bail!("1 problem found"),
        n => anyhow::bail!("{n} problems found"),
    }
}

pub async fn check(args: &ServeArgs) -> Vec<Finding> {
    let mut findings = Vec::new();
    let data = &args.store.data;
    let serving = data_dir(data, &mut findings);
    listen(
        &args.addr,
        if args.tls_cert.is_some() { "HTTPS" } else { "HTTP" },
        serving,
        &mut findings,
    );
    if let Some(redirect) = &args.redirect_addr {
        listen(redirect, "plain HTTP, redirecting", serving, &mut findings);
    }
    if let Some(tls) = args.tls() {
        certificate(&tls.cert, &tls.key, &mut findings);
        if let Some(dir) = &tls.acme_dir {
            if !dir.is_dir() {
                findings.push(Finding::Note(format!(
                    "{} does not exist yet: certbot creates it on its first webroot challenge",
                    dir.display()
                )));
            }
        }
    }
    store(data, args.store.store.as_deref(), &mut findings).await;
    mail(args, &mut findings).await;
    if let Some(dir) = &args.backup_dir {
        let schedule = crate::backup::Schedule {
            dir: dir.clone(),
            every: args.backup_every.unwrap_or(Duration::from_secs(3600)),
            keep: args.backup_keep as usize,
        };
        match schedule.check() {
            Ok(()) => findings.push(Finding::Ok(format!("backups: {} can be written", dir.display()))),
            Err(err) => findings.push(Finding::Problem(format!("backups: {err}"))),
        }
    }
    if let Some(url) = &args.mail.public_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            findings.push(Finding::Problem(format!(
                "--public-url {url} is not an http(s):// address: links in emails would not work"
            )));
        } else if url.starts_with("http://") {
            findings.push(Finding::Note(format!(
                "--public-url {url} is plain HTTP: exhibitors' private links travel unencrypted"
            )));
        }
    }
    findings
}

/// The data directory: there or creatable, writable, secret.key private. Whether a hoicho is
/// serving it now.
fn data_dir(data: &Path, findings: &mut Vec<Finding>) -> bool {
    let shown = data.display();
    if data.exists() && !data.is_dir() {
        findings.push(Finding::Problem(format!(
            "data directory {shown} is a file, not a directory"
        )));
        return false;
    }
    if !data.exists() {
        let parent = data
            .ancestors()
            .skip(1)
            .find(|p| p.as_os_str().is_empty() || p.exists())
            .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
            .unwrap_or(Path::new("."));
        match writable(parent) {
            Ok(()) => findings.push(Finding::Ok(format!("data directory {shown} will be created"))),
            Err(err) => findings.push(Finding::Problem(format!(
                "data directory {shown} cannot be created: {} is not writable ({err})",
                parent.display()
            ))),
        }
        return false;
    }
    match writable(data) {
        Ok(()) => findings.push(Finding::Ok(format!("data directory {shown} is writable"))),
        Err(err) => findings.push(Finding::Problem(format!(
            "data directory {shown} is not writable: {err}"
        ))),
    }
    let secret = data.join("secret.key");
    if let Ok(meta) = std::fs::metadata(&secret) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            findings.push(Finding::Problem(format!(
                "{} can be read by others (mode {mode:o}): it signs sessions and private links; chmod 600 it",
                secret.display()
            )));
        }
    }
    let serving = std::fs::File::open(data.join("hoicho.lock"))
        .ok()
        .is_some_and(|f| matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)));
    if serving {
        findings.push(Finding::Note(format!(
            "a hoicho is serving {shown} now: stop it before starting another on it"
        )));
    }
    serving
}

/// Creates and removes a file in `dir`.
fn writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".hoicho-check-{}", std::process::id()));
    std::fs::write(&probe, b"check")?;
    std::fs::remove_file(probe)
}

fn listen(addr: &str, what: &str, serving: bool, findings: &mut Vec<Finding>) {
    match std::net::TcpListener::bind(addr) {
        Ok(_) => findings.push(Finding::Ok(format!("{addr} ({what}) can be listened on"))),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse && serving => findings.push(Finding::Note(format!(
            "{addr} ({what}) is in use, by the hoicho serving this data directory"
        ))),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => findings.push(Finding::Problem(format!(
            "{addr} ({what}) is in use by another program"
        ))),
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => findings.push(Finding::Problem(format!(
            "{addr} ({what}): not allowed ({err}); ports below 1024 need CAP_NET_BIND_SERVICE (AmbientCapabilities in the unit)"
        ))),
        Err(err) => findings.push(Finding::Problem(format!("{addr} ({what}) cannot be listened on: {err}"))),
    }
}

fn certificate(cert: &Path, key: &Path, findings: &mut Vec<Finding>) {
    if let Err(err) = crate::web::tls::load(cert, key) {
        findings.push(Finding::Problem(err.to_string()));
        return;
    }
    match crate::web::tls::validity(cert) {
        Ok((subject, not_after)) => {
            let left = not_after - chrono::Utc::now();
            let until = not_after.format("%Y-%m-%d");
            let text = format!("certificate {} ({subject}), valid until {until}", cert.display());
            if left.num_seconds() <= 0 {
                findings.push(Finding::Problem(format!("{text}: it has expired")));
            } else if left.num_days() < 14 {
                findings.push(Finding::Note(format!(
                    "{text}: {} days left; renew it",
                    left.num_days()
                )));
            } else {
                findings.push(Finding::Ok(format!("{text}, the key matches")));
            }
        }
        Err(err) => findings.push(Finding::Problem(format!("certificate {}: {err}", cert.display()))),
    }
}

async fn store(data: &Path, spec: Option<&str>, findings: &mut Vec<Finding>) {
    match spec {
        None | Some("") | Some("sqlite") => {
            let path = data.join("events.sqlite");
            if !path.exists() {
                findings.push(Finding::Ok(format!(
                    "event log {}: a new one will be created",
                    path.display()
                )));
                return;
            }
            match crate::store::sqlite::count_events(&path) {
                Ok(events) => findings.push(Finding::Ok(format!("event log {}: {events} events", path.display()))),
                Err(err) => findings.push(Finding::Problem(format!(
                    "event log {} cannot be read: {err}",
                    path.display()
                ))),
            }
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") || !url.contains("://") => {
            match crate::store::postgres::probe(url).await {
                Ok(found) => findings.push(Finding::Ok(format!("event log: {found}"))),
                Err(err) => findings.push(Finding::Problem(format!("event log: {err}"))),
            }
        }
        Some(url) if url.starts_with("esdb://") || url.starts_with("esdb+discover://") => {
            match crate::store::esdb::EsdbStore::open(url).await {
                Ok(_) => findings.push(Finding::Ok(format!(
                    "event log: EventStoreDB at {} answers",
                    crate::store::esdb::redact(url)
                ))),
                Err(err) => findings.push(Finding::Problem(format!("event log: {err}"))),
            }
        }
        Some(other) => findings.push(Finding::Problem(format!(
            "--store {}://… is not a store hoicho knows",
            other.split("://").next().unwrap_or(other)
        ))),
    }
}

async fn mail(args: &ServeArgs, findings: &mut Vec<Finding>) {
    let Some(smtp) = args.mail.smtp.as_ref().filter(|u| !u.0.is_empty()) else {
        findings.push(Finding::Note(format!(
            "mail: no --smtp, emails are written as files to {}",
            args.store.data.join("mail").display()
        )));
        return;
    };
    match crate::mail::probe(smtp).await {
        Ok(()) => findings.push(Finding::Ok(format!("mail: {} answers", smtp.redacted()))),
        Err(err) => findings.push(Finding::Problem(format!("mail: {} — {err}", smtp.redacted()))),
    }
}
