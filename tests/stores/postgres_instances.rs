//! Two hoicho processes on one PostgreSQL database, as behind a load balancer: reads
//! converge, a contested booth has one winner, each email goes once, and an instance killed
//! mid-write loses nothing it acknowledged.

use std::time::Duration;

use crate::support::binary::{hoicho, serve, until, Server};
use crate::support::postgres::Database;
use crate::support::smtp::SmtpSink;
use crate::support::{application_body, json, open_fair, Api};
use serde_json::{json, Value};

struct Instance {
    server: Server,
    api: Api,
    _dir: tempfile::TempDir,
}

/// The first instance makes the organizer; the others get a copy of its secret key, as
/// every instance sharing a log must (ADR 005).
fn start(db: &str, smtp: &str, first: Option<&Instance>) -> Instance {
    let dir = tempfile::tempdir().expect("data directory");
    let token = match first {
        None => {
            let added = hoicho(
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
            let added: Value = serde_json::from_slice(&added.stdout).expect("JSON");
            added["token"].as_str().expect("token").to_owned()
        }
        Some(first) => {
            std::fs::copy(first._dir.path().join("secret.key"), dir.path().join("secret.key"))
                .expect("copy the secret key");
            first.api.token.clone()
        }
    };
    let server = serve(
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
    Instance { server, api, _dir: dir }
}

async fn registrations(api: &Api) -> Vec<Value> {
    let (status, body) = json(api.get_as_organizer("/api/v1/fairs/ht2022/registrations").await).await;
    assert_eq!(status, 200, "{body}");
    body["registrations"].as_array().cloned().unwrap_or_default()
}

async fn apply(api: &Api, n: usize) -> String {
    let mut body = application_body();
    body["organization"] = json!(format!("HTX số {n}"));
    body["email"] = json!(format!("htx{n}@example.vn"));
    body["booth_request"]["preferred_booths"] = json!([]);
    let (status, applied) = json(api.post_json("/api/v1/fairs/ht2022/registrations", &body).await).await;
    assert_eq!(status, 201, "{applied}");
    applied["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_log() {
    let db = Database::create().await;
    let sink = SmtpSink::start(&[]);
    let a = start(&db.url, &sink.url(), None);
    let b = start(&db.url, &sink.url(), Some(&a));
    eprintln!(
        "PostgreSQL: two hoicho processes, {} and {}, on {}",
        a.server.url, b.server.url, db.name
    );

    // Reads converge: what one instance writes, the other serves.
    open_fair(&a.api, "ht2022").await;
    until("the second instance sees the fair", || async {
        b.api.get("/api/v1/fairs/ht2022").await.status().as_u16() == 200
    })
    .await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let api = if n % 2 == 0 { &a.api } else { &b.api };
        ids.push(apply(api, n).await);
    }
    for api in [&a.api, &b.api] {
        until("both list every application", || async {
            registrations(api).await.len() == 12
        })
        .await;
    }
    for (n, id) in ids.iter().enumerate() {
        let api = if n % 2 == 0 { &b.api } else { &a.api };
        let approved = api
            .post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
            .await;
        assert_eq!(approved.status().as_u16(), 200, "approve {id}");
    }

    // Contested booths: the same booth asked for through both instances at once.
    for (k, booth) in ["A01", "A02", "B01"].iter().enumerate() {
        async fn ask(api: &Api, booth: &str, registration: &str) -> u16 {
            let body = json!({"booth": booth, "registration": registration});
            api.post_json("/api/v1/fairs/ht2022/allocations", &body)
                .await
                .status()
                .as_u16()
        }
        let (first, second) = tokio::join!(ask(&a.api, booth, &ids[2 * k]), ask(&b.api, booth, &ids[2 * k + 1]));
        let mut statuses = [first, second];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "booth {booth}: one winner");
    }
    until("both instances show three booths taken", || async {
        let mut agree = true;
        for api in [&a.api, &b.api] {
            let (_, booths) = json(api.get_as_organizer("/api/v1/fairs/ht2022/booths").await).await;
            let taken = booths["booths"]
                .as_array()
                .map(|l| l.iter().filter(|b| b["status"] == "allocated").count())
                .unwrap_or(0);
            agree &= taken == 3;
        }
        agree
    })
    .await;

    // Each email once: 12 received, 12 approved, 3 allocated, whichever instance sent them.
    sink.wait_for(27, Duration::from_secs(30)).await;
    // Time for a second copy to arrive, if one were coming.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let messages = sink.messages();
    let repeated = crate::support::smtp::repeated(&messages);
    assert!(repeated.is_empty(), "sent more than once: {repeated:?}");
    assert_eq!(
        messages.len(),
        27,
        "{:#?}",
        messages.iter().map(|m| &m["subject"]).collect::<Vec<_>>()
    );

    // An instance killed while writing: what it acknowledged, the other has.
    let writer = {
        let api = Api::new(&a.server.url, &a.api.token);
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 100..400 {
                let mut body = application_body();
                body["organization"] = json!(format!("Hộ kinh doanh số {n}"));
                body["email"] = json!(format!("ho{n}@example.vn"));
                body["booth_request"]["preferred_booths"] = json!([]);
                let sent = api
                    .client
                    .post(api.url("/api/v1/fairs/ht2022/registrations"))
                    .bearer_auth(&api.token)
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        match body["id"].as_str() {
                            Some(id) => acknowledged.push(id.to_owned()),
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
            acknowledged
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut a = a;
    a.server.child.kill().expect("kill the first instance");
    a.server.child.wait().expect("it stops");
    let acknowledged = writer.await.expect("the writer ends");
    assert!(
        acknowledged.len() > 5,
        "writes were flowing when it was killed ({})",
        acknowledged.len()
    );
    until("the survivor has every acknowledged application", || async {
        let listed: Vec<String> = registrations(&b.api)
            .await
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect();
        acknowledged.iter().all(|id| listed.contains(id))
    })
    .await;
    for id in &acknowledged {
        let response = b.api.get_as_organizer(&format!("/api/v1/registrations/{id}")).await;
        assert_eq!(response.status().as_u16(), 200, "{id}");
    }
    eprintln!(
        "killed with {} applications acknowledged; the survivor has them all",
        acknowledged.len()
    );
    // Two writers took turns on one log, one killed mid-write: the chain holds from the
    // first event to the last (each writer's own links, and the function's when the other
    // had written since).
    let store = hoicho::store::postgres::PostgresStore::open(&db.url).await.unwrap();
    crate::support::assert_chain_holds(&store).await;
}

/// Receipts are numbered by the fair's payments stream: two instances recording payments at
/// the same moment never give one number twice nor skip one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_number_receipts_without_gaps_or_repeats() {
    let db = Database::create().await;
    let sink = SmtpSink::start(&[]);
    let a = start(&db.url, &sink.url(), None);
    let b = start(&db.url, &sink.url(), Some(&a));
    open_fair(&a.api, "ht2022").await;
    let id = apply(&a.api, 1).await;
    let approved = a
        .api
        .post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
        .await;
    assert_eq!(approved.status().as_u16(), 200);
    let allocated = a
        .api
        .post_json(
            "/api/v1/fairs/ht2022/allocations",
            &json!({"booth": "A01", "registration": id}),
        )
        .await;
    assert_eq!(allocated.status().as_u16(), 201);
    until("the second instance has the statement", || async {
        b.api
            .get_as_organizer(&format!("/api/v1/registrations/{id}/statement"))
            .await
            .status()
            .as_u16()
            == 200
    })
    .await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
        .to_string();
    async fn pay(api: &Api, id: &str, today: &str, n: usize) -> (u16, Value) {
        let body = json!({"registration_id": id, "method": "transfer", "amount_vnd": 10_000 + n,
                          "paid_on": today, "bank_reference": format!("FT{n:05}"), "confirm": true});
        json(api.post_json("/api/v1/fairs/ht2022/payments", &body).await).await
    }
    let calls = (0..30).map(|n| pay(if n % 2 == 0 { &a.api } else { &b.api }, &id, &today, n));
    let results = futures_util::future::join_all(calls).await;
    let mut numbers: Vec<u64> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["receipt_no"].as_u64().expect("a receipt number")
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=30).collect::<Vec<_>>(), "no gap, no repeat");
    for api in [&a.api, &b.api] {
        until("both instances list the 30 payments", || async {
            let (_, s) = json(
                api.get_as_organizer(&format!("/api/v1/registrations/{id}/statement"))
                    .await,
            )
            .await;
            s["payments"].as_array().map_or(0, Vec::len) == 30
        })
        .await;
    }
}
