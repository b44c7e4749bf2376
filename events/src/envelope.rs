use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DecodeError, Event, OrganizerId};

/// Who made a change. Every event records it, so the log is the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    Organizer {
        organizer_id: OrganizerId,
    },
    Exhibitor {
        registration_id: String,
    },
    /// hoicho itself: the demo loader, the notifier, an import.
    System {
        component: String,
    },
    /// Someone not signed in, e.g. an exhibitor applying for the first time.
    Public,
}

/// Marks the events written by a request that carried an `Idempotency-Key`, so a retry can
/// be recognised and answered with the first response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyMark {
    /// Whose key it is: keys of different clients never collide.
    pub principal: String,
    pub key: String,
    /// SHA-256 of the request (method, path, body), hex.
    pub request_hash: String,
}

/// Facts about an event that are not part of the domain change itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub actor: Actor,
    pub correlation_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<IdempotencyMark>,
}

/// An event on its way into the log. `data` and `metadata` are JSON texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Chosen by the caller; appending the same ids again writes nothing.
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u32,
    pub recorded_at: DateTime<Utc>,
    pub metadata: String,
    pub data: String,
}

impl NewEvent {
    /// Encodes a domain event with its metadata.
    pub fn encode(
        event_id: Uuid,
        event: &Event,
        metadata: &Metadata,
        recorded_at: DateTime<Utc>,
    ) -> Self {
        let (event_type, schema_version, data) = event.encode();
        NewEvent {
            event_id,
            event_type: event_type.to_owned(),
            schema_version,
            recorded_at,
            // A derived Serialize of plain fields cannot fail.
            metadata: serde_json::to_string(metadata).unwrap_or_else(|_| "{}".to_owned()),
            data,
        }
    }
}

/// An event as the log holds it: raw, exactly as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub event_id: Uuid,
    pub stream: String,
    /// 1 for a stream's first event.
    pub version: u64,
    /// 1 for the log's first event; strictly increasing in commit order, without gaps seen
    /// by any reader.
    pub position: u64,
    pub event_type: String,
    pub schema_version: u32,
    pub recorded_at: DateTime<Utc>,
    pub metadata: String,
    pub data: String,
}

/// A recorded event decoded into the current domain shape, ready for projections.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub event_id: Uuid,
    pub stream: String,
    pub version: u64,
    pub position: u64,
    /// The schema version it was stored with (the event itself is always current).
    pub schema_version: u32,
    pub recorded_at: DateTime<Utc>,
    pub metadata: Metadata,
    pub event: Event,
}

impl Envelope {
    /// Decodes and upcasts a recorded event.
    pub fn decode(recorded: &RecordedEvent) -> Result<Self, DecodeError> {
        let event = Event::decode(
            &recorded.event_type,
            recorded.schema_version,
            &recorded.data,
        )?;
        let metadata: Metadata =
            serde_json::from_str(&recorded.metadata).map_err(|source| DecodeError::Invalid {
                event_type: recorded.event_type.clone(),
                source,
            })?;
        Ok(Envelope {
            event_id: recorded.event_id,
            stream: recorded.stream.clone(),
            version: recorded.version,
            position: recorded.position,
            schema_version: recorded.schema_version,
            recorded_at: recorded.recorded_at,
            metadata,
            event,
        })
    }

    pub fn event_type(&self) -> &'static str {
        self.event.event_type()
    }
}
