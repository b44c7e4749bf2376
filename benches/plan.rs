//! The floor-plan editor's save: a 1,000-booth drawing posted as the editor posts it (signed
//! in, one `DefinePlan` of the whole plan, one booth moved each round), then the public fair
//! page that draws it, each target < 100 ms; side by side in the same run, the public page of
//! a fair with no booths, so a slow disk or a busy machine shows in both.
//!
//! `cargo bench --bench plan` (optionally `-- --booths N --rounds N`).

mod common;

use std::time::{Duration, Instant};

use common::{arg, ms, CSRF};
use hoicho::startup::{Application, Settings};
use serde_json::{json, Value};

fn drawing(booths: usize, round: usize, seen: &str) -> Value {
    let list: Vec<Value> = (0..booths)
        .map(|i| {
            let (zone, row, col) = (["A", "B", "C", "D"][i * 4 / booths], i / 25, i % 25);
            // Each round moves one booth half a metre: every save changes the plan.
            let nudge = if i == round % booths { 0.5 * (1 + round / booths) as f64 } else { 0.0 };
            json!({"code": format!("{zone}{i:04}"), "zone": zone, "kind": "standard", "width_m": 3, "depth_m": 3,
                   "price_vnd": 3_000_000, "x": col as f64 * 3.0 + nudge, "y": (row * 3 + row / 2 * 3) as f64, "power": i % 3 == 0})
        })
        .collect();
    json!({
        "csrf": CSRF, "seen": seen,
        "zones": [{"code": "A", "name": "Khu A"}, {"code": "B", "name": "Khu B"}, {"code": "C", "name": "Khu C"}, {"code": "D", "name": "Khu D"}],
        "booths": list, "hall": {"width_m": 80, "depth_m": 260}, "shapes": [],
    })
}

fn fair(id: &str) -> Value {
    json!({"id": id, "name": "Hội chợ OCOP đo thử", "venue": "Hà Tĩnh", "start_date": "2027-03-10", "end_date": "2027-03-14",
           "time_zone": "Asia/Ho_Chi_Minh", "registration_opens_at": "2027-01-05T08:00:00+07:00",
           "registration_closes_at": "2027-03-01T17:00:00+07:00"})
}

fn summary(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    (ms(times[times.len() / 2]), ms(*times.last().unwrap()))
}

#[tokio::main]
async fn main() {
    let booths = arg("--booths", 1000);
    let rounds = arg("--rounds", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("127.0.0.1:0", dir.path());
    settings.workers = Some(2);
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let added = hoicho::service::organizers::add(&*state.store, "btc@hoicho.bench")
        .await
        .unwrap();
    assert!(state.wait_for(added.position, Duration::from_secs(5)).await);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for id in ["do-thu", "trong"] {
        let created = client
            .post(format!("{base}/api/v1/fairs"))
            .bearer_auth(&added.token)
            .json(&fair(id))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
    }
    let cookie = common::sign_in(&client, &base, &added.email, &added.password).await;

    println!("hoicho plan benchmark: {booths} booths, {rounds} rounds");
    let (mut saves, mut views, mut empty) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = String::new();
    let mut page_bytes = 0;
    for round in 0..rounds + 3 {
        let body = serde_json::to_vec(&drawing(booths, round, &seen)).unwrap();
        let started = Instant::now();
        let saved = client
            .post(format!("{base}/organizer/fairs/do-thu/plan/drawing"))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status().as_u16(), 200, "saved");
        let answer: Value = saved.json().await.unwrap();
        let save = started.elapsed();
        seen = answer["seen"].as_str().unwrap().to_owned();
        let started = Instant::now();
        let page = client
            .get(format!("{base}/fairs/do-thu"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let view = started.elapsed();
        assert!(page.windows(9).any(|w| w == b"data-code"), "the plan is drawn");
        page_bytes = page.len();
        let started = Instant::now();
        client
            .get(format!("{base}/fairs/trong"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let bare = started.elapsed();
        // The first rounds warm the caches and the connection.
        if round >= 3 {
            saves.push(save);
            views.push(view);
            empty.push(bare);
        }
    }
    let (save_p50, save_max) = summary(saves);
    let (view_p50, view_max) = summary(views);
    let (empty_p50, empty_max) = summary(empty);
    println!(
        "  save the drawing ({booths} booths):  median {save_p50:.1} ms, slowest {save_max:.1} ms (target < 100 ms)"
    );
    println!(
        "  next public page ({page_bytes} bytes): median {view_p50:.1} ms, slowest {view_max:.1} ms (target < 100 ms)"
    );
    println!("  public page of a fair with no booths: median {empty_p50:.2} ms, slowest {empty_max:.2} ms");
    println!(
        "  ratios: save {:.2}× and page {:.2}× the 100 ms target (median); the page {:.1}× the empty fair's",
        save_p50 / 100.0,
        view_p50 / 100.0,
        view_p50 / empty_p50.max(0.001)
    );
}
