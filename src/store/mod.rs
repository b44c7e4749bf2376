//! The event-store contract (DESIGN.md "The event log") and its backends.
//!
//! Every backend passes the same [`conformance`] suite. Backends only store and order raw
//! events; decoding and upcasting belong to `hoicho-events`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hoicho_events::{Envelope, NewEvent, RecordedEvent};
use tokio::sync::watch;

pub mod chain;
pub mod conformance;
pub mod esdb;
pub mod postgres;
mod queue;
pub mod sqlite;

pub(crate) use queue::{Job, WriteQueue, WriteRequest};

/// What the writer believes about a stream before appending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have this version (1 for a stream's first event).
    Exact(u64),
    /// Append whatever the stream holds.
    Any,
}

impl ExpectedVersion {
    /// Whether a stream at `current` (0: no stream) is what the writer expected.
    pub fn admits(self, current: u64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => current == 0,
            ExpectedVersion::Exact(v) => current == v,
        }
    }
}

/// Another stream an append depends on: the append commits only if `stream` is at
/// `expected` at that point of the log, checked under the same commit order. An allocation
/// names the registration it gives booths to, so a withdrawal that commits first refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    pub stream: String,
    pub expected: ExpectedVersion,
}

/// The guards checked by reading their streams, then the append: for a backend that cannot
/// check them in the append's own transaction. A write between the two goes unseen.
pub async fn guards_then_append(
    store: &dyn EventStore,
    stream: &str,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
    guards: Vec<Guard>,
) -> Result<AppendResult, StoreError> {
    for guard in &guards {
        let mut version = 0;
        loop {
            let batch = store.read_stream(&guard.stream, version + 1, 1000).await?;
            match batch.last() {
                Some(last) => version = last.version,
                None => break,
            }
        }
        if !guard.expected.admits(version) {
            return Err(StoreError::Conflict {
                stream: guard.stream.clone(),
                expected: guard.expected,
                actual: version,
            });
        }
    }
    store.append(stream, expected, events).await
}

/// Moves the head `changes` reports forward to `position` (never back), waking the
/// followers only when it moved.
pub fn advance(changes: &watch::Sender<u64>, position: u64) {
    changes.send_if_modified(|head| {
        let moved = position > *head;
        *head = (*head).max(position);
        moved
    });
}

/// One stream's consecutive events in an export, ready to append again.
pub struct Run {
    pub stream: String,
    /// The version the stream must be at before the run (0: it must not exist).
    pub after_version: u64,
    pub events: Vec<NewEvent>,
    /// The positions the events had in the exported log.
    pub positions: Vec<u64>,
}

/// Splits exported events into runs of one stream's consecutive versions, in log order.
pub fn runs(events: Vec<RecordedEvent>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for e in events {
        let continues = runs
            .last()
            .is_some_and(|run| run.stream == e.stream && e.version == run.after_version + run.events.len() as u64 + 1);
        if !continues {
            runs.push(Run {
                stream: e.stream.clone(),
                after_version: e.version.saturating_sub(1),
                events: Vec::new(),
                positions: Vec::new(),
            });
        }
        let run = runs.last_mut().expect("pushed above");
        run.positions.push(e.position);
        run.events.push(NewEvent {
            event_id: e.event_id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            recorded_at: e.recorded_at,
            metadata: e.metadata,
            data: e.data,
        });
    }
    runs
}

/// Where an append left the stream and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendResult {
    /// The stream's version after the append (its last event's version).
    pub version: u64,
    /// The global position of the last event appended.
    pub position: u64,
}

/// Failures of the store itself, as opposed to a command's domain errors.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Somebody else appended first. HTTP: decide again, or 409/412.
    #[error("stream {stream} is at version {actual}, the append expected {expected:?}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    /// An event id that is already in the log came back with a different stream or
    /// alongside new ids. HTTP 422.
    #[error("event id {0} is already in the log as part of another append")]
    EventIdReused(uuid::Uuid),
    /// The store cannot be reached or cannot write (disk full, I/O error, server down).
    /// HTTP 503: nothing was written.
    #[error("event store unavailable: {0}")]
    Unavailable(String),
}

/// The log. Implementations must keep the contract in DESIGN.md: atomic multi-event
/// appends, idempotent event ids, durable acknowledgement, gap-free global order.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` atomically to `stream` if it is at `expected`. Re-appending ids that
    /// are already in that stream returns the first result and writes nothing.
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError>;

    /// [`EventStore::append`] for bookkeeping no request waits for (the notifier's claims
    /// and outcomes): a backend with a write queue may let the appends of requests waiting
    /// with it go first. Same contract and guarantees as `append`.
    async fn append_background(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        self.append(stream, expected, events).await
    }

    /// [`EventStore::append`] that commits only if every guard's stream is at its expected
    /// version at that point of the log; otherwise a [`StoreError::Conflict`] naming the
    /// guard's stream, and nothing is written. SQLite and PostgreSQL check the guards in the
    /// append's own transaction, under the commit order; EventStoreDB has no such check and
    /// reads them first ([`guards_then_append`], ADR 010), which leaves a window. Required,
    /// so a wrapper cannot fall back to the weaker check unawares.
    async fn append_guarded(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<Guard>,
    ) -> Result<AppendResult, StoreError>;

    /// Up to `limit` events of `stream` with version ≥ `from_version`, in version order.
    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Up to `limit` events with a global position > `after`, in order. Never returns an
    /// event while an earlier position may still commit.
    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Like [`EventStore::read_all`], decoded for the projections. Events this build cannot
    /// decode are logged and left out (a newer hoicho sharing the log may have written
    /// them). Backends may override it to decode straight from their own buffers.
    async fn read_all_decoded(&self, after: u64, limit: usize) -> Result<DecodedBatch, StoreError> {
        let batch = self.read_all(after, limit).await?;
        let last_position = batch.last().map(|e| e.position);
        let envelopes = tokio::task::spawn_blocking(move || crate::replay::decode_batch(&batch))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(DecodedBatch {
            envelopes,
            last_position,
        })
    }

    /// Like [`EventStore::read_all`], each event with the link of the hash chain the store
    /// keeps for it ([`chain`]). A backend that keeps no chain answers with no links.
    async fn read_chained(&self, after: u64, limit: usize) -> Result<Vec<chain::Chained>, StoreError> {
        let events = self.read_all(after, limit).await?;
        Ok(events
            .into_iter()
            .map(|event| chain::Chained { event, link: None })
            .collect())
    }

    /// Whether the store keeps a hash chain over its events.
    fn chained(&self) -> bool {
        false
    }

    /// The position of the last committed event (0 for an empty log).
    async fn head(&self) -> Result<u64, StoreError>;

    /// Ticks whenever new events may be readable. Followers also poll, so a backend that
    /// cannot see other processes' writes still delivers them.
    fn changes(&self) -> watch::Receiver<u64>;

    /// A short name for logs and metrics: `sqlite`, `postgres`, `esdb`.
    fn backend(&self) -> &'static str;

    /// Writes events exported from another log, keeping their ids, versions and times, as
    /// one atomic step per call. Each must continue its stream, and the log must assign it
    /// the position it had (so an import into an empty store reproduces the log exactly).
    /// Backends may override this with a faster path.
    async fn import(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        for run in runs(events) {
            let expected = if run.after_version == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(run.after_version)
            };
            let done = self.append(&run.stream, expected, run.events).await?;
            if Some(&done.position) != run.positions.last() {
                return Err(StoreError::Unavailable(format!(
                    "the import expected position {:?} but the log assigned {}; import only into an empty store",
                    run.positions.last(),
                    done.position
                )));
            }
        }
        Ok(())
    }
}

/// Decoded events and the position of the last event read (decodable or not).
#[derive(Debug, Default)]
pub struct DecodedBatch {
    pub envelopes: Vec<Envelope>,
    pub last_position: Option<u64>,
}

impl DecodedBatch {
    /// Decodes one stored event onto the batch; one that does not decode is skipped (and
    /// said so), but still moves `last_position` on.
    pub fn push(&mut self, header: hoicho_events::EnvelopeHeader<'_>, event_type: &str, metadata: &str, data: &str) {
        let position = header.position;
        match Envelope::decode_parts(header, event_type, metadata, data) {
            Ok(envelope) => self.envelopes.push(envelope),
            Err(err) => tracing::warn!(position, error = %err, "event skipped by projections"),
        }
        self.last_position = Some(position);
    }
}

/// Events a subscription reads at a time. Large enough that catching up on a long log is
/// bound by decoding, not by round trips.
pub const REPLAY_BATCH: usize = 10_000;

/// A live subscription: every event after a position, once each, in global order.
pub struct Subscription {
    store: Arc<dyn EventStore>,
    position: u64,
    changes: watch::Receiver<u64>,
    batch: usize,
    poll: Duration,
}

impl Subscription {
    pub fn new(store: Arc<dyn EventStore>, after: u64) -> Self {
        let changes = store.changes();
        Subscription {
            store,
            position: after,
            changes,
            batch: REPLAY_BATCH,
            poll: Duration::from_millis(250),
        }
    }

    /// The position of the last event handed out.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The next events, waiting until there is at least one.
    pub async fn next_batch(&mut self) -> Result<Vec<RecordedEvent>, StoreError> {
        loop {
            // Mark before reading, so a commit that lands after the read wakes the wait.
            self.changes.borrow_and_update();
            let events = self.store.read_all(self.position, self.batch).await?;
            if let Some(last) = events.last() {
                self.position = last.position;
                return Ok(events);
            }
            let _ = tokio::time::timeout(self.poll, self.changes.changed()).await;
        }
    }

    /// The next events, decoded, waiting until there is at least one.
    pub async fn next_decoded(&mut self) -> Result<DecodedBatch, StoreError> {
        loop {
            self.changes.borrow_and_update();
            let batch = self.store.read_all_decoded(self.position, self.batch).await?;
            if let Some(last) = batch.last_position {
                self.position = last;
                return Ok(batch);
            }
            let _ = tokio::time::timeout(self.poll, self.changes.changed()).await;
        }
    }

    /// The next events if there are any now, without waiting.
    pub async fn try_next_batch(&mut self) -> Result<Vec<RecordedEvent>, StoreError> {
        let events = self.store.read_all(self.position, self.batch).await?;
        if let Some(last) = events.last() {
            self.position = last.position;
        }
        Ok(events)
    }
}

/// Whether an imported event may come next: it continues its stream (whose last version so
/// far is `version`) and comes after the log's `head`. Every store's import asks this.
pub(crate) fn check_import_order(e: &RecordedEvent, version: u64, head: u64) -> Result<(), StoreError> {
    if e.version != version + 1 {
        return Err(StoreError::Conflict {
            stream: e.stream.clone(),
            expected: ExpectedVersion::Exact(e.version.saturating_sub(1)),
            actual: version,
        });
    }
    if e.position <= head {
        return Err(StoreError::Unavailable(format!(
            "position {} is not after the log's head {head}; import only into an empty store",
            e.position
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::queue::BACKGROUND_PER_GROUP;
    use super::*;

    fn recorded(position: u64, stream: &str, version: u64) -> RecordedEvent {
        RecordedEvent {
            position,
            event_id: uuid::Uuid::now_v7(),
            stream: stream.into(),
            version,
            event_type: "Test".into(),
            schema_version: 1,
            recorded_at: chrono::Utc::now(),
            metadata: "{}".into(),
            data: format!(r#"{{"n":{position}}}"#),
        }
    }

    #[test]
    fn an_export_splits_into_runs_of_one_streams_consecutive_versions() {
        let log = vec![
            recorded(1, "fair-a", 1),
            recorded(2, "fair-a", 2),
            recorded(3, "registration-x", 1),
            recorded(4, "fair-a", 3),
            recorded(5, "fair-a", 4),
            recorded(6, "fair-a", 6),
        ];
        let runs = runs(log);
        let shape: Vec<(&str, u64, usize, Vec<u64>)> = runs
            .iter()
            .map(|r| (r.stream.as_str(), r.after_version, r.events.len(), r.positions.clone()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("fair-a", 0, 2, vec![1, 2]),
                ("registration-x", 0, 1, vec![3]),
                ("fair-a", 2, 2, vec![4, 5]),
                ("fair-a", 5, 1, vec![6]),
            ]
        );
        assert_eq!(runs[0].events[1].data, r#"{"n":2}"#);
    }

    #[test]
    fn an_expectation_admits_only_the_version_it_names() {
        assert!(ExpectedVersion::Any.admits(7));
        assert!(ExpectedVersion::NoStream.admits(0) && !ExpectedVersion::NoStream.admits(1));
        assert!(ExpectedVersion::Exact(3).admits(3) && !ExpectedVersion::Exact(3).admits(4));
    }

    fn append_job(stream: &str, background: bool) -> Job {
        Job::append(stream, ExpectedVersion::Any, Vec::new(), Vec::new(), background).0
    }

    fn streams(group: &[WriteRequest]) -> Vec<&str> {
        group.iter().map(|r| r.stream.as_str()).collect()
    }

    #[test]
    fn requests_go_first_and_groups_keep_their_bound() {
        let mut queue = WriteQueue::default();
        let mut waiting: std::collections::VecDeque<Job> = (0..40)
            .map(|i| append_job(&format!("mail-{i}"), true))
            .chain((0..3).map(|i| append_job(&format!("request-{i}"), false)))
            .collect();
        queue.push(waiting.pop_front().unwrap());
        queue.fill(|| waiting.pop_front());
        assert!(waiting.is_empty());
        let first = queue.group(32);
        assert_eq!(first.len(), 32);
        assert_eq!(streams(&first[..4]), ["request-0", "request-1", "request-2", "mail-0"]);
        assert_eq!(first.last().unwrap().stream, "mail-28");
        // Requests arriving meanwhile still go ahead of the background appends left over.
        queue.push(append_job("request-3", false));
        let second = queue.group(32);
        assert_eq!(streams(&second[..2]), ["request-3", "mail-29"]);
        assert_eq!(second.len(), 1 + 11);
        assert!(queue.group(32).is_empty() && queue.is_empty());
        // Requests alone can fill a group.
        for i in 0..10 {
            queue.push(append_job(&format!("r{i}"), false));
        }
        queue.push(append_job("m", true));
        assert_eq!(streams(&queue.group(4)), ["r0", "r1", "r2", "r3"]);
    }

    #[test]
    fn a_group_takes_a_bounded_share_of_background_appends() {
        let mut queue = WriteQueue::default();
        for i in 0..200 {
            queue.push(append_job(&format!("mail-{i}"), true));
        }
        queue.push(append_job("request", false));
        let first = queue.group(512);
        assert_eq!(first.len(), 1 + BACKGROUND_PER_GROUP);
        assert_eq!(streams(&first[..2]), ["request", "mail-0"]);
        let sizes: Vec<usize> = std::iter::from_fn(|| Some(queue.group(512).len()).filter(|n| *n > 0)).collect();
        assert_eq!(sizes, [64, 64, 8], "the rest in order, none lost");
        assert!(queue.is_empty());
    }

    #[test]
    fn an_import_waits_for_the_appends_sent_before_it_and_holds_back_the_ones_after() {
        let mut queue = WriteQueue::default();
        let (reply, _answer) = tokio::sync::oneshot::channel();
        let mut waiting: std::collections::VecDeque<Job> = vec![
            append_job("before", true),
            Job::Import {
                events: Vec::new(),
                reply,
            },
            append_job("after", false),
        ]
        .into();
        queue.push(waiting.pop_front().unwrap());
        queue.fill(|| waiting.pop_front());
        assert_eq!(waiting.len(), 1, "what follows the import is not taken yet");
        assert!(
            queue.held().is_none(),
            "an append sent before the import is still waiting"
        );
        assert_eq!(streams(&queue.group(512)), ["before"]);
        assert!(matches!(queue.held(), Some(Job::Import { .. })));
        assert!(queue.is_empty());
        queue.fill(|| waiting.pop_front());
        assert_eq!(streams(&queue.group(512)), ["after"]);
    }
}
