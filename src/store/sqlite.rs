//! The embedded default: one SQLite file in the data directory.
//!
//! One writer thread owns the write connection and groups whatever appends are waiting into
//! one transaction, so many concurrent writers share one fsync (group commit). Readers use
//! their own connections; WAL lets them read while the writer writes.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hoicho_events::{NewEvent, RecordedEvent};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use super::{AppendResult, EventStore, ExpectedVersion, Guard, Job, StoreError};

mod wal;
mod writer;

use wal::{checkpointer, truncate_wal};
pub use wal::{wal_path, WalBound, WAL_LIMIT};
use writer::writer_loop;

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/001_events.sql"),
    include_str!("../../migrations/sqlite/002_chain.sql"),
];
/// Most appends one commit groups; bounds the latency a large group adds.
const MAX_GROUP: usize = 512;
/// Most events the tail keeps (see `Tail`).
const TAIL_EVENTS: usize = 8192;

/// The events this process committed last, in position order and without gaps. A follower
/// that keeps up with the log finds the events it has been woken for here, and skips reading
/// back from the file what the writer has just written (and a hop through the blocking
/// pool). Anything else — a follower further behind, events another process wrote — is read
/// from the file as before.
type Tail = Arc<Mutex<std::collections::VecDeque<Arc<RecordedEvent>>>>;

pub struct SqliteStore {
    path: PathBuf,
    stop_checkpoints: Arc<std::sync::atomic::AtomicBool>,
    checkpoint_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    changes: watch::Receiver<u64>,
    tail: Tail,
}

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

fn open(path: &Path, write: bool) -> rusqlite::Result<Connection> {
    open_bounded(path, write, WAL_LIMIT)
}

fn open_bounded(path: &Path, write: bool, wal_limit: u64) -> rusqlite::Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // One plan per statement, whatever is bound to it. Without this the bundled SQLite
    // (built with STAT4) re-prepares a cached statement whose range or LIMIT takes a
    // parameter on every run: a fifth of the writer's time went to parsing SQL again.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    if write {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit is on disk, WAL included, before the append is acknowledged.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpoints run on their own thread (see `checkpointer`), not inside a commit
        // that appenders are waiting for.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // When the WAL starts again from its first frame, the commit that does so cuts the
        // file back to this size (SQLite otherwise keeps it at its largest, to reuse).
        conn.pragma_update(None, "journal_size_limit", wal_limit as i64)?;
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the log at `path` and starts its writer thread.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, WalBound::default())
    }

    /// [`SqliteStore::open`] with another bound on the WAL (tests use a small one).
    pub fn open_with(path: impl AsRef<Path>, bound: WalBound) -> Result<Self, StoreError> {
        Self::open_chaining(path, bound, true)
    }

    /// A store whose writer leaves the chain out, as hoicho wrote before it kept one: the
    /// baseline of the chain's benchmark, nothing else. The events it writes are linked
    /// when a store next opens the file.
    #[doc(hidden)]
    pub fn open_unchained(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_chaining(path, WalBound::default(), false)
    }

    fn open_chaining(path: impl AsRef<Path>, bound: WalBound, chaining: bool) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = open_bounded(&path, true, bound.limit).map_err(unavailable)?;
        migrate(&mut conn).map_err(unavailable)?;
        if chaining {
            let linked = writer::link_unlinked(&mut conn).map_err(unavailable)?;
            if linked > 0 {
                tracing::info!(
                    events = linked,
                    "linked the events written before the log kept a hash chain"
                );
            }
        }
        // A WAL left by a crash, or by a version that let it grow, is folded in and cut to
        // nothing before anything else reads the log: it would otherwise slow every read
        // (each looks its pages up in the WAL's index) until the next quiet moment. Another
        // process with the log open (a command beside the server, or the server beside a
        // command) keeps its WAL in bounds itself: after a short wait this one leaves it be.
        truncate_wal(&conn, std::time::Duration::from_millis(100));
        let head = head(&conn).map_err(unavailable)?;
        let (changes_tx, changes) = watch::channel(head);
        let (tx, rx) = mpsc::channel::<Job>();
        let tail = Tail::default();
        let thread = {
            let tail = tail.clone();
            let path = path.clone();
            std::thread::Builder::new()
                .name("hoicho-sqlite-writer".into())
                .spawn(move || writer_loop(conn, rx, changes_tx, &tail, &wal_path(&path), bound, chaining))
                .map_err(unavailable)?
        };
        let stop_checkpoints = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let checkpoint_thread = {
            let (path, stop, changes) = (path.clone(), stop_checkpoints.clone(), changes.clone());
            std::thread::Builder::new()
                .name("hoicho-sqlite-checkpoint".into())
                .spawn(move || checkpointer(&path, bound.limit, &stop, changes))
                .map_err(unavailable)?
        };
        Ok(SqliteStore {
            path,
            stop_checkpoints,
            checkpoint_thread: Mutex::new(Some(checkpoint_thread)),
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(thread)),
            readers: Arc::new(Mutex::new(Vec::new())),
            changes,
            tail,
        })
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => open(&path, false).map_err(unavailable)?,
            };
            let result = f(&conn).map_err(unavailable);
            if let Ok(mut pool) = readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(unavailable)?
    }
}

impl SqliteStore {
    /// The events after `after` from the tail, decoded, if the tail holds the next one.
    fn read_tail(&self, after: u64, limit: usize) -> Option<super::DecodedBatch> {
        let events: Vec<Arc<RecordedEvent>> = {
            let tail = self.tail.lock().ok()?;
            let first = tail.front()?.position;
            if after.checked_add(1)? < first || after >= tail.back()?.position {
                return None;
            }
            tail.range((after + 1 - first) as usize..)
                .take(limit)
                .cloned()
                .collect()
        };
        let mut batch = super::DecodedBatch {
            envelopes: Vec::with_capacity(events.len()),
            last_position: None,
        };
        for e in &events {
            let header = hoicho_events::EnvelopeHeader {
                event_id: e.event_id,
                stream: &e.stream,
                version: e.version,
                position: e.position,
                schema_version: e.schema_version,
                recorded_at: e.recorded_at,
            };
            batch.push(header, &e.event_type, &e.metadata, &e.data);
        }
        Some(batch)
    }

    /// Finishes every append already sent, then closes the log (SQLite folds the WAL into
    /// the database file as its last connection closes). Blocks until done.
    pub fn close(self) {
        self.stop_checkpoints.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.checkpoint_thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = thread.join();
        }
        if let Ok(mut writer) = self.writer.lock() {
            writer.take();
        }
        let thread = self.writer_thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// Hands an append to the writer thread and waits for its answer.
    async fn write(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<Guard>,
        background: bool,
    ) -> Result<AppendResult, StoreError> {
        let (job, answer) = Job::append(stream, expected, events, guards, background);
        self.send(job)?;
        answer.await.map_err(|_| unavailable("the writer thread stopped"))?
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let writer = self.writer.lock().map_err(unavailable)?;
        let writer = writer.as_ref().ok_or_else(|| unavailable("store closed"))?;
        writer.send(job).map_err(|_| unavailable("the writer thread stopped"))
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.stop_checkpoints.store(true, std::sync::atomic::Ordering::Relaxed);
        // Closing the channel lets the writer thread finish what it holds and exit.
        if let Ok(mut writer) = self.writer.lock() {
            writer.take();
        }
    }
}

fn head(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|p| p as u64)
}

pub(super) fn row_to_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
    let id: [u8; 16] = row.get(1)?;
    let micros: i64 = row.get(6)?;
    Ok(RecordedEvent {
        position: row.get::<_, i64>(0)? as u64,
        event_id: Uuid::from_bytes(id),
        stream: row.get(2)?,
        version: row.get::<_, i64>(3)? as u64,
        event_type: row.get(4)?,
        schema_version: row.get(5)?,
        recorded_at: DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default(),
        metadata: row.get(7)?,
        data: row.get(8)?,
    })
}

pub(super) const SELECT: &str =
    "SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data FROM events";
const SELECT_CHAINED: &str =
    "SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain FROM events";

#[async_trait]
impl EventStore for SqliteStore {
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
        self.send(Job::Import { events, reply })?;
        answer.await.map_err(|_| unavailable("the writer thread stopped"))?
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.to_owned();
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT} WHERE stream = ?1 AND version >= ?2 ORDER BY version LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![stream, from_version as i64, limit.min(i64::MAX as usize) as i64],
                row_to_event,
            )?;
            rows.collect()
        })
        .await
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE position > ?1 ORDER BY position LIMIT ?2"))?;
            let rows = stmt.query_map(params![after as i64, limit.min(i64::MAX as usize) as i64], row_to_event)?;
            rows.collect()
        })
        .await
    }

    async fn read_chained(&self, after: u64, limit: usize) -> Result<Vec<super::chain::Chained>, StoreError> {
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{SELECT_CHAINED} WHERE position > ?1 ORDER BY position LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![after as i64, limit.min(i64::MAX as usize) as i64], |row| {
                let link: Option<Vec<u8>> = row.get(9)?;
                Ok(super::chain::Chained {
                    event: row_to_event(row)?,
                    link: link.and_then(|l| l.try_into().ok()),
                })
            })?;
            rows.collect()
        })
        .await
    }

    fn chained(&self) -> bool {
        true
    }

    async fn head(&self) -> Result<u64, StoreError> {
        self.with_reader(head).await
    }

    async fn read_all_decoded(&self, after: u64, limit: usize) -> Result<super::DecodedBatch, StoreError> {
        if let Some(batch) = self.read_tail(after, limit) {
            return Ok(batch);
        }
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE position > ?1 ORDER BY position LIMIT ?2"))?;
            let mut rows = stmt.query(params![after as i64, limit.min(i64::MAX as usize) as i64])?;
            let mut batch = super::DecodedBatch {
                envelopes: Vec::with_capacity(limit.min(super::REPLAY_BATCH)),
                last_position: None,
            };
            while let Some(row) = rows.next()? {
                let position = row.get::<_, i64>(0)? as u64;
                let id: [u8; 16] = row.get(1)?;
                let header = hoicho_events::EnvelopeHeader {
                    event_id: Uuid::from_bytes(id),
                    stream: row.get_ref(2)?.as_str()?,
                    version: row.get::<_, i64>(3)? as u64,
                    position,
                    schema_version: row.get(5)?,
                    recorded_at: DateTime::<Utc>::from_timestamp_micros(row.get(6)?).unwrap_or_default(),
                };
                batch.push(
                    header,
                    row.get_ref(4)?.as_str()?,
                    row.get_ref(7)?.as_str()?,
                    row.get_ref(8)?.as_str()?,
                );
            }
            Ok(batch)
        })
        .await
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

/// Every event of an SQLite log file with its link, in order, to `each` (stops at its first
/// error). For reading a copy of the log (a backup) without opening it as a store.
pub fn each_chained(
    conn: &Connection,
    mut each: impl FnMut(super::chain::Chained) -> Result<(), String>,
) -> Result<(), String> {
    let mut stmt = conn
        .prepare(&format!("{SELECT_CHAINED} ORDER BY position"))
        .map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let link: Option<Vec<u8>> = row.get(9).map_err(|e| e.to_string())?;
        each(super::chain::Chained {
            event: row_to_event(row).map_err(|e| e.to_string())?,
            link: link.and_then(|l| l.try_into().ok()),
        })?;
    }
    Ok(())
}

/// How many events the SQLite log file at `path` holds (0 for a file without the log's table).
pub fn count_events(path: &Path) -> rusqlite::Result<u64> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let table: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match table {
        Some(_) => conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64),
        None => Ok(0),
    }
}
