//! EventStoreDB / KurrentDB. No server can be installed on the machines hoicho is built on,
//! so the conformance suite runs only when `HOICHO_TEST_ESDB` names one
//! (`HOICHO_TEST_ESDB=esdb://localhost:2113?tls=false ./scripts/test`); otherwise its tests
//! are reported as ignored, never as passed. What needs no server runs always: the mapping
//! (unit tests in `src/store/esdb.rs`), the start-up check, and the guard against the client's
//! crypto-provider trap.

use std::sync::Arc;

use hoicho::store::conformance::TestStore;
use hoicho::store::esdb::EsdbStore;

async fn fresh() -> TestStore {
    let url = std::env::var("HOICHO_TEST_ESDB")
        .expect("HOICHO_TEST_ESDB names the EventStoreDB server (run with --ignored only then)");
    // Each test keeps to streams of its own on the shared server.
    let prefix = format!("t{}-", uuid::Uuid::now_v7().simple());
    let store = EsdbStore::open_with_prefix(&url, &prefix)
        .await
        .expect("open the EventStoreDB store");
    eprintln!("EventStoreDB: conformance on {url} under {prefix}");
    TestStore {
        store: Arc::new(store),
        guard: Box::new(()),
    }
}

hoicho::store_conformance_tests!(
    core,
    #[ignore = "needs an EventStoreDB server: set HOICHO_TEST_ESDB (scripts/test runs these then)"],
    fresh
);

/// The `eventstore` client installs rustls' process-wide crypto provider with `expect()` in
/// its connection task; had anything in hoicho installed one first, the client would die
/// there and answer every call with "connection closed" (upstream issue #207). After hoicho
/// has started and sent mail over SMTP, no provider is installed, and a client started then
/// still reports the real reason it cannot connect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hoicho_installs_no_crypto_provider_before_the_client() {
    let sink = crate::support::smtp::SmtpSink::start(&[]);
    let url = sink.url();
    let app = crate::support::spawn_with(|settings| {
        settings.mail.smtp = Some(hoicho::mail::transport::SmtpUrl(url.clone()));
    })
    .await;
    crate::support::open_fair(&app, "ht2022").await;
    let (status, _) = crate::support::json(
        app.post_json(
            "/api/v1/fairs/ht2022/registrations",
            &crate::support::application_body(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let sent = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(sent.len(), 1, "the application's email went out over SMTP");
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "something installed a process-wide rustls provider"
    );

    let refused = EsdbStore::open("esdb://127.0.0.1:9?tls=false&maxDiscoverAttempts=2&discoveryInterval=100")
        .await
        .err()
        .expect("nothing listens on port 9");
    let message = refused.to_string();
    assert!(message.contains("cannot reach EventStoreDB"), "{message}");
    assert!(!message.contains("Connection is closed"), "the client died: {message}");
}

/// `hoicho serve --store esdb://…` with no server there stops at once and says why.
#[test]
fn serve_names_an_unreachable_server_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let url = "esdb://127.0.0.1:9?tls=false&maxDiscoverAttempts=2&discoveryInterval=100";
    let output = crate::support::binary::hoicho(&["serve", "--addr", "127.0.0.1:0", "--store", url], dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Failed to open the event log on EventStoreDB"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot reach EventStoreDB at esdb://127.0.0.1:9"),
        "{stderr}"
    );
}
