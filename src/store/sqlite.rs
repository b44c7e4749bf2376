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

use super::{AppendResult, EventStore, ExpectedVersion, Guard, Job, StoreError, WriteRequest};

const MIGRATIONS: &[&str] = &[include_str!("../../migrations/sqlite/001_events.sql")];
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
        let path = path.as_ref().to_path_buf();
        let mut conn = open(&path, true).map_err(unavailable)?;
        migrate(&mut conn).map_err(unavailable)?;
        let head = head(&conn).map_err(unavailable)?;
        let (changes_tx, changes) = watch::channel(head);
        let (tx, rx) = mpsc::channel::<Job>();
        let tail = Tail::default();
        let thread = {
            let tail = tail.clone();
            std::thread::Builder::new()
                .name("hoicho-sqlite-writer".into())
                .spawn(move || writer_loop(conn, rx, changes_tx, &tail))
                .map_err(unavailable)?
        };
        let stop_checkpoints = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let checkpoint_thread = {
            let (path, stop, changes) = (path.clone(), stop_checkpoints.clone(), changes.clone());
            std::thread::Builder::new()
                .name("hoicho-sqlite-checkpoint".into())
                .spawn(move || checkpointer(&path, &stop, changes))
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

/// Folds the WAL back into the database file every little while the log has grown, without
/// blocking the writer (PASSIVE: it copies what no reader still needs and stops there).
fn checkpointer(path: &Path, stop: &std::sync::atomic::AtomicBool, changes: watch::Receiver<u64>) {
    let Ok(conn) = open(path, true) else { return };
    let mut checkpointed = *changes.borrow();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let head = *changes.borrow();
        if head != checkpointed {
            if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %err, "checkpoint failed; the next one retries");
            }
            checkpointed = head;
        }
    }
}

fn head(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|p| p as u64)
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Job>, changes: watch::Sender<u64>, tail: &Tail) {
    let advance = |last: u64| super::advance(&changes, last);
    let mut queue = super::WriteQueue::default();
    loop {
        if queue.is_empty() {
            match rx.recv() {
                Ok(job) => queue.push(job),
                Err(_) => return,
            }
        }
        queue.fill(|| rx.try_recv().ok());
        if let Some(Job::Import { events, reply }) = queue.held() {
            if let Ok(mut tail) = tail.lock() {
                tail.clear();
            }
            let result = import(&mut conn, &events);
            if result.is_ok() {
                if let Some(last) = events.last() {
                    advance(last.position);
                }
            }
            let _ = reply.send(result);
            continue;
        }
        let group = queue.group(MAX_GROUP);
        if group.is_empty() {
            continue;
        }
        let (replies, results, committed) = commit_group(&mut conn, group);
        if let Ok(mut tail) = tail.lock() {
            for event in committed {
                if tail.back().is_some_and(|last| last.position + 1 != event.position) {
                    tail.clear(); // another process wrote in between: keep the tail gap-free
                }
                tail.push_back(Arc::new(event));
            }
            let excess = tail.len().saturating_sub(TAIL_EVENTS);
            tail.drain(..excess);
        }
        if let Some(last) = results.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.position).max() {
            advance(last);
        }
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Writes exported events as they were, in one transaction.
fn import(conn: &mut Connection, events: &[RecordedEvent]) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    {
        let mut current = tx
            .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
            .map_err(unavailable)?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(unavailable)?;
        let mut head = head(&tx).map_err(unavailable)?;
        let mut versions: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
        for e in events {
            let version = match versions.get(e.stream.as_str()) {
                Some(v) => *v,
                None => current
                    .query_row([&e.stream], |row| row.get::<_, i64>(0))
                    .map_err(unavailable)? as u64,
            };
            if e.version != version + 1 {
                return Err(StoreError::Conflict {
                    stream: e.stream.clone(),
                    expected: ExpectedVersion::Exact(e.version.saturating_sub(1)),
                    actual: version,
                });
            }
            if e.position <= head {
                return Err(unavailable(format!(
                    "position {} is not after the log's head {head}; import only into an empty store",
                    e.position
                )));
            }
            insert
                .execute(params![
                    e.position as i64,
                    e.event_id.as_bytes().as_slice(),
                    e.stream,
                    e.version as i64,
                    e.event_type,
                    e.schema_version,
                    e.recorded_at.timestamp_micros(),
                    e.metadata,
                    e.data,
                ])
                .map_err(|err| match err {
                    rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                        StoreError::EventIdReused(e.event_id)
                    }
                    other => unavailable(other),
                })?;
            head = e.position;
            versions.insert(e.stream.as_str(), e.version);
        }
    }
    tx.commit().map_err(unavailable)
}
type Reply = oneshot::Sender<Result<AppendResult, StoreError>>;

/// Commits a group of appends in one transaction; answers each, and returns the events it
/// wrote, as recorded, if the commit succeeded.
fn commit_group(
    conn: &mut Connection,
    group: Vec<WriteRequest>,
) -> (Vec<Reply>, Vec<Result<AppendResult, StoreError>>, Vec<RecordedEvent>) {
    let mut replies = Vec::with_capacity(group.len());
    let mut results = Vec::with_capacity(group.len());
    let mut committed = Vec::new();
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            for request in group {
                replies.push(request.reply);
                results.push(Err(unavailable(&err)));
            }
            return (replies, results, committed);
        }
    };
    // One savepoint per append, so a refused append rolls back alone. The statements are
    // cached: this loop runs for every append.
    let savepoint = |tx: &rusqlite::Transaction<'_>, sql: &str| tx.prepare_cached(sql).and_then(|mut s| s.execute([]));
    for request in group {
        let result = match savepoint(&tx, "SAVEPOINT append") {
            Ok(_) => match append_one(&tx, &request) {
                Ok((done, inserted)) => {
                    let released = savepoint(&tx, "RELEASE append").map(|_| done).map_err(unavailable);
                    if inserted && released.is_ok() {
                        recorded(&mut committed, request.stream, request.events, done);
                    }
                    released
                }
                Err(err) => {
                    let undone = savepoint(&tx, "ROLLBACK TO append").and_then(|_| savepoint(&tx, "RELEASE append"));
                    match undone {
                        Ok(_) => Err(err),
                        Err(undo) => Err(unavailable(undo)),
                    }
                }
            },
            Err(err) => Err(unavailable(err)),
        };
        replies.push(request.reply);
        results.push(result);
    }
    if let Err(err) = tx.commit() {
        let failed = unavailable(format!("commit failed: {err}"));
        for result in &mut results {
            if result.is_ok() {
                *result = Err(failed.clone());
            }
        }
        committed.clear();
    }
    (replies, results, committed)
}

/// The events of one append as a reader of the file would see them: positions and versions
/// counted back from the last, times at the file's precision (microseconds).
fn recorded(out: &mut Vec<RecordedEvent>, stream: String, events: Vec<hoicho_events::NewEvent>, done: AppendResult) {
    let n = events.len() as u64;
    for (i, event) in events.into_iter().enumerate() {
        let back = n - 1 - i as u64;
        out.push(RecordedEvent {
            event_id: event.event_id,
            stream: stream.clone(),
            version: done.version - back,
            position: done.position - back,
            event_type: event.event_type,
            schema_version: event.schema_version,
            recorded_at: DateTime::<Utc>::from_timestamp_micros(event.recorded_at.timestamp_micros())
                .unwrap_or_default(),
            metadata: event.metadata,
            data: event.data,
        });
    }
}

/// Appends one request's events; `true` with the result if it wrote them now, `false` if
/// they were in the log already. Whether they are is asked only when the append cannot go
/// ahead (its version is taken, or its first event id is in the log): a retried append meets
/// one or the other, and every other append is spared the lookup.
fn append_one(tx: &rusqlite::Transaction<'_>, request: &WriteRequest) -> Result<(AppendResult, bool), StoreError> {
    let stream = request.stream.as_str();
    let retried = || already_appended(tx, stream, &request.events);
    let version_of = |s: &str| {
        tx.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
            .and_then(|mut stmt| stmt.query_row([s], |row| row.get::<_, i64>(0)))
            .map(|v| v as u64)
            .map_err(unavailable)
    };
    // Inside the append's own transaction, after every earlier append of its group.
    for guard in &request.guards {
        let actual = version_of(&guard.stream)?;
        if !guard.expected.admits(actual) {
            if let Some(done) = retried()? {
                return Ok((done, false));
            }
            return Err(StoreError::Conflict {
                stream: guard.stream.clone(),
                expected: guard.expected,
                actual,
            });
        }
    }
    let current: u64 = tx
        .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
        .and_then(|mut stmt| stmt.query_row([stream], |row| row.get::<_, i64>(0)))
        .map_err(unavailable)? as u64;
    if !request.expected.admits(current) {
        if let Some(done) = retried()? {
            return Ok((done, false));
        }
        return Err(StoreError::Conflict {
            stream: stream.to_owned(),
            expected: request.expected,
            actual: current,
        });
    }
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO events (event_id, stream, version, event_type, schema_version, recorded_at, metadata, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(unavailable)?;
    let mut version = current;
    let mut position = 0;
    for (i, event) in request.events.iter().enumerate() {
        version += 1;
        let inserted = insert.execute(params![
            event.event_id.as_bytes().as_slice(),
            stream,
            version as i64,
            event.event_type,
            event.schema_version,
            event.recorded_at.timestamp_micros(),
            event.metadata,
            event.data,
        ]);
        match inserted {
            Ok(_) => position = tx.last_insert_rowid() as u64,
            // The version was free, so the event id is in the log: all of this append (the
            // first event's id), or an id used elsewhere (a later one's, or the first's in
            // another stream).
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                if i == 0 {
                    if let Some(done) = retried()? {
                        return Ok((done, false));
                    }
                }
                return Err(StoreError::EventIdReused(event.event_id));
            }
            Err(err) => return Err(unavailable(err)),
        }
    }
    if request.events.is_empty() {
        position = head(tx).map_err(unavailable)?;
    }
    Ok((AppendResult { version, position }, !request.events.is_empty()))
}

/// The first result of an append whose event ids are all in `stream` already; an error if
/// only some are, or they are elsewhere.
fn already_appended(
    tx: &rusqlite::Transaction<'_>,
    stream: &str,
    events: &[NewEvent],
) -> Result<Option<AppendResult>, StoreError> {
    let Some(first) = events.first() else {
        return Ok(None);
    };
    let mut lookup = tx
        .prepare_cached("SELECT stream, version, position FROM events WHERE event_id = ?1")
        .map_err(unavailable)?;
    let mut find = |id: Uuid| {
        lookup
            .query_row([id.as_bytes().as_slice()], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
            })
            .optional()
            .map_err(unavailable)
    };
    if find(first.event_id)?.is_none() {
        return Ok(None);
    }
    let mut result = AppendResult {
        version: 0,
        position: 0,
    };
    for event in events {
        match find(event.event_id)? {
            Some((found, version, position)) if found == stream => {
                result.version = result.version.max(version as u64);
                result.position = result.position.max(position as u64);
            }
            _ => return Err(StoreError::EventIdReused(event.event_id)),
        }
    }
    Ok(Some(result))
}

fn row_to_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
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

const SELECT: &str =
    "SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data FROM events";

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
                envelopes: Vec::new(),
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
