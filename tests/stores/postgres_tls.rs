//! PostgreSQL over TLS (ADR 022), against a cluster of the test's own that accepts TCP only
//! over TLS, with a CA and a certificate for `localhost` the test makes with openssl: each
//! sslmode connects or is refused as libpq's would, with the reason named at start.

use hoicho::store::conformance::event;
use hoicho::store::postgres::PostgresStore;
use hoicho::store::{EventStore, ExpectedVersion};

use crate::support::certs::authority;
use crate::support::postgres::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sslmode_connects_or_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = authority(dir.path(), "hoicho-test-ca", "DNS:localhost");
    let (other_ca, _, _) = authority(dir.path(), "another-ca", "DNS:localhost");
    let cluster = Cluster::start_tls(&cert, &key);
    cluster.database("tls").await;
    let on = |host: &str, options: &str| format!("postgres://hoicho@{host}:{}/tls?{options}", cluster.port);
    let ca = ca.display().to_string();
    let other_ca = other_ca.display().to_string();

    // Verified, by the CA and the host's name: appends and reads go over it, chain and all.
    let store = PostgresStore::open(&on("localhost", &format!("sslmode=verify-full&sslrootcert={ca}")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .append("tls", ExpectedVersion::NoStream, vec![event(1), event(2)])
        .await
        .unwrap();
    assert_eq!(store.read_all(0, 10).await.unwrap().len(), 2);
    crate::support::assert_chain_holds(&store).await;
    drop(store);

    // Encrypted, the certificate not checked (require), or checked by its CA only (verify-ca,
    // and require with a CA named): a name the certificate does not carry is accepted.
    for options in [
        "sslmode=require".to_owned(),
        format!("sslmode=verify-ca&sslrootcert={ca}"),
        format!("sslmode=require&sslrootcert={ca}"),
    ] {
        let store = PostgresStore::open(&on("127.0.0.1", &options)).await;
        assert!(store.is_ok(), "{options}: {:?}", store.err());
    }

    // Refused, each with its reason: the name, the CA, plain TCP on a server that wants TLS.
    let refusals = [
        (
            on("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}")),
            "certificate not valid for name \"127.0.0.1\"",
        ),
        (
            on("localhost", &format!("sslmode=verify-full&sslrootcert={other_ca}")),
            "UnknownIssuer",
        ),
        (
            on("localhost", &format!("sslmode=verify-ca&sslrootcert={other_ca}")),
            "UnknownIssuer",
        ),
        (on("127.0.0.1", "sslmode=disable"), "no pg_hba.conf entry"),
        (on("127.0.0.1", "application_name=plain"), "no pg_hba.conf entry"),
        (on("localhost", "sslmode=verify-full"), "needs sslrootcert"),
        (
            on("localhost", "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"),
            "/nonexistent/ca.pem",
        ),
    ];
    for (url, reason) in refusals {
        let refused = PostgresStore::open(&url)
            .await
            .err()
            .unwrap_or_else(|| panic!("{url} connected"));
        let message = refused.to_string();
        assert!(message.contains(reason), "{url}: {message}");
        assert!(!message.contains("password"), "{message}");
    }

    // The plain Unix socket of the test still sees the two events: nothing else was written.
    let socket = cluster.socket().replace("dbname=postgres", "dbname=tls");
    let (client, connection) = tokio_postgres::connect(&socket, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let rows = client
        .query_one("SELECT count(*) FROM hoicho_events", &[])
        .await
        .unwrap();
    assert_eq!(rows.get::<_, i64>(0), 2);
}
