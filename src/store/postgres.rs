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
use tls::Endpoint;
pub use tls::Mode as TlsMode;
use uuid::Uuid;

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

struct Statements {
    group: Statement,
}

/// The one task per instance that writes.
struct Writer {
    endpoint: Endpoint,
    client: Option<Client>,
    statements: Option<Statements>,
    changes: watch::Sender<u64>,
    /// Whether the schema links the log (the chain's benchmark runs a store without).
    chained: bool,
    /// The head and its link as this writer's last commit left them: it links the next group
    /// from there, and the group function uses those links only if no one else wrote since.
    tip: Option<chain::Checked>,
}

impl Writer {
    async fn run(mut self, mut jobs: mpsc::UnboundedReceiver<Job>) {
        let mut queue = super::WriteQueue::default();
        loop {
            if queue.is_empty() {
                match jobs.recv().await {
                    Some(job) => queue.push(job),
                    None => return,
                }
            }
            queue.fill(|| jobs.try_recv().ok());
            if let Some(Job::Import { events, reply }) = queue.held() {
                let result = self.import(&events).await;
                let _ = reply.send(result);
                continue;
            }
            let group = queue.group(MAX_GROUP);
            if group.is_empty() {
                continue;
            }
            let results = self.commit_group(&group).await;
            for (request, result) in group.into_iter().zip(results) {
                let _ = request.reply.send(result);
            }
        }
    }

    fn advance(&self, position: u64) {
        super::advance(&self.changes, position);
    }

    /// The connection, reconnecting if the last one failed.
    async fn ready(&mut self) -> Result<(&mut Client, &Statements), StoreError> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = None;
            self.statements = None;
            self.client = Some(connect(&self.endpoint).await?);
        }
        let client = self.client.as_mut().expect("connected above");
        if self.statements.is_none() {
            let sql = match self.chained {
                true => {
                    "SELECT outcome, out_version, out_position, bad_id, out_chain
                         FROM hoicho_append_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                }
                false => {
                    "SELECT outcome, out_version, out_position, bad_id
                          FROM hoicho_append_group($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                }
            };
            let group = tokio::time::timeout(CONNECT_TIMEOUT, client.prepare(sql))
                .await
                .map_err(|_| unavailable("no answer from PostgreSQL"))?
                .map_err(unavailable)?;
            self.statements = Some(Statements { group });
        }
        Ok((client, self.statements.as_ref().expect("prepared above")))
    }

    /// Forgets the connection after a failure whose outcome is unknown.
    fn forget(&mut self) {
        self.client = None;
        self.statements = None;
        self.tip = None;
    }

    async fn commit_group(&mut self, group: &[WriteRequest]) -> Vec<Result<AppendResult, StoreError>> {
        // Refusals that need no round trip: the same id twice in one append.
        let mut results: Vec<Option<Result<AppendResult, StoreError>>> = group
            .iter()
            .map(|request| repeated_id(&request.events).map(|id| Err(StoreError::EventIdReused(id))))
            .collect();
        // Appends with guards commit one at a time, each checking its guards in its own
        // transaction under the head lock; the rest share one.
        let pending: Vec<usize> = (0..group.len()).filter(|&i| results[i].is_none()).collect();
        let (guarded, plain): (Vec<usize>, Vec<usize>) =
            pending.into_iter().partition(|&i| !group[i].guards.is_empty());
        let mut batches: Vec<Vec<usize>> = guarded.into_iter().map(|i| vec![i]).collect();
        if !plain.is_empty() {
            batches.insert(0, plain);
        }
        for batch in batches {
            let sent: Vec<&WriteRequest> = batch.iter().map(|&i| &group[i]).collect();
            let written = tokio::time::timeout(WRITE_TIMEOUT, self.write(&sent)).await;
            let answers = match written {
                Ok(Ok(rows)) => rows,
                Ok(Err(err)) => {
                    self.forget();
                    vec![Err(err); sent.len()]
                }
                Err(_) => {
                    self.forget();
                    vec![
                        Err(unavailable(format!(
                            "PostgreSQL did not commit within {WRITE_TIMEOUT:?}"
                        )));
                        sent.len()
                    ]
                }
            };
            for (i, answer) in batch.into_iter().zip(answers) {
                results[i] = Some(answer);
            }
        }
        let results: Vec<Result<AppendResult, StoreError>> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(unavailable("no answer for this append"))))
            .collect();
        if let Some(last) = results.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.position).max() {
            self.advance(last);
        }
        results
    }

    async fn write(&mut self, group: &[&WriteRequest]) -> Result<Vec<Result<AppendResult, StoreError>>, StoreError> {
        let total: usize = group.iter().map(|r| r.events.len()).sum();
        let mut streams = Vec::with_capacity(group.len());
        let mut expected = Vec::with_capacity(group.len());
        let mut counts = Vec::with_capacity(group.len());
        let mut ids = Vec::with_capacity(total);
        let mut types = Vec::with_capacity(total);
        let mut schemas = Vec::with_capacity(total);
        let mut recorded = Vec::with_capacity(total);
        let mut metadata = Vec::with_capacity(total);
        let mut data = Vec::with_capacity(total);
        for request in group {
            streams.push(request.stream.as_str());
            expected.push(match request.expected {
                ExpectedVersion::Any => -1i64,
                ExpectedVersion::NoStream => 0,
                ExpectedVersion::Exact(v) => v as i64,
            });
            counts.push(request.events.len() as i32);
            for event in &request.events {
                ids.push(event.event_id);
                types.push(event.event_type.as_str());
                schemas.push(event.schema_version as i32);
                recorded.push(event.recorded_at);
                metadata.push(event.metadata.as_str());
                data.push(event.data.as_str());
            }
        }
        // The links, computed here from the head this writer last left, if every append
        // succeeds; the group function checks that assumption under the head lock.
        let (from, from_link, links) = match (self.chained, self.tip) {
            (true, Some(tip)) => (
                Some(tip.position as i64),
                Some(tip.link.to_vec()),
                Some(links(tip, group)),
            ),
            _ => (None, None, None),
        };
        let chained = self.chained;
        let (client, statements) = self.ready().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        if let [request] = group {
            if let Some(refusal) = guard_refusal(&tx, request).await? {
                tx.rollback().await.map_err(unavailable)?;
                return Ok(vec![Err(refusal)]);
            }
        }
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
            &streams, &expected, &counts, &ids, &types, &schemas, &recorded, &metadata, &data,
        ];
        if chained {
            params.push(&from);
            params.push(&from_link);
            params.push(&links);
        }
        let rows = tx.query(&statements.group, &params).await.map_err(unavailable)?;
        tx.commit()
            .await
            .map_err(|e| unavailable(format!("commit failed: {e}")))?;
        if rows.len() != group.len() {
            self.tip = None;
            return Err(unavailable(format!(
                "PostgreSQL answered {} appends of {}",
                rows.len(),
                group.len()
            )));
        }
        if self.chained {
            // The last append this group wrote leaves the head and its link.
            let written = rows.iter().rev().find_map(|row| {
                let link: Option<Vec<u8>> = row.get(4);
                let position: Option<i64> = row.get(2);
                match (row.get::<_, i32>(0), link, position) {
                    (0, Some(link), Some(position)) => Some(chain::Checked {
                        position: position as u64,
                        link: link.try_into().ok()?,
                    }),
                    _ => None,
                }
            });
            if let Some(tip) = written {
                self.tip = Some(tip);
            }
        }
        Ok(group
            .iter()
            .zip(&rows)
            .map(|(request, row)| outcome(request, row))
            .collect())
    }

    /// Writes exported events as they were, in one transaction under the head lock.
    async fn import(&mut self, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let Some(last) = events.last() else { return Ok(()) };
        let last = last.position;
        let done = tokio::time::timeout(WRITE_TIMEOUT * 6, self.import_in_one(events)).await;
        match done {
            Ok(Ok(())) => {
                self.tip = None;
                self.advance(last);
                Ok(())
            }
            Ok(Err(err)) => {
                if matches!(err, StoreError::Unavailable(_)) {
                    self.forget();
                }
                Err(err)
            }
            Err(_) => {
                self.forget();
                Err(unavailable("PostgreSQL did not commit the import in time"))
            }
        }
    }

    async fn import_in_one(&mut self, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let (client, _) = self.ready().await?;
        let tx = client.transaction().await.map_err(unavailable)?;
        let row = tx
            .query_one("SELECT position, chain FROM hoicho_head FOR UPDATE", &[])
            .await
            .map_err(unavailable)?;
        let mut head = row.get::<_, i64>(0) as u64;
        let mut tip: chain::Link = row
            .get::<_, Vec<u8>>(1)
            .try_into()
            .map_err(|_| unavailable("the head's link is not 32 bytes"))?;
        let streams: Vec<&str> = {
            let mut s: Vec<&str> = events.iter().map(|e| e.stream.as_str()).collect();
            s.sort_unstable();
            s.dedup();
            s
        };
        let mut versions: HashMap<String, u64> = tx
            .query(
                "SELECT stream, max(version) FROM hoicho_events WHERE stream = ANY ($1) GROUP BY stream",
                &[&streams],
            )
            .await
            .map_err(unavailable)?
            .iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1) as u64))
            .collect();
        for e in events {
            let version = versions.get(&e.stream).copied().unwrap_or(0);
            crate::store::check_import_order(e, version, head)?;
            head = e.position;
            versions.insert(e.stream.clone(), e.version);
        }
        let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        if let Some(row) = tx
            .query_opt(
                "SELECT event_id FROM hoicho_events WHERE event_id = ANY ($1) LIMIT 1",
                &[&ids],
            )
            .await
            .map_err(unavailable)?
        {
            return Err(StoreError::EventIdReused(row.get(0)));
        }
        if let Some(id) = repeated_id_of(ids.iter().copied()) {
            return Err(StoreError::EventIdReused(id));
        }
        let positions: Vec<i64> = events.iter().map(|e| e.position as i64).collect();
        let stream_of: Vec<&str> = events.iter().map(|e| e.stream.as_str()).collect();
        let version_of: Vec<i64> = events.iter().map(|e| e.version as i64).collect();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        let schemas: Vec<i32> = events.iter().map(|e| e.schema_version as i32).collect();
        let recorded: Vec<DateTime<Utc>> = events.iter().map(|e| e.recorded_at).collect();
        let metadata: Vec<&str> = events.iter().map(|e| e.metadata.as_str()).collect();
        let data: Vec<&str> = events.iter().map(|e| e.data.as_str()).collect();
        // Linked here as the append function links them: the same bytes (chain.rs).
        let links: Vec<Vec<u8>> = events
            .iter()
            .map(|e| {
                tip = chain::link(&tip, chain::Fields::of(e));
                tip.to_vec()
            })
            .collect();
        tx.execute(
            "INSERT INTO hoicho_events
                 (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain)
             SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[],
                                  $6::integer[], $7::timestamptz[], $8::text[], $9::text[], $10::bytea[])",
            &[
                &positions,
                &ids,
                &stream_of,
                &version_of,
                &types,
                &schemas,
                &recorded,
                &metadata,
                &data,
                &links,
            ],
        )
        .await
        .map_err(unavailable)?;
        tx.execute(
            "UPDATE hoicho_head SET position = $1, chain = $2",
            &[&(head as i64), &tip.as_slice()],
        )
        .await
        .map_err(unavailable)?;
        tx.execute("SELECT pg_notify('hoicho_events', $1)", &[&head.to_string()])
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }
}

/// The links of a group's events if the log's head is at `tip` and every append succeeds, one
/// per event; none from the first append whose stream version the writer cannot know (it
/// expects any version) on, as the group function computes those itself.
fn links(tip: chain::Checked, group: &[&WriteRequest]) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(group.iter().map(|r| r.events.len()).sum());
    let mut at = tip;
    let mut known = true;
    for request in group {
        let version = match request.expected {
            ExpectedVersion::NoStream => Some(0),
            ExpectedVersion::Exact(v) => Some(v),
            ExpectedVersion::Any => None,
        };
        known &= version.is_some();
        for (i, event) in request.events.iter().enumerate() {
            let Some(version) = version.filter(|_| known) else {
                out.push(None);
                continue;
            };
            let position = at.position + 1;
            at = chain::Checked {
                position,
                link: chain::link(
                    &at.link,
                    chain::Fields {
                        position,
                        event_id: &event.event_id,
                        stream: &request.stream,
                        version: version + 1 + i as u64,
                        event_type: &event.event_type,
                        schema_version: event.schema_version,
                        recorded_micros: event.recorded_at.timestamp_micros(),
                        metadata: &event.metadata,
                        data: &event.data,
                    },
                ),
            };
            out.push(Some(at.link.to_vec()));
        }
    }
    out
}

/// Why `request` may not commit now, if one of its guards' streams is not where it expects:
/// checked under the head lock, so every commit before it is visible and none can come
/// between. A retry of an append that committed already (its first id is in the log) goes on
/// to the append, which answers it with the first result.
async fn guard_refusal(
    tx: &tokio_postgres::Transaction<'_>,
    request: &WriteRequest,
) -> Result<Option<StoreError>, StoreError> {
    if request.guards.is_empty() {
        return Ok(None);
    }
    tx.query_one("SELECT position FROM hoicho_head FOR UPDATE", &[])
        .await
        .map_err(unavailable)?;
    for guard in &request.guards {
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM hoicho_events WHERE stream = $1",
                &[&guard.stream],
            )
            .await
            .map_err(unavailable)?;
        let actual = row.get::<_, i64>(0) as u64;
        if guard.expected.admits(actual) {
            continue;
        }
        if let Some(first) = request.events.first() {
            let known = tx
                .query_opt("SELECT 1 FROM hoicho_events WHERE event_id = $1", &[&first.event_id])
                .await
                .map_err(unavailable)?;
            if known.is_some() {
                return Ok(None);
            }
        }
        return Ok(Some(StoreError::Conflict {
            stream: guard.stream.clone(),
            expected: guard.expected,
            actual,
        }));
    }
    Ok(None)
}

fn repeated_id(events: &[NewEvent]) -> Option<Uuid> {
    repeated_id_of(events.iter().map(|e| e.event_id))
}

fn repeated_id_of(ids: impl Iterator<Item = Uuid>) -> Option<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().find(|id| !seen.insert(*id))
}

/// One row of `hoicho_append_group` as the append's result.
fn outcome(request: &WriteRequest, row: &Row) -> Result<AppendResult, StoreError> {
    let code: i32 = row.get(0);
    let version: Option<i64> = row.get(1);
    let position: Option<i64> = row.get(2);
    match code {
        0 => Ok(AppendResult {
            version: version.unwrap_or(0) as u64,
            position: position.unwrap_or(0) as u64,
        }),
        1 => Err(StoreError::Conflict {
            stream: request.stream.clone(),
            expected: request.expected,
            actual: version.unwrap_or(0) as u64,
        }),
        2 => Err(StoreError::EventIdReused(
            row.get::<_, Option<Uuid>>(3).unwrap_or_default(),
        )),
        other => Err(unavailable(format!("unknown append outcome {other}"))),
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
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!("{SELECT} WHERE position > $1 ORDER BY position LIMIT $2"))
            .await
            .map_err(unavailable)?;
        let rows = tokio::time::timeout(
            READ_TIMEOUT * 6,
            client.query(&statement, &[&(after as i64), &(limit as i64)]),
        )
        .await
        .map_err(|_| unavailable("PostgreSQL did not answer in time"))?
        .map_err(unavailable)?;
        Ok(rows.iter().map(row_to_event).collect())
    }

    async fn read_chained(&self, after: u64, limit: usize) -> Result<Vec<chain::Chained>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "{SELECT_CHAINED} WHERE position > $1 ORDER BY position LIMIT $2"
            ))
            .await
            .map_err(unavailable)?;
        let rows = tokio::time::timeout(
            READ_TIMEOUT * 6,
            client.query(&statement, &[&(after as i64), &(limit as i64)]),
        )
        .await
        .map_err(|_| unavailable("PostgreSQL did not answer in time"))?
        .map_err(unavailable)?;
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
