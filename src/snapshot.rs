//! Checkpoints of the projections (ADR 018): the state written to a file in the data
//! directory at a log position, read at start so only the log after it is replayed.
//!
//! The file is `projections.snapshot`: a header — what it is, the code's fingerprint, the
//! position and the id of the event there, each section's length and CRC-32 — then the state
//! in two sections ([`Projections::encode_sections`]), read on two threads at once. It is
//! read only if all of them agree with this build and this log; otherwise the whole log is
//! replayed, and the log says why.

use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hoicho_projections::{Idempotency, Projections, FINGERPRINT};
use uuid::Uuid;

use crate::app::AppState;
use crate::store::EventStore;

pub const FILE: &str = "projections.snapshot";
const MAGIC: &[u8; 8] = b"HOICHOPS";
/// The header's own layout; the payload's shape is the fingerprint's business.
const FORMAT: u32 = 2;
const HEADER: usize = 8 + 4 + 64 + 8 + 8 + 16 + 2 * (8 + 4);

/// Why a snapshot was not read.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// There is none (a new data directory, or snapshots are off).
    Missing,
    /// The file could not be read.
    Unreadable(String),
    /// Written by another version of hoicho.
    OtherVersion,
    /// Cut short or altered since it was written.
    Damaged(String),
    /// Its position is past the log's end: the log was restored from an older copy.
    AheadOfLog { position: u64, head: u64 },
    /// The log has another event at its position: it is not the log it was made from.
    OtherLog { position: u64 },
    /// The log could not be asked.
    Store(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Missing => f.write_str("there is none"),
            Refused::Unreadable(e) => write!(f, "it cannot be read: {e}"),
            Refused::OtherVersion => f.write_str("another version of hoicho wrote it"),
            Refused::Damaged(e) => write!(f, "it is damaged: {e}"),
            Refused::AheadOfLog { position, head } => {
                write!(f, "it is at position {position}, past the log's end at {head}")
            }
            Refused::OtherLog { position } => {
                write!(f, "the log has another event at its position {position}")
            }
            Refused::Store(e) => write!(f, "the log cannot be read: {e}"),
        }
    }
}

/// The file's bytes for `p`: header and state. `None` for an empty state.
pub fn frame(p: &Projections) -> Option<Vec<u8>> {
    let last_event = p.last_event?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(FINGERPRINT.as_bytes());
    out.extend_from_slice(&p.position.to_le_bytes());
    out.extend_from_slice(&p.events.to_le_bytes());
    out.extend_from_slice(last_event.as_bytes());
    // The sections' lengths and checksums, once they are written after them.
    out.resize(HEADER, 0);
    let (state, keys) = p.encode_sections(&mut out);
    let sections = [(HEADER, state), (HEADER + state, keys)];
    for (i, (at, length)) in sections.into_iter().enumerate() {
        let crc = crc32fast::hash(&out[at..at + length]);
        let field = 108 + i * 12;
        out[field..field + 8].copy_from_slice(&(length as u64).to_le_bytes());
        out[field + 8..field + 12].copy_from_slice(&crc.to_le_bytes());
    }
    Some(out)
}

/// Writes `bytes` as the data directory's snapshot, whole or not at all: into a file of its
/// own, flushed to the disk, then renamed over the last one.
pub fn save(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = dir.join(FILE);
    // Two instances sharing a data directory (a PostgreSQL log) each write their own file;
    // the last rename wins, and either is whole.
    let temporary = dir.join(format!("{FILE}.{}.{}", std::process::id(), Uuid::new_v4().simple()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &target)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The header's fields.
struct Header {
    fingerprint: [u8; 64],
    position: u64,
    events: u64,
    last_event: Uuid,
    /// The two sections' lengths and CRC-32s.
    sections: [(u64, u32); 2],
}

fn header(bytes: &[u8]) -> Result<Header, Refused> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(Refused::Damaged("it does not start as a snapshot does".into()));
    }
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    if u32_at(8) != FORMAT {
        return Err(Refused::OtherVersion);
    }
    Ok(Header {
        fingerprint: bytes[12..76].try_into().expect("64 bytes"),
        position: u64_at(76),
        events: u64_at(84),
        last_event: Uuid::from_bytes(bytes[92..108].try_into().expect("16 bytes")),
        sections: [(u64_at(108), u32_at(116)), (u64_at(120), u32_at(128))],
    })
}

/// Reads `length` bytes at `offset` and checks them against `crc`.
fn section(file: &std::fs::File, offset: u64, length: u64, crc: u32) -> Result<Vec<u8>, Refused> {
    let mut bytes = vec![0; length as usize];
    file.read_exact_at(&mut bytes, offset)
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    if crc32fast::hash(&bytes) != crc {
        return Err(Refused::Damaged("its checksum does not match".into()));
    }
    Ok(bytes)
}

/// The state the data directory's snapshot holds, if this build wrote it and this log has
/// its position; else why not.
pub async fn load(dir: &Path, store: &dyn EventStore) -> Result<Projections, Refused> {
    let path = dir.join(FILE);
    let opened = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        let mut head = vec![0; HEADER.min(size as usize)];
        file.read_exact_at(&mut head, 0)?;
        Ok((file, size, head))
    })
    .await;
    let (file, size, head) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Missing),
        Ok(Err(e)) => return Err(Refused::Unreadable(e.to_string())),
        Err(e) => return Err(Refused::Unreadable(e.to_string())),
    };
    let h = header(&head)?;
    if h.fingerprint != FINGERPRINT.as_bytes() {
        return Err(Refused::OtherVersion);
    }
    let [(state, state_crc), (keys, keys_crc)] = h.sections;
    if state.checked_add(keys).and_then(|n| n.checked_add(HEADER as u64)) != Some(size) {
        return Err(Refused::Damaged(format!(
            "it holds {} bytes of state where its header says {state} and {keys}",
            size.saturating_sub(HEADER as u64)
        )));
    }
    if h.position == 0 {
        return Err(Refused::Damaged("its header names no position".into()));
    }
    let head = store.head().await.map_err(|e| Refused::Store(e.to_string()))?;
    if h.position > head {
        return Err(Refused::AheadOfLog {
            position: h.position,
            head,
        });
    }
    let there = store
        .read_all(h.position - 1, 1)
        .await
        .map_err(|e| Refused::Store(e.to_string()))?;
    match there.first() {
        Some(event) if event.position == h.position && event.event_id == h.last_event => {}
        _ => return Err(Refused::OtherLog { position: h.position }),
    }
    // Each section read, checked and decoded on a thread of its own.
    let decoded = tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let file = &file;
            let keys = scope.spawn(move || {
                let bytes = section(file, HEADER as u64 + state, keys, keys_crc)?;
                Idempotency::decode(&bytes).map_err(|e| Refused::Damaged(e.to_string()))
            });
            let state = section(file, HEADER as u64, state, state_crc)
                .and_then(|bytes| Projections::decode_state(&bytes).map_err(|e| Refused::Damaged(e.to_string())));
            let keys = keys
                .join()
                .unwrap_or_else(|_| Err(Refused::Damaged("reading the keys failed".into())));
            Ok(Projections {
                idempotency: keys?,
                ..state?
            })
        })
    })
    .await
    .map_err(|e| Refused::Damaged(e.to_string()))?;
    let p: Projections = decoded?;
    if p.position != h.position || p.events != h.events || p.last_event != Some(h.last_event) {
        return Err(Refused::Damaged("its state is not at its header's position".into()));
    }
    Ok(p)
}

/// [`load`], saying in the log what it found: the state to start from.
pub async fn start_from(dir: &Path, store: &dyn EventStore) -> Projections {
    let started = Instant::now();
    match load(dir, store).await {
        Ok(p) => {
            tracing::info!(
                position = p.position,
                events = p.events,
                ms = started.elapsed().as_millis() as u64,
                "the projections start from their snapshot; the log after it is replayed"
            );
            p
        }
        Err(Refused::Missing) => {
            tracing::info!("no snapshot of the projections: the whole log is replayed");
            Projections::default()
        }
        Err(why) => {
            tracing::warn!(reason = %why, "the projections' snapshot is not used: the whole log is replayed");
            Projections::default()
        }
    }
}

/// Writes the data directory's snapshots for one process: the periodic ones and the one at
/// the stop, one at a time.
pub struct Snapshots {
    dir: PathBuf,
    pub every: Every,
    /// The position and event count of the last snapshot read or written; held while one is
    /// written, so a stop waits for a snapshot under way and does not write the same again.
    last: std::sync::Mutex<(u64, u64)>,
}

impl Snapshots {
    /// `from`: the position and event count of the snapshot the projections started from.
    pub fn new(dir: PathBuf, every: Every, from: (u64, u64)) -> Snapshots {
        Snapshots {
            dir,
            every,
            last: std::sync::Mutex::new(from),
        }
    }

    /// Writes a snapshot of the projections as they are now, unless they are where the last
    /// one was. The state is encoded under the read lock (the follower waits meanwhile;
    /// requests do not) and written after it is let go. Blocks: call it off the runtime.
    pub fn write_now(&self, state: &AppState) -> std::io::Result<()> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let started = Instant::now();
        let framed = {
            let p = state.read();
            if p.position == last.0 {
                return Ok(());
            }
            frame(&p).map(|bytes| ((p.position, p.events), bytes))
        };
        let Some((at, bytes)) = framed else {
            return Ok(());
        };
        let encoded = started.elapsed();
        save(&self.dir, &bytes)?;
        *last = at;
        state.metrics.snapshot_position.set(at.0 as i64);
        tracing::info!(
            position = at.0,
            bytes = bytes.len(),
            encode_ms = encoded.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "snapshot of the projections written"
        );
        Ok(())
    }

    fn events_at_last(&self) -> u64 {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}

/// When to write a snapshot while serving.
#[derive(Debug, Clone, Copy)]
pub struct Every {
    /// Events applied since the last snapshot; 0: never (nor read one at start).
    pub events: u64,
    /// At least this long after the last one.
    pub pause: Duration,
}

impl Every {
    pub fn off(&self) -> bool {
        self.events == 0
    }

    /// Whether `since` events after the last snapshot, with `total` in the state, call for
    /// another. Every [`Every::events`] — or every tenth of the state, once that is more, so
    /// the time spent writing stays a small share however long the log grows — when the log
    /// has been `quiet` a moment, since encoding holds up the writes waiting to be seen; and
    /// under writes that never pause, at four times that.
    pub fn due(&self, since: u64, total: u64, quiet: bool) -> bool {
        let threshold = self.events.max(total / 10);
        !self.off() && since > 0 && ((quiet && since >= threshold) || since >= threshold.saturating_mul(4))
    }
}

impl Default for Every {
    fn default() -> Self {
        Every {
            events: 1_000_000,
            pause: Duration::from_secs(60),
        }
    }
}

/// How long the log must have been still for a snapshot to be written without pressing.
const QUIET: Duration = Duration::from_secs(2);

/// Keeps the snapshot near the log's end while serving (once the start's replay is done, so
/// a start that replayed a long tail writes one soon after), until the runtime ends.
pub async fn keep(state: Arc<AppState>, snapshots: Arc<Snapshots>) {
    let every = snapshots.every;
    if every.off() {
        return;
    }
    let (mut seen, mut moved_at) = (state.applied_position(), Instant::now());
    let mut written_at: Option<Instant> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let applied = state.applied_position();
        if applied != seen {
            (seen, moved_at) = (applied, Instant::now());
        }
        let events = state.read().events;
        let since = events.saturating_sub(snapshots.events_at_last());
        let rested = written_at.is_none_or(|t| t.elapsed() >= every.pause);
        if !state.ready() || !rested || !every.due(since, events, moved_at.elapsed() >= QUIET) {
            continue;
        }
        let (worker, writer) = (state.clone(), snapshots.clone());
        let result = tokio::task::spawn_blocking(move || writer.write_now(&worker)).await;
        written_at = Some(Instant::now());
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "the projections' snapshot could not be written"),
            Err(e) => tracing::warn!(error = %e, "the projections' snapshot could not be written"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_waits_for_a_quiet_moment_unless_the_writes_never_pause() {
        let every = Every::default();
        assert!(!every.due(999_999, 5_000_000, true), "not yet a million");
        assert!(every.due(1_000_000, 5_000_000, true));
        assert!(!every.due(1_000_000, 5_000_000, false), "writes going on: it waits");
        assert!(every.due(4_000_000, 5_000_000, false), "but not for ever");
        assert!(!every.due(1_000_000, 20_000_000, true), "a tenth of a longer log");
        assert!(every.due(2_000_000, 20_000_000, true));
        assert!(!every.due(0, 0, true));
        let off = Every { events: 0, ..every };
        assert!(!off.due(u64::MAX / 8, 1, true));
    }
}
