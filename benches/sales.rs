//! Sales: (a) 64 concurrent exhibitors recording sales over HTTP, each entry durable before its
//! answer, side by side with a bare actix-web JSON echo in the same run (target ≥ 30%);
//! (b) the revenue review from the projections with 1M sales entries in the log (target
//! < 50 ms); (c) replay of that log into every projection against a raw read-and-decode loop
//! of the same rows (target ≥ 70%); (d) the post-fair report of that fair as a page and as a
//! Word document over HTTP, beside the revenue page (target < 1 s).
//!
//! `cargo bench --bench sales` (optionally `-- --entries N --requests N --clients N`).

mod common;

use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::{TimeZone, Utc};
use common::{arg, load, ms, raw_read_and_decode, start_to_ready, write_log};
use hoicho::startup::{Application, Settings};
use hoicho_events::{
    Actor, Address, Application as Applied, Booth, BoothAllocated, BoothCode, BoothDefined, BoothRequest, Event,
    FairCreated, FairDetails, FairId, Metadata, ProducerType, Product, RecordedEvent, RegistrationApproved,
    RegistrationId, RegistrationSubmitted, SaleRecorded, ZoneCode,
};
use serde_json::{json, Value};
use uuid::Uuid;

/// A fair of `exhibitors` booths, each held by an approved exhibitor with `per` sales entries.
fn synthetic_log(exhibitors: usize, per: usize) -> Vec<RecordedEvent> {
    let metadata = serde_json::to_string(&Metadata::by(Actor::System {
        component: "bench".into(),
    }))
    .unwrap();
    let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
    let fair_id = FairId::new_unchecked("ht2022");
    let details = hoicho::demo::details();
    let mut events = Vec::with_capacity(exhibitors * (per + 4) + 1);
    let mut versions: std::collections::HashMap<String, u64> = Default::default();
    let mut push = |stream: String, event: Event, events: &mut Vec<RecordedEvent>| {
        let version = versions.entry(stream.clone()).or_default();
        *version += 1;
        let (event_type, schema_version, data) = event.encode();
        let position = events.len() as u64 + 1;
        events.push(RecordedEvent {
            event_id: Uuid::now_v7(),
            stream,
            version: *version,
            position,
            event_type: event_type.into(),
            schema_version,
            recorded_at: start + chrono::Duration::milliseconds(position as i64),
            metadata: metadata.clone(),
            data,
        });
    };
    let fair_stream = hoicho_events::streams::fair(&fair_id);
    push(
        fair_stream.clone(),
        Event::FairCreated(FairCreated {
            fair_id: fair_id.clone(),
            details: FairDetails { ..details.clone() },
            copied_from: None,
        }),
        &mut events,
    );
    let zones = ["A", "B", "C", "D"];
    let mut ids = Vec::new();
    for n in 0..exhibitors {
        let code = BoothCode::new_unchecked(format!("{}{n:04}", zones[n % 4]));
        push(
            fair_stream.clone(),
            Event::BoothDefined(BoothDefined {
                fair_id: fair_id.clone(),
                booth: Booth {
                    code: code.clone(),
                    zone: ZoneCode::new_unchecked(zones[n % 4]),
                    kind: "standard".into(),
                    width_m: 3.0,
                    depth_m: 3.0,
                    price_vnd: 3_000_000,
                    x: (n % 50) as f64 * 3.0,
                    y: (n / 50) as f64 * 3.0,
                    power: false,
                },
            }),
            &mut events,
        );
        let id = RegistrationId(Uuid::now_v7());
        let stream = hoicho_events::streams::registration(&id);
        push(
            stream.clone(),
            Event::RegistrationSubmitted(RegistrationSubmitted {
                registration_id: id,
                fair_id: fair_id.clone(),
                application: Applied {
                    organization: format!("HTX Nông nghiệp số {n}"),
                    producer_type: ProducerType::Htx,
                    tax_code: None,
                    representative: "Nguyễn Văn An".into(),
                    phone: "+84912345678".into(),
                    email: format!("htx{n}@example.vn"),
                    language: "vi".into(),
                    address: Address {
                        line: None,
                        commune: format!("Xã {}", n % 120),
                        province: "Hà Tĩnh".into(),
                        legacy_district: Some(format!("Huyện {}", n % 13)),
                    },
                    products: vec![Product {
                        name: "Cam bù Hương Sơn".into(),
                        group: ["I", "II", "III", "IV"][n % 4].into(),
                        subgroup: None,
                        stars: [None, Some(3), Some(4), Some(5)][n % 4],
                        certificate_no: Some("1/QĐ".into()),
                        certificate_expires: Some(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
                    }],
                    producers: vec![],
                    booth_request: BoothRequest {
                        count: 1,
                        kind: None,
                        zone: None,
                        preferred_booths: vec![],
                        needs_power: false,
                        note: None,
                    },
                },
                token_hash: String::new(),
                submitted_at: start,
            }),
            &mut events,
        );
        push(
            stream,
            Event::RegistrationApproved(RegistrationApproved {
                registration_id: id,
                fair_id: fair_id.clone(),
                booths: 1,
            }),
            &mut events,
        );
        push(
            fair_stream.clone(),
            Event::BoothAllocated(BoothAllocated {
                fair_id: fair_id.clone(),
                booth: code,
                registration_id: id,
            }),
            &mut events,
        );
        ids.push(id);
    }
    for i in 0..per {
        for (n, id) in ids.iter().enumerate() {
            push(
                hoicho_events::streams::sales(&fair_id, id),
                Event::SaleRecorded(SaleRecorded {
                    entry_id: Uuid::now_v7(),
                    fair_id: fair_id.clone(),
                    registration_id: *id,
                    day: details.start_date + chrono::Duration::days((i % 5) as i64),
                    amount_vnd: 10_000 * (1 + ((n * 7 + i * 13) % 500) as i64),
                    transactions: Some(3),
                    producer: None,
                    note: None,
                }),
                &mut events,
            );
        }
    }
    events
}

async fn echo(body: web::Bytes) -> HttpResponse {
    HttpResponse::Created().content_type("application/json").body(body)
}

#[tokio::main]
async fn main() {
    let entries = arg("--entries", 1_000_000);
    let clients = arg("--clients", 64);
    let requests = arg("--requests", 6_400);
    let per_client = requests.div_ceil(clients);
    let dir = tempfile::tempdir().unwrap();
    println!("hoicho sales benchmark");

    // (a) Recording over HTTP.
    let live_dir = dir.path().join("live");
    let mut settings = Settings::new("127.0.0.1:0", &live_dir);
    settings.workers = Some(2);
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let organizer = hoicho::service::organizers::add(&*state.store, "bench@hoicho.test")
        .await
        .unwrap();
    state.wait_for(organizer.position, Duration::from_secs(5)).await;
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&organizer.token)
            .json(&body)
            .send()
    };
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive();
    let fair = json!({"id": "ht2026", "name": "Hội chợ", "venue": "Hà Tĩnh",
        "start_date": (today - chrono::Duration::days(2)).to_string(), "end_date": (today + chrono::Duration::days(2)).to_string(),
        "registration_opens_at": "2026-01-01T00:00:00Z", "registration_closes_at": "2026-02-01T00:00:00Z"});
    assert_eq!(post("/api/v1/fairs".into(), fair).await.unwrap().status().as_u16(), 201);
    let plan = json!({"zones": [{"code": "A", "name": "Khu A"}],
        "booths": (0..clients).map(|i| json!({"code": format!("A{i:03}"), "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3, "price_vnd": 3_000_000, "x": i * 3, "y": 0})).collect::<Vec<_>>()});
    http.put(format!("{base}/api/v1/fairs/ht2026/booths"))
        .bearer_auth(&organizer.token)
        .json(&plan)
        .send()
        .await
        .unwrap();
    let expires = (today + chrono::Duration::days(400)).to_string();
    let mut exhibitors = Vec::new();
    for i in 0..clients {
        let body = json!({"organization": format!("HTX {i}"), "producer_type": "htx", "tax_code": "0312687878",
            "representative": "Nguyễn Văn An", "phone": "0912 345 678", "email": format!("htx{i}@example.vn"),
            "address": {"commune": "Sơn Kim 1", "province": "Hà Tĩnh"},
            "products": [{"name": "Cam bù", "group": "I", "stars": 4, "certificate_no": "1/QĐ", "certificate_expires": expires}],
            "booth_request": {"count": 1}});
        let applied: Value = post("/api/v1/fairs/ht2026/registrations".into(), body)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = applied["id"].as_str().unwrap().to_owned();
        post(format!("/api/v1/registrations/{id}/approve"), json!({"booths": 1}))
            .await
            .unwrap();
        post(
            "/api/v1/fairs/ht2026/allocations".into(),
            json!({"booth": format!("A{i:03}"), "registration": id}),
        )
        .await
        .unwrap();
        exhibitors.push((id, applied["access_token"].as_str().unwrap().to_owned()));
    }
    let echo_server = HttpServer::new(|| App::new().route("/echo", web::post().to(echo)))
        .workers(2)
        .bind("127.0.0.1:0")
        .unwrap();
    let echo_url = format!("http://127.0.0.1:{}/echo", echo_server.addrs()[0].port());
    tokio::spawn(echo_server.run());
    let day = today.to_string();
    let entry = move |n: usize| json!({"day": day, "amount_vnd": 10_000 * (n as i64 % 900 + 1), "transactions": 2});
    let targets: Vec<(String, String)> = exhibitors
        .iter()
        .map(|(id, token)| (format!("{base}/api/v1/registrations/{id}/sales"), token.clone()))
        .collect();
    let (per_c, entry_a, entry_b) = (per_client, entry.clone(), entry.clone());
    let echo_request = move |c: &reqwest::Client, n: usize| c.post(echo_url.as_str()).json(&entry_a(n));
    let record = move |c: &reqwest::Client, n: usize| {
        let (url, token) = &targets[(n / per_c) % targets.len()];
        c.post(url.as_str()).bearer_auth(token).json(&entry_b(n))
    };
    load(clients, 5, 201, echo_request.clone()).await;
    load(clients, 5, 201, record.clone()).await;
    let echo_a = load(clients, per_client, 201, echo_request.clone()).await;
    let recorded = load(clients, per_client, 201, record).await;
    let echo_b = load(clients, per_client, 201, echo_request).await;
    let echo_rate = (echo_a.per_second + echo_b.per_second) / 2.0;
    println!(
        "  (a) {clients} exhibitors recording, {} requests a run",
        per_client * clients
    );
    println!(
        "      bare actix-web JSON echo:  {echo_rate:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  (runs: {:.0}, {:.0})",
        ms(echo_a.p50),
        ms(echo_a.p99),
        echo_a.per_second,
        echo_b.per_second
    );
    println!(
        "      sales entries (durable):   {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  errors {}",
        recorded.per_second,
        ms(recorded.p50),
        ms(recorded.p99),
        recorded.errors
    );
    println!(
        "      ratio: {:.0}% of the echo (target >= 30%)",
        100.0 * recorded.per_second / echo_rate
    );

    // (b), (c) A log with `entries` sales.
    let log_dir = dir.path().join("log");
    std::fs::create_dir_all(&log_dir).unwrap();
    let exhibitors = 1000;
    let t = Instant::now();
    let log = synthetic_log(exhibitors, entries / exhibitors);
    let total_events = log.len();
    write_log(&log_dir, log).await;
    println!(
        "  (b, c) {total_events} events in the log, {} of them sales (written in {:.1} s)",
        entries / exhibitors * exhibitors,
        t.elapsed().as_secs_f64()
    );
    let (_, raw_rate) = raw_read_and_decode(&log_dir.join("events.sqlite"));
    let (ready, applied) = start_to_ready(&log_dir).await;
    let (_, raw_again) = raw_read_and_decode(&log_dir.join("events.sqlite"));
    let raw_mean = (raw_rate + raw_again) / 2.0;
    let replay_rate = applied as f64 / ready.as_secs_f64();
    println!("      raw read-and-decode loop:  {raw_mean:>10.0} events/s  (runs: {raw_rate:.0}, {raw_again:.0})");
    println!(
        "      replay into every projection: {replay_rate:>10.0} events/s  ({:.0}% of raw; target >= 70%)",
        100.0 * replay_rate / raw_mean
    );

    let mut settings = Settings::new("127.0.0.1:0", &log_dir);
    settings.workers = Some(1);
    let app = Application::build(settings).await.unwrap();
    while !app.state.ready() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..21 {
        let p = app.state.read();
        let fair = p.fairs.get("ht2022").expect("the fair");
        let started = Instant::now();
        let report = hoicho::revenue::revenue(&p, fair, hoicho::i18n::Lang::Vi);
        times.push(started.elapsed());
        total = report.total_vnd;
    }
    times.sort();
    println!(
        "      revenue review from the projections: median {:.2} ms, slowest {:.2} ms of 21 (target < 50 ms); total {} đồng",
        ms(times[10]),
        ms(times[20]),
        total
    );

    // (d) The post-fair report over HTTP as an organizer opens it: the page and the Word
    // document, beside the revenue page in the same run.
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let organizer = hoicho::service::organizers::add(&*state.store, "bench@hoicho.test")
        .await
        .unwrap();
    state.wait_for(organizer.position, Duration::from_secs(5)).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session = common::sign_in(&client, &base, &organizer.email, &organizer.password).await;
    let timed = |path: &'static str| {
        let (client, base, session) = (client.clone(), base.clone(), session.clone());
        async move {
            let mut times = Vec::new();
            let mut bytes = 0;
            for _ in 0..11 {
                let started = Instant::now();
                let response = client
                    .get(format!("{base}{path}"))
                    .header("cookie", &session)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 200, "{path}");
                bytes = response.bytes().await.unwrap().len();
                times.push(started.elapsed());
            }
            times.sort();
            (times[5], times[10], bytes)
        }
    };
    let revenue_page = timed("/organizer/fairs/ht2022/revenue").await;
    let report_page = timed("/organizer/fairs/ht2022/report").await;
    let report_docx = timed("/organizer/fairs/ht2022/report.docx").await;
    for (what, (median, slowest, bytes)) in [
        ("revenue page (baseline)", revenue_page),
        ("report page", report_page),
        ("report DOCX", report_docx),
    ] {
        println!(
            "      {what:<24} median {:>7.2} ms, slowest {:>7.2} ms of 11, {bytes} bytes ({:.2}× the revenue page; target < 1 s)",
            ms(median),
            ms(slowest),
            median.as_secs_f64() / revenue_page.0.as_secs_f64()
        );
    }
}
