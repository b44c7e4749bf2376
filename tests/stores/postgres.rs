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

/// The allocation race of `tests/app/allocations.rs` on PostgreSQL, where the guard is
/// checked under the commit-order lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_booth_goes_to_an_application_withdrawn_at_that_point_of_the_log() {
    let db = crate::support::postgres::Database::create().await;
    let url = db.url.clone();
    let app = crate::support::spawn_with(|s| s.store = Some(url)).await;
    crate::support::open_fair_with_booths(&app, "ht2022", 50).await;
    let accepted = crate::support::race_allocations_and_withdrawals(&app, "ht2022", 50, 300, 25).await;
    let given = crate::support::allocations_follow_approval(&app).await;
    assert_eq!(given, accepted);
    assert!(accepted > 0, "some allocations won");
    drop(db);
}
