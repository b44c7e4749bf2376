//! PostgreSQL: one log shared by several hoicho instances.
//!
//! Every writing transaction first locks the one row of `hoicho_head` and keeps the lock
//! until it commits, so transactions commit in position order and a reader never sees a
//! position while a lower one may still commit (ADR 009). One writer task per instance
//! groups the appends waiting for it into one transaction and one statement
//! (`hoicho_append_group`), so the lock is held for one round trip and one commit, shared by
//! the whole group. Readers use a pool. A listener connection turns `NOTIFY hoicho_events`
//! into ticks on [`EventStore::changes`], so followers wake on other instances' writes.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use hoicho_events::{NewEvent, RecordedEvent};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, Client, Config, Row, Statement};

mod tls;
mod writer;
use tls::Endpoint;
pub use tls::Mode as TlsMode;
use uuid::Uuid;
use writer::Writer;

use super::chain;
use super::{AppendResult, EventStore, ExpectedVersion, Guard, Job, StoreError, WriteRequest};

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/001_events.sql"),
    include_str!("../../migrations/postgres/002_chain.sql"),
];
/// The advisory lock that keeps two instances starting at once from migrating together.
const MIGRATION_LOCK: i64 = 0x686f_6963_686f; // "hoicho"
/// Most appends one transaction groups.
const MAX_GROUP: usize = 512;
/// How long a connection attempt may take before the write or read answers "unavailable".
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one group commit may take. Past it the append answers "unavailable"; whether
/// it landed is then unknown, and retrying it with the same event ids is safe.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a read may wait for a pooled connection.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

/// Connects as the store would, without changing anything: what is there, for `hoicho check`.
pub async fn probe(url: &str) -> Result<String, StoreError> {
    let mut endpoint = tls::endpoint(url).map_err(unavailable)?;
    endpoint.config.connect_timeout(CONNECT_TIMEOUT);
    let target = describe(&endpoint.config);
    let client = connect(&endpoint).await?;
    let version: Option<i32> = match client.query_opt("SELECT version FROM hoicho_schema", &[]).await {
        Ok(row) => row.map(|r| r.get(0)),
        Err(_) => None,
    };
    let tls = match endpoint.mode {
        tls::Mode::Disable => "plain".to_owned(),
        mode => format!("TLS, sslmode={}", mode.name()),
    };
    Ok(match version {
        None => format!("PostgreSQL {target} answers ({tls}); hoicho will create its schema there"),
        Some(v) => {
            let head = head(&client).await.map_err(unavailable)?;
            format!("PostgreSQL {target} answers ({tls}); schema {v}, {head} events")
        }
    })
}

/// Where the store connects, without its password: for logs and error messages.
pub fn describe(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("(default user)");
    let db = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}

pub struct PostgresStore {
    pool: Pool,
    writer: mpsc::UnboundedSender<Job>,
    changes: watch::Receiver<u64>,
    listener: JoinHandle<()>,
    target: String,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

async fn connect(endpoint: &Endpoint) -> Result<Client, StoreError> {
    let config = &endpoint.config;
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(endpoint.tls.clone()))
        .await
        .map_err(|_| unavailable(format!("no answer from {} in {CONNECT_TIMEOUT:?}", describe(config))))?
        .map_err(|e| {
            let how = match endpoint.mode {
                tls::Mode::Disable => String::new(),
                mode => format!(" (sslmode={})", mode.name()),
            };
            // The TLS failure (an untrusted certificate, a wrong name) is the error's source.
            let cause = std::error::Error::source(&e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            unavailable(format!("cannot reach {}{how}: {e}{cause}", describe(config)))
        })?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %err, "a PostgreSQL connection closed");
        }
    });
    Ok(client)
}

async fn migrate(client: &mut Client, upto: usize) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS hoicho_schema (version integer NOT NULL);
         INSERT INTO hoicho_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM hoicho_schema);",
    )
    .await?;
    let done: i32 = tx.query_one("SELECT version FROM hoicho_schema", &[]).await?.get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().take(upto).skip(done.max(0) as usize) {
        tx.batch_execute(sql).await?;
        tx.execute("UPDATE hoicho_schema SET version = $1", &[&(i as i32 + 1)])
            .await?;
    }
    tx.commit().await
}

impl PostgresStore {
    /// Hands an append to the writer and waits for its answer.
    async fn write(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<Guard>,
        background: bool,
    ) -> Result<AppendResult, StoreError> {
        let (job, answer) = Job::append(stream, expected, events, guards, background);
        self.writer.send(job).map_err(|_| unavailable("the writer stopped"))?;
        answer.await.map_err(|_| unavailable("the writer stopped"))?
    }

    /// Connects to the database `url` names (postgres://user:password@host:port/db, or the
    /// key=value form), creates or updates the schema and starts the writer and the
    /// listener. Fails with a clear message when the server cannot be reached.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_at(url, MIGRATIONS.len()).await
    }

    /// A store on the schema of the first `schema` migrations: with 1, hoicho's appends as
    /// they were before the log kept a hash chain. The baseline of the chain's benchmark,
    /// nothing else.
    #[doc(hidden)]
    pub async fn open_at(url: &str, schema: usize) -> Result<Self, StoreError> {
        let mut endpoint = tls::endpoint(url).map_err(unavailable)?;
        let config = &mut endpoint.config;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("hoicho");
        }
        let config = config.clone();
        let target = describe(&config);
        let mut client = connect(&endpoint).await?;
        migrate(&mut client, schema)
            .await
            .map_err(|e| unavailable(format!("cannot set up the schema in {target}: {e}")))?;
        let head = head(&client).await.map_err(unavailable)?;

        let manager = Manager::from_config(
            config.clone(),
            endpoint.tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(8)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(READ_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(unavailable)?;

        let (changes_tx, changes) = watch::channel(head);
        let (writer, jobs) = mpsc::unbounded_channel();
        let writer_task = Writer {
            endpoint: endpoint.clone(),
            client: Some(client),
            statements: None,
            changes: changes_tx.clone(),
            chained: schema >= 2,
            tip: None,
        };
        tokio::spawn(writer_task.run(jobs));
        let listener = tokio::spawn(listen(endpoint, changes_tx));
        Ok(PostgresStore {
            pool,
            writer,
            changes,
            listener,
            target,
        })
    }

    /// Where this store connects, without the password.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The rows of `select` after position `after`, in order, at most `limit`.
    async fn rows_after(&self, select: &str, after: u64, limit: usize) -> Result<Vec<Row>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!("{select} WHERE position > $1 ORDER BY position LIMIT $2"))
            .await
            .map_err(unavailable)?;
        tokio::time::timeout(
            READ_TIMEOUT * 6,
            client.query(&statement, &[&(after as i64), &(limit as i64)]),
        )
        .await
        .map_err(|_| unavailable("PostgreSQL did not answer in time"))?
        .map_err(unavailable)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| unavailable(format!("cannot reach {}: {e}", self.target)))
    }
}

async fn head(client: &Client) -> Result<u64, tokio_postgres::Error> {
    let row = client.query_one("SELECT position FROM hoicho_head", &[]).await?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// Follows `NOTIFY hoicho_events` on a connection of its own, reconnecting after a
/// failure. After each (re)connection it reads the head once, so a write it missed while
/// away still wakes the followers.
async fn listen(endpoint: Endpoint, changes: watch::Sender<u64>) {
    let advance = |position: u64| super::advance(&changes, position);
    let mut pause = Duration::from_millis(100);
    loop {
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, endpoint.config.connect(endpoint.tls.clone())).await;
        let (client, mut connection) = match connected {
            Ok(Ok(pair)) => pair,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "the PostgreSQL listener cannot connect; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        let (tx, mut notified) = mpsc::unbounded_channel::<u64>();
        let driver = tokio::spawn(async move {
            while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        if let Ok(position) = n.payload().parse::<u64>() {
                            if tx.send(position).is_err() {
                                return;
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(error = %err, "the PostgreSQL listener lost its connection");
                        return;
                    }
                }
            }
        });
        let listening = async {
            client.batch_execute("LISTEN hoicho_events").await?;
            head(&client).await
        };
        match listening.await {
            Ok(position) => {
                pause = Duration::from_millis(100);
                advance(position);
                while let Some(position) = notified.recv().await {
                    advance(position);
                }
            }
            Err(err) => tracing::warn!(error = %err, "the PostgreSQL listener cannot listen; retrying"),
        }
        driver.abort();
        tokio::time::sleep(pause).await;
    }
}

fn row_to_event(row: &Row) -> RecordedEvent {
    RecordedEvent {
        position: row.get::<_, i64>(0) as u64,
        event_id: row.get(1),
        stream: row.get(2),
        version: row.get::<_, i64>(3) as u64,
        event_type: row.get(4),
        schema_version: row.get::<_, i32>(5) as u32,
        recorded_at: row.get(6),
        metadata: row.get(7),
        data: row.get(8),
    }
}

const SELECT: &str =
    "SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data FROM hoicho_events";
const SELECT_CHAINED: &str =
    "SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain FROM hoicho_events";

#[async_trait]
impl EventStore for PostgresStore {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        self.write(stream, expected, events, Vec::new(), false).await
    }

    async fn append_guarded(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<Guard>,
    ) -> Result<AppendResult, StoreError> {
        self.write(stream, expected, events, guards, false).await
    }

    async fn append_background(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        self.write(stream, expected, events, Vec::new(), true).await
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Job::Import { events, reply })
            .map_err(|_| unavailable("the writer stopped"))?;
        answer.await.map_err(|_| unavailable("the writer stopped"))?
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "{SELECT} WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3"
            ))
            .await
            .map_err(unavailable)?;
        let rows = tokio::time::timeout(
            READ_TIMEOUT,
            client.query(&statement, &[&stream, &(from_version as i64), &(limit as i64)]),
        )
        .await
        .map_err(|_| unavailable("PostgreSQL did not answer in time"))?
        .map_err(unavailable)?;
        Ok(rows.iter().map(row_to_event).collect())
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let rows = self.rows_after(SELECT, after, limit).await?;
        Ok(rows.iter().map(row_to_event).collect())
    }

    async fn read_chained(&self, after: u64, limit: usize) -> Result<Vec<chain::Chained>, StoreError> {
        let rows = self.rows_after(SELECT_CHAINED, after, limit).await?;
        Ok(rows
            .iter()
            .map(|row| chain::Chained {
                event: row_to_event(row),
                link: row.get::<_, Option<Vec<u8>>>(9).and_then(|l| l.try_into().ok()),
            })
            .collect())
    }

    fn chained(&self) -> bool {
        true
    }

    async fn head(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        head(&client).await.map_err(unavailable)
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
