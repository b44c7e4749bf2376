//! The event-store conformance suite against the embedded SQLite backend, on a real file.

use std::sync::Arc;

use hoicho::store::conformance::TestStore;
use hoicho::store::sqlite::SqliteStore;

async fn fresh() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("events.sqlite")).expect("open store");
    TestStore {
        store: Arc::new(store),
        guard: Box::new(dir),
    }
}

hoicho::store_conformance_tests!(fresh);

/// Under sustained writes from many writers, with readers reading all the while, the WAL stays
/// within a few times its bound (it grew for as long as the writes went on before: 9.8 GB
/// beside a 647 MB log after two minutes of sales), and once the writes stop it is cut back
/// to nothing. Every acknowledged event is in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_sustained_writes_and_is_cut_back_when_they_stop() {
    use hoicho::store::sqlite::{wal_path, WalBound};
    use hoicho::store::{EventStore, ExpectedVersion};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let limit = 4 * 1024 * 1024;
    let bound = WalBound {
        limit,
        idle: Duration::from_millis(300),
    };
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open_with(&path, bound).unwrap());
    let wal = wal_path(&path);
    let (writers, per_writer) = (32u64, 1_000u64);
    let padding = "x".repeat(2_000);

    let done = Arc::new(AtomicBool::new(false));
    let largest = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, largest, wal) = (done.clone(), largest.clone(), wal.clone());
        tokio::task::spawn_blocking(move || {
            while !done.load(Ordering::Relaxed) {
                let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                largest.fetch_max(size, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let reader = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let mut reads = 0u64;
            while !done.load(Ordering::Relaxed) {
                store.read_stream("writer-0", 1, 100).await.unwrap();
                store.read_all(0, 50).await.unwrap();
                reads += 1;
            }
            reads
        })
    };
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, padding) = (store.clone(), padding.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                let mut event = hoicho::store::conformance::event(i);
                event.data = format!(r#"{{"n":{i},"pad":"{padding}"}}"#);
                let expected = if i == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(i)
                };
                store
                    .append(&format!("writer-{w}"), expected, vec![event])
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let written = writers * per_writer * 2_000;
    let during = largest.load(Ordering::Relaxed);

    let stopped = Instant::now();
    let mut after = std::fs::metadata(&wal).map_or(0, |m| m.len());
    while after > 0 && stopped.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = std::fs::metadata(&wal).map_or(0, |m| m.len());
    }
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    assert!(reader.await.unwrap() > 0, "the reader read while the writers wrote");

    eprintln!("the WAL reached {during} bytes under a bound of {limit}");
    assert!(
        during <= 3 * limit,
        "the WAL reached {during} bytes under a bound of {limit} ({written} bytes of events written)"
    );
    assert_eq!(after, 0, "the WAL is cut to nothing within 5 s of the writes stopping");
    assert_eq!(
        store.head().await.unwrap(),
        writers * per_writer,
        "every append is in the log"
    );
}

/// A WAL left by a process that stopped hard — the files as a kill -9 leaves them, copied
/// while the writer still had the log open — is folded into the database file and cut to
/// nothing when the log is opened, and what it held is all there.
#[tokio::test]
async fn a_wal_left_behind_is_folded_in_when_the_log_opens() {
    use hoicho::store::sqlite::wal_path;
    use hoicho::store::{EventStore, ExpectedVersion};

    let dir = tempfile::tempdir().unwrap();
    let (live, crashed) = (dir.path().join("live.sqlite"), dir.path().join("events.sqlite"));
    let store = SqliteStore::open(&live).unwrap();
    for i in 0..200u64 {
        let expected = if i == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(i)
        };
        store
            .append("s", expected, vec![hoicho::store::conformance::event(i)])
            .await
            .unwrap();
    }
    // Within the writer's quiet second, before it cuts the WAL: the files a kill leaves.
    std::fs::copy(&live, &crashed).unwrap();
    std::fs::copy(wal_path(&live), wal_path(&crashed)).unwrap();
    store.close();
    let left = std::fs::metadata(wal_path(&crashed)).unwrap().len();
    assert!(left > 100_000, "a WAL of {left} bytes is left behind");

    let store = SqliteStore::open(&crashed).unwrap();
    assert_eq!(
        std::fs::metadata(wal_path(&crashed)).map_or(0, |m| m.len()),
        0,
        "the WAL is folded in and cut to nothing at open"
    );
    assert_eq!(store.head().await.unwrap(), 200, "every event the WAL held is there");
    store.close();
}

/// A long batch read back from the file (a fresh process: nothing in the writer's tail), as
/// start-up reads it, is exactly the log decoded, in order, undecodable events left out and
/// the last position still the last read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_batch_read_from_the_file_is_the_log_decoded() {
    use hoicho::store::{EventStore, ExpectedVersion};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    for chunk in 0..50u64 {
        let events = (0..100)
            .map(|i| {
                let n = chunk * 100 + i;
                // One event in seven is of a type this build does not know.
                if n % 7 == 0 {
                    hoicho::store::conformance::event(n)
                } else {
                    hoicho::store::conformance::booth(n)
                }
            })
            .collect();
        store
            .append(&format!("s{}", chunk % 5), ExpectedVersion::Any, events)
            .await
            .unwrap();
    }
    store.close();

    let store = SqliteStore::open(&path).unwrap();
    for (after, limit) in [(0, 10_000), (1, 4_999), (2_500, 2_000), (4_990, 10_000)] {
        let raw = store.read_all(after, limit).await.unwrap();
        let decoded = store.read_all_decoded(after, limit).await.unwrap();
        assert_eq!(
            decoded.last_position,
            raw.last().map(|e| e.position),
            "after {after}, limit {limit}"
        );
        let expected = hoicho::replay::decode_batch(&raw);
        assert!(expected.len() < raw.len(), "some events are left out");
        assert_eq!(decoded.envelopes, expected, "after {after}, limit {limit}");
    }
    store.close();
}

/// An import (`hoicho import`, a chunk a transaction) keeps the WAL within the bound between
/// its chunks too.
#[tokio::test]
async fn an_import_keeps_the_wal_bounded_between_its_chunks() {
    use hoicho::store::sqlite::{wal_path, WalBound};
    use hoicho::store::EventStore;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let limit = 4 * 1024 * 1024;
    let store = SqliteStore::open_with(
        &path,
        WalBound {
            limit,
            idle: std::time::Duration::from_secs(60),
        },
    )
    .unwrap();
    let padding = "x".repeat(2_000);
    let mut largest = 0;
    for chunk in 0..30u64 {
        let events = (0..1_000u64)
            .map(|i| {
                let n = chunk * 1_000 + i + 1;
                let e = hoicho::store::conformance::event(n);
                hoicho_events::RecordedEvent {
                    event_id: e.event_id,
                    stream: "s".into(),
                    version: n,
                    position: n,
                    event_type: e.event_type,
                    schema_version: e.schema_version,
                    recorded_at: e.recorded_at,
                    metadata: e.metadata,
                    data: format!(r#"{{"n":{n},"pad":"{padding}"}}"#),
                }
            })
            .collect();
        store.import(events).await.unwrap();
        largest = largest.max(std::fs::metadata(wal_path(&path)).map_or(0, |m| m.len()));
    }
    assert!(
        largest <= 4 * limit,
        "the WAL reached {largest} bytes between chunks of about 2 MB under a bound of {limit}"
    );
    assert_eq!(store.head().await.unwrap(), 30_000);
    store.close();
}
