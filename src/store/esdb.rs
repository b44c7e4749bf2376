//! EventStoreDB / KurrentDB, through the `eventstore` crate, for organisations that run it.
//!
//! hoicho's streams are EventStoreDB streams (under an optional name prefix, so several
//! deployments can share a server); hoicho's versions are stream revisions plus one; a global
//! position is the event's commit position in the server's transaction file, which rises
//! but is not numbered 1, 2, 3. The server keeps the order gap-free: it has one writer and
//! `$all` shows only what it has written. What it does not keep: event ids unique across
//! streams (it checks ids per stream, for idempotent retries). ADR 010 says what that means.
//!
//! Schema version, recorded-at time and hoicho's metadata travel in the event's custom
//! metadata as one JSON object; the data is the event's JSON payload, byte for byte.
//!
//! The client installs rustls' process-wide crypto provider with `expect()` when it first
//! connects (upstream issue #207): nothing in hoicho may install one before it, and
//! [`EsdbStore::open`] checks the connection so a client that died says so at start-up.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use eventstore::{
    AppendToStreamOptions, Client, ClientSettings, CurrentRevision, EventData, ExpectedRevision, Position,
    ReadAllOptions, ReadStreamOptions, StreamPosition, SubscribeToAllOptions, SubscriptionFilter,
};
use hoicho_events::{NewEvent, RecordedEvent};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{AppendResult, EventStore, ExpectedVersion, StoreError};

/// How long one call to the server may take before it answers "unavailable".
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long start-up waits for the first answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Events read from `$all` at a time while looking for hoicho's among the server's own.
const PAGE: usize = 512;

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

async fn within<T>(
    what: &str,
    call: impl std::future::Future<Output = eventstore::Result<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(unavailable(format!("EventStoreDB {what}: {err}"))),
        Err(_) => Err(unavailable(format!(
            "EventStoreDB {what}: no answer in {CALL_TIMEOUT:?}"
        ))),
    }
}

/// What hoicho keeps in an event's custom metadata.
#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    schema_version: u32,
    recorded_at: DateTime<Utc>,
    #[serde(borrow)]
    metadata: &'a RawValue,
}

/// The revision an append expects, in the server's terms (revisions count from 0).
pub fn expected_revision(expected: ExpectedVersion) -> ExpectedRevision {
    match expected {
        ExpectedVersion::Any => ExpectedRevision::Any,
        ExpectedVersion::NoStream | ExpectedVersion::Exact(0) => ExpectedRevision::NoStream,
        ExpectedVersion::Exact(version) => ExpectedRevision::Exact(version - 1),
    }
}

/// The stream's version (0: no stream) from the server's answer to a conflicting append.
pub fn actual_version(current: CurrentRevision) -> u64 {
    match current {
        CurrentRevision::NoStream => 0,
        CurrentRevision::Current(revision) => revision + 1,
    }
}

/// The parts of an event as the server stores them: type, JSON payload, custom metadata.
pub fn encode(event: &NewEvent) -> Result<EventData, StoreError> {
    let metadata = RawValue::from_string(event.metadata.clone())
        .map_err(|e| unavailable(format!("event {} has metadata that is not JSON: {e}", event.event_id)))?;
    let envelope = Envelope {
        schema_version: event.schema_version,
        recorded_at: event.recorded_at,
        metadata: &metadata,
    };
    let data = RawValue::from_string(event.data.clone())
        .map_err(|e| unavailable(format!("event {} has data that is not JSON: {e}", event.event_id)))?;
    EventData::json(&event.event_type, &data)
        .and_then(|e| e.metadata_as_json(&envelope))
        .map(|e| e.id(event.event_id))
        .map_err(unavailable)
}

/// A server event as hoicho's, or `None` if it is not hoicho's (a system event, another
/// deployment's prefix, an event without hoicho's metadata).
pub fn decode(event: &eventstore::RecordedEvent, prefix: &str) -> Option<RecordedEvent> {
    if event.event_type.starts_with('$') {
        return None;
    }
    let stream = event.stream_id.strip_prefix(prefix)?;
    if stream.starts_with('$') {
        return None;
    }
    let envelope: Envelope<'_> = serde_json::from_slice(&event.custom_metadata).ok()?;
    Some(RecordedEvent {
        position: event.position.commit,
        event_id: event.id,
        stream: stream.to_owned(),
        version: event.revision + 1,
        event_type: event.event_type.clone(),
        schema_version: envelope.schema_version,
        recorded_at: envelope.recorded_at,
        metadata: envelope.metadata.get().to_owned(),
        data: String::from_utf8(event.data.to_vec()).ok()?,
    })
}

/// Where a read of `$all` starts for events after `after` (inclusive: the event at `after`
/// comes back and is skipped).
fn from(after: u64) -> StreamPosition<Position> {
    if after == 0 {
        StreamPosition::Start
    } else {
        StreamPosition::Position(Position {
            commit: after,
            prepare: after,
        })
    }
}

pub struct EsdbStore {
    client: Client,
    prefix: String,
    changes: watch::Receiver<u64>,
    ticker: JoinHandle<()>,
}

impl Drop for EsdbStore {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}

impl EsdbStore {
    /// Connects to `url` (esdb://host:2113?tls=false, esdb+discover://… for a cluster).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with_prefix(url, "").await
    }

    /// Like [`EsdbStore::open`], keeping hoicho's streams under `prefix` so that several
    /// deployments (or tests) can share one server.
    pub async fn open_with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let settings: ClientSettings = url
            .parse()
            .map_err(|e| unavailable(format!("not an EventStoreDB address: {e}")))?;
        let client = Client::new(settings).map_err(|e| unavailable(format!("EventStoreDB client: {e}")))?;
        // The client connects in a background task; one that died there answers every call
        // with "connection closed". Ask for something now, so start-up fails with the reason.
        let first = ReadAllOptions::default()
            .backwards()
            .position(StreamPosition::End)
            .max_count(1);
        match tokio::time::timeout(CONNECT_TIMEOUT, async {
            let mut read = client.read_all(&first).await?;
            read.next().await
        })
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                return Err(unavailable(format!(
                    "cannot reach EventStoreDB at {}: {err}",
                    redact(url)
                )));
            }
            Err(_) => {
                return Err(unavailable(format!(
                    "no answer from EventStoreDB at {} in {CONNECT_TIMEOUT:?}",
                    redact(url)
                )));
            }
        }
        let mut store = EsdbStore {
            client: client.clone(),
            prefix: prefix.to_owned(),
            changes: watch::channel(0).1,
            ticker: tokio::spawn(async {}),
        };
        let head = store.head().await?;
        let (tx, changes) = watch::channel(head);
        store.changes = changes;
        store.ticker = tokio::spawn(tick(client, prefix.to_owned(), head, tx));
        Ok(store)
    }

    fn name(&self, stream: &str) -> String {
        format!("{}{stream}", self.prefix)
    }
}

/// The address without its password, for messages.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Follows `$all` from the head with a live subscription (system events filtered out by the
/// server) and ticks `changes` with each of hoicho's events. After a failure it subscribes
/// again from the last position it saw.
async fn tick(client: Client, prefix: String, head: u64, changes: watch::Sender<u64>) {
    let mut last = if head == 0 { StreamPosition::Start } else { from(head) };
    loop {
        let options = SubscribeToAllOptions::default()
            .position(last)
            .filter(SubscriptionFilter::on_event_type().exclude_system_events());
        let mut subscription = client.subscribe_to_all(&options).await;
        loop {
            match subscription.next().await {
                Ok(resolved) => {
                    let event = resolved.get_original_event();
                    last = StreamPosition::Position(event.position);
                    if decode(event, &prefix).is_some() {
                        super::advance(&changes, event.position.commit);
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the EventStoreDB subscription dropped; subscribing again");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[async_trait]
impl EventStore for EsdbStore {
    /// EventStoreDB appends to one stream at a time and cannot check another's version in
    /// the same step: the guards are read first (ADR 010).
    async fn append_guarded(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<super::Guard>,
    ) -> Result<AppendResult, StoreError> {
        super::guards_then_append(self, stream, expected, events, guards).await
    }

    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        if events.is_empty() {
            let current = self
                .read_stream(stream, 1, usize::MAX)
                .await?
                .last()
                .map_or(0, |e| e.version);
            if !expected.admits(current) {
                return Err(StoreError::Conflict {
                    stream: stream.to_owned(),
                    expected,
                    actual: current,
                });
            }
            return Ok(AppendResult {
                version: current,
                position: self.head().await?,
            });
        }
        let data = events.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        let options = AppendToStreamOptions::default().expected_revision(expected_revision(expected));
        let name = self.name(stream);
        match tokio::time::timeout(CALL_TIMEOUT, self.client.append_to_stream(name, &options, data)).await {
            Ok(Ok(written)) => Ok(AppendResult {
                version: written.next_expected_version + 1,
                position: written.position.commit,
            }),
            Ok(Err(eventstore::Error::WrongExpectedVersion { current, .. })) => Err(StoreError::Conflict {
                stream: stream.to_owned(),
                expected,
                actual: actual_version(current),
            }),
            Ok(Err(err)) => Err(unavailable(format!("EventStoreDB append: {err}"))),
            Err(_) => Err(unavailable(format!(
                "EventStoreDB append: no answer in {CALL_TIMEOUT:?}"
            ))),
        }
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let options = ReadStreamOptions::default()
            .forwards()
            .position(StreamPosition::Position(from_version.saturating_sub(1)))
            .max_count(limit);
        let mut read = within("read", self.client.read_stream(self.name(stream), &options)).await?;
        let mut events = Vec::new();
        loop {
            match tokio::time::timeout(CALL_TIMEOUT, read.next()).await {
                Ok(Ok(Some(resolved))) => {
                    if let Some(event) = decode(resolved.get_original_event(), &self.prefix) {
                        events.push(event);
                    }
                }
                Ok(Ok(None)) => return Ok(events),
                Ok(Err(eventstore::Error::ResourceNotFound)) => return Ok(Vec::new()),
                Ok(Err(err)) => return Err(unavailable(format!("EventStoreDB read: {err}"))),
                Err(_) => return Err(unavailable("EventStoreDB read: no answer in time")),
            }
        }
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = Vec::new();
        let mut start = from(after);
        loop {
            let options = ReadAllOptions::default()
                .forwards()
                .position(start)
                .max_count(PAGE.max(limit.saturating_add(1)));
            let mut read = within("read", self.client.read_all(&options)).await?;
            let (mut seen, mut last) = (0usize, None);
            loop {
                match tokio::time::timeout(CALL_TIMEOUT, read.next()).await {
                    Ok(Ok(Some(resolved))) => {
                        seen += 1;
                        let event = resolved.get_original_event();
                        last = Some(event.position);
                        if event.position.commit <= after {
                            continue;
                        }
                        if let Some(event) = decode(event, &self.prefix) {
                            events.push(event);
                            if events.len() == limit {
                                return Ok(events);
                            }
                        }
                    }
                    Ok(Ok(None)) => break,
                    Ok(Err(err)) => return Err(unavailable(format!("EventStoreDB read: {err}"))),
                    Err(_) => return Err(unavailable("EventStoreDB read: no answer in time")),
                }
            }
            // A page of nothing but the server's own events: read on, unless that was the end.
            match last {
                Some(position) if events.is_empty() && seen > 1 => start = StreamPosition::Position(position),
                _ => return Ok(events),
            }
        }
    }

    async fn head(&self) -> Result<u64, StoreError> {
        let mut start = StreamPosition::End;
        loop {
            let options = ReadAllOptions::default().backwards().position(start).max_count(PAGE);
            let mut read = within("read", self.client.read_all(&options)).await?;
            let (mut seen, mut last) = (0usize, None);
            loop {
                match tokio::time::timeout(CALL_TIMEOUT, read.next()).await {
                    Ok(Ok(Some(resolved))) => {
                        seen += 1;
                        let event = resolved.get_original_event();
                        if decode(event, &self.prefix).is_some() {
                            return Ok(event.position.commit);
                        }
                        last = Some(event.position);
                    }
                    Ok(Ok(None)) => break,
                    Ok(Err(err)) => return Err(unavailable(format!("EventStoreDB read: {err}"))),
                    Err(_) => return Err(unavailable("EventStoreDB read: no answer in time")),
                }
            }
            match last {
                Some(position) if seen > 1 => start = StreamPosition::Position(position),
                _ => return Ok(0),
            }
        }
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    fn backend(&self) -> &'static str {
        "esdb"
    }

    /// An export keeps its ids, versions and times; the server gives new positions (its
    /// positions are places in its own file). Each stream's run goes in with its expected
    /// revision, so a stream that does not continue where the export says is refused.
    async fn import(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        for run in super::runs(events) {
            let expected = ExpectedVersion::Exact(run.after_version);
            self.append(&run.stream, expected, run.events).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::collections::HashMap;
    use uuid::Uuid;

    fn sample() -> NewEvent {
        NewEvent {
            event_id: Uuid::now_v7(),
            event_type: "SaleRecorded".into(),
            schema_version: 2,
            recorded_at: "2022-01-22T10:15:30.123456Z".parse().unwrap(),
            metadata: r#"{"actor":{"kind":"public"},  "correlation_id":"0190f5a4-0000-7000-8000-000000000000"}"#.into(),
            data: r#"{"name":"Nước mắm Cửa Hội", "note":"<b>\"ngon\"</b>","amount_vnd":1250000}"#.into(),
        }
    }

    /// What the server would hand back for `event`, written as `revision` of `stream`.
    fn stored(event: &NewEvent, stream: &str, revision: u64, commit: u64) -> eventstore::RecordedEvent {
        let metadata = RawValue::from_string(event.metadata.clone()).unwrap();
        let custom = serde_json::to_vec(&Envelope {
            schema_version: event.schema_version,
            recorded_at: event.recorded_at,
            metadata: &metadata,
        })
        .unwrap();
        eventstore::RecordedEvent {
            stream_id: stream.into(),
            id: event.event_id,
            revision,
            event_type: event.event_type.clone(),
            data: Bytes::from(event.data.clone()),
            metadata: HashMap::new(),
            custom_metadata: Bytes::from(custom),
            is_json: true,
            position: Position {
                commit,
                prepare: commit,
            },
            created: Utc::now(),
        }
    }

    #[test]
    fn versions_are_revisions_plus_one() {
        assert_eq!(expected_revision(ExpectedVersion::Any), ExpectedRevision::Any);
        assert_eq!(expected_revision(ExpectedVersion::NoStream), ExpectedRevision::NoStream);
        assert_eq!(expected_revision(ExpectedVersion::Exact(0)), ExpectedRevision::NoStream);
        assert_eq!(expected_revision(ExpectedVersion::Exact(1)), ExpectedRevision::Exact(0));
        assert_eq!(
            expected_revision(ExpectedVersion::Exact(42)),
            ExpectedRevision::Exact(41)
        );
        assert_eq!(actual_version(CurrentRevision::NoStream), 0);
        assert_eq!(actual_version(CurrentRevision::Current(0)), 1);
        assert_eq!(actual_version(CurrentRevision::Current(9)), 10);
    }

    #[test]
    fn an_event_comes_back_byte_for_byte() {
        let event = sample();
        encode(&event).expect("encodes");
        let back = decode(&stored(&event, "hoicho-fair-ht2022", 4, 7_340_032), "hoicho-").expect("hoicho's");
        assert_eq!(back.stream, "fair-ht2022");
        assert_eq!(back.version, 5);
        assert_eq!(back.position, 7_340_032);
        assert_eq!(back.event_id, event.event_id);
        assert_eq!(back.event_type, event.event_type);
        assert_eq!(back.schema_version, 2);
        assert_eq!(back.recorded_at, event.recorded_at);
        assert_eq!(back.metadata, event.metadata, "metadata byte for byte");
        assert_eq!(back.data, event.data, "data byte for byte");
    }

    #[test]
    fn the_servers_own_and_other_deployments_events_are_not_hoichos() {
        let event = sample();
        assert!(decode(&stored(&event, "$stats-127.0.0.1:2113", 0, 10), "").is_none());
        let mut system = stored(&event, "fair-ht2022", 0, 10);
        system.event_type = "$metadata".into();
        assert!(decode(&system, "").is_none());
        assert!(decode(&stored(&event, "other-fair-ht2022", 0, 10), "hoicho-").is_none());
        let mut foreign = stored(&event, "fair-ht2022", 0, 10);
        foreign.custom_metadata = Bytes::from_static(b"{\"$correlationId\":\"x\"}");
        assert!(decode(&foreign, "").is_none(), "an event hoicho did not write");
        assert!(decode(&stored(&event, "fair-ht2022", 0, 10), "").is_some());
    }

    #[test]
    fn data_that_is_not_json_is_refused_before_sending() {
        let mut event = sample();
        event.data = "not json".into();
        assert!(matches!(encode(&event), Err(StoreError::Unavailable(m)) if m.contains("not JSON")));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("esdb://admin:changeit@db.hatinh.gov.vn:2113?tls=true"),
            "esdb://…@db.hatinh.gov.vn:2113?tls=true"
        );
        assert_eq!(
            redact("esdb://localhost:2113?tls=false"),
            "esdb://localhost:2113?tls=false"
        );
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_named_at_start_up() {
        let started = std::time::Instant::now();
        let refused = EsdbStore::open("esdb://127.0.0.1:9?tls=false&maxDiscoverAttempts=2&discoveryInterval=100")
            .await
            .err()
            .expect("no server listens on port 9");
        let message = refused.to_string();
        assert!(message.contains("EventStoreDB at esdb://127.0.0.1:9"), "{message}");
        assert!(started.elapsed() < CONNECT_TIMEOUT + Duration::from_secs(2));
        let bad = EsdbStore::open("http://nope").await.err().expect("not an esdb address");
        assert!(bad.to_string().contains("not an EventStoreDB address"), "{bad}");
    }
}
