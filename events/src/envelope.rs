use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DecodeError, Event, OrganizerId};

/// Who made a change. Every event records it, so the log is the audit trail.
///
/// Stored as `{"kind": "organizer", "organizer_id": …}` and so on. It goes through a flat
/// helper struct rather than serde's internally tagged enums, which buffer every field and
/// made metadata the slowest part of replaying the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredActor", into = "StoredActor")]
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

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActorKind {
    Organizer,
    Exhibitor,
    System,
    Public,
}

#[derive(Serialize, Deserialize)]
struct StoredActor {
    kind: ActorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organizer_id: Option<OrganizerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registration_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    component: Option<String>,
}

impl From<StoredActor> for Actor {
    fn from(s: StoredActor) -> Self {
        match s.kind {
            // Old or hand-edited metadata missing its id still reads; it names nobody.
            ActorKind::Organizer => match s.organizer_id {
                Some(organizer_id) => Actor::Organizer { organizer_id },
                None => Actor::System {
                    component: "unknown organizer".into(),
                },
            },
            ActorKind::Exhibitor => Actor::Exhibitor {
                registration_id: s.registration_id.unwrap_or_default(),
            },
            ActorKind::System => Actor::System {
                component: s.component.unwrap_or_default(),
            },
            ActorKind::Public => Actor::Public,
        }
    }
}

impl From<Actor> for StoredActor {
    fn from(actor: Actor) -> Self {
        let empty = |kind| StoredActor {
            kind,
            organizer_id: None,
            registration_id: None,
            component: None,
        };
        match actor {
            Actor::Organizer { organizer_id } => StoredActor {
                organizer_id: Some(organizer_id),
                ..empty(ActorKind::Organizer)
            },
            Actor::Exhibitor { registration_id } => StoredActor {
                registration_id: Some(registration_id),
                ..empty(ActorKind::Exhibitor)
            },
            Actor::System { component } => StoredActor {
                component: Some(component),
                ..empty(ActorKind::System)
            },
            Actor::Public => empty(ActorKind::Public),
        }
    }
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

impl Metadata {
    /// The metadata of a change that starts its own correlation: no request, no key.
    pub fn by(actor: Actor) -> Self {
        Metadata {
            actor,
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            request_id: None,
            idempotency: None,
        }
    }
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
    pub fn encode(event_id: Uuid, event: &Event, metadata: &Metadata, recorded_at: DateTime<Utc>) -> Self {
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

/// The plain fields of a recorded event, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeHeader<'a> {
    pub event_id: Uuid,
    pub stream: &'a str,
    pub version: u64,
    pub position: u64,
    pub schema_version: u32,
    pub recorded_at: DateTime<Utc>,
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
        Envelope::decode_parts(
            EnvelopeHeader {
                event_id: recorded.event_id,
                stream: &recorded.stream,
                version: recorded.version,
                position: recorded.position,
                schema_version: recorded.schema_version,
                recorded_at: recorded.recorded_at,
            },
            &recorded.event_type,
            &recorded.metadata,
            &recorded.data,
        )
    }

    /// Decodes an event from borrowed parts, so a store can decode straight from its own
    /// buffers without copying the JSON first.
    pub fn decode_parts(
        header: EnvelopeHeader<'_>,
        event_type: &str,
        metadata: &str,
        data: &str,
    ) -> Result<Self, DecodeError> {
        let event = Event::decode(event_type, header.schema_version, data)?;
        let metadata: Metadata = serde_json::from_str(metadata).map_err(|source| DecodeError::Invalid {
            event_type: event_type.to_owned(),
            source,
        })?;
        Ok(Envelope {
            event_id: header.event_id,
            stream: header.stream.to_owned(),
            version: header.version,
            position: header.position,
            schema_version: header.schema_version,
            recorded_at: header.recorded_at,
            metadata,
            event,
        })
    }

    pub fn event_type(&self) -> &'static str {
        self.event.event_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_keep_their_stored_shape() {
        let id = OrganizerId(Uuid::nil());
        let json = serde_json::to_value(Actor::Organizer { organizer_id: id }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "organizer", "organizer_id": Uuid::nil()})
        );
        assert_eq!(
            serde_json::to_value(Actor::Public).unwrap(),
            serde_json::json!({"kind": "public"})
        );
        for actor in [
            Actor::Organizer { organizer_id: id },
            Actor::Exhibitor {
                registration_id: "r-1".into(),
            },
            Actor::System {
                component: "demo".into(),
            },
            Actor::Public,
        ] {
            let back: Actor = serde_json::from_str(&serde_json::to_string(&actor).unwrap()).unwrap();
            assert_eq!(back, actor);
        }
    }
}
