use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use hoicho_events::Envelope;
use sha2::{Digest, Sha256};

/// How long an `Idempotency-Key` is remembered after the write it made: a retry within it is
/// answered with the first response (or 422 if its request differs); after it the key is
/// forgotten, and the next request with it is a new one.
pub const RETENTION_HOURS: i64 = 24;

pub fn retention() -> Duration {
    Duration::hours(RETENTION_HOURS)
}

/// A write made with an `Idempotency-Key`: enough to answer its retry with the first
/// response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentWrite {
    /// A digest of the request's hash (the first 128 bits of its SHA-256).
    request: [u8; 16],
    pub stream: Box<str>,
    pub first_version: u64,
    pub last_version: u64,
    pub position: u64,
    /// When the write was recorded: the key is forgotten [`RETENTION_HOURS`] after.
    pub recorded_at: DateTime<Utc>,
}

impl IdempotentWrite {
    /// Whether `request_hash` (a mark's) is the request this write was made for.
    pub fn is_request(&self, request_hash: &str) -> bool {
        self.request == digest(&[request_hash])
    }

    fn expired_at(&self, now: DateTime<Utc>) -> bool {
        self.recorded_at + retention() <= now
    }
}

/// The first 128 bits of the SHA-256 of `parts`, each ended by a NUL: a key of 16 bytes in
/// place of the principal's name and the client's key (a collision is as likely as guessing
/// a random UUID).
fn digest(parts: &[&str]) -> [u8; 16] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash.finalize()[..16]);
    out
}

/// Writes by `(principal, key)`, for [`RETENTION_HOURS`]: the log's own times say when a
/// key is forgotten, so a replay forgets exactly what the live process forgot.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Idempotency {
    writes: HashMap<[u8; 16], IdempotentWrite>,
    /// Keys in the order they were first written, with that time: the oldest are forgotten
    /// first.
    order: VecDeque<([u8; 16], DateTime<Utc>)>,
}

impl Idempotency {
    /// The write made with this key, unless it is older than the retention at `now`.
    pub fn get(&self, principal: &str, key: &str, now: DateTime<Utc>) -> Option<&IdempotentWrite> {
        self.writes
            .get(&digest(&[principal, key]))
            .filter(|w| !w.expired_at(now))
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    pub fn apply(&mut self, env: &Envelope) {
        self.forget_before(env.recorded_at - retention());
        let Some(mark) = &env.metadata.idempotency else {
            return;
        };
        let id = digest(&[&mark.principal, &mark.key]);
        let request = digest(&[&mark.request_hash]);
        if let Some(w) = self.writes.get_mut(&id) {
            if w.request == request && !w.expired_at(env.recorded_at) {
                // A later event of the same write.
                if *w.stream == *env.stream {
                    w.last_version = env.version;
                    w.position = env.position;
                }
                return;
            }
        }
        // A new write, or a key used again after it was forgotten.
        self.writes.insert(
            id,
            IdempotentWrite {
                request,
                stream: env.stream.as_str().into(),
                first_version: env.version,
                last_version: env.version,
                position: env.position,
                recorded_at: env.recorded_at,
            },
        );
        self.order.push_back((id, env.recorded_at));
    }

    /// Forgets the keys first written at `cutoff` or before.
    fn forget_before(&mut self, cutoff: DateTime<Utc>) {
        while let Some((id, at)) = self.order.front().copied() {
            if at > cutoff {
                break;
            }
            self.order.pop_front();
            // The key may have been written again since; only its write of then goes.
            if self.writes.get(&id).is_some_and(|w| w.recorded_at == at) {
                self.writes.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::{Actor, Event, IdempotencyMark, Metadata, OrganizerId, OrganizerRevoked};

    fn envelope(position: u64, stream: &str, at: DateTime<Utc>, key: Option<(&str, &str)>) -> Envelope {
        let mut metadata = Metadata::by(Actor::System {
            component: "test".into(),
        });
        metadata.idempotency = key.map(|(key, request)| IdempotencyMark {
            principal: "organizer:a".into(),
            key: key.into(),
            request_hash: request.into(),
        });
        Envelope {
            event_id: uuid::Uuid::now_v7(),
            stream: stream.into(),
            version: position,
            position,
            schema_version: 1,
            recorded_at: at,
            metadata,
            event: Event::OrganizerRevoked(OrganizerRevoked {
                organizer_id: OrganizerId(uuid::Uuid::now_v7()),
            }),
        }
    }

    #[test]
    fn a_key_is_remembered_for_the_retention_and_forgotten_after() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-21T08:00:00Z").unwrap().to_utc();
        let mut idem = Idempotency::default();
        idem.apply(&envelope(1, "s", t0, Some(("k1", "h1"))));
        idem.apply(&envelope(2, "s", t0, Some(("k1", "h1"))));
        let w = idem
            .get("organizer:a", "k1", t0 + Duration::hours(23))
            .expect("remembered");
        assert_eq!((w.first_version, w.last_version, w.position), (1, 2, 2));
        assert!(w.is_request("h1") && !w.is_request("h2"));
        assert!(idem.get("organizer:b", "k1", t0).is_none(), "keys are per principal");
        assert!(
            idem.get("organizer:a", "k1", t0 + Duration::hours(24)).is_none(),
            "forgotten at the retention, even before the log moves on"
        );

        // Used again for another request after it was forgotten: a new write.
        let later = t0 + Duration::hours(25);
        idem.apply(&envelope(3, "t", later, Some(("k1", "h2"))));
        let w = idem.get("organizer:a", "k1", later).expect("the new write");
        assert_eq!((&*w.stream, w.first_version, w.position), ("t", 3, 3));
        assert!(w.is_request("h2"));
        assert_eq!(idem.len(), 1);

        // The log moving on forgets it from memory too, and a replay agrees.
        idem.apply(&envelope(4, "u", later + Duration::hours(24), None));
        assert!(idem.is_empty(), "nothing older than a day stays in memory");
    }
}
