//! The log's hash chain (docs/adr/019-hash-chained-log.md, docs/audit.md).
//!
//! Every event carries a link: SHA-256 of the previous event's link and the event's own
//! fields, in global order. The store computes it when it appends, under its commit order
//! (SQLite's writer thread; PostgreSQL's append function under the head lock), so editing,
//! removing or reordering any stored event breaks every link from there on, and
//! [`verify`] names the first event that no longer matches.
//!
//! The bytes hashed for an event, after the previous link (32 zero bytes before the first):
//! position (8 bytes, big-endian), event id (16), version (8), schema version (4), recorded
//! at in microseconds since the Unix epoch (8, signed), then stream, event type, metadata
//! and data, each as its length in bytes (8) and its UTF-8 bytes. PostgreSQL computes the
//! same in `hoicho_link` (migrations/postgres/002_chain.sql).

use std::collections::HashMap;

use hoicho_events::RecordedEvent;
use sha2::{Digest, Sha256};

use super::{EventStore, StoreError};

/// One event's link in the chain.
pub type Link = [u8; 32];

/// What comes before the first event.
pub const GENESIS: Link = [0; 32];

/// The fields of an event the chain covers, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub position: u64,
    pub event_id: &'a uuid::Uuid,
    pub stream: &'a str,
    pub version: u64,
    pub event_type: &'a str,
    pub schema_version: u32,
    pub recorded_micros: i64,
    pub metadata: &'a str,
    pub data: &'a str,
}

impl<'a> Fields<'a> {
    pub fn of(e: &'a RecordedEvent) -> Self {
        Fields {
            position: e.position,
            event_id: &e.event_id,
            stream: &e.stream,
            version: e.version,
            event_type: &e.event_type,
            schema_version: e.schema_version,
            recorded_micros: e.recorded_at.timestamp_micros(),
            metadata: &e.metadata,
            data: &e.data,
        }
    }
}

/// The link of an event whose predecessor's link is `previous`.
pub fn link(previous: &Link, e: Fields<'_>) -> Link {
    let mut hash = Sha256::new();
    hash.update(previous);
    hash.update(e.position.to_be_bytes());
    hash.update(e.event_id.as_bytes());
    hash.update(e.version.to_be_bytes());
    hash.update(e.schema_version.to_be_bytes());
    hash.update(e.recorded_micros.to_be_bytes());
    for text in [e.stream, e.event_type, e.metadata, e.data] {
        hash.update((text.len() as u64).to_be_bytes());
        hash.update(text.as_bytes());
    }
    hash.finalize().into()
}

/// A stored event and the link the store keeps for it (none: the store keeps no chain, or
/// the link is missing).
#[derive(Debug, Clone)]
pub struct Chained {
    pub event: RecordedEvent,
    pub link: Option<Link>,
}

/// A link as text (hex), for exports, messages and the metric.
pub fn hex(link: &Link) -> String {
    hex::encode(link)
}

/// A link read back from text.
pub fn parse(text: &str) -> Option<Link> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

/// Where a walk of the chain stands: the last event checked and its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub position: u64,
    pub link: Link,
}

impl Default for Checked {
    fn default() -> Self {
        Checked {
            position: 0,
            link: GENESIS,
        }
    }
}

/// Why the chain does not hold at an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("position {position} follows {previous}: events are missing or out of order")]
    Order { position: u64, previous: u64 },
    #[error("event {position} ({stream} version {version}) follows version {previous} of its stream")]
    Version {
        position: u64,
        stream: String,
        version: u64,
        previous: u64,
    },
    #[error("event {position} ({stream} version {version}) has no link: it was not written by the store")]
    Unlinked {
        position: u64,
        stream: String,
        version: u64,
    },
    #[error("event {position} ({stream} version {version}) does not match its link: it, its link or the link before it was changed")]
    Mismatch {
        position: u64,
        stream: String,
        version: u64,
    },
}

impl Broken {
    /// The position of the event the chain breaks at.
    pub fn position(&self) -> u64 {
        match self {
            Broken::Order { position, .. }
            | Broken::Version { position, .. }
            | Broken::Unlinked { position, .. }
            | Broken::Mismatch { position, .. } => *position,
        }
    }
}

/// Checks events in log order against their links, from `from`.
#[derive(Debug, Default)]
pub struct Walk {
    pub checked: Checked,
    versions: HashMap<String, u64>,
    /// Whether the stream versions were followed from the first event (a walk that starts
    /// from a later position cannot check them).
    whole: bool,
}

impl Walk {
    /// A walk from the log's first event.
    pub fn new() -> Self {
        Walk {
            whole: true,
            ..Walk::default()
        }
    }

    /// A walk that continues after `checked` (the stream versions before it are not known).
    pub fn after(checked: Checked) -> Self {
        Walk {
            checked,
            ..Walk::default()
        }
    }

    /// Checks the next event; an error names it and says what does not match.
    pub fn next(&mut self, c: &Chained) -> Result<(), Broken> {
        let e = &c.event;
        if e.position != self.checked.position + 1 {
            return Err(Broken::Order {
                position: e.position,
                previous: self.checked.position,
            });
        }
        if self.whole {
            let previous = self.versions.get(e.stream.as_str()).copied().unwrap_or(0);
            if e.version != previous + 1 {
                return Err(Broken::Version {
                    position: e.position,
                    stream: e.stream.clone(),
                    version: e.version,
                    previous,
                });
            }
            match self.versions.get_mut(e.stream.as_str()) {
                Some(v) => *v = e.version,
                None => {
                    self.versions.insert(e.stream.clone(), e.version);
                }
            }
        }
        let Some(recorded) = c.link else {
            return Err(Broken::Unlinked {
                position: e.position,
                stream: e.stream.clone(),
                version: e.version,
            });
        };
        if link(&self.checked.link, Fields::of(e)) != recorded {
            return Err(Broken::Mismatch {
                position: e.position,
                stream: e.stream.clone(),
                version: e.version,
            });
        }
        self.checked = Checked {
            position: e.position,
            link: recorded,
        };
        Ok(())
    }
}

/// How far a walk of the store got.
#[derive(Debug)]
pub enum Verdict {
    /// Every event up to `checked` matches its link.
    Intact(Checked),
    /// The first event that does not.
    Broken(Broken),
}

/// Events read at a time while verifying.
const BATCH: usize = 20_000;

/// Walks the store's log after `walk`'s position up to the head as it was when asked,
/// calling `progress` with each position reached. Reading the next batch overlaps hashing
/// this one.
pub async fn verify(
    store: &dyn EventStore,
    mut walk: Walk,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(Walk, Verdict), StoreError> {
    let head = store.head().await?;
    let mut after = walk.checked.position;
    let mut next = if after < head {
        Some(store.read_chained(after, BATCH).await?)
    } else {
        None
    };
    while let Some(batch) = next.take() {
        let Some(last) = batch.last() else { break };
        after = last.event.position;
        let ahead = async {
            if after < head {
                store.read_chained(after, BATCH).await.map(Some)
            } else {
                Ok(None)
            }
        };
        let check = tokio::task::spawn_blocking(move || {
            let outcome = batch.iter().try_for_each(|c| walk.next(c));
            (walk, outcome)
        });
        let (read, checked) = tokio::join!(ahead, check);
        let (returned, outcome) = checked.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        walk = returned;
        if let Err(broken) = outcome {
            return Ok((walk, Verdict::Broken(broken)));
        }
        progress(walk.checked.position);
        next = read?;
    }
    let checked = walk.checked;
    Ok((walk, Verdict::Intact(checked)))
}

/// The whole log walked from its first event, as `hoicho verify` and a restore check it.
pub async fn verify_whole(store: &dyn EventStore) -> Result<Verdict, StoreError> {
    verify(store, Walk::new(), &mut |_| {})
        .await
        .map(|(_, verdict)| verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: u64, stream: &str, version: u64, data: &str) -> RecordedEvent {
        RecordedEvent {
            event_id: uuid::Uuid::from_u128(position as u128),
            stream: stream.into(),
            version,
            position,
            event_type: "test.happened".into(),
            schema_version: 1,
            recorded_at: chrono::DateTime::from_timestamp_micros(1_700_000_000_000_000 + position as i64).unwrap(),
            metadata: "{}".into(),
            data: data.into(),
        }
    }

    fn chained(events: Vec<RecordedEvent>) -> Vec<Chained> {
        let mut previous = GENESIS;
        events
            .into_iter()
            .map(|event| {
                previous = link(&previous, Fields::of(&event));
                Chained {
                    event,
                    link: Some(previous),
                }
            })
            .collect()
    }

    fn walk(log: &[Chained]) -> Result<Checked, Broken> {
        let mut walk = Walk::new();
        for c in log {
            walk.next(c)?;
        }
        Ok(walk.checked)
    }

    fn log() -> Vec<Chained> {
        chained(vec![
            event(1, "a", 1, r#"{"n":1}"#),
            event(2, "b", 1, r#"{"n":2}"#),
            event(3, "a", 2, r#"{"n":3}"#),
            event(4, "b", 2, r#"{"n":4}"#),
        ])
    }

    #[test]
    fn an_untouched_log_holds() {
        let log = log();
        assert_eq!(walk(&log).unwrap().position, 4);
        assert_eq!(walk(&log).unwrap().link, log[3].link.unwrap());
    }

    #[test]
    fn a_changed_byte_is_named() {
        let mut log = log();
        log[1].event.data = r#"{"n":9}"#.into();
        assert_eq!(
            walk(&log),
            Err(Broken::Mismatch {
                position: 2,
                stream: "b".into(),
                version: 1
            })
        );
        // The last event too, with nothing after it.
        let mut log = self::log();
        log[3].event.metadata = r#"{ }"#.into();
        assert_eq!(walk(&log).unwrap_err().position(), 4);
    }

    #[test]
    fn a_replaced_link_is_named() {
        let mut log = log();
        log[1].link = Some([7; 32]);
        assert!(matches!(walk(&log), Err(Broken::Mismatch { position: 2, .. })));
    }

    #[test]
    fn an_event_recomputed_after_a_change_breaks_the_next() {
        // Whoever edits event 2 and recomputes its link leaves event 3's link behind.
        let mut log = log();
        log[1].event.data = r#"{"n":9}"#.into();
        log[1].link = Some(link(&log[0].link.unwrap(), Fields::of(&log[1].event)));
        assert!(matches!(walk(&log), Err(Broken::Mismatch { position: 3, .. })));
    }

    #[test]
    fn a_removed_or_swapped_event_is_named() {
        let mut log = log();
        log.remove(1);
        assert_eq!(
            walk(&log),
            Err(Broken::Order {
                position: 3,
                previous: 1
            })
        );
        let mut log = self::log();
        log.swap(1, 2);
        assert!(matches!(walk(&log), Err(Broken::Order { position: 3, .. })));
    }

    #[test]
    fn versions_out_of_order_are_named() {
        let log = chained(vec![event(1, "a", 1, "{}"), event(2, "a", 3, "{}")]);
        assert!(matches!(
            walk(&log),
            Err(Broken::Version {
                position: 2,
                previous: 1,
                ..
            })
        ));
    }

    #[test]
    fn a_missing_link_is_named() {
        let mut log = log();
        log[2].link = None;
        assert!(matches!(walk(&log), Err(Broken::Unlinked { position: 3, .. })));
    }

    #[test]
    fn links_read_back_from_hex() {
        let l = log()[0].link.unwrap();
        assert_eq!(parse(&hex(&l)), Some(l));
        assert_eq!(parse("zz"), None);
        assert_eq!(parse("00"), None);
    }
}
