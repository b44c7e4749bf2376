//! Mail: 1,000 notifications sent to a local SMTP server (aiosmtpd over TCP), throughput and
//! time to drain; and the latency of durable appends while the notifier is idle and while it
//! drains that backlog, side by side in one run. The notifier must not slow commands down.
//!
//! `cargo bench --bench mail` (optionally `-- --mails N --writers N`). Needs python3 with
//! aiosmtpd (`scripts/test` installs it).

mod common;

#[path = "../tests/support/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::arg;
use hoicho::app::AppState;
use hoicho::mail::{MailSettings, SmtpUrl};
use hoicho::startup::{Application, Settings};
use hoicho::store::ExpectedVersion;
use hoicho_events::{
    Actor, Address, Application as Applied, BoothRequest, Event, FairId, Metadata, NewEvent, ProducerType,
    RegistrationId, RegistrationSubmitted,
};

fn event(event: Event) -> NewEvent {
    NewEvent::encode(uuid::Uuid::now_v7(), &event, &Metadata::by(Actor::Public), Utc::now())
}

fn submitted(n: usize) -> (String, NewEvent) {
    let id = RegistrationId(uuid::Uuid::now_v7());
    let application = Applied {
        organization: format!("HTX Nông nghiệp Sơn Kim {n}"),
        producer_type: ProducerType::Htx,
        tax_code: Some("0312687878".into()),
        representative: "Nguyễn Văn An".into(),
        phone: "+84912345678".into(),
        email: format!("htx{n}@example.vn"),
        language: "vi".into(),
        address: Address {
            line: None,
            commune: "Sơn Kim 1".into(),
            province: "Hà Tĩnh".into(),
            legacy_district: None,
        },
        products: vec![],
        producers: vec![],
        booth_request: BoothRequest {
            count: 1,
            kind: None,
            zone: None,
            preferred_booths: vec![],
            needs_power: false,
            note: None,
        },
    };
    let e = Event::RegistrationSubmitted(RegistrationSubmitted {
        registration_id: id,
        fair_id: FairId::new_unchecked("ht2022"),
        application,
        token_hash: String::new(),
        submitted_at: Utc::now(),
    });
    (hoicho_events::streams::registration(&id), event(e))
}

/// Appends of one small event each to its own stream by `writers` tasks until `stop`;
/// returns the latencies.
async fn appends(
    phase: &'static str,
    state: Arc<AppState>,
    writers: usize,
    stop: Arc<AtomicBool>,
    at_most: usize,
) -> Vec<Duration> {
    let mut tasks = Vec::new();
    for w in 0..writers {
        let state = state.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && latencies.len() < at_most / writers {
                let stream = format!("bench-{phase}-{w}-{i}");
                let e = event(Event::RegistrationOpened(hoicho_events::RegistrationOpened {
                    fair_id: FairId::new_unchecked("bench"),
                    at: Utc::now(),
                }));
                let started = Instant::now();
                state
                    .store
                    .append(&stream, ExpectedVersion::NoStream, vec![e])
                    .await
                    .expect("append");
                latencies.push(started.elapsed());
                i += 1;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    all
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// Appends `count` registrations (numbered from `first`), each calling for one email;
/// returns how long the appends took.
async fn backlog(state: &Arc<AppState>, first: usize, count: usize) -> Duration {
    let started = Instant::now();
    let mut pending = Vec::new();
    for n in first..first + count {
        let (stream, e) = submitted(n);
        let store = state.store.clone();
        pending.push(tokio::spawn(async move {
            store.append(&stream, ExpectedVersion::NoStream, vec![e]).await.unwrap()
        }));
    }
    for p in pending {
        p.await.unwrap();
    }
    started.elapsed()
}

async fn wait_sent(state: &AppState, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while sent(state) < count {
        assert!(Instant::now() < deadline, "the backlog did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn sent(state: &AppState) -> usize {
    state
        .read()
        .notifications
        .by_id
        .values()
        .filter(|n| n.status == hoicho_projections::NotificationStatus::Sent)
        .count()
}

#[tokio::main]
async fn main() {
    let mails = arg("--mails", 1000);
    let writers = arg("--writers", 8);
    let sink = smtp::SmtpSink::start_fast();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("127.0.0.1:0", dir.path());
    settings.mail = MailSettings {
        smtp: Some(SmtpUrl(sink.url())),
        public_url: "http://127.0.0.1:8080".into(),
        ..MailSettings::default()
    };
    let app = Application::build(settings).await.expect("starts");
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let fair = hoicho_events::FairCreated {
        fair_id: FairId::new_unchecked("ht2022"),
        details: hoicho_events::FairDetails {
            name: "Hội chợ OCOP Hà Tĩnh".into(),
            venue: "TP Hà Tĩnh".into(),
            start_date: chrono::NaiveDate::from_ymd_opt(2027, 1, 21).unwrap(),
            end_date: chrono::NaiveDate::from_ymd_opt(2027, 1, 25).unwrap(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            registration_opens_at: Utc::now(),
            registration_closes_at: Utc::now() + chrono::Duration::days(30),
            ..Default::default()
        },
        copied_from: None,
    };
    state
        .store
        .append(
            "fair-ht2022",
            ExpectedVersion::NoStream,
            vec![event(Event::FairCreated(fair))],
        )
        .await
        .unwrap();

    println!(
        "mail: {mails} notifications to aiosmtpd on 127.0.0.1:{}, {writers} writers appending",
        sink.port
    );
    // Appends with nothing to send.
    let idle = appends("idle", state.clone(), writers, Arc::new(AtomicBool::new(false)), 2000).await;

    // A backlog with nothing else running: throughput and time to drain.
    let drained = backlog(&state, 0, mails).await;
    let started = Instant::now();
    wait_sent(&state, mails).await;
    let drained = drained + started.elapsed();
    let received = sink.wait_for(mails, Duration::from_secs(30)).await.len();

    // A second backlog, with the writers appending while the notifier drains it.
    let started = Instant::now();
    backlog(&state, mails, mails).await;
    let busy = appends("busy", state.clone(), writers, Arc::new(AtomicBool::new(false)), 2000).await;
    let writers_done = started.elapsed();
    wait_sent(&state, 2 * mails).await;
    let second_drain = started.elapsed();
    assert!(
        writers_done < second_drain,
        "the writers finished after the backlog drained; raise --mails"
    );

    println!(
        "drain: {mails} emails in {:.2} s = {:.0} emails/s (received by the server: {received})",
        drained.as_secs_f64(),
        mails as f64 / drained.as_secs_f64()
    );
    println!(
        "second backlog with the writers: drained in {:.2} s; the writers' 2000 appends took {:.2} s of it",
        second_drain.as_secs_f64(),
        writers_done.as_secs_f64()
    );
    println!("append latency, {writers} writers  |  p50      p99      n");
    let (idle, busy) = (idle, busy);
    for (name, lat) in [("notifier idle", &idle), ("draining backlog", &busy)] {
        println!(
            "  {name:<30}|  {:>6.2} ms {:>6.2} ms {}",
            quantile(lat, 0.5).as_secs_f64() * 1e3,
            quantile(lat, 0.99).as_secs_f64() * 1e3,
            lat.len()
        );
    }
    println!(
        "ratio p99 draining / idle: {:.2}",
        quantile(&busy, 0.99).as_secs_f64() / quantile(&idle, 0.99).as_secs_f64().max(1e-9)
    );
}
