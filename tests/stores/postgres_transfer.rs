//! Moving stores: the demo's SQLite log exported and imported into PostgreSQL gives the same
//! log, event for event, and the same projections.

use std::process::Command;

use crate::support::binary::{serve, BIN};
use crate::support::postgres::Database;
use hoicho::store::postgres::PostgresStore;
use hoicho::store::sqlite::SqliteStore;
use hoicho::store::EventStore;
use hoicho_projections::Projections;

async fn projections(store: &dyn EventStore) -> Projections {
    let mut projections = Projections::default();
    let mut after = 0;
    loop {
        let batch = store.read_all(after, 5_000).await.expect("read the log");
        let Some(last) = batch.last() else { break };
        after = last.position;
        for envelope in hoicho::replay::decode_batch(&batch) {
            projections.apply(&envelope);
        }
    }
    projections
}

fn run(args: &[&str], dir: &std::path::Path) {
    let output = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(dir)
        .env("HOICHO_LOG", "warn")
        .output()
        .expect("hoicho runs");
    assert!(
        output.status.success(),
        "hoicho {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_moves_from_sqlite_to_postgresql_unchanged() {
    let source = tempfile::tempdir().unwrap();
    drop(serve(source.path(), &["--demo"]));
    let exported = source.path().join("demo.jsonl");
    run(&["export", "--out", exported.to_str().unwrap()], source.path());

    let db = Database::create().await;
    let target = tempfile::tempdir().unwrap();
    run(
        &["import", exported.to_str().unwrap(), "--store", &db.url],
        target.path(),
    );
    let again = target.path().join("again.jsonl");
    run(
        &["export", "--out", again.to_str().unwrap(), "--store", &db.url],
        target.path(),
    );
    let (first, second) = (
        std::fs::read_to_string(&exported).unwrap(),
        std::fs::read_to_string(&again).unwrap(),
    );
    assert!(first.lines().count() > 500, "the demo is a real log");
    assert!(
        first.lines().all(|l| l.contains(r#""chain":""#)),
        "every exported event carries its link"
    );
    assert!(first == second, "PostgreSQL gives back the exported log byte for byte");

    let sqlite = SqliteStore::open(source.path().join("events.sqlite")).unwrap();
    let postgres = PostgresStore::open(&db.url).await.unwrap();
    let (from_sqlite, from_postgres) = (projections(&sqlite).await, projections(&postgres).await);
    assert_eq!(from_sqlite.events, first.lines().count() as u64);
    assert!(from_sqlite == from_postgres, "the same projections from both stores");
    eprintln!(
        "PostgreSQL: {} demo events moved from SQLite, same log and projections",
        from_sqlite.events
    );

    // Importing again into a store that has events is refused, and changes nothing.
    let twice = Command::new(BIN)
        .args(["import", exported.to_str().unwrap(), "--store", &db.url, "--data"])
        .arg(target.path())
        .output()
        .unwrap();
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("empty store"));
    assert_eq!(postgres.head().await.unwrap(), from_sqlite.position);
}
