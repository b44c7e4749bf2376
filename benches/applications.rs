//! Applications submitted over HTTP by 64 concurrent clients, each one durable before its
//! answer and each sending its email, side by side in one run with two other servers: the
//! floor under any durable write (the same bodies, each only appended as one event through the
//! same SQLite store, with nothing checked, projected or emailed) and a bare actix-web JSON
//! echo (the ceiling any actix-web handler on this machine can reach). Applications are
//! reported as a share of the floor, which moves with the disk as they do.
//!
//! The load comes from `wrk` (`apt-get install wrk`), a separate process: a load generator
//! inside the benchmark took a core's worth of the two from the servers it measured.
//!
//! `cargo bench --bench applications` (optionally `-- --seconds N --clients N`).

mod common;

use std::time::Duration;

use common::{arg, children_cpu, cpu_by_thread, cpu_per, cpu_total_per, ms, wrk};

use actix_web::{web, App, HttpResponse, HttpServer};
use hoicho::startup::{Application, Settings};
use hoicho::store::{sqlite::SqliteStore, EventStore, ExpectedVersion};
use hoicho_events::NewEvent;
use serde_json::{json, Value};

fn application(n: usize) -> Value {
    let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).to_string();
    json!({
        "organization": format!("HTX Nông nghiệp Sơn Kim {n}"),
        "producer_type": "htx",
        "tax_code": "0312687878",
        "representative": "Nguyễn Văn An",
        "phone": "0912 345 678",
        "email": format!("htx{n}@example.com"),
        "address": {"commune": "Sơn Kim 1", "province": "Hà Tĩnh", "legacy_district": "Hương Sơn"},
        "products": [{"name": "Cam bù Hương Sơn", "group": "I", "stars": 4, "certificate_no": "123/QĐ-UBND", "certificate_expires": expires}],
        "booth_request": {"count": 1, "zone": "A", "needs_power": true}
    })
}

async fn echo(body: web::Bytes) -> HttpResponse {
    HttpResponse::Created().content_type("application/json").body(body)
}

/// The floor under any durable write: the body appended as one event to a stream of its own
/// through the same SQLite store (group commit, fsync), answered with its position. No
/// validation, no projections, no email.
async fn append(store: web::Data<SqliteStore>, body: web::Bytes) -> HttpResponse {
    let event = NewEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type: "BenchBody".into(),
        schema_version: 1,
        recorded_at: chrono::Utc::now(),
        metadata: "{}".into(),
        data: String::from_utf8_lossy(&body).into_owned(),
    };
    let stream = format!("bench-{}", event.event_id);
    match store.append(&stream, ExpectedVersion::NoStream, vec![event]).await {
        Ok(done) => HttpResponse::Created().json(json!({"position": done.position})),
        Err(err) => HttpResponse::ServiceUnavailable().body(err.to_string()),
    }
}

#[tokio::main]
async fn main() {
    let clients = arg("--clients", 64);
    let seconds = arg("--seconds", 5) as u64;
    let dir = tempfile::tempdir().unwrap();

    let mut settings = Settings::new("127.0.0.1:0", dir.path());
    settings.workers = Some(2);
    settings.public_posts_per_minute = u32::MAX;
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let organizer = hoicho::service::organizers::add(&*state.store, "bench@hoicho.test")
        .await
        .unwrap();
    state.wait_for(organizer.position, Duration::from_secs(5)).await;
    let http = reqwest::Client::new();
    let fair = json!({"id": "bench", "name": "Hội chợ", "venue": "Hà Tĩnh", "start_date": "2030-01-21", "end_date": "2030-01-25",
        "registration_opens_at": "2026-01-01T00:00:00Z", "registration_closes_at": "2029-12-31T00:00:00Z"});
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&organizer.token)
            .json(&body)
            .send()
    };
    assert_eq!(post("/api/v1/fairs", fair).await.unwrap().status().as_u16(), 201);
    let plan = json!({"zones": [{"code": "A", "name": "Khu A"}],
        "booths": (0..100).map(|i| json!({"code": format!("A{i:02}"), "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3, "price_vnd": 3_000_000, "x": i * 3, "y": 0})).collect::<Vec<_>>()});
    http.put(format!("{base}/api/v1/fairs/bench/booths"))
        .bearer_auth(&organizer.token)
        .json(&plan)
        .send()
        .await
        .unwrap();
    post("/api/v1/fairs/bench/registration/open", json!({})).await.unwrap();

    let echo_server = HttpServer::new(|| App::new().route("/echo", web::post().to(echo)))
        .workers(2)
        .bind("127.0.0.1:0")
        .unwrap();
    let echo_port = echo_server.addrs()[0].port();
    tokio::spawn(echo_server.run());
    let echo_url = format!("http://127.0.0.1:{echo_port}/echo");
    let floor_store = web::Data::new(SqliteStore::open(dir.path().join("floor.sqlite")).unwrap());
    let floor_server = HttpServer::new(move || {
        App::new()
            .app_data(floor_store.clone())
            .route("/append", web::post().to(append))
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let floor_url = format!("http://127.0.0.1:{}/append", floor_server.addrs()[0].port());
    tokio::spawn(floor_server.run());
    let apply_url = format!("{base}/api/v1/fairs/bench/registrations");
    // `{n}` becomes a number of the request's own, as `application(n)` would give.
    let body = serde_json::to_string(&application(0))
        .unwrap()
        .replace("Sơn Kim 0", "Sơn Kim {n}")
        .replace("htx0@", "htx{n}@");
    assert_eq!(body.matches("{n}").count(), 2);

    println!(
        "hoicho applications benchmark: {clients} concurrent clients (wrk, a separate process), {seconds} s a run"
    );
    // Warm all three up, then measure them alternately.
    wrk(&echo_url, &body, clients, 1);
    wrk(&apply_url, &body, clients, 1);
    wrk(&floor_url, &body, clients, 1);
    let (echo_cpu_before, echo_wrk_before) = (cpu_by_thread(), children_cpu());
    let echo_a = wrk(&echo_url, &body, clients, seconds);
    let (echo_cpu_after, echo_wrk_after) = (cpu_by_thread(), children_cpu());
    let cpu_before = cpu_by_thread();
    let apply = wrk(&apply_url, &body, clients, seconds);
    let (cpu_after, apply_wrk_after) = (cpu_by_thread(), children_cpu());
    let echo_requests = echo_a.per_second * seconds as f64;
    let applications = apply.per_second * seconds as f64;
    let echo_cpu = cpu_total_per(&echo_cpu_before, &echo_cpu_after, echo_requests);
    let application_cpu = cpu_total_per(&cpu_before, &cpu_after, applications);
    let application_wrk = apply_wrk_after.saturating_sub(echo_wrk_after) as f64 / 1000.0 / applications;
    println!(
        "  applications (durable):       {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  errors {}",
        apply.per_second,
        ms(apply.p50),
        ms(apply.p99),
        apply.errors
    );
    println!(
        "  CPU per application, by thread: {}",
        cpu_per(&cpu_before, &cpu_after, applications)
    );
    // CPU, unlike throughput, does not move with what else the machine is doing.
    println!(
        "  CPU per request: application {application_cpu:.0} µs, echo {echo_cpu:.1} µs ({:.1}×); wrk {:.1} µs an application, {:.1} µs an echo",
        application_cpu / echo_cpu,
        application_wrk,
        echo_wrk_after.saturating_sub(echo_wrk_before) as f64 / 1000.0 / echo_requests,
    );
    // Each application's email is part of its cost: say how far mail kept up.
    let (mail_waiting, mail_sent) = {
        let p = state.read();
        let sent = p
            .notifications
            .for_fair(&hoicho_events::FairId::new_unchecked("bench"))
            .filter(|n| n.status == hoicho_projections::NotificationStatus::Sent)
            .count();
        (p.notifications.wanted().count(), sent)
    };
    // The emails still owed are sent before the echo runs again, so they do not slow it.
    let drain = std::time::Instant::now();
    loop {
        let owed = {
            let p = state.read();
            p.notifications.wanted().count()
                + p.notifications
                    .active()
                    .filter(|n| n.status != hoicho_projections::NotificationStatus::Sent)
                    .count()
        };
        if owed == 0 || drain.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained = drain.elapsed();
    // With the emails sent, the floor: what the same bodies cost when each is only appended.
    let (floor_cpu_before, floor_wrk_before) = (cpu_by_thread(), children_cpu());
    let floor = wrk(&floor_url, &body, clients, seconds);
    let (floor_cpu_after, floor_wrk_after) = (cpu_by_thread(), children_cpu());
    let floor_requests = floor.per_second * seconds as f64;
    println!(
        "  floor, each body appended as one event, nothing else: {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  errors {}",
        floor.per_second,
        ms(floor.p50),
        ms(floor.p99),
        floor.errors
    );
    let floor_wrk = floor_wrk_after.saturating_sub(floor_wrk_before) as f64 / 1000.0 / floor_requests;
    println!(
        "  CPU per floor request, by thread: {}; wrk {floor_wrk:.1} µs",
        cpu_per(&floor_cpu_before, &floor_cpu_after, floor_requests),
    );
    let echo_b = wrk(&echo_url, &body, clients, seconds);
    let echo_rate = (echo_a.per_second + echo_b.per_second) / 2.0;
    let floor_cpu = cpu_total_per(&floor_cpu_before, &floor_cpu_after, floor_requests);
    println!(
        "  bare actix-web JSON echo:     {echo_rate:>8.0} req/s  p50 {:.2}/{:.2} ms  p99 {:.2}/{:.2} ms  (runs: {:.0}, {:.0})",
        ms(echo_a.p50),
        ms(echo_b.p50),
        ms(echo_a.p99),
        ms(echo_b.p99),
        echo_a.per_second,
        echo_b.per_second
    );
    println!(
        "  emails: {mail_sent} sent by the end of the run, {mail_waiting} not yet claimed; all sent {:.1} s later",
        drained.as_secs_f64()
    );
    println!(
        "  ratio: applications {:.0}% of the floor ({:.0}% of the echo), p99 {:.2} ms against the floor's {:.2} ms; the floor {:.0}% of the echo",
        100.0 * apply.per_second / floor.per_second,
        100.0 * apply.per_second / echo_rate,
        ms(apply.p99),
        ms(floor.p99),
        100.0 * floor.per_second / echo_rate,
    );
    println!(
        "  CPU a request: application {application_cpu:.0} µs, floor {floor_cpu:.0} µs ({:.1}×)",
        application_cpu / floor_cpu
    );
    let (_, list) = {
        let r = http
            .get(format!("{base}/api/v1/fairs/bench/registrations"))
            .bearer_auth(&organizer.token)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    println!("  ({} applications in the log)", list["total"]);

    // An organizer's bulk decision on a fair's worth of applications, against the same
    // decisions sent one request after another (each waiting out its own commit).
    let ids: Vec<String> = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "submitted")
        .take(2 * FAIR)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2 * FAIR);
    let (one_by_one, bulk) = ids.split_at(FAIR);
    let started = std::time::Instant::now();
    for id in one_by_one {
        let r = post(&format!("/api/v1/registrations/{id}/approve"), json!({}))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let singly = started.elapsed();
    let started = std::time::Instant::now();
    let r = post(
        "/api/v1/fairs/bench/registrations/bulk",
        json!({"action": "approve", "ids": bulk}),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let together = started.elapsed();
    println!(
        "  {FAIR} approvals: one bulk request {:.0} ms; one request each, one after another {:.0} ms ({:.1}×)",
        ms(together),
        ms(singly),
        singly.as_secs_f64() / together.as_secs_f64()
    );
}

/// Applications at a provincial fair, decided in one afternoon.
const FAIR: usize = 150;
