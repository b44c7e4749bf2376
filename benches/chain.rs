//! The log's hash chain (ADR 019), side by side in one run:
//!
//! (a) durable appends by 64 concurrent writers (each one event at a time to its own stream,
//!     with its expected version) through the SQLite store, against the same store with the
//!     chain left out (`SqliteStore::open_unchained`), rounds alternating;
//! (b) the same on PostgreSQL: the store on its current schema (each event linked in SQL under
//!     the head lock) against the store on schema 1, hoicho's appends before the chain;
//! (c) `verify` over a log of `--verify-events` events (1M by default) in SQLite, against a bare
//!     read of the same rows.
//!
//! `cargo bench --bench chain` (`-- --events N --rounds N --verify-events N`); PostgreSQL is
//! `HOICHO_BENCH_POSTGRES` (default postgres://$USER@localhost/postgres).

mod common;

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use hoicho::store::chain::{verify, Verdict, Walk};
use hoicho::store::postgres::PostgresStore;
use hoicho::store::sqlite::SqliteStore;
use hoicho::store::{EventStore, ExpectedVersion};
use tokio_postgres::NoTls;

use common::{arg, booth_event, metadata, new_event};

const WRITERS: usize = 64;

fn server() -> String {
    std::env::var("HOICHO_BENCH_POSTGRES").unwrap_or_else(|_| {
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        format!("postgres://{user}@localhost:5432/postgres")
    })
}

async fn admin(sql: &str) {
    let (client, connection) = tokio_postgres::connect(&server(), NoTls)
        .await
        .expect("the PostgreSQL server");
    tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
}

async fn database(name: &str) -> String {
    admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin(&format!("CREATE DATABASE {name}")).await;
    format!("{}/{name}", server().rsplit_once('/').unwrap().0)
}

/// Events per second appended by 64 writers, `count` in all.
async fn appends(store: Arc<dyn EventStore>, count: usize, round: usize) -> f64 {
    let per_writer = count / WRITERS;
    let metadata = Arc::new(metadata());
    let started = Instant::now();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, metadata) = (store.clone(), metadata.clone());
            tokio::spawn(async move {
                let stream = format!("w-{round}-{w}");
                for i in 0..per_writer {
                    let e = new_event(&booth_event("bench", i), &metadata);
                    let expected = match i {
                        0 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(n as u64),
                    };
                    store.append(&stream, expected, vec![e]).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (per_writer * WRITERS) as f64 / started.elapsed().as_secs_f64()
}

fn summary(name: &str, chained: &[f64], plain: &[f64]) {
    let ratios: Vec<f64> = chained.iter().zip(plain).map(|(c, p)| c / p * 100.0).collect();
    let range = |v: &[f64]| {
        let min = v.iter().cloned().fold(f64::MAX, f64::min);
        let max = v.iter().cloned().fold(f64::MIN, f64::max);
        (min, max)
    };
    let (c0, c1) = range(chained);
    let (p0, p1) = range(plain);
    let (r0, r1) = range(&ratios);
    println!(
        "{name}: chained {c0:.0}–{c1:.0} events/s, without the chain {p0:.0}–{p1:.0} events/s: {r0:.0}–{r1:.0}% (rounds: {})",
        ratios.iter().map(|r| format!("{r:.0}%")).collect::<Vec<_>>().join(", ")
    );
}

#[tokio::main]
async fn main() {
    let count = arg("--events", 20_000);
    let rounds = arg("--rounds", 3);
    let verify_events = arg("--verify-events", 1_000_000);
    let dir = tempfile::tempdir().unwrap();

    // (a) SQLite.
    let (mut chained, mut plain) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let path = dir.path().join(format!("chained-{round}.sqlite"));
        let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).unwrap());
        chained.push(appends(store, count, round).await);
        let path = dir.path().join(format!("plain-{round}.sqlite"));
        let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open_unchained(&path).unwrap());
        plain.push(appends(store, count, round).await);
    }
    summary("(a) SQLite appends, 64 writers", &chained, &plain);

    // (b) PostgreSQL.
    let (mut chained, mut plain) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let url = database("hoicho_bench_chained").await;
        let store: Arc<dyn EventStore> = Arc::new(PostgresStore::open(&url).await.unwrap());
        chained.push(appends(store.clone(), count, round).await);
        drop(store);
        let url = database("hoicho_bench_plain").await;
        let store: Arc<dyn EventStore> = Arc::new(PostgresStore::open_at(&url, 1).await.unwrap());
        plain.push(appends(store.clone(), count, round).await);
        drop(store);
    }
    summary("(b) PostgreSQL appends, 64 writers", &chained, &plain);
    admin("DROP DATABASE IF EXISTS hoicho_bench_chained WITH (FORCE)").await;
    admin("DROP DATABASE IF EXISTS hoicho_bench_plain WITH (FORCE)").await;

    // (c) verify.
    let log = dir.path().join("log");
    std::fs::create_dir_all(&log).unwrap();
    let metadata = metadata();
    let events: Vec<_> = (0..verify_events)
        .map(|i| {
            let e = new_event(&booth_event(&format!("fair-{}", i / 1000), i % 1000), &metadata);
            hoicho_events::RecordedEvent {
                event_id: e.event_id,
                stream: format!("fair-{}", i / 1000),
                version: (i % 1000) as u64 + 1,
                position: i as u64 + 1,
                event_type: e.event_type,
                schema_version: e.schema_version,
                recorded_at: Utc::now(),
                metadata: e.metadata,
                data: e.data,
            }
        })
        .collect();
    common::write_log(&log, events).await;
    let path = log.join("events.sqlite");
    for _ in 0..rounds {
        let started = Instant::now();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare("SELECT position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain FROM events ORDER BY position")
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut bytes = 0usize;
        while let Some(row) = rows.next().unwrap() {
            bytes += row.get_ref(8).unwrap().as_str().unwrap().len();
        }
        let raw = started.elapsed();
        drop(rows);
        drop(stmt);
        drop(conn);

        let store = SqliteStore::open(&path).unwrap();
        let started = Instant::now();
        let (_, verdict) = verify(&store, Walk::new(), &mut |_| {}).await.unwrap();
        let walked = started.elapsed();
        assert!(matches!(verdict, Verdict::Intact(c) if c.position == verify_events as u64));
        store.close();
        println!(
            "(c) verify, {verify_events} events: {:.2} s; a bare read of the same rows {:.2} s ({} MB of data); {:.1}×",
            walked.as_secs_f64(),
            raw.as_secs_f64(),
            bytes / 1_000_000,
            walked.as_secs_f64() / raw.as_secs_f64()
        );
    }
}
