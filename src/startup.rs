//! The one place where hoicho is wired together. Tests start the application through the
//! same code, changing only the configuration.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::web::Data;
use actix_web::{App, HttpServer};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::app::AppState;
use crate::auth::Secret;
use crate::clock::Clock;
use crate::mail::{MailSettings, Mailer, Notifier};
use crate::store::EventStore;
use crate::web::kit::extract::{BodyLimit, BodyTimeout};
use crate::web::organizers::login::LoginLimiter;

/// Everything `serve` is told.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free one.
    pub addr: String,
    pub data_dir: PathBuf,
    /// `None`: the embedded SQLite log in the data directory.
    pub store: Option<String>,
    pub demo: bool,
    pub body_limit: usize,
    /// How long a request body may take to arrive, from its first byte to its last (408 past
    /// it): a client sending a byte a second does not hold a connection for ever.
    pub body_timeout: std::time::Duration,
    /// How long an organizer's session lasts, from signing in and since its last request.
    pub sessions: crate::web::kit::session::SessionPolicy,
    pub workers: Option<usize>,
    /// Applications one client address may send a minute without signing in.
    pub public_posts_per_minute: u32,
    /// Bytes the embedded log's WAL may reach before the writer folds it back.
    pub wal_limit: u64,
    /// When the projections' snapshot is written (and whether one is read at start).
    pub snapshots: crate::snapshot::Every,
    /// Peers whose `Forwarded` / `X-Forwarded-*` headers are believed.
    pub trust_proxy: Vec<ipnet::IpNet>,
    /// How mail goes out; an empty `public_url` means the listening address.
    pub mail: MailSettings,
    /// The time scheduled mail runs by.
    pub clock: Arc<dyn Clock>,
    /// HTTPS on `addr` (ADR 020); `None`: plain HTTP.
    pub tls: Option<TlsSettings>,
    /// Scheduled backups (ADR 021).
    pub backups: Option<crate::backup::Schedule>,
}

/// `--tls-cert`, `--tls-key` and what goes with them.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A plain-HTTP listener that only redirects to HTTPS.
    pub redirect_addr: Option<String>,
    /// ACME HTTP-01 challenge files, served on the redirect listener.
    pub acme_dir: Option<PathBuf>,
}

impl Settings {
    pub fn new(addr: impl Into<String>, data_dir: impl Into<PathBuf>) -> Self {
        Settings {
            addr: addr.into(),
            data_dir: data_dir.into(),
            store: None,
            demo: false,
            body_limit: 1024 * 1024,
            body_timeout: std::time::Duration::from_secs(30),
            sessions: Default::default(),
            workers: None,
            public_posts_per_minute: 30,
            wal_limit: crate::store::sqlite::WAL_LIMIT,
            snapshots: Default::default(),
            trust_proxy: Vec::new(),
            mail: MailSettings {
                public_url: String::new(),
                ..MailSettings::default()
            },
            clock: crate::clock::SystemClock::shared(),
            tls: None,
            backups: None,
        }
    }
}

pub struct Application {
    port: u16,
    notifier: Arc<Notifier>,
    /// The plain-HTTP listener's port, beside an HTTPS one.
    redirect_port: Option<u16>,
    https: bool,
    server: Server,
    pub state: Arc<AppState>,
    snapshots: Arc<crate::snapshot::Snapshots>,
    /// Held while serving: a second `serve` on the same data directory is refused.
    _lock: Option<File>,
}

/// Opens the configured store.
pub async fn open_store(data_dir: &std::path::Path, spec: Option<&str>) -> anyhow::Result<Arc<dyn EventStore>> {
    open_store_with(data_dir, spec, crate::store::sqlite::WAL_LIMIT).await
}

/// [`open_store`] with another bound on the embedded log's WAL.
pub async fn open_store_with(
    data_dir: &std::path::Path,
    spec: Option<&str>,
    wal_limit: u64,
) -> anyhow::Result<Arc<dyn EventStore>> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("Failed to create the data directory {}", data_dir.display()))?;
    match spec {
        None | Some("") | Some("sqlite") => {
            let path = data_dir.join("events.sqlite");
            let bound = crate::store::sqlite::WalBound {
                limit: wal_limit,
                ..Default::default()
            };
            let store = crate::store::sqlite::SqliteStore::open_with(&path, bound)
                .with_context(|| format!("Failed to open the event log {}", path.display()))?;
            Ok(Arc::new(store))
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store = crate::store::postgres::PostgresStore::open(url)
                .await
                .context("Failed to open the event log on PostgreSQL")?;
            tracing::info!(store = store.target(), "the event log is on PostgreSQL");
            Ok(Arc::new(store))
        }
        Some(url) if url.starts_with("esdb://") || url.starts_with("esdb+discover://") => {
            let store = crate::store::esdb::EsdbStore::open(url)
                .await
                .context("Failed to open the event log on EventStoreDB")?;
            tracing::info!(store = %crate::store::esdb::redact(url), "the event log is on EventStoreDB");
            Ok(Arc::new(store))
        }
        Some(other) => {
            let scheme = other.split("://").next().unwrap_or(other);
            anyhow::bail!(
                "--store {scheme}://… is not a store hoicho knows: give postgres://… or esdb://…, or leave --store out for the embedded SQLite log"
            )
        }
    }
}

/// Takes the data directory's lock, or says who holds it.
fn lock_data_dir(data_dir: &std::path::Path) -> anyhow::Result<File> {
    let path = data_dir.join("hoicho.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("Failed to open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another hoicho is already serving the data directory {}; stop it first, or give this one its own --data",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("Failed to lock {}", path.display()))
        }
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        // The certificate and the backup directory first: a service that cannot serve the one
        // or write the other does not start at all.
        let certificate = match &settings.tls {
            Some(tls) => Some(crate::web::tls::Certificate::open(&tls.cert, &tls.key)?),
            None => None,
        };
        if let Some(backups) = &settings.backups {
            backups.check()?;
        }
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("Failed to create the data directory {}", settings.data_dir.display()))?;
        let lock = match settings.store {
            None => Some(lock_data_dir(&settings.data_dir)?),
            Some(_) => None,
        };
        let store = open_store_with(&settings.data_dir, settings.store.as_deref(), settings.wal_limit).await?;
        let secret = Secret::load_or_create(&settings.data_dir).context("Failed to read the secret key")?;
        let projections = match settings.snapshots.off() {
            true => Default::default(),
            false => crate::snapshot::start_from(&settings.data_dir, &*store).await,
        };
        let from = (projections.position, projections.events);
        let state = AppState::starting_from(store, secret, projections)
            .await
            .context("Failed to read the event log")?;
        state.metrics.snapshot_position.set(from.0 as i64);
        state.spawn_follower().context("Failed to start following the log")?;
        let snapshots = Arc::new(crate::snapshot::Snapshots::new(
            settings.data_dir.clone(),
            settings.snapshots,
            from,
        ));
        tokio::spawn(crate::snapshot::keep(state.clone(), snapshots.clone()));
        tokio::spawn(crate::integrity::watch(state.clone()));
        if let Some(schedule) = settings.backups.clone() {
            let sqlite = settings
                .store
                .is_none()
                .then(|| settings.data_dir.join("events.sqlite"));
            tokio::spawn(crate::backup::keep(
                state.clone(),
                schedule,
                sqlite,
                settings.data_dir.clone(),
            ));
        }
        if settings.demo {
            crate::demo::ensure(&state, &settings.data_dir)
                .await
                .context("Failed to load the demo fair")?;
        }

        let listener =
            TcpListener::bind(&settings.addr).with_context(|| format!("Failed to listen on {}", settings.addr))?;
        let port = listener.local_addr()?.port();
        let redirect_listener = match settings.tls.as_ref().and_then(|t| t.redirect_addr.as_ref()) {
            Some(addr) => Some(TcpListener::bind(addr).with_context(|| format!("Failed to listen on {addr}"))?),
            None => None,
        };
        let redirect_port = match &redirect_listener {
            Some(l) => Some(l.local_addr()?.port()),
            None => None,
        };
        let scheme = if certificate.is_some() { "https" } else { "http" };
        let mut mail = settings.mail.clone();
        if mail.public_url.is_empty() {
            mail.public_url = format!("{scheme}://{}", listener.local_addr()?);
        }
        // Redirects go to the public address only when one is configured; otherwise to the
        // host the request named.
        let https_redirect = settings.tls.as_ref().map(|tls| {
            Data::new(crate::web::tls::HttpsRedirect {
                https_port: port,
                public_url: Some(settings.mail.public_url.clone()).filter(|u| u.starts_with("https://")),
                acme_dir: tls.acme_dir.clone(),
            })
        });
        let mailer = Arc::new(Mailer::new(mail, &settings.data_dir).context("Failed to set up mail")?);
        let notifier = Notifier::new(state.clone(), mailer.clone(), settings.clock.clone());
        tokio::spawn(notifier.clone().run());
        tokio::spawn(crate::policy::release_booths(state.clone()));
        let mailer = Data::from(mailer);
        let booths_cache = Data::new(crate::web::fairs::api::BoothsCache::default());
        let data = Data::from(state.clone());
        let limiter = Data::new(LoginLimiter::default());
        let public_posts = Data::new(crate::web::kit::limits::PublicPosts(
            crate::web::kit::limits::RateLimiter::new(
                settings.public_posts_per_minute,
                std::time::Duration::from_secs(60),
            ),
        ));
        let limit = BodyLimit(settings.body_limit);
        let body_timeout = BodyTimeout(settings.body_timeout);
        let sessions = settings.sessions;
        let demo = crate::web::kit::page::DemoMode(settings.demo);
        let proxies = crate::web::kit::client::TrustedProxies(Arc::new(settings.trust_proxy.clone()));
        let mut server = HttpServer::new(move || {
            let app = App::new();
            let app = match &https_redirect {
                Some(redirect) => app.app_data(redirect.clone()),
                None => app,
            };
            app.wrap(from_fn(crate::web::frame))
                .wrap(Compress::default())
                .wrap(TracingLogger::<crate::web::span::RequestSpan>::new())
                .app_data(data.clone())
                .app_data(limiter.clone())
                .app_data(mailer.clone())
                .app_data(booths_cache.clone())
                .app_data(public_posts.clone())
                .app_data(limit)
                .app_data(body_timeout)
                .app_data(sessions)
                .app_data(demo)
                .app_data(proxies.clone())
                .configure(crate::web::configure)
                .wrap(from_fn(crate::web::tls::guard))
        })
        .shutdown_timeout(20);
        server = match &certificate {
            Some(certificate) => {
                let config = certificate.server_config().context("Failed to set up TLS")?;
                tokio::spawn(crate::web::tls::reload_on_hangup(certificate.clone()));
                server.listen_rustls_0_23(listener, config)?
            }
            None => server.listen(listener)?,
        };
        if let Some(redirect) = redirect_listener {
            server = server.listen(redirect)?;
        }
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Application {
            port,
            notifier,
            redirect_port,
            https: certificate.is_some(),
            server: server.run(),
            state,
            snapshots,
            _lock: lock,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The plain-HTTP listener's port beside HTTPS (`--redirect-addr`).
    pub fn redirect_port(&self) -> Option<u16> {
        self.redirect_port
    }

    /// Whether `port` speaks HTTPS.
    pub fn https(&self) -> bool {
        self.https
    }

    /// Serves until SIGTERM or Ctrl-C: then stops accepting, finishes what is in flight and
    /// returns.
    /// Then writes a snapshot of the projections, so the next start replays nothing.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        // The emails on their way are finished, so no other instance sends them again.
        self.notifier.drain(std::time::Duration::from_secs(15)).await;
        if !self.snapshots.every.off() {
            let (state, snapshots) = (self.state.clone(), self.snapshots.clone());
            let written = tokio::task::spawn_blocking(move || snapshots.write_now(&state)).await;
            if let Ok(Err(e)) = written {
                tracing::warn!(error = %e, "the projections' snapshot could not be written at the stop");
            }
        }
        drop(self._lock);
        result
    }
}
