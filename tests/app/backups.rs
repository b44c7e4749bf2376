//! Backups and restores (ADR 021): a drill — backed up while applications keep arriving,
//! restored into an empty data directory, and every application acknowledged up to the
//! backup's position is there, with the same projections and the same private links — and the
//! faults: a full or read-only backup directory, a restore into a store that is not empty, a
//! damaged backup, each a clear message and nothing changed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hoicho::store::sqlite::SqliteStore;
use hoicho::store::EventStore;
use hoicho_projections::Projections;
use serde_json::{json, Value};

use crate::support::binary::{hoicho, serve};
use crate::support::{application_body, open_fair, spawn, Api};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The projections of `store`'s log up to `until`.
async fn projections(store: &dyn EventStore, until: u64) -> Projections {
    let mut projections = Projections::default();
    let mut after = 0;
    while after < until {
        let batch = store.read_all(after, 5_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        let batch: Vec<_> = batch.into_iter().filter(|e| e.position <= until).collect();
        for envelope in hoicho::replay::decode_batch(&batch) {
            projections.apply(&envelope);
        }
    }
    projections
}

/// The registration ids the log holds, each with the position of its first event.
async fn registrations(store: &dyn EventStore) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.read_all(after, 5_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        for e in batch {
            if e.version == 1 && e.stream.starts_with("registration-") {
                found.push((e.stream.trim_start_matches("registration-").to_owned(), e.position));
            }
        }
    }
    found
}

async fn apply(api: &Api, n: usize) -> Option<(String, String)> {
    let mut body = application_body();
    body["organization"] = json!(format!("HTX số {n}"));
    body["email"] = json!(format!("htx{n}@example.vn"));
    body["booth_request"]["preferred_booths"] = json!([]);
    let response = api
        .client
        .post(api.url("/api/v1/fairs/sao-luu/registrations"))
        .bearer_auth(&api.token)
        .json(&body)
        .send()
        .await
        .ok()?;
    if response.status().as_u16() != 201 {
        return None;
    }
    let body: Value = response.json().await.ok()?;
    Some((
        body["id"].as_str()?.to_owned(),
        body["private_url"].as_str()?.to_owned(),
    ))
}

fn backup_json(to: &Path, data: &Path) -> Value {
    let out = hoicho(&["backup", "--json", "--to", to.to_str().unwrap()], data);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_drill_under_write_load() {
    let app = spawn().await;
    open_fair(&app, "sao-luu").await;
    let api = Arc::new(Api::new(&app.address, &app.token));
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (api, acknowledged, stop) = (api.clone(), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = w * 100_000;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    if let Some(done) = apply(&api, n).await {
                        acknowledged.lock().unwrap().push(done);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before: HashSet<String> = acknowledged.lock().unwrap().iter().map(|(id, _)| id.clone()).collect();
    assert!(before.len() > 10, "applications were arriving ({})", before.len());

    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let data = app.data_dir.clone();
    let written = tokio::task::spawn_blocking(move || backup_json(&backups, &data))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let position = written["position"].as_u64().unwrap();
    let path = PathBuf::from(written["path"].as_str().unwrap());
    let head = app.head().await;
    assert!(
        position < head,
        "writes went on during and after the backup ({position} of {head})"
    );

    // Restored into an empty data directory: the log to the backup's position, exactly.
    let restored = dir.path().join("restored");
    let out = hoicho(&["restore", path.to_str().unwrap()], &restored);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("to position {position}")),
        "{}",
        text(&out.stdout)
    );

    let live = SqliteStore::open(app.data_dir.join("events.sqlite")).unwrap();
    let copy = SqliteStore::open(restored.join("events.sqlite")).unwrap();
    assert_eq!(copy.head().await.unwrap(), position);
    let in_copy: HashSet<String> = registrations(&copy).await.into_iter().map(|(id, _)| id).collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let live_positions = registrations(&live).await;
    for (id, _) in &acknowledged {
        let at = live_positions
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, p)| *p)
            .expect("acknowledged is in the log");
        assert_eq!(
            in_copy.contains(id),
            at <= position,
            "{id} at {at}, backup at {position}"
        );
    }
    assert!(
        before.iter().all(|id| in_copy.contains(id)),
        "everything acknowledged before the backup began"
    );
    assert!(
        projections(&copy, position).await == projections(&live, position).await,
        "the same projections at the backup's position"
    );
    copy.close();

    // A server on the restored directory serves the same private links (secret.key came along).
    let server = serve(&restored, &[]);
    let (_, private) = acknowledged.iter().find(|(id, _)| before.contains(id)).unwrap();
    let page = reqwest::get(format!("{}{private}", server.url)).await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "{private}");
}

fn mount_tmpfs(dir: &Path, options: &str) -> Tmpfs {
    std::fs::create_dir_all(dir).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(dir)
        .status()
        .expect("mount runs");
    assert!(
        mounted.success(),
        "these tests mount a small tmpfs, as root (CI runs as root)"
    );
    Tmpfs(dir.to_owned())
}

struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_directory_a_store_not_empty_and_a_damaged_backup_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = hoicho(&["organizer", "add", "--email", "sao.luu@hatinh.gov.vn"], &data);
    assert!(added.status.success());
    // A log worth a few hundred kilobytes.
    let store = SqliteStore::open(data.join("events.sqlite")).unwrap();
    for i in 0..400u64 {
        let mut e = hoicho::store::conformance::event(i);
        e.data = format!(r#"{{"n":{i},"pad":"{}"}}"#, "x".repeat(1_000));
        store
            .append(&format!("s-{}", i % 7), hoicho::store::ExpectedVersion::Any, vec![e])
            .await
            .unwrap();
    }
    store.close();

    // A full directory: refused, and nothing of it left behind.
    let full = mount_tmpfs(&dir.path().join("full"), "size=128k");
    let out = hoicho(&["backup", "--to", full.0.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("is full"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_dir(&full.0).unwrap().count(), 0, "nothing left behind");

    // A read-only one.
    let read_only = mount_tmpfs(&dir.path().join("ro"), "ro,size=1m");
    let out = hoicho(&["backup", "--to", read_only.0.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot write to the backup directory"),
        "{}",
        text(&out.stderr)
    );
    // The service refuses to start with a scheduled backup it could not write.
    let out = Command::new(crate::support::binary::BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--backup-every", "1h", "--backup-dir"])
        .arg(&read_only.0)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot write to the backup directory"),
        "{}",
        text(&out.stderr)
    );

    // A good one, then a restore into a data directory that already has a log.
    let backups = dir.path().join("backups");
    let written = backup_json(&backups, &data);
    let path = written["path"].as_str().unwrap().to_owned();
    let held = hoicho::store::sqlite::count_events(&data.join("events.sqlite")).unwrap();
    let out = hoicho(&["restore", &path], &data);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!("already holds {held} events")),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        hoicho::store::sqlite::count_events(&data.join("events.sqlite")).unwrap(),
        held
    );

    // One byte of the backup changed: refused by name, nothing restored.
    let damaged = dir.path().join("damaged");
    let copy = Command::new("cp").args(["-r", &path]).arg(&damaged).status().unwrap();
    assert!(copy.success());
    let file = damaged.join("events.sqlite");
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.windows(5).position(|w| w == b"xxxxx").unwrap();
    bytes[at] = b'y';
    std::fs::write(&file, bytes).unwrap();
    let target = dir.path().join("target");
    let out = hoicho(&["restore", damaged.to_str().unwrap()], &target);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is damaged: events.sqlite is not the file the manifest names"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.join("events.sqlite").exists(), "nothing restored");

    // Scheduled backups keep the newest --backup-keep.
    for _ in 0..3 {
        backup_json(&backups, &data);
    }
    assert_eq!(hoicho::backup::prune(&backups, 2).unwrap(), 2);
    assert_eq!(std::fs::read_dir(&backups).unwrap().count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_written_checked_and_pruned_while_serving() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    let added = hoicho(&["organizer", "add", "--email", "lich@hatinh.gov.vn"], &data);
    assert!(added.status.success());
    let server = serve(
        &data,
        &[
            "--backup-dir",
            backups.to_str().unwrap(),
            "--backup-every",
            "300ms",
            "--backup-keep",
            "2",
        ],
    );
    let listed = || -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&backups)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        found.sort();
        found
    };
    crate::support::binary::until("backups are written, and pruned to the newest two", || async {
        let metrics = reqwest::get(format!("{}/metrics", server.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("hoicho_backup_timestamp_seconds "))
            .is_some_and(|v| v != "0")
            && listed().len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let kept = listed();
    assert_eq!(kept.len(), 2, "{kept:?}");
    for backup in &kept {
        let manifest = hoicho::backup::check(backup).unwrap();
        assert!(manifest.events >= 1);
    }
    drop(server);
}
