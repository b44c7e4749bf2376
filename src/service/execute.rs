//! Running a command: load the stream, decide, append with the expected version, and on a
//! conflict decide again against the fresh state, a bounded number of times.

use chrono::{DateTime, Utc};
use hoicho_events::{Actor, Envelope, Event, IdempotencyMark, Metadata, NewEvent, RecordedEvent};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{Aggregate, DomainError};
use crate::store::{EventStore, ExpectedVersion, Guard, StoreError};

/// How often a command is decided again after losing a race before giving up.
const MAX_ATTEMPTS: usize = 16;

/// A short random wait after losing a race, growing with the attempts (at most 20 ms): two
/// instances whose commands on one stream each run one after another would otherwise meet
/// again at once, each time a coin toss, and one of them could lose eight in a row.
async fn back_off(attempt: usize) {
    let ceiling = (1u64 << attempt.min(5)).min(20);
    let random = (uuid::Uuid::now_v7().as_u128() as u64) % (ceiling + 1);
    tokio::time::sleep(std::time::Duration::from_millis(random)).await;
}

/// Who sends a command, when, and on behalf of which request.
#[derive(Debug, Clone)]
pub struct CommandContext {
    pub actor: Actor,
    pub now: DateTime<Utc>,
    pub correlation_id: Uuid,
    pub request_id: Option<String>,
    pub idempotency: Option<IdempotencyMark>,
}

impl CommandContext {
    pub fn new(actor: Actor, now: DateTime<Utc>) -> Self {
        CommandContext {
            actor,
            now,
            correlation_id: Uuid::now_v7(),
            request_id: None,
            idempotency: None,
        }
    }

    fn metadata(&self) -> Metadata {
        Metadata {
            actor: self.actor.clone(),
            correlation_id: self.correlation_id,
            causation_id: None,
            request_id: self.request_id.clone(),
            idempotency: self.idempotency.clone(),
        }
    }

    /// A new id for the thing the command creates (`purpose`: "registration", "sale"):
    /// derived from the Idempotency-Key when there is one, so a retry or a racing copy of
    /// the request names the same thing; otherwise a fresh UUID v7.
    pub fn new_id(&self, purpose: &str) -> Uuid {
        match &self.idempotency {
            Some(mark) => {
                let digest = Sha256::new()
                    .chain_update(purpose.as_bytes())
                    .chain_update([0])
                    .chain_update(mark.principal.as_bytes())
                    .chain_update([0])
                    .chain_update(mark.key.as_bytes())
                    .chain_update([0])
                    .chain_update(mark.request_hash.as_bytes())
                    .finalize();
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                uuid::Builder::from_custom_bytes(bytes).into_uuid()
            }
            None => Uuid::now_v7(),
        }
    }

    /// The id of the `index`th event this command writes. With an idempotency key the ids
    /// are derived from it (UUID v8), so two racing copies of one request collapse into one
    /// append in the store; otherwise a fresh UUID v7.
    fn event_id(&self, index: usize) -> Uuid {
        match &self.idempotency {
            Some(mark) => {
                let digest = Sha256::new()
                    .chain_update(mark.principal.as_bytes())
                    .chain_update([0])
                    .chain_update(mark.key.as_bytes())
                    .chain_update([0])
                    .chain_update(mark.request_hash.as_bytes())
                    .chain_update((index as u64).to_be_bytes())
                    .finalize();
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                uuid::Builder::from_custom_bytes(bytes).into_uuid()
            }
            None => Uuid::now_v7(),
        }
    }
}

/// What a successful command wrote.
#[derive(Debug, Clone)]
pub struct Outcome<A> {
    pub stream: String,
    /// The stream's version after the command (unchanged when it wrote nothing).
    pub version: u64,
    /// The global position of the last event written (or the log head if none).
    pub position: u64,
    pub events: Vec<Event>,
    /// The aggregate's state after the command.
    pub state: A,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// 412: the client's `If-Match` named another version.
    #[error("the resource is at version {current}, not {expected}")]
    PreconditionFailed { expected: u64, current: u64 },
    /// 409: other writers kept winning.
    #[error("too many concurrent changes to {0}; try again")]
    Contended(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 409: a stream the command depended on (a registration an allocation names) changed
    /// after it was read; nothing was written.
    #[error("{0} changed meanwhile; look again")]
    Stale(String),
    /// The stream holds an event this build cannot read.
    #[error("stream {stream} cannot be read: {reason}")]
    Unreadable { stream: String, reason: String },
}

/// Loads an aggregate's state and version from its stream.
pub async fn load<A: Aggregate>(store: &dyn EventStore, stream: &str) -> Result<(A, u64), CommandError> {
    let mut state = A::default();
    let mut version = 0;
    loop {
        let events = store.read_stream(stream, version + 1, 10_000).await?;
        let Some(last) = events.last() else { break };
        version = last.version;
        for recorded in &events {
            state.apply(&decode(stream, recorded)?);
        }
    }
    Ok((state, version))
}

fn decode(stream: &str, recorded: &RecordedEvent) -> Result<Event, CommandError> {
    Event::decode(&recorded.event_type, recorded.schema_version, &recorded.data).map_err(|err| {
        CommandError::Unreadable {
            stream: stream.to_owned(),
            reason: err.to_string(),
        }
    })
}

/// Runs `decide` against `stream` and appends what it returns.
#[tracing::instrument(name = "command", skip_all, fields(stream = %stream))]
pub async fn execute<A, F>(
    store: &dyn EventStore,
    stream: &str,
    ctx: &CommandContext,
    if_match: Option<u64>,
    decide: F,
) -> Result<Outcome<A>, CommandError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<Event>, DomainError>,
{
    run(store, stream, ctx, if_match, &[], decide, false).await
}

/// Like [`execute`], the append committing only while every guard's stream is where it was
/// read (see [`Guard`]); a guard that no longer holds is [`CommandError::Stale`].
#[tracing::instrument(name = "command", skip_all, fields(stream = %stream))]
pub async fn execute_guarded<A, F>(
    store: &dyn EventStore,
    stream: &str,
    ctx: &CommandContext,
    if_match: Option<u64>,
    guards: &[Guard],
    decide: F,
) -> Result<Outcome<A>, CommandError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<Event>, DomainError>,
{
    run(store, stream, ctx, if_match, guards, decide, false).await
}

/// Like [`execute`] for a command that starts a stream under a fresh id: it decides against
/// the empty state without reading the log first. Should the stream exist after all (a
/// retried request), the append conflicts and the command runs as usual.
#[tracing::instrument(name = "command", skip_all, fields(stream = %stream))]
pub async fn execute_new<A, F>(
    store: &dyn EventStore,
    stream: &str,
    ctx: &CommandContext,
    decide: F,
) -> Result<Outcome<A>, CommandError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<Event>, DomainError>,
{
    run(store, stream, ctx, None, &[], decide, true).await
}

/// For a command whose rules do not depend on its stream's past (a new sales entry stands
/// alone; what it must respect arrives in the command): decides against the empty state and
/// appends whatever the stream holds, so writers to one stream never wait on each other and
/// nothing is read first. A retry with the same Idempotency-Key derives the same event ids,
/// which the store recognises.
#[tracing::instrument(name = "command", skip_all, fields(stream = %stream))]
pub async fn execute_appending<A, F>(
    store: &dyn EventStore,
    stream: &str,
    ctx: &CommandContext,
    decide: F,
) -> Result<Outcome<A>, CommandError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<Event>, DomainError>,
{
    let mut state = A::default();
    let events = decide(&state)?;
    if events.is_empty() {
        return Ok(Outcome {
            stream: stream.to_owned(),
            version: 0,
            position: store.head().await?,
            events,
            state,
        });
    }
    let metadata = ctx.metadata();
    let encoded = events
        .iter()
        .enumerate()
        .map(|(i, event)| NewEvent::encode(ctx.event_id(i), event, &metadata, ctx.now))
        .collect();
    let done = store.append(stream, ExpectedVersion::Any, encoded).await?;
    for event in &events {
        state.apply(event);
    }
    Ok(Outcome {
        stream: stream.to_owned(),
        version: done.version,
        position: done.position,
        events,
        state,
    })
}

async fn run<A, F>(
    store: &dyn EventStore,
    stream: &str,
    ctx: &CommandContext,
    if_match: Option<u64>,
    guards: &[Guard],
    decide: F,
    mut assume_new: bool,
) -> Result<Outcome<A>, CommandError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<Event>, DomainError>,
{
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            back_off(attempt).await;
        }
        let (mut state, version) = if std::mem::take(&mut assume_new) {
            (A::default(), 0)
        } else {
            load::<A>(store, stream).await?
        };
        if let Some(expected) = if_match {
            if expected != version {
                return Err(CommandError::PreconditionFailed {
                    expected,
                    current: version,
                });
            }
        }
        let events = decide(&state)?;
        if events.is_empty() {
            let position = store.head().await?;
            return Ok(Outcome {
                stream: stream.to_owned(),
                version,
                position,
                events,
                state,
            });
        }
        let metadata = ctx.metadata();
        let encoded = events
            .iter()
            .enumerate()
            .map(|(i, event)| NewEvent::encode(ctx.event_id(i), event, &metadata, ctx.now))
            .collect();
        let expected = if version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(version)
        };
        let appended = if guards.is_empty() {
            store.append(stream, expected, encoded).await
        } else {
            store.append_guarded(stream, expected, encoded, guards.to_vec()).await
        };
        match appended {
            Ok(done) => {
                for event in &events {
                    state.apply(event);
                }
                return Ok(Outcome {
                    stream: stream.to_owned(),
                    version: done.version,
                    position: done.position,
                    events,
                    state,
                });
            }
            Err(StoreError::Conflict { stream: other, .. }) if other != stream => {
                return Err(CommandError::Stale(other));
            }
            Err(StoreError::Conflict { actual, .. }) if if_match.is_some() => {
                return Err(CommandError::PreconditionFailed {
                    expected: version,
                    current: actual,
                });
            }
            Err(StoreError::Conflict { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(CommandError::Contended(stream.to_owned()))
}

/// The events an earlier write recorded, for answering its retry with the first response.
pub async fn written(
    store: &dyn EventStore,
    stream: &str,
    first_version: u64,
    last_version: u64,
) -> Result<Vec<Envelope>, CommandError> {
    let count = (last_version + 1).saturating_sub(first_version) as usize;
    let recorded = store.read_stream(stream, first_version, count).await?;
    recorded
        .iter()
        .map(|r| {
            Envelope::decode(r).map_err(|err| CommandError::Unreadable {
                stream: stream.to_owned(),
                reason: err.to_string(),
            })
        })
        .collect()
}
