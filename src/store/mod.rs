//! The event-store contract (DESIGN.md "The event log") and its backends.
//!
//! Every backend passes the same [`conformance`] suite. Backends only store and order raw
//! events; decoding and upcasting belong to `hoicho-events`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hoicho_events::{Envelope, NewEvent, RecordedEvent};
use tokio::sync::watch;

pub mod conformance;
pub mod esdb;
pub mod postgres;
pub mod sqlite;

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
        let mut i = 0;
        while i < events.len() {
            let stream = events[i].stream.clone();
            let first_version = events[i].version;
            let mut run = Vec::new();
            let mut positions = Vec::new();
            while i < events.len()
                && events[i].stream == stream
                && events[i].version == first_version + run.len() as u64
            {
                let e = &events[i];
                positions.push(e.position);
                run.push(NewEvent {
                    event_id: e.event_id,
                    event_type: e.event_type.clone(),
                    schema_version: e.schema_version,
                    recorded_at: e.recorded_at,
                    metadata: e.metadata.clone(),
                    data: e.data.clone(),
                });
                i += 1;
            }
            let expected = if first_version <= 1 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(first_version - 1)
            };
            let done = self.append(&stream, expected, run).await?;
            if Some(&done.position) != positions.last() {
                return Err(StoreError::Unavailable(format!(
                    "the import expected position {:?} but the log assigned {}; import only into an empty store",
                    positions.last(),
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
