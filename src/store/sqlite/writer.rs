//! The writer thread: groups waiting appends into one transaction (group commit), each in
//! its own savepoint; imports; keeps the tail of what it committed for the followers.

use std::path::Path;
use std::sync::{mpsc, Arc};

use chrono::{DateTime, Utc};
use hoicho_events::{NewEvent, RecordedEvent};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use super::wal::{truncate_wal, wal_size, WalBound};
use super::{head, unavailable, Tail, MAX_GROUP, TAIL_EVENTS};
use crate::store::chain::{self, Checked, Fields, Link};
use crate::store::{AppendResult, Job, StoreError, WriteRequest};

pub(super) fn writer_loop(
    mut conn: Connection,
    rx: mpsc::Receiver<Job>,
    changes: watch::Sender<u64>,
    tail: &Tail,
    wal: &Path,
    bound: WalBound,
    chaining: bool,
) {
    let advance = |last: u64| crate::store::advance(&changes, last);
    let mut queue = crate::store::WriteQueue::default();
    loop {
        if queue.is_empty() {
            // A quiet moment: the WAL is cut to nothing, and tried again each `idle` while a
            // reader of an older snapshot holds on.
            let job = loop {
                match rx.recv_timeout(bound.idle) {
                    Ok(job) => break Some(job),
                    Err(mpsc::RecvTimeoutError::Timeout) if wal_size(wal) > 0 => {
                        truncate_wal(&conn, std::time::Duration::from_millis(50));
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break None,
                }
            };
            let Some(job) = job else {
                truncate_wal(&conn, std::time::Duration::from_secs(1));
                return;
            };
            queue.push(job);
        }
        queue.fill(|| rx.try_recv().ok());
        if let Some(Job::Import { events, reply }) = queue.held() {
            if let Ok(mut tail) = tail.lock() {
                tail.clear();
            }
            let result = import(&mut conn, &events, chaining);
            if result.is_ok() {
                if let Some(last) = events.last() {
                    advance(last.position);
                }
            }
            let _ = reply.send(result);
            keep_bound(&conn, wal, bound);
            continue;
        }
        let group = queue.group(MAX_GROUP);
        if group.is_empty() {
            continue;
        }
        let (replies, results, committed) = commit_group(&mut conn, group, chaining);
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
        keep_bound(&conn, wal, bound);
    }
}

/// Once the WAL is past the bound, a PASSIVE checkpoint between two commits (an import's
/// included), so the checkpoint copies the whole WAL and the next commit starts it again (see
/// `WalBound`); after the last commit's answers, so only the appends arriving meanwhile wait
/// for it. PASSIVE never waits for a reader: one that still reads an older snapshot only puts
/// this off to a later commit.
fn keep_bound(conn: &Connection, wal: &Path, bound: WalBound) {
    if wal_size(wal) > bound.limit {
        if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %err, "the writer's checkpoint was put off");
        }
    }
}

/// Writes exported events as they were, in one transaction, linking each to the chain.
fn import(conn: &mut Connection, events: &[RecordedEvent], chaining: bool) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    {
        let mut tip = if chaining {
            Some(tip(&tx).map_err(unavailable)?)
        } else {
            None
        };
        let mut current = tx
            .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
            .map_err(unavailable)?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
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
            crate::store::check_import_order(e, version, head)?;
            let link = tip.as_mut().map(|tip| {
                tip.link = chain::link(&tip.link, Fields::of(e));
                tip.link
            });
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
                    link.as_ref().map(|l| l.as_slice()),
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
    chaining: bool,
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
    // The last event's position and link, under the write lock: where this group goes on.
    let tip_now = match chaining {
        true => tip(&tx),
        false => head(&tx).map(|position| Checked {
            position,
            link: chain::GENESIS,
        }),
    };
    let mut tip = match tip_now {
        Ok(tip) => tip,
        Err(err) => {
            for request in group {
                replies.push(request.reply);
                results.push(Err(unavailable(&err)));
            }
            return (replies, results, committed);
        }
    };
    for request in group {
        let before = tip;
        let result = match savepoint(&tx, "SAVEPOINT append") {
            Ok(_) => match append_one(&tx, &request, &mut tip, chaining) {
                Ok((done, inserted)) => {
                    let released = savepoint(&tx, "RELEASE append").map(|_| done).map_err(unavailable);
                    if inserted && released.is_ok() {
                        recorded(&mut committed, request.stream, request.events, done);
                    }
                    released
                }
                Err(err) => {
                    tip = before;
                    let undone = savepoint(&tx, "ROLLBACK TO append").and_then(|_| savepoint(&tx, "RELEASE append"));
                    match undone {
                        Ok(_) => Err(err),
                        Err(undo) => Err(unavailable(undo)),
                    }
                }
            },
            Err(err) => Err(unavailable(err)),
        };
        if result.is_err() {
            tip = before;
        }
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
fn append_one(
    tx: &rusqlite::Transaction<'_>,
    request: &WriteRequest,
    tip: &mut Checked,
    chaining: bool,
) -> Result<(AppendResult, bool), StoreError> {
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
            "INSERT INTO events (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(unavailable)?;
    let mut version = current;
    let mut position = 0;
    for (i, event) in request.events.iter().enumerate() {
        version += 1;
        let at = tip.position + 1;
        let recorded_micros = event.recorded_at.timestamp_micros();
        let link = chaining.then(|| {
            chain::link(
                &tip.link,
                Fields {
                    position: at,
                    event_id: &event.event_id,
                    stream,
                    version,
                    event_type: &event.event_type,
                    schema_version: event.schema_version,
                    recorded_micros,
                    metadata: &event.metadata,
                    data: &event.data,
                },
            )
        });
        let inserted = insert.execute(params![
            at as i64,
            event.event_id.as_bytes().as_slice(),
            stream,
            version as i64,
            event.event_type,
            event.schema_version,
            recorded_micros,
            event.metadata,
            event.data,
            link.as_ref().map(|l| l.as_slice()),
        ]);
        match inserted {
            Ok(_) => {
                position = at;
                *tip = Checked {
                    position: at,
                    link: link.unwrap_or(chain::GENESIS),
                };
            }
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

/// The last event's position and link (the genesis link for an empty log), linking first any
/// event written without one (by a hoicho from before the chain, or a baseline store).
fn tip(conn: &Connection) -> rusqlite::Result<Checked> {
    let last = conn
        .prepare_cached("SELECT position, chain FROM events ORDER BY position DESC LIMIT 1")?
        .query_row([], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Option<Vec<u8>>>(1)?))
        })
        .optional()?;
    match last {
        None => Ok(Checked::default()),
        Some((position, Some(link))) => Ok(Checked {
            position,
            link: link.try_into().unwrap_or(chain::GENESIS),
        }),
        Some((position, None)) => {
            link_from(conn)?;
            let link: Vec<u8> = conn.query_row(
                "SELECT chain FROM events WHERE position = ?1",
                [position as i64],
                |row| row.get(0),
            )?;
            Ok(Checked {
                position,
                link: link.try_into().unwrap_or(chain::GENESIS),
            })
        }
    }
}

/// Links every event that has no link yet, in order, in one transaction; how many.
pub(super) fn link_unlinked(conn: &mut Connection) -> rusqlite::Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let linked = link_from(&tx)?;
    tx.commit()?;
    Ok(linked)
}

/// Links the events at the end of the log that have no link yet (written by a hoicho from
/// before the chain, or a baseline store), in order, inside the caller's transaction; how
/// many. An event without a link before a linked one is left as it is: linking it would
/// rewrite the links after it and hide whatever was done to it, so `verify` names it.
fn link_from(conn: &Connection) -> rusqlite::Result<u64> {
    let head = head(conn)? as i64;
    let mut first = head + 1;
    {
        let mut unlinked = conn.prepare(
            "SELECT position FROM events INDEXED BY events_unlinked WHERE chain IS NULL ORDER BY position DESC",
        )?;
        let mut rows = unlinked.query([])?;
        while let Some(row) = rows.next()? {
            let position: i64 = row.get(0)?;
            if position != first - 1 {
                break;
            }
            first = position;
        }
    }
    if first > head {
        return Ok(0);
    }
    let mut previous: Link = if first <= 1 {
        chain::GENESIS
    } else {
        let link: Option<Vec<u8>> = conn
            .query_row("SELECT chain FROM events WHERE position = ?1", [first - 1], |row| {
                row.get(0)
            })
            .optional()?
            .flatten();
        link.and_then(|l| l.try_into().ok()).unwrap_or(chain::GENESIS)
    };
    // In batches read before they are written: no cursor stays open on rows being updated.
    let mut read = conn.prepare(&format!(
        "{} WHERE position > ?1 ORDER BY position LIMIT 10000",
        super::SELECT
    ))?;
    let mut update = conn.prepare("UPDATE events SET chain = ?1 WHERE position = ?2")?;
    let mut after = first - 1;
    let mut linked = 0;
    loop {
        let batch = read
            .query_map([after], super::row_to_event)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some(last) = batch.last() else { break };
        after = last.position as i64;
        for event in &batch {
            previous = chain::link(&previous, Fields::of(event));
            update.execute(params![previous.as_slice(), event.position as i64])?;
        }
        linked += batch.len() as u64;
    }
    Ok(linked)
}
