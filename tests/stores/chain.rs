//! The log's hash chain on the stores' own files and tables (ADR 019): one byte edited in the
//! SQLite file or the PostgreSQL table, an event removed, a link left out, each named by the
//! walk; logs written before the chain existed are linked once, in order, and hold.

use std::sync::Arc;

use crate::support::edit_file;
use hoicho::store::chain::{verify_whole, Broken, Verdict};
use hoicho::store::conformance::event;
use hoicho::store::postgres::PostgresStore;
use hoicho::store::sqlite::SqliteStore;
use hoicho::store::{EventStore, ExpectedVersion};

/// Twenty events over four streams; the eleventh carries `marker-0042`. The position of the
/// marked event.
async fn fill(store: &dyn EventStore) -> u64 {
    let mut marked = 0;
    for i in 0..20u64 {
        let mut e = event(i);
        if i == 10 {
            e.data = r#"{"note":"marker-0042","xã":"Đức Lạng"}"#.into();
        }
        let done = store
            .append(&format!("s-{}", i % 4), ExpectedVersion::Any, vec![e])
            .await
            .unwrap();
        if i == 10 {
            marked = done.position;
        }
    }
    marked
}

async fn walk(store: &dyn EventStore) -> Verdict {
    verify_whole(store).await.unwrap()
}

fn broken(verdict: Verdict) -> Broken {
    match verdict {
        Verdict::Broken(broken) => broken,
        Verdict::Intact(checked) => panic!("the chain should not hold, yet holds to {}", checked.position),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_edited_in_the_sqlite_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let marked = fill(&store).await;
    assert!(matches!(walk(&store).await, Verdict::Intact(c) if c.position == 20));
    store.close();

    edit_file(&path, b"marker-0042", b"marker-0043");
    let store = SqliteStore::open(&path).unwrap();
    let found = broken(walk(&store).await);
    assert!(
        matches!(&found, Broken::Mismatch { position, .. } if *position == marked),
        "{found}"
    );
    assert!(
        found.to_string().contains(&format!("event {marked} (s-2 version 3)")),
        "{found}"
    );
    // The store still appends (a broken chain is for people to look into), and still says so.
    store
        .append("s-0", ExpectedVersion::Any, vec![event(99)])
        .await
        .unwrap();
    assert_eq!(broken_at(&store).await, marked);
}

async fn broken_at(store: &dyn EventStore) -> u64 {
    broken(walk(store).await).position()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_event_or_a_link_cleared_in_the_sqlite_file_is_named_and_not_relinked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    fill(&store).await;
    store.close();
    let sql = |statement: &str| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(statement, []).unwrap();
    };

    // A link cleared in the middle is not taken for an event from before the chain: linking
    // it would rewrite every link after it and hide the edit.
    sql("UPDATE events SET chain = NULL, data = '{\"n\":77}' WHERE position = 7");
    let store = SqliteStore::open(&path).unwrap();
    assert!(matches!(
        broken(walk(&store).await),
        Broken::Unlinked { position: 7, .. }
    ));
    store.close();

    sql("DELETE FROM events WHERE position = 7");
    let store = SqliteStore::open(&path).unwrap();
    assert!(matches!(
        broken(walk(&store).await),
        Broken::Order {
            position: 8,
            previous: 6
        }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_log_from_before_the_chain_is_linked_once_and_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let store = SqliteStore::open_unchained(&path).unwrap();
    fill(&store).await;
    let unlinked = store.read_chained(0, 100).await.unwrap();
    assert!(unlinked.iter().all(|c| c.link.is_none()));
    store.close();

    let store = SqliteStore::open(&path).unwrap();
    assert!(matches!(walk(&store).await, Verdict::Intact(c) if c.position == 20));
    // Appends go on from the linked tail.
    store
        .append("s-9", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    assert!(matches!(walk(&store).await, Verdict::Intact(c) if c.position == 21));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_edited_in_the_postgresql_table_is_named() {
    let db = crate::support::postgres::Database::create().await;
    let store = PostgresStore::open(&db.url).await.unwrap();
    let marked = fill(&store).await;
    assert!(matches!(walk(&store).await, Verdict::Intact(c) if c.position == 20));

    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "UPDATE hoicho_events SET data = replace(data, 'marker-0042', 'marker-0043') WHERE data LIKE '%marker-0042%'",
            &[],
        )
        .await
        .unwrap();
    let found = broken(walk(&store).await);
    assert!(
        matches!(&found, Broken::Mismatch { position, .. } if *position == marked),
        "{found}"
    );

    // A time moved by one microsecond is named too.
    client
        .execute(
            "UPDATE hoicho_events SET data = replace(data, 'marker-0043', 'marker-0042') WHERE data LIKE '%marker-0043%'",
            &[],
        )
        .await
        .unwrap();
    assert!(matches!(walk(&store).await, Verdict::Intact(_)));
    client
        .execute(
            "UPDATE hoicho_events SET recorded_at = recorded_at + interval '1 microsecond' WHERE position = 3",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(broken_at(&store).await, 3);

    client
        .execute("DELETE FROM hoicho_events WHERE position = 2", &[])
        .await
        .unwrap();
    assert!(matches!(
        broken(walk(&store).await),
        Broken::Order {
            position: 3,
            previous: 1
        }
    ));
}

/// A log written before the chain (schema 1: hoicho's appends as they were) is linked by the
/// migration, in SQL; the links it computes are the ones the walk computes in Rust, and an
/// older hoicho appending after the migration (it calls the same group function) is linked too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_log_from_before_the_chain_is_linked_by_the_migration() {
    let db = crate::support::postgres::Database::create().await;
    let old = PostgresStore::open_at(&db.url, 1).await.unwrap();
    fill(&old).await;
    let store = PostgresStore::open(&db.url).await.unwrap();
    assert!(matches!(walk(&store).await, Verdict::Intact(c) if c.position == 20));
    old.append("s-0", ExpectedVersion::Any, vec![event(5)]).await.unwrap();
    store.append("s-1", ExpectedVersion::Any, vec![event(6)]).await.unwrap();
    assert!(matches!(walk(&store).await, Verdict::Intact(c) if c.position == 22));
    let stores: [Arc<dyn EventStore>; 2] = [Arc::new(old), Arc::new(store)];
    drop(stores);
}
