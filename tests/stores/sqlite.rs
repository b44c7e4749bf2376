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
