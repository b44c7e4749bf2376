//! PostgreSQL stopped under load and started again, on a cluster the test owns: writes are
//! refused quickly while it is down, acknowledged writes survive, reads keep serving, and a
//! follower resumes with nothing skipped or repeated.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::postgres::Cluster;
use crate::support::{application_body, json, open_fair, spawn_with};
use hoicho::store::conformance::event;
use hoicho::store::postgres::PostgresStore;
use hoicho::store::{EventStore, ExpectedVersion, StoreError, Subscription};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_under_load_loses_skips_and_repeats_nothing() {
    let cluster = Cluster::start();
    let url = cluster.database("hoicho_restart").await;
    let store: Arc<dyn EventStore> = Arc::new(PostgresStore::open(&url).await.expect("open"));
    // The follower is another instance of the store, as another hoicho would be.
    let follower: Arc<dyn EventStore> = Arc::new(PostgresStore::open(&url).await.expect("open"));

    let seen = Arc::new(Mutex::new(Vec::<u64>::new()));
    let following = {
        let seen = seen.clone();
        tokio::spawn(async move {
            let mut subscription = Subscription::new(follower, 0);
            loop {
                match subscription.next_batch().await {
                    Ok(batch) => seen.lock().unwrap().extend(batch.iter().map(|e| e.position)),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        })
    };

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let slowest_refusal = Arc::new(Mutex::new(Duration::ZERO));
    let mut writers = Vec::new();
    for w in 0..8u64 {
        let (store, stop, acknowledged, slowest) = (
            store.clone(),
            stop.clone(),
            acknowledged.clone(),
            slowest_refusal.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let e = event(w * 1_000_000 + n);
                let id = e.event_id;
                let started = Instant::now();
                match store
                    .append(&format!("writer-{w}"), ExpectedVersion::Any, vec![e])
                    .await
                {
                    Ok(_) => acknowledged.lock().unwrap().push(id),
                    Err(StoreError::Unavailable(_)) => {
                        let took = started.elapsed();
                        {
                            let mut slowest = slowest.lock().unwrap();
                            *slowest = (*slowest).max(took);
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(other) => panic!("unexpected refusal {other:?}"),
                }
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = acknowledged.lock().unwrap().len();
    assert!(before > 50, "writes flow before the stop ({before})");
    cluster.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = acknowledged.lock().unwrap().len();
    let refused_quickly = *slowest_refusal.lock().unwrap();
    cluster.start_again();
    // Writes come back on their own: the writer reconnects at the next append.
    let deadline = Instant::now() + Duration::from_secs(15);
    while acknowledged.lock().unwrap().len() < during + 100 {
        assert!(Instant::now() < deadline, "writes resume after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(
        refused_quickly < Duration::from_secs(3),
        "a write while the server is down is refused within 3 s (slowest {refused_quickly:?})"
    );

    let head = store.head().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while seen.lock().unwrap().last().copied() != Some(head) {
        assert!(Instant::now() < deadline, "the follower catches up with {head}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    following.abort();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, (1..=head).collect::<Vec<_>>(), "every position once, in order");

    let mut logged = HashSet::new();
    let mut after = 0;
    loop {
        let batch = store.read_all(after, 1_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        logged.extend(batch.iter().map(|e| e.event_id));
    }
    let acknowledged = acknowledged.lock().unwrap();
    let lost: Vec<_> = acknowledged.iter().filter(|id| !logged.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged appends missing from the log: {lost:?}");
    eprintln!(
        "restart: {} appends acknowledged ({before} before the stop), slowest refusal {refused_quickly:?}, follower saw {head} positions in order",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_the_server_is_down_writes_answer_503_and_reads_keep_serving() {
    let cluster = Cluster::start();
    let url = cluster.database("hoicho_outage").await;
    let app = spawn_with(|settings| settings.store = Some(url.clone())).await;
    open_fair(&app, "ht2022").await;
    let (status, first) = json(
        app.post_json("/api/v1/fairs/ht2022/registrations", &application_body())
            .await,
    )
    .await;
    assert_eq!(status, 201, "{first}");

    cluster.stop();
    let mut second = application_body();
    second["organization"] = json!("HTX Chè Hương Sơn");
    let started = Instant::now();
    let refused = app.post_json("/api/v1/fairs/ht2022/registrations", &second).await;
    assert_eq!(refused.status().as_u16(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "refused in {:?}",
        started.elapsed()
    );
    let (_, problem) = json(refused).await;
    assert_eq!(problem["error"]["code"], "unavailable", "{problem}");

    // Reads come from the projections: the last state, served while the log is away.
    let fair = app.get("/api/v1/fairs/ht2022").await;
    assert_eq!(fair.status().as_u16(), 200);
    let (status, list) = json(app.get_as_organizer("/api/v1/fairs/ht2022/registrations").await).await;
    assert_eq!(status, 200);
    assert_eq!(list["registrations"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(app.get("/fairs/ht2022").await.status().as_u16(), 200);

    cluster.start_again();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let retried = app.post_json("/api/v1/fairs/ht2022/registrations", &second).await;
        if retried.status().as_u16() == 201 {
            break;
        }
        assert!(Instant::now() < deadline, "writes resume: {}", retried.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    crate::support::binary::until("the new application is listed", || async {
        let (_, list) = json(app.get_as_organizer("/api/v1/fairs/ht2022/registrations").await).await;
        list["registrations"].as_array().map(Vec::len) == Some(2)
    })
    .await;
}

/// `hoicho serve --store postgres://…` with no server there stops at once and names it,
/// without its password.
#[test]
fn serve_names_an_unreachable_server_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let started = Instant::now();
    let url = format!("postgres://hoicho:s3cr3t@127.0.0.1:{port}/hoicho");
    let output = crate::support::binary::hoicho(&["serve", "--addr", "127.0.0.1:0", "--store", &url], dir.path());
    assert!(!output.status.success());
    assert!(started.elapsed() < Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Failed to open the event log on PostgreSQL"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("cannot reach postgres://hoicho@127.0.0.1:{port}/hoicho")),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "the password stays out: {stderr}");
}
