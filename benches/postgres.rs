//! PostgreSQL figures, measured side by side in one run on the server on this machine:
//!
//! (a) durable appends/s through the store with 64 concurrent writers (each appending one
//!     event at a time to its own stream, with its expected version), against a raw loop of
//!     the same rows: 64 connections, one autocommit INSERT each, into the same table with a
//!     sequence for positions (no gap-free order, no version check, no grouping);
//! (b) a follower on a second store instance, as another hoicho would be: it must see every
//!     position once, in order (gap-free), and how long after each append was acknowledged
//!     it sees it (lag p50/p99).
//!
//! `cargo bench --bench postgres` (optionally `-- --events N --rounds N`); the server is
//! `HOICHO_BENCH_POSTGRES` (default postgres://$USER@localhost/postgres).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hoicho::store::postgres::PostgresStore;
use hoicho::store::{EventStore, ExpectedVersion, Subscription};
use tokio_postgres::NoTls;

use common::{arg, booth_event, metadata, ms, new_event};

const WRITERS: usize = 64;

fn server() -> String {
    std::env::var("HOICHO_BENCH_POSTGRES").unwrap_or_else(|_| {
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        format!("postgres://{user}@localhost:5432/postgres")
    })
}

async fn admin() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server(), NoTls)
        .await
        .expect("the PostgreSQL server");
    tokio::spawn(connection);
    client
}

/// A fresh database; its address.
async fn database(name: &str) -> String {
    let admin = admin().await;
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.batch_execute(&sql).await.unwrap();
    }
    let base = server();
    format!("{}/{name}", base.rsplit_once('/').unwrap().0)
}

async fn drop_database(name: &str) {
    let _ = admin()
        .await
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

/// (a) The raw loop.
async fn raw_inserts(url: &str, count: usize) -> f64 {
    let (setup, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    setup
        .batch_execute(
            "DROP TABLE IF EXISTS raw_events;
             CREATE TABLE raw_events (
                 position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream text NOT NULL,
                 version bigint NOT NULL, event_type text NOT NULL, schema_version integer NOT NULL,
                 recorded_at timestamptz NOT NULL, metadata text NOT NULL, data text NOT NULL,
                 UNIQUE (stream, version));",
        )
        .await
        .unwrap();
    let metadata = Arc::new(metadata());
    let per_writer = count / WRITERS;
    let mut clients = Vec::new();
    for _ in 0..WRITERS {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
        tokio::spawn(connection);
        clients.push(client);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (w, client) in clients.into_iter().enumerate() {
        let metadata = metadata.clone();
        tasks.push(tokio::spawn(async move {
            let insert = client
                .prepare(
                    "INSERT INTO raw_events (event_id, stream, version, event_type, schema_version, recorded_at, metadata, data)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .await
                .unwrap();
            let stream = format!("raw-{w}");
            for i in 0..per_writer {
                let e = new_event(&booth_event("raw", i), &metadata);
                client
                    .execute(
                        &insert,
                        &[
                            &e.event_id,
                            &stream,
                            &(i as i64 + 1),
                            &e.event_type,
                            &(e.schema_version as i32),
                            &e.recorded_at,
                            &e.metadata,
                            &e.data,
                        ],
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    (per_writer * WRITERS) as f64 / started.elapsed().as_secs_f64()
}

struct StoreRun {
    per_second: f64,
    append_p99: Duration,
    lag_p50: Duration,
    lag_p99: Duration,
    gap_free: bool,
}

/// (a) and (b): appends through the store, a follower on another instance.
async fn store_appends(url: &str, count: usize) -> StoreRun {
    let store: Arc<dyn EventStore> = Arc::new(PostgresStore::open(url).await.unwrap());
    let follower: Arc<dyn EventStore> = Arc::new(PostgresStore::open(url).await.unwrap());
    let start_head = store.head().await.unwrap();
    let per_writer = count / WRITERS;
    let total = (per_writer * WRITERS) as u64;
    let seen: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let following = {
        let seen = seen.clone();
        tokio::spawn(async move {
            let mut subscription = Subscription::new(follower, start_head);
            while subscription.position() < start_head + total {
                let batch = subscription.next_batch().await.unwrap();
                let now = Instant::now();
                seen.lock().unwrap().extend(batch.iter().map(|e| (e.position, now)));
            }
        })
    };
    let metadata = Arc::new(metadata());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (store, metadata) = (store.clone(), metadata.clone());
        tasks.push(tokio::spawn(async move {
            let stream = format!("writer-{w}-{}", uuid::Uuid::now_v7().simple());
            let mut acknowledged = Vec::with_capacity(per_writer);
            let mut latencies = Vec::with_capacity(per_writer);
            for i in 0..per_writer {
                let event = new_event(&booth_event("w", i), &metadata);
                let expected = if i == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(i as u64)
                };
                let t = Instant::now();
                let done = store.append(&stream, expected, vec![event]).await.unwrap();
                let now = Instant::now();
                latencies.push(now - t);
                acknowledged.push((done.position, now));
            }
            (acknowledged, latencies)
        }));
    }
    let mut acknowledged = HashMap::new();
    let mut latencies = Vec::new();
    for task in tasks {
        let (a, l) = task.await.unwrap();
        acknowledged.extend(a);
        latencies.extend(l);
    }
    let per_second = total as f64 / started.elapsed().as_secs_f64();
    following.await.unwrap();
    let seen = seen.lock().unwrap();
    let positions: Vec<u64> = seen.iter().map(|(p, _)| *p).collect();
    let gap_free = positions == ((start_head + 1)..=(start_head + total)).collect::<Vec<_>>();
    let mut lags: Vec<Duration> = seen
        .iter()
        .filter_map(|(p, at)| acknowledged.get(p).map(|ack| at.saturating_duration_since(*ack)))
        .collect();
    lags.sort();
    latencies.sort();
    StoreRun {
        per_second,
        append_p99: latencies[latencies.len() * 99 / 100],
        lag_p50: lags[lags.len() / 2],
        lag_p99: lags[lags.len() * 99 / 100],
        gap_free,
    }
}

#[tokio::main]
async fn main() {
    let events = arg("--events", 20_000);
    let rounds = arg("--rounds", 2);
    println!(
        "hoicho PostgreSQL benchmark ({} cores, {WRITERS} writers, {events} events a run, server {})",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        server()
    );
    let name = format!("hoicho_bench_{}", std::process::id());
    let url = database(&name).await;
    for round in 1..=rounds {
        let raw = raw_inserts(&url, events).await;
        let run = store_appends(&url, events).await;
        println!("\nround {round}");
        println!("  raw INSERT loop, 64 connections:  {raw:>8.0} events/s");
        println!(
            "  store, 64 writers:                {:>8.0} events/s  ({:.2}x raw; target >= 5000 events/s)  append p99 {:.2} ms",
            run.per_second,
            run.per_second / raw,
            ms(run.append_p99)
        );
        println!(
            "  follower on a second instance:    {}  lag after acknowledgement p50 {:.2} ms, p99 {:.2} ms",
            if run.gap_free {
                "every position once, in order;"
            } else {
                "GAPS OR REPEATS;"
            },
            ms(run.lag_p50),
            ms(run.lag_p99)
        );
        assert!(run.gap_free, "the follower must see every position once, in order");
    }
    drop_database(&name).await;
}
