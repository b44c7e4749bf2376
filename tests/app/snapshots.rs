//! Checkpoints of the projections (ADR 018): a snapshot written at a position, read back
//! beside the log and followed by the log after it, gives exactly the state a replay of the
//! whole log gives — every projection, at every cut, on SQLite and on PostgreSQL; and a
//! snapshot from other code, damaged, ahead of the log or of another log is refused.

use std::sync::Arc;

use hoicho::snapshot::{self, Refused};
use hoicho::store::EventStore;
use hoicho_events::Envelope;
use hoicho_projections::Projections;
use serde_json::{json, Value};

use crate::support::{application_body, json, TestApp};

/// A sales entry sent with an `Idempotency-Key`, as a phone retrying would.
async fn sell_once(app: &TestApp, id: &str, token: &str, key: &str, body: Value) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/registrations/{id}/sales")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .expect("request");
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// A log with something in every projection: a running fair with its plan, fee rules and
/// bank account; exhibitors approved, given booths, one rejected; payments, a refund and a
/// void; sales entries with idempotency keys (one sent twice), a void, the books closed and
/// reopened; the emails all that calls for.
async fn a_log_of_every_kind(app: &TestApp) {
    let today = crate::support::fair_on_days(app, "ht2026", -2, 2).await;
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let rules = json!({
        "subsidies": [{"name": "Sản phẩm OCOP 3 sao trở lên", "when": {"min_stars": 3}, "rate_percent": 100, "max_booths": 2},
                      {"name": "Hỗ trợ chung", "rate_percent": 50}],
        "due": {"kind": "days_after_allocation", "days": 7}
    });
    assert_eq!(
        app.put_json("/api/v1/fairs/ht2026/fees", &rules)
            .await
            .status()
            .as_u16(),
        200
    );
    let account = json!({"bin": "970405", "account_number": "3700205012345", "account_name": "Sở Công Thương Hà Tĩnh"});
    let put = app.put_json("/api/v1/fairs/ht2026/payment-account", &account).await;
    assert_eq!(put.status().as_u16(), 200);

    let mut exhibitors = Vec::new();
    for (i, booth) in ["A01", "A02", "B01"].into_iter().enumerate() {
        let mut body = application_body();
        body["organization"] = json!(format!("Hợp tác xã số {i}"));
        if i == 0 {
            crate::support::without_stars(&mut body);
        }
        exhibitors.push(crate::support::exhibitor(app, "ht2026", body, Some(booth)).await);
    }
    let rejected = app.enter("ht2026", "Hộ kinh doanh Bánh đa", application_body()).await;
    let (status, body) = app
        .decide(&rejected, "reject", &json!({"reason": "Hồ sơ thiếu giấy chứng nhận"}))
        .await;
    assert_eq!(status, 200, "{body}");

    let (plain, _) = &exhibitors[0];
    let pay = |body: Value| async move { json(app.post_json("/api/v1/fairs/ht2026/payments", &body).await).await };
    let (status, body) = pay(
        json!({"registration_id": plain, "method": "transfer", "amount_vnd": 1_000_000,
        "paid_on": today.to_string(), "bank_reference": "FT26335001", "payer": "Nguyễn Văn An"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = pay(
        json!({"registration_id": plain, "method": "cash", "amount_vnd": 500_000,
        "paid_on": today.to_string()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let void = format!(
        "/api/v1/fairs/ht2026/payments/{}/void",
        body["payment_id"].as_str().unwrap()
    );
    let voided = app.post_json(&void, &json!({"reason": "Ghi nhầm số tiền"})).await;
    assert_eq!(voided.status().as_u16(), 200);

    for (n, (id, token)) in exhibitors.iter().enumerate() {
        for k in 0..4 {
            let day = if k % 2 == 0 {
                yesterday.clone()
            } else {
                today.to_string()
            };
            let body = json!({"day": day, "amount_vnd": 100_000 * (k + 1), "transactions": k + 1,
                              "note": format!("Bán lẻ {k}")});
            let key = format!("{n}-{k}");
            let first = sell_once(app, id, token, &key, body.clone()).await;
            if k == 0 {
                // A retry: the same answer, nothing written twice.
                let again = sell_once(app, id, token, &key, body).await;
                assert_eq!(again["entry_id"], first["entry_id"]);
            }
            if n == 1 && k == 3 {
                let url = format!(
                    "/api/v1/registrations/{id}/sales/{}/void",
                    first["entry_id"].as_str().unwrap()
                );
                let voided = app.post_json(&url, &json!({"reason": "Nhập nhầm"})).await;
                assert_eq!(voided.status().as_u16(), 201);
            }
        }
    }
    let close = app.post_json("/api/v1/fairs/ht2026/books/close", &json!({})).await;
    assert_eq!(close.status().as_u16(), 200);
    let reopen = json!({"reason": "Một gian hàng báo muộn"});
    let reopened = app.post_json("/api/v1/fairs/ht2026/books/reopen", &reopen).await;
    assert_eq!(reopened.status().as_u16(), 200);
    let head = app.state.store.head().await.unwrap();
    assert!(app.state.wait_for(head, std::time::Duration::from_secs(10)).await);
}

/// Every event of the log, decoded.
async fn the_log(store: &dyn EventStore) -> Vec<Envelope> {
    let mut events = Vec::new();
    loop {
        let after = events.last().map_or(0, |e: &Envelope| e.position);
        let batch = store.read_all(after, 1000).await.expect("the log reads");
        if batch.is_empty() {
            return events;
        }
        events.extend(batch.iter().map(|r| Envelope::decode(r).expect("decodes")));
    }
}

fn fold(events: &[Envelope]) -> Projections {
    let mut p = Projections::default();
    for e in events {
        p.apply(e);
    }
    p
}

/// For every cut of the log: the state up to it written as a snapshot, read back beside
/// the log, then the events after the cut applied — equal to the whole log's replay.
async fn every_cut_gives_the_full_replay(app: &TestApp) {
    a_log_of_every_kind(app).await;
    let store: Arc<dyn EventStore> = app.state.store.clone();
    let events = the_log(&*store).await;
    let full = fold(&events);
    assert_eq!(full, *app.state.read(), "a replay gives the live state");
    // Every projection has something in it, or the comparison proves little.
    assert!(!full.fairs.by_id.is_empty() && !full.organizers.by_id.is_empty());
    assert!(full.idempotency.len() >= 12, "{}", full.idempotency.len());
    assert!(full.registrations.by_id.len() >= 4 && !full.notifications.by_id.is_empty());
    let fees = full.fees.by_fair.values().next().expect("the fair's fees");
    assert!(fees.receipts.len() >= 2 && fees.statements.len() >= 3);
    let sales = full.sales.by_fair.values().next().expect("the fair's sales");
    assert!(
        sales.entries >= 12
            && sales
                .registrations
                .values()
                .any(|r| r.entries.iter().any(|e| e.voided.is_some()))
    );

    let dir = tempfile::tempdir().unwrap();
    for cut in 1..=events.len() {
        let state = fold(&events[..cut]);
        let bytes = snapshot::frame(&state).expect("a state with events has a snapshot");
        snapshot::save(dir.path(), &bytes).unwrap();
        let mut restored = snapshot::load(dir.path(), &*store)
            .await
            .unwrap_or_else(|why| panic!("the snapshot at {cut} is read: {why}"));
        assert_eq!(restored, state, "the snapshot at {cut} reads back as written");
        for e in &events[cut..] {
            restored.apply(e);
        }
        assert!(
            restored == full,
            "the snapshot at {cut} and the log after it give the full replay"
        );
    }
}

#[tokio::test]
async fn a_snapshot_and_the_log_after_it_make_the_full_replay_on_sqlite() {
    let app = crate::support::spawn().await;
    every_cut_gives_the_full_replay(&app).await;
}

#[tokio::test]
async fn a_snapshot_and_the_log_after_it_make_the_full_replay_on_postgres() {
    let db = crate::support::postgres::Database::create().await;
    let url = db.url.clone();
    let app = crate::support::spawn_with(move |s| s.store = Some(url)).await;
    every_cut_gives_the_full_replay(&app).await;
}

#[tokio::test]
async fn a_snapshot_from_other_code_damaged_ahead_of_the_log_or_of_another_log_is_refused() {
    let app = crate::support::spawn().await;
    a_log_of_every_kind(&app).await;
    let store = app.state.store.clone();
    let events = the_log(&*store).await;
    let dir = tempfile::tempdir().unwrap();
    let good = snapshot::frame(&fold(&events[..events.len() / 2])).unwrap();
    let refused = |bytes: Vec<u8>, store: Arc<dyn EventStore>| {
        let dir = dir.path().to_path_buf();
        async move {
            snapshot::save(&dir, &bytes).unwrap();
            snapshot::load(&dir, &*store).await.expect_err("refused")
        }
    };

    let mut other_code = good.clone();
    other_code[12] ^= 1; // the fingerprint's first byte
    assert_eq!(refused(other_code, store.clone()).await, Refused::OtherVersion);
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last - 40] ^= 0x20;
    assert!(matches!(refused(flipped, store.clone()).await, Refused::Damaged(_)));
    let cut_short = good[..good.len() - 10].to_vec();
    assert!(matches!(refused(cut_short, store.clone()).await, Refused::Damaged(_)));
    assert!(matches!(
        refused(b"HOICHOPS".to_vec(), store.clone()).await,
        Refused::Damaged(_)
    ));

    // Another data directory's log: shorter than the snapshot's position, then as long but
    // with other events.
    let other = crate::support::spawn().await;
    let head = other.state.store.head().await.unwrap();
    let ahead = snapshot::frame(&fold(&events)).unwrap();
    assert_eq!(
        refused(ahead, other.state.store.clone()).await,
        Refused::AheadOfLog {
            position: events.last().unwrap().position,
            head
        }
    );
    let theirs = snapshot::frame(&fold(&the_log(&*other.state.store).await)).unwrap();
    assert_eq!(
        refused(theirs, store.clone()).await,
        Refused::OtherLog { position: head }
    );

    // None at all, and the good one read.
    std::fs::remove_file(dir.path().join(snapshot::FILE)).unwrap();
    assert_eq!(snapshot::load(dir.path(), &*store).await.unwrap_err(), Refused::Missing);
    snapshot::save(dir.path(), &good).unwrap();
    assert!(snapshot::load(dir.path(), &*store).await.is_ok());
}

/// What the demo fair looks like through the API: its fairs, applications, statements and
/// revenue.
async fn seen(url: &str, token: &str) -> Vec<Value> {
    let client = reqwest::Client::new();
    crate::support::binary::until("the server is ready", || {
        let ready = client.get(format!("{url}/readyz")).send();
        async move { ready.await.is_ok_and(|r| r.status().as_u16() == 200) }
    })
    .await;
    let fair = hoicho::demo::FAIR_ID;
    let mut out = Vec::new();
    for path in [
        "/api/v1/fairs".to_owned(),
        format!("/api/v1/fairs/{fair}/registrations"),
        format!("/api/v1/fairs/{fair}/statements"),
        format!("/api/v1/fairs/{fair}/revenue"),
    ] {
        let response = client
            .get(format!("{url}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        out.push(response.json().await.unwrap());
    }
    out
}

/// The server as an operator runs it: a clean stop writes a snapshot, the next start reads
/// it (and says so); after a kill the older snapshot and the log after it are read; a
/// damaged one is refused with a warning and the whole log replayed; each start answers as
/// one with snapshots off does.
#[tokio::test]
async fn the_server_writes_a_snapshot_at_a_clean_stop_and_starts_from_it() {
    use crate::support::binary::{hoicho, serve_logged, stop};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let since = |from: usize| std::fs::read_to_string(&log).unwrap()[from..].to_owned();
    let log_len = || std::fs::metadata(&log).map_or(0, |m| m.len() as usize);

    let (mut child, url, token) = serve_logged(&data, &log, "info", &["--demo"]);
    let token = token.expect("the demo organizer's token");
    let before = seen(&url, &token).await;
    assert!(stop(&mut child).success());
    let said = since(0);
    assert!(
        said.contains("no snapshot of the projections: the whole log is replayed"),
        "{said}"
    );
    assert!(said.contains("snapshot of the projections written"), "{said}");
    assert!(data.join(snapshot::FILE).exists());

    // Started again: from the snapshot, nothing replayed, the same answers.
    let from = log_len();
    let (mut child, url, _) = serve_logged(&data, &log, "info", &[]);
    assert_eq!(seen(&url, &token).await, before);
    let said = since(from);
    assert!(said.contains("the projections start from their snapshot"), "{said}");
    // An organizer added beside it, then a kill: no snapshot at the stop.
    let added = hoicho(&["organizer", "add", "--email", "ke.toan@hoicho.test", "--json"], &data);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let added: Value = serde_json::from_slice(&added.stdout).unwrap();
    let new_token = added["token"].as_str().unwrap().to_owned();
    child.kill().unwrap();
    child.wait().unwrap();

    // The older snapshot and the log after it: the organizer added after it can sign in.
    let from = log_len();
    let (mut child, url, _) = serve_logged(&data, &log, "info", &[]);
    assert!(since(from).contains("the projections start from their snapshot"));
    assert_eq!(seen(&url, &token).await, before);
    let fairs = reqwest::Client::new()
        .get(format!("{url}/api/v1/fairs"))
        .bearer_auth(&new_token)
        .send()
        .await
        .unwrap();
    assert_eq!(fairs.status().as_u16(), 200, "the tail after the snapshot was replayed");
    assert!(stop(&mut child).success());

    // Damaged on the disk: refused, said, the whole log replayed, the same answers.
    let path = data.join(snapshot::FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let from = log_len();
    let (mut child, url, _) = serve_logged(&data, &log, "info", &[]);
    assert_eq!(seen(&url, &token).await, before);
    let said = since(from);
    assert!(
        said.contains("the projections' snapshot is not used") && said.contains("damaged"),
        "{said}"
    );
    assert!(stop(&mut child).success());

    // With snapshots off: none read, the same answers.
    let from = log_len();
    let (mut child, url, _) = serve_logged(&data, &log, "info", &["--snapshot-every", "0"]);
    assert_eq!(seen(&url, &token).await, before);
    assert!(!since(from).contains("start from their snapshot"));
    assert!(stop(&mut child).success());
}
