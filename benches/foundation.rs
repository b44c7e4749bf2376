//! The foundation's figures, each a ratio measured side by side in one run (the disk here can
//! turn ten times slower for minutes, so absolute numbers alone mean little):
//!
//! (a) durable appends/s through the store with 1 and 64 concurrent writers, against a raw
//!     SQLite insert loop with the same durability (WAL, synchronous=FULL, one transaction
//!     per event);
//! (b) replay rate into every projection, against a raw read-and-decode loop of the same rows;
//! (c) time from start to ready with 1M events in the log.
//!
//! `cargo bench --bench foundation` (optionally `-- --events N --appends N`).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hoicho::store::sqlite::SqliteStore;
use hoicho::store::{EventStore, ExpectedVersion};
use hoicho_events::{Event, FairCreated, FairId, NewEvent, RecordedEvent};
use uuid::Uuid;

use common::{arg, booth_event, metadata, ms, new_event, raw_read_and_decode, start_to_ready, write_log};

/// A log of `total` events: fairs of 1,000 booths each.
fn synthetic_log(total: usize) -> Vec<RecordedEvent> {
    let metadata = metadata();
    let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
    let mut events = Vec::with_capacity(total);
    let mut fair = 0;
    while events.len() < total {
        let fair_id = format!("fair-{fair}");
        let mut version = 0;
        let mut push = |event: Event, events: &mut Vec<RecordedEvent>| {
            version += 1;
            let (event_type, schema_version, data) = event.encode();
            let position = events.len() as u64 + 1;
            events.push(RecordedEvent {
                event_id: Uuid::now_v7(),
                stream: format!("fair-{fair_id}"),
                version,
                position,
                event_type: event_type.into(),
                schema_version,
                recorded_at: start + chrono::Duration::seconds(position as i64),
                metadata: metadata.clone(),
                data,
            });
        };
        push(
            Event::FairCreated(FairCreated {
                fair_id: FairId::new_unchecked(&fair_id),
                details: hoicho::demo::details(),
                copied_from: None,
            }),
            &mut events,
        );
        for n in 0..999 {
            if events.len() >= total {
                break;
            }
            push(booth_event(&fair_id, n), &mut events);
        }
        fair += 1;
    }
    events
}

/// (a) The raw loop: one INSERT, one transaction, one fsync per event.
fn raw_inserts(dir: &std::path::Path, count: usize) -> f64 {
    let conn = rusqlite::Connection::open(dir.join("raw.sqlite")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(include_str!("../migrations/sqlite/001_events.sql"))
        .unwrap();
    let metadata = metadata();
    let events: Vec<NewEvent> = (0..count)
        .map(|n| new_event(&booth_event("raw", n), &metadata))
        .collect();
    let started = Instant::now();
    for (i, e) in events.iter().enumerate() {
        conn.execute(
            "INSERT INTO events (event_id, stream, version, event_type, schema_version, recorded_at, metadata, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                e.event_id.as_bytes().as_slice(),
                format!("raw-{}", i % 64),
                (i / 64 + 1) as i64,
                e.event_type,
                e.schema_version,
                e.recorded_at.timestamp_micros(),
                e.metadata,
                e.data
            ],
        )
        .unwrap();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// (a) Appends through the store from `writers` concurrent tasks, each to its own stream.
async fn store_appends(dir: &std::path::Path, writers: usize, count: usize) -> (f64, Duration) {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.join(format!("store-{writers}.sqlite"))).unwrap());
    let metadata = Arc::new(metadata());
    let per_writer = count / writers;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let metadata = metadata.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_writer);
            for i in 0..per_writer {
                let event = new_event(&booth_event("w", i), &metadata);
                let expected = if i == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(i as u64)
                };
                let t = Instant::now();
                store
                    .append(&format!("writer-{w}"), expected, vec![event])
                    .await
                    .unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let rate = (per_writer * writers) as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    (rate, latencies[latencies.len() * 99 / 100])
}

/// (b) The raw loop: read every row and decode it, nothing else.
#[tokio::main]
async fn main() {
    let total = arg("--events", 1_000_000);
    let appends = arg("--appends", 2_000);
    let dir = tempfile::tempdir().unwrap();
    println!(
        "hoicho foundation benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    println!("\n(a) durable appends, {appends} events each");
    let raw = raw_inserts(dir.path(), appends);
    let (one, one_p99) = store_appends(dir.path(), 1, appends).await;
    let (many, many_p99) = store_appends(dir.path(), 64, appends * 4).await;
    let raw_again = raw_inserts(&dir.path().join("again").tap_mkdir(), appends);
    let raw_mean = (raw + raw_again) / 2.0;
    println!("  raw SQLite loop (txn per event):  {raw_mean:>10.0} events/s  (runs: {raw:.0}, {raw_again:.0})");
    println!(
        "  store, 1 writer:                  {one:>10.0} events/s  p99 {:.2} ms  ({:.2}x raw)",
        ms(one_p99),
        one / raw_mean
    );
    println!(
        "  store, 64 writers:                {many:>10.0} events/s  p99 {:.2} ms  ({:.2}x raw; target >= 3x)",
        ms(many_p99),
        many / raw_mean
    );

    println!("\n(b) replay, (c) start to ready, {total} events in the log");
    // `--keep-log DIR` keeps the 1M-event log for profiling.
    let kept = std::env::args()
        .skip_while(|a| a != "--keep-log")
        .nth(1)
        .map(std::path::PathBuf::from);
    let log_dir = kept.unwrap_or_else(|| dir.path().join("log")).tap_mkdir();
    let t = Instant::now();
    write_log(&log_dir, synthetic_log(total)).await;
    println!("  (log written in {:.1} s)", t.elapsed().as_secs_f64());
    let (rows, raw_rate) = raw_read_and_decode(&log_dir.join("events.sqlite"));
    {
        // The reading stage alone, for reading the replay figure: replay can be no faster.
        let batch_size = hoicho::store::REPLAY_BATCH;
        let store = SqliteStore::open(log_dir.join("events.sqlite")).unwrap();
        let t = Instant::now();
        let mut after = 0;
        let mut n = 0;
        loop {
            let b = store.read_all_decoded(after, batch_size).await.unwrap();
            let Some(l) = b.last_position else { break };
            after = l;
            n += b.envelopes.len();
        }
        println!(
            "  (the store's decoding reader alone: {:.0} events/s)",
            n as f64 / t.elapsed().as_secs_f64()
        );
    }
    let (ready, applied) = start_to_ready(&log_dir).await;
    let replay_rate = applied as f64 / ready.as_secs_f64();
    let (_, raw_rate_again) = raw_read_and_decode(&log_dir.join("events.sqlite"));
    let raw_mean = (raw_rate + raw_rate_again) / 2.0;
    assert_eq!(rows as u64, applied);
    println!(
        "  raw read-and-decode loop:         {raw_mean:>10.0} events/s  (runs: {raw_rate:.0}, {raw_rate_again:.0})"
    );
    println!(
        "  replay into every projection:     {replay_rate:>10.0} events/s  ({:.0}% of raw; target >= 70%)",
        100.0 * replay_rate / raw_mean
    );
    println!(
        "  start to ready:                   {:>10.2} s  (target < 3 s)",
        ready.as_secs_f64()
    );
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
