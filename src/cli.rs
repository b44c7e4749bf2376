//! The command line. Every flag is also an environment variable.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::mail::{MailSettings, Schedule, SmtpUrl};
use crate::startup::{open_store, Application, Settings};

#[derive(Parser, Debug)]
#[command(name = "hoicho", version, about = "Trade fairs and their booths, as an event log")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web pages and the API.
    Serve(ServeArgs),
    /// The same as `serve --demo`.
    Demo(ServeArgs),
    /// Manage organizer accounts.
    #[command(subcommand)]
    Organizer(OrganizerCommand),
    /// Write the whole log as JSON lines.
    Export(ExportArgs),
    /// Load an exported log into an empty store.
    Import(ImportArgs),
    /// Check the log's hash chain (or an export's, with --export): every event must match its
    /// link. Names the first event that does not; exits with 1 then.
    Verify(VerifyArgs),
    /// Say what is wrong with a configuration before starting with it: the same flags as
    /// serve. Changes nothing; exits with 1 on a problem.
    Check(ServeArgs),
    /// Write a checked backup of the log (and secret.key) into a new directory under --to;
    /// works while the server runs.
    Backup(BackupArgs),
    /// Restore a backup into an empty data directory or store.
    Restore(RestoreArgs),
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The directory the backup goes into (as hoicho-YYYYMMDDTHHMMSSZ).
    #[arg(long)]
    pub to: PathBuf,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A backup directory (hoicho-…) written by `hoicho backup` or --backup-every.
    pub from: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// The data directory: the embedded event log, keys, outgoing mail.
    #[arg(long, env = "HOICHO_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// Another event store instead of the embedded SQLite log (postgres://…, esdb://…).
    #[arg(long, env = "HOICHO_STORE")]
    pub store: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOICHO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Load the demo (the Hà Tĩnh OCOP fair 2022 and its next edition) on first start, print a
    /// demo organizer, and mark every page as the demo.
    #[arg(long, env = "HOICHO_DEMO")]
    pub demo: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "HOICHO_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
    /// How long a request body may take to arrive (408 past it).
    #[arg(long, env = "HOICHO_BODY_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub body_timeout: std::time::Duration,
    /// How long an organizer's session lasts after its last request (at most 12 hours from
    /// signing in).
    #[arg(long, env = "HOICHO_SESSION_IDLE", default_value = "2h", value_parser = humantime::parse_duration)]
    pub session_idle: std::time::Duration,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HOICHO_WORKERS")]
    pub workers: Option<usize>,
    /// Applications one client address may send per minute without signing in (429 past it).
    #[arg(long, env = "HOICHO_PUBLIC_POSTS_PER_MINUTE", default_value_t = 30)]
    pub public_posts_per_minute: u32,
    /// The embedded log's WAL is folded back into the database file once it passes this many
    /// megabytes (MiB), even while writes go on, and cut to nothing when they stop.
    #[arg(long, env = "HOICHO_WAL_LIMIT_MB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub wal_limit_mb: u64,
    /// A snapshot of the projections is written after this many events (or a tenth of the
    /// log, when that is more) and at a clean stop, and read at start so only the log after
    /// it is replayed; 0 writes none and reads none.
    #[arg(long, env = "HOICHO_SNAPSHOT_EVERY", default_value_t = 1_000_000)]
    pub snapshot_every: u64,
    /// Behind a reverse proxy: the proxies' addresses or networks (`127.0.0.1,10.0.0.0/8`).
    /// Only from these peers are `Forwarded` / `X-Forwarded-For` / `X-Forwarded-Proto` /
    /// `X-Forwarded-Host` believed; the right-most address not among them is the client, for
    /// the rate limits, the logs and Secure cookies.
    #[arg(long, env = "HOICHO_TRUST_PROXY", value_delimiter = ',', value_parser = crate::web::kit::client::parse_network)]
    pub trust_proxy: Vec<ipnet::IpNet>,
    /// Serve HTTPS on --addr with this certificate (PEM, the chain after it). Read again on
    /// SIGHUP, so a renewed certificate needs no restart.
    #[arg(long, env = "HOICHO_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "HOICHO_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// With HTTPS: also listen for plain HTTP here (e.g. 0.0.0.0:80), only to redirect to HTTPS.
    #[arg(long, env = "HOICHO_REDIRECT_ADDR", requires = "tls_cert")]
    pub redirect_addr: Option<String>,
    /// With --redirect-addr: answer ACME HTTP-01 challenges from the files in this directory
    /// (certbot's --webroot-path, under .well-known/acme-challenge).
    #[arg(long, env = "HOICHO_ACME_DIR", requires = "redirect_addr")]
    pub acme_dir: Option<PathBuf>,
    /// Write a checked backup into this directory every --backup-every.
    #[arg(long, env = "HOICHO_BACKUP_DIR", requires = "backup_every")]
    pub backup_dir: Option<PathBuf>,
    /// How often a backup is written (e.g. 1h).
    #[arg(long, env = "HOICHO_BACKUP_EVERY", requires = "backup_dir", value_parser = humantime::parse_duration)]
    pub backup_every: Option<std::time::Duration>,
    /// How many backups are kept in --backup-dir; older ones are removed.
    #[arg(long, env = "HOICHO_BACKUP_KEEP", default_value_t = 48, value_parser = clap::value_parser!(u64).range(1..))]
    pub backup_keep: u64,
    #[command(flatten)]
    pub mail: MailArgs,
}

impl ServeArgs {
    /// The HTTPS settings, when a certificate is given.
    pub fn tls(&self) -> Option<crate::startup::TlsSettings> {
        Some(crate::startup::TlsSettings {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
            redirect_addr: self.redirect_addr.clone(),
            acme_dir: self
                .acme_dir
                .as_ref()
                .map(|dir| dir.join(".well-known").join("acme-challenge")),
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct MailArgs {
    /// Send mail through this SMTP server, as lettre reads it: smtps://user:pass@host:465
    /// (TLS), smtp://user:pass@host:587?tls=required (STARTTLS), smtp://host:25 (plain).
    /// Without it, mail is written as mailbox (mbox) files to DATA/mail.
    #[arg(long, env = "HOICHO_SMTP", value_parser = parse_smtp)]
    pub smtp: Option<SmtpUrl>,
    /// The sender of every email.
    #[arg(long, env = "HOICHO_MAIL_FROM", default_value = "Hội chợ OCOP <hoicho@localhost>")]
    pub mail_from: String,
    /// The address people reach hoicho at, for links in emails (default: the listening
    /// address).
    #[arg(long, env = "HOICHO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The wait after a failed attempt, doubled each time (e.g. 30s, 2m).
    #[arg(long, env = "HOICHO_MAIL_RETRY", default_value = "30s", value_parser = humantime::parse_duration)]
    pub mail_retry: std::time::Duration,
    /// The longest wait between attempts.
    #[arg(long, env = "HOICHO_MAIL_RETRY_MAX", default_value = "1h", value_parser = humantime::parse_duration)]
    pub mail_retry_max: std::time::Duration,
    /// Attempts before an email is marked failed (organizers can retry it).
    #[arg(long, env = "HOICHO_MAIL_ATTEMPTS", default_value_t = 8)]
    pub mail_attempts: u32,
    /// How long one attempt may take before another process may try the email again.
    #[arg(long, env = "HOICHO_MAIL_LEASE", default_value = "2m", value_parser = humantime::parse_duration)]
    pub mail_lease: std::time::Duration,
    /// When the organizers' daily digest of new applications goes out, in the fair's zone.
    #[arg(long, env = "HOICHO_DIGEST_AT", default_value = "17:00", value_parser = parse_time)]
    pub digest_at: chrono::NaiveTime,
    /// When exhibitors are reminded, the day before the fair, in the fair's zone.
    #[arg(long, env = "HOICHO_REMINDER_AT", default_value = "08:00", value_parser = parse_time)]
    pub reminder_at: chrono::NaiveTime,
    /// When exhibitors that have not reported a fair day's sales are reminded, in the fair's zone.
    #[arg(long, env = "HOICHO_SALES_REMINDER_AT", default_value = "19:00", value_parser = parse_time)]
    pub sales_reminder_at: chrono::NaiveTime,
}

/// Takes any text: a bad URL is refused at start-up with its password hidden, where a parse
/// error here would echo it.
fn parse_smtp(s: &str) -> Result<SmtpUrl, std::convert::Infallible> {
    Ok(SmtpUrl(s.to_owned()))
}

fn parse_time(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{s:?} is not a time of day like 17:00"))
}

impl MailArgs {
    pub fn settings(&self) -> MailSettings {
        MailSettings {
            smtp: self.smtp.clone(),
            from: self.mail_from.clone(),
            public_url: self.public_url.clone().unwrap_or_default(),
            retry_base: self.mail_retry,
            retry_max: self.mail_retry_max,
            max_attempts: self.mail_attempts.max(1),
            lease: self.mail_lease,
            schedule: Schedule {
                digest_at: self.digest_at,
                reminder_at: self.reminder_at,
                sales_reminder_at: self.sales_reminder_at,
            },
            ..MailSettings::default()
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum OrganizerCommand {
    /// Create an organizer; prints its password and API token once.
    Add {
        #[arg(long, env = "HOICHO_ORGANIZER_EMAIL")]
        email: String,
        /// Print one JSON object {"email", "password", "token"}.
        #[arg(long, env = "HOICHO_JSON")]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Give an organizer a new password, printed once; every session it had ends.
    Password {
        #[arg(long, env = "HOICHO_ORGANIZER_EMAIL")]
        email: String,
        /// Print one JSON object {"email", "password"}.
        #[arg(long, env = "HOICHO_JSON")]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke an organizer: no sign-in, no API token, every session ended, at once.
    Revoke {
        #[arg(long, env = "HOICHO_ORGANIZER_EMAIL")]
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Issue a new API token for an organizer; the old one stops working at once.
    Token {
        #[arg(long, env = "HOICHO_ORGANIZER_EMAIL")]
        email: String,
        /// Print one JSON object {"email", "token"}.
        #[arg(long, env = "HOICHO_JSON")]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write here instead of standard output.
    #[arg(long, env = "HOICHO_EXPORT_OUT")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Check a file written by `hoicho export` instead of the store.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// A link recorded earlier, `POSITION:LINK` (as `verify` or /readyz showed it): the chain
    /// must still pass through it, so a log rewritten from there on, links and all, is caught.
    #[arg(long, value_parser = parse_anchor)]
    pub anchor: Option<(u64, crate::store::chain::Link)>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

fn parse_anchor(s: &str) -> Result<(u64, crate::store::chain::Link), String> {
    let (position, link) = s
        .split_once(':')
        .ok_or_else(|| "expected POSITION:LINK, e.g. 1200:9f86d0…".to_owned())?;
    let position = position
        .trim()
        .parse()
        .map_err(|_| format!("\"{position}\" is not a position"))?;
    let link =
        crate::store::chain::parse(link.trim()).ok_or_else(|| format!("\"{link}\" is not a link (64 hex digits)"))?;
    Ok((position, link))
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A file written by `hoicho export`.
    #[arg(env = "HOICHO_IMPORT_FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Demo(mut args) => {
            args.demo = true;
            serve(args).await
        }
        Command::Organizer(OrganizerCommand::Add { email, json, store }) => {
            let log = open_store(&store.data, store.store.as_deref()).await?;
            let added = crate::service::organizers::add(&*log, &email).await?;
            if json {
                println!("{}", serde_json::to_string(&added)?);
            } else {
                println!("Organizer {} created. Shown once, keep them safe:", added.email);
                println!("  password:  {}", added.password);
                println!("  API token: {}", added.token);
            }
            Ok(())
        }
        Command::Organizer(OrganizerCommand::Token { email, json, store }) => {
            let log = open_store(&store.data, store.store.as_deref()).await?;
            let (token, _) = crate::service::organizers::rotate_token(&*log, &email).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"email": email.trim().to_lowercase(), "token": token})
                );
            } else {
                println!(
                    "New API token for {} (the old one no longer works):",
                    email.trim().to_lowercase()
                );
                println!("  API token: {token}");
            }
            Ok(())
        }
        Command::Organizer(OrganizerCommand::Password { email, json, store }) => {
            let log = open_store(&store.data, store.store.as_deref()).await?;
            let (password, _) = crate::service::organizers::change_password(&*log, &email).await?;
            let email = email.trim().to_lowercase();
            if json {
                println!("{}", serde_json::json!({"email": email, "password": password}));
            } else {
                println!("New password for {email} (every session it had has ended):");
                println!("  password:  {password}");
            }
            Ok(())
        }
        Command::Organizer(OrganizerCommand::Revoke { email, store }) => {
            let log = open_store(&store.data, store.store.as_deref()).await?;
            crate::service::organizers::revoke(&*log, &email).await?;
            println!(
                "Organizer {} revoked: signed out everywhere, token and password no longer work.",
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::Export(args) => {
            let log = open_store(&args.store.data, args.store.store.as_deref()).await?;
            let count = match &args.out {
                Some(path) => {
                    let file =
                        std::fs::File::create(path).with_context(|| format!("Failed to create {}", path.display()))?;
                    let mut out = std::io::BufWriter::new(file);
                    crate::transfer::export(&*log, &mut out).await?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    crate::transfer::export(&*log, &mut out).await?
                }
            };
            eprintln!("exported {count} events");
            Ok(())
        }
        Command::Verify(args) => crate::audit::verify_command(args).await,
        Command::Check(args) => crate::check::check_command(args).await,
        Command::Backup(args) => {
            let log = open_store(&args.store.data, args.store.store.as_deref()).await?;
            let source = match args.store.store.as_deref() {
                None | Some("") | Some("sqlite") => Some(args.store.data.join("events.sqlite")),
                Some(_) => None,
            };
            let source = match &source {
                Some(path) => crate::backup::Source::Sqlite(path),
                None => crate::backup::Source::Store,
            };
            let done = crate::backup::backup(&*log, source, &args.store.data, &args.to).await?;
            crate::backup::report(&done, args.json);
            Ok(())
        }
        Command::Restore(args) => {
            let manifest = match args.store.store.as_deref() {
                None | Some("") | Some("sqlite") => {
                    let manifest = crate::backup::restore(
                        &args.from,
                        crate::backup::Target::Sqlite {
                            data_dir: &args.store.data,
                        },
                    )
                    .await?;
                    let log = open_store(&args.store.data, None).await?;
                    crate::backup::confirm(&*log, &manifest).await?;
                    manifest
                }
                Some(spec) => {
                    let log = open_store(&args.store.data, Some(spec)).await?;
                    let manifest = crate::backup::restore(
                        &args.from,
                        crate::backup::Target::Store {
                            store: &*log,
                            data_dir: &args.store.data,
                        },
                    )
                    .await?;
                    crate::backup::confirm(&*log, &manifest).await?;
                    manifest
                }
            };
            println!(
                "Restored {} events (to position {}) from {}; the chain holds.",
                manifest.events,
                manifest.position,
                args.from.display()
            );
            Ok(())
        }
        Command::Import(args) => {
            let log = open_store(&args.store.data, args.store.store.as_deref()).await?;
            let count = crate::transfer::import(&*log, &args.file).await?;
            eprintln!("imported {count} events");
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let tls = args.tls();
    let settings = Settings {
        addr: args.addr,
        data_dir: args.store.data,
        store: args.store.store,
        demo: args.demo,
        body_limit: args.body_limit,
        body_timeout: args.body_timeout,
        sessions: crate::web::kit::session::SessionPolicy {
            idle: args.session_idle,
            ..Default::default()
        },
        workers: args.workers,
        public_posts_per_minute: args.public_posts_per_minute,
        wal_limit: args.wal_limit_mb * 1024 * 1024,
        trust_proxy: args.trust_proxy.clone(),
        snapshots: crate::snapshot::Every {
            events: args.snapshot_every,
            ..Default::default()
        },
        mail: args.mail.settings(),
        clock: crate::clock::SystemClock::shared(),
        tls,
        backups: match (args.backup_dir, args.backup_every) {
            (Some(dir), Some(every)) => Some(crate::backup::Schedule {
                dir,
                every,
                keep: args.backup_keep as usize,
            }),
            _ => None,
        },
    };
    let app = Application::build(settings.clone()).await?;
    let host = settings
        .addr
        .rsplit_once(':')
        .map_or(settings.addr.as_str(), |(host, _)| host);
    let scheme = if app.https() { "https" } else { "http" };
    let url = format!("{scheme}://{host}:{}", app.port());
    if let Some(port) = app.redirect_port() {
        tracing::info!(port, "plain HTTP is redirected to HTTPS");
    }
    tracing::info!(%url, data = %settings.data_dir.display(), "hoicho is serving");
    // Scripts and tests read this line to find the port when --addr asks for port 0.
    println!("hoicho: {url}");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
