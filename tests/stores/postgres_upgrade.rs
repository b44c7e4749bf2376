//! A rolling upgrade on one PostgreSQL log (ADR 023): the previous release serving, this one
//! started beside it (its migration runs while the old one writes), applications and
//! approvals through both, then the new one stopped and the old one alone again (a rollback).
//! Every email goes once, both serve what either wrote, and the log's hash chain holds over
//! the old release's appends as well as the new one's.
//!
//! The previous release's binary is built once by `scripts/previous-release` (the test command
//! does it and names it in HOICHO_PREVIOUS_BIN).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::binary::{hoicho_with, serve_with, until, Server, BIN};
use crate::support::postgres::Database;
use crate::support::smtp::SmtpSink;
use crate::support::{application_body, json, open_fair, Api};

fn previous() -> PathBuf {
    if let Ok(path) = std::env::var("HOICHO_PREVIOUS_BIN") {
        return PathBuf::from(path);
    }
    let built = std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/previous-release"))
        .output()
        .expect("scripts/previous-release runs");
    assert!(
        built.status.success(),
        "the previous release could not be built: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&built.stdout).trim())
}

struct Instance {
    server: Server,
    api: Api,
    _dir: tempfile::TempDir,
}

fn start(
    bin: &std::path::Path,
    db: &str,
    smtp: &str,
    token: &str,
    secret: Option<&std::path::Path>,
) -> (Instance, String) {
    let dir = tempfile::tempdir().unwrap();
    let token = match secret {
        None => {
            let added = hoicho_with(
                bin,
                &[
                    "organizer",
                    "add",
                    "--email",
                    "btc@hatinh.test",
                    "--json",
                    "--store",
                    db,
                ],
                dir.path(),
            );
            assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
            let added: Value = serde_json::from_slice(&added.stdout).unwrap();
            added["token"].as_str().unwrap().to_owned()
        }
        Some(secret) => {
            std::fs::copy(secret, dir.path().join("secret.key")).unwrap();
            token.to_owned()
        }
    };
    let server = serve_with(
        bin,
        dir.path(),
        &[
            "--store",
            db,
            "--smtp",
            smtp,
            "--mail-retry",
            "200ms",
            "--mail-lease",
            "2s",
        ],
    );
    let api = Api::new(&server.url, &token);
    (Instance { server, api, _dir: dir }, token)
}

async fn apply(api: &Api, n: usize) -> String {
    let mut body = application_body();
    body["organization"] = json!(format!("HTX số {n}"));
    body["email"] = json!(format!("htx{n}@example.vn"));
    body["booth_request"]["preferred_booths"] = json!([]);
    let (status, applied) = json(api.post_json("/api/v1/fairs/nang-cap/registrations", &body).await).await;
    assert_eq!(status, 201, "{applied}");
    applied["id"].as_str().unwrap().to_owned()
}

async fn listed(api: &Api) -> usize {
    let (_, body) = json(api.get_as_organizer("/api/v1/fairs/nang-cap/registrations").await).await;
    body["registrations"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_previous_release_and_this_one_share_a_log_during_a_rolling_upgrade() {
    let previous = previous();
    let db = Database::create().await;
    let sink = SmtpSink::start(&[]);

    // The previous release alone, as it runs today.
    let (old, token) = start(&previous, &db.url, &sink.url(), "", None);
    open_fair(&old.api, "nang-cap").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(apply(&old.api, n).await);
    }

    // This release beside it: its migration runs while the old one serves.
    let secret = old._dir.path().join("secret.key");
    let (new, _) = start(std::path::Path::new(BIN), &db.url, &sink.url(), &token, Some(&secret));
    for n in 4..16 {
        let api = if n % 2 == 0 { &old.api } else { &new.api };
        ids.push(apply(api, n).await);
    }
    for (i, id) in ids.iter().enumerate() {
        let api = if i % 2 == 0 { &new.api } else { &old.api };
        let approved = api
            .post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
            .await;
        assert_eq!(approved.status().as_u16(), 200, "approve {id}");
    }
    until("both serve all sixteen", || async {
        listed(&old.api).await == 16 && listed(&new.api).await == 16
    })
    .await;
    sink.wait_for(32, Duration::from_secs(60)).await;

    // The new one stopped (SIGTERM, as systemd stops it) just after two more applications came
    // in through it: it finishes the emails on their way, and what it had not begun the old
    // one sends. Then the old one goes on alone (a rollback).
    ids.push(apply(&new.api, 16).await);
    ids.push(apply(&new.api, 17).await);
    let mut new = new;
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &new.server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = new.server.child.wait().unwrap();
    assert!(status.success(), "a clean stop: {status}");
    ids.push(apply(&old.api, 18).await);

    // Every email once: 19 received, 16 approved, whichever release sent it.
    sink.wait_for(35, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let messages = sink.messages();
    let repeated = crate::support::smtp::repeated(&messages);
    assert!(repeated.is_empty(), "sent more than once: {repeated:?}");
    assert_eq!(messages.len(), 35);

    // The chain holds over both releases' appends (the old one's linked by the append function).
    let store = hoicho::store::postgres::PostgresStore::open(&db.url).await.unwrap();
    crate::support::assert_chain_holds(&store).await;
    drop(old);
}
