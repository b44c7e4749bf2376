use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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
    pub(crate) request: [u8; 16],
    pub stream: Arc<str>,
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

/// Hashes a key that is a digest already: its bytes folded, with no second hash over them.
#[derive(Default)]
pub(crate) struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(29) ^ u64::from_le_bytes(word);
        }
    }
}

/// Writes by `(principal, key)`, for [`RETENTION_HOURS`]: the log's own times say when a
/// key is forgotten, so a replay forgets exactly what the live process forgot.
///
/// The writes sit in the order they were first made, the oldest forgotten first; an index
/// by key digest points at them by sequence number. Kept out of the index, a write is not
/// moved when the index grows (at start-up the index of a day of keys is rebuilt from
/// nothing, and growing a table of whole writes was a third of the replay's time).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Idempotency {
    /// The writes, oldest first: `writes[i]` has sequence number `first + i`.
    pub(crate) writes: VecDeque<([u8; 16], IdempotentWrite)>,
    pub(crate) first: u64,
    pub(crate) index: HashMap<[u8; 16], u64, BuildHasherDefault<DigestHasher>>,
    /// The streams the writes name, one allocation each however many writes name it.
    pub(crate) streams: HashSet<Arc<str>>,
}

impl Idempotency {
    /// The write made with this key, unless it is older than the retention at `now`.
    pub fn get(&self, principal: &str, key: &str, now: DateTime<Utc>) -> Option<&IdempotentWrite> {
        self.find(&digest(&[principal, key])).filter(|w| !w.expired_at(now))
    }

    fn find(&self, id: &[u8; 16]) -> Option<&IdempotentWrite> {
        let seq = *self.index.get(id)?;
        self.writes.get((seq - self.first) as usize).map(|(_, w)| w)
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn apply(&mut self, env: &Envelope) {
        self.forget_before(env.recorded_at - retention());
        let Some(mark) = &env.metadata.idempotency else {
            return;
        };
        let id = digest(&[&mark.principal, &mark.key]);
        let request = digest(&[&mark.request_hash]);
        if let Some(&seq) = self.index.get(&id) {
            let at = (seq - self.first) as usize;
            if let Some((_, w)) = self.writes.get_mut(at) {
                if w.request == request && !w.expired_at(env.recorded_at) {
                    // A later event of the same write.
                    if *w.stream == *env.stream {
                        w.last_version = env.version;
                        w.position = env.position;
                    }
                    return;
                }
            }
        }
        // A new write, or a key used again after it was forgotten: the index points at the
        // newest, and the older write goes when its turn comes.
        let stream = match self.streams.get(env.stream.as_str()) {
            Some(stream) => stream.clone(),
            None => {
                let stream: Arc<str> = env.stream.as_str().into();
                self.streams.insert(stream.clone());
                stream
            }
        };
        self.index.insert(id, self.first + self.writes.len() as u64);
        self.writes.push_back((
            id,
            IdempotentWrite {
                request,
                stream,
                first_version: env.version,
                last_version: env.version,
                position: env.position,
                recorded_at: env.recorded_at,
            },
        ));
    }

    /// Forgets the writes made at `cutoff` or before (in log order: one recorded out of
    /// order waits for those before it, and [`Idempotency::get`] treats it as forgotten).
    fn forget_before(&mut self, cutoff: DateTime<Utc>) {
        let mut forgot = false;
        while let Some((id, w)) = self.writes.front() {
            if w.recorded_at > cutoff {
                break;
            }
            if self.index.get(id) == Some(&self.first) {
                self.index.remove(id);
            }
            self.writes.pop_front();
            self.first += 1;
            forgot = true;
        }
        if forgot && self.writes.is_empty() {
            self.streams.clear();
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

    #[test]
    fn a_key_written_again_keeps_its_new_write_when_the_old_one_goes() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-21T08:00:00Z").unwrap().to_utc();
        let mut idem = Idempotency::default();
        // Times out of log order (two instances' clocks): B is older than A before it.
        idem.apply(&envelope(1, "a", t0 + Duration::hours(2), Some(("A", "h"))));
        idem.apply(&envelope(2, "b", t0, Some(("B", "h1"))));
        idem.apply(&envelope(3, "b2", t0 + Duration::hours(25), Some(("B", "h2"))));
        let now = t0 + Duration::hours(27);
        idem.apply(&envelope(4, "c", now, None));
        assert!(idem.get("organizer:a", "A", now).is_none());
        let b = idem.get("organizer:a", "B", now).expect("the new write of B stays");
        assert_eq!((&*b.stream, b.position), ("b2", 3));
        assert!(b.is_request("h2"));
        assert_eq!(idem.len(), 1);
    }
}
