//! The event-store conformance suite against the PostgreSQL server on this machine, each
//! test on a database of its own. These tests run, never skip: without a server they fail.

use hoicho::store::conformance::TestStore;

async fn fresh() -> TestStore {
    let db = crate::support::postgres::Database::create().await;
    let store = hoicho::store::postgres::PostgresStore::open(&db.url)
        .await
        .expect("open the PostgreSQL store");
    TestStore {
        store: std::sync::Arc::new(store),
        guard: Box::new(db),
    }
}

hoicho::store_conformance_tests!(fresh);
