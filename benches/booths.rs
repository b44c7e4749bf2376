//! Booth allocation: the automatic proposal for the demo fair (100 booths, ~150 applications)
//! and for a national-scale fair (5,000 booths, 8,000 approved applications), target < 1 s and
//! the same output on every run; and `GET /api/v1/fairs/{fair}/booths` under 64 concurrent
//! clients, side by side in one run with a bare actix-web GET of the same JSON bytes, target
//! ≥ 70% of it.
//!
//! `cargo bench --bench booths` (optionally `-- --requests N --clients N`).

mod common;

use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use common::{arg, load, ms};
use hoicho::domain::proposal::{propose, Applicant, Proposal, Slot};
use hoicho::startup::{Application, Settings};
use hoicho_events::{AllocationRules, BoothCode, Locality, RegistrationId, ZoneCode, ZoneQuota};

/// A small deterministic generator, so every run plans the same fair.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// 5,000 booths in 10 zones of 500 (rows of 25, corners at the ends, a tenth double), and
/// 8,000 approved applications from 700 communes in 34 provinces.
fn national() -> (Vec<Slot>, Vec<Applicant>, AllocationRules) {
    let mut rng = Rng(0x0c0f_fee5);
    let mut slots = Vec::new();
    for z in 0..10 {
        let zone = ZoneCode::new_unchecked(format!("Z{z}"));
        for i in 0..500 {
            let (row, col) = (i / 25, i % 25);
            let kind = if col == 0 || col == 24 {
                "corner"
            } else if row % 10 == 9 {
                "double"
            } else {
                "standard"
            };
            slots.push(Slot {
                code: BoothCode::new_unchecked(format!("Z{z}-{i:03}")),
                zone: zone.clone(),
                kind: kind.into(),
                x: (z * 90 + col * 3) as f64,
                y: (row * 3 + row / 2 * 4) as f64,
                holder: None,
                blocked: rng.below(100) == 0,
            });
        }
    }
    let applicants = (0..8000u64)
        .map(|n| {
            let zone = rng.below(10);
            let delegation = rng.below(100) < 8;
            Applicant {
                id: RegistrationId(uuid::Uuid::from_u64_pair(n, rng.below(u64::MAX))),
                approved: if delegation { 2 + rng.below(3) as u32 } else { 1 },
                valid_stars: [0, 3, 3, 3, 4, 5][rng.below(6) as usize],
                submitted: n,
                zone: (rng.below(10) < 9).then(|| ZoneCode::new_unchecked(format!("Z{zone}"))),
                kind: (rng.below(10) < 8).then(|| "standard".to_owned()),
                preferred: if rng.below(5) == 0 {
                    vec![BoothCode::new_unchecked(format!("Z{zone}-{:03}", rng.below(500)))]
                } else {
                    vec![]
                },
                commune: format!("Xã {}", rng.below(700)),
                legacy_district: Some(format!("Huyện {}", rng.below(200))),
                province: format!("Tỉnh {}", rng.below(34)),
            }
        })
        .collect();
    let rules = AllocationRules {
        zone_quotas: vec![ZoneQuota {
            zone: ZoneCode::new_unchecked("Z0"),
            locality: Locality::Province,
            max: 20,
        }],
    };
    (slots, applicants, rules)
}

/// Runs the proposal `runs` times; the slowest time, and whether every output was the same.
fn time_proposal(
    slots: &[Slot],
    applicants: &[Applicant],
    rules: &AllocationRules,
    runs: usize,
) -> (Duration, bool, Proposal) {
    let mut slowest = Duration::ZERO;
    let mut first: Option<Proposal> = None;
    let mut same = true;
    for _ in 0..runs {
        let started = Instant::now();
        let proposal = propose(slots, applicants, rules);
        slowest = slowest.max(started.elapsed());
        match &first {
            None => first = Some(proposal),
            Some(f) => same &= f == &proposal,
        }
    }
    (slowest, same, first.unwrap_or_default())
}

#[tokio::main]
async fn main() {
    let clients = arg("--clients", 64);
    let requests = arg("--requests", 12_800);
    let per_client = requests.div_ceil(clients);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("127.0.0.1:0", dir.path());
    settings.workers = Some(2);
    settings.demo = true;
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());

    println!("hoicho booths benchmark");
    let (slots, applicants, rules) = {
        let p = state.read();
        let fair = p.fairs.get("ocop-ha-tinh-2022").expect("the demo fair");
        let (slots, applicants) = hoicho::service::allocations::proposal_input(&p, fair);
        // The demo has accepted its proposal already; propose again from a bare floor.
        let slots: Vec<Slot> = slots.into_iter().map(|s| Slot { holder: None, ..s }).collect();
        (slots, applicants, fair.rules.clone())
    };
    let (slowest, same, proposal) = time_proposal(&slots, &applicants, &rules, 20);
    println!(
        "  proposal, demo ({} booths, {} approved applications): slowest of 20 runs {:.2} ms, identical: {same}; {} placed, {} short",
        slots.len(),
        applicants.len(),
        ms(slowest),
        proposal.placements.len(),
        proposal.unplaced.len()
    );
    let (slots, applicants, rules) = national();
    let (slowest, same, proposal) = time_proposal(&slots, &applicants, &rules, 5);
    println!(
        "  proposal, national ({} booths, {} approved applications): slowest of 5 runs {:.0} ms (target < 1000 ms), identical: {same}; {} placed, {} short",
        slots.len(),
        applicants.len(),
        ms(slowest),
        proposal.placements.len(),
        proposal.unplaced.len()
    );

    let booths_url = format!("{base}/api/v1/fairs/ocop-ha-tinh-2022/booths");
    let body = reqwest::get(&booths_url).await.unwrap().bytes().await.unwrap();
    let fixed = web::Bytes::from(body.to_vec());
    let bare = HttpServer::new(move || {
        let fixed = fixed.clone();
        App::new().route(
            "/booths",
            web::get().to(move || {
                let fixed = fixed.clone();
                async move { HttpResponse::Ok().content_type("application/json").body(fixed) }
            }),
        )
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let bare_url = format!("http://127.0.0.1:{}/booths", bare.addrs()[0].port());
    tokio::spawn(bare.run());
    let get_bare = move |c: &reqwest::Client, _| c.get(bare_url.as_str());
    let get_booths = move |c: &reqwest::Client, _| c.get(booths_url.as_str());
    load(clients, 20, 200, get_bare.clone()).await;
    load(clients, 20, 200, get_booths.clone()).await;
    let bare_a = load(clients, per_client, 200, get_bare.clone()).await;
    let booths = load(clients, per_client, 200, get_booths).await;
    let bare_b = load(clients, per_client, 200, get_bare).await;
    let bare_rate = (bare_a.per_second + bare_b.per_second) / 2.0;
    println!(
        "  GET {} bytes, {clients} clients, {} requests a run:",
        body.len(),
        per_client * clients
    );
    println!(
        "    bare actix-web GET of the same bytes: {bare_rate:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  (runs: {:.0}, {:.0})",
        ms(bare_a.p50),
        ms(bare_a.p99),
        bare_a.per_second,
        bare_b.per_second
    );
    println!(
        "    GET /api/v1/fairs/{{fair}}/booths:      {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  errors {}",
        booths.per_second,
        ms(booths.p50),
        ms(booths.p99),
        booths.errors
    );
    println!(
        "    ratio: {:.0}% of the bare GET (target >= 70%)",
        100.0 * booths.per_second / bare_rate
    );
}
