//! Booth fees at scale: a fair of 5,000 booths, every one allocated under a support rule,
//! then (1) the organizers' payments page (the accounts) against the same page of an empty
//! fair, side by side in the same rounds, target < 50 ms; (2) a 10,000-line bank statement
//! (half its lines naming a statement's payment code, half unmatched) previewed and
//! confirmed as the page does it, target < 2 s each; and the same statement previewed again
//! after it is recorded, when every line is "recorded already".
//!
//! `cargo bench --bench fees` (optionally `-- --booths N --lines N --rounds N`).

mod common;

use std::time::{Duration, Instant};

use common::{arg, ms, CSRF};
use hoicho::startup::{Application, Settings};
use serde_json::{json, Value};

fn fair(id: &str) -> Value {
    json!({"id": id, "name": "Hội chợ OCOP đo thử", "venue": "Hà Tĩnh", "start_date": "2027-03-10", "end_date": "2027-03-14",
           "time_zone": "Asia/Ho_Chi_Minh", "registration_opens_at": "2026-01-05T08:00:00+07:00",
           "registration_closes_at": "2027-03-01T17:00:00+07:00"})
}

fn median(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    (ms(times[times.len() / 2]), ms(*times.last().unwrap()))
}

#[tokio::main]
async fn main() {
    let booths = arg("--booths", 5000);
    let lines = arg("--lines", 10_000);
    let rounds = arg("--rounds", 20);
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
    let token = added.token.clone();
    let put = |path: String, body: Value| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let r = client.put(path).bearer_auth(&token).json(&body).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
        }
    };
    for id in ["lon", "trong"] {
        let created = client
            .post(format!("{base}/api/v1/fairs"))
            .bearer_auth(&token)
            .json(&fair(id))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
    }
    let list: Vec<Value> = (0..booths)
        .map(|i| {
            json!({"code": format!("A{i:04}"), "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3,
                   "price_vnd": 3_000_000 + (i % 4) * 500_000, "x": (i % 50) * 3, "y": (i / 50) * 3})
        })
        .collect();
    put(
        format!("{base}/api/v1/fairs/lon/booths"),
        json!({"zones": [{"code": "A", "name": "Khu A"}], "booths": list}),
    )
    .await;
    put(
        format!("{base}/api/v1/fairs/lon/fees"),
        json!({"subsidies": [
            {"name": "Hỗ trợ 100% cho sản phẩm OCOP 4 sao trở lên", "when": {"min_stars": 4}, "rate_percent": 100, "max_booths": 2},
            {"name": "Hỗ trợ 50% cho các chủ thể khác", "rate_percent": 50, "max_booths": 2}
        ]}),
    )
    .await;
    put(
        format!("{base}/api/v1/fairs/lon/payment-account"),
        json!({"bin": "970405", "account_number": "3700205000001", "account_name": "BAN TO CHUC"}),
    )
    .await;

    println!("hoicho fees benchmark: {booths} booths, a {lines}-line statement, {rounds} rounds");
    let started = Instant::now();
    let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(900)).to_string();
    let mut ids = Vec::new();
    for chunk in (0..booths).collect::<Vec<_>>().chunks(32) {
        let calls = chunk.iter().map(|&i| {
            let (client, token, base, expires) = (client.clone(), token.clone(), base.clone(), expires.clone());
            async move {
                let stars = if i % 3 == 0 { json!(4) } else { Value::Null };
                let body = json!({
                    "organization": format!("HTX số {i}"), "producer_type": "htx", "tax_code": "0312687878",
                    "representative": "Nguyễn Văn An", "phone": "0912 345 678", "email": format!("htx{i}@example.vn"),
                    "language": "vi", "address": {"commune": "Sơn Kim 1", "province": "Hà Tĩnh"},
                    "products": [{"name": "Cam bù", "group": "I", "stars": stars,
                                  "certificate_no": if i % 3 == 0 { json!("1/QĐ") } else { Value::Null },
                                  "certificate_expires": if i % 3 == 0 { json!(expires) } else { Value::Null }}],
                    "producers": [], "booth_request": {"count": 1}
                });
                let applied: Value = client
                    .post(format!("{base}/api/v1/fairs/lon/registrations"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = applied["id"].as_str().expect("applied").to_owned();
                let approved = client
                    .post(format!("{base}/api/v1/registrations/{id}/approve"))
                    .bearer_auth(&token)
                    .json(&json!({"booths": 1}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(approved.status().as_u16(), 200);
                id
            }
        });
        ids.extend(futures_util::future::join_all(calls).await);
    }
    let placements = {
        let p = state.read();
        let view = p.fairs.get("lon").unwrap();
        hoicho::service::allocations::proposed_placements(&p, view)
    };
    let ctx = hoicho::service::CommandContext::new(
        hoicho_events::Actor::System {
            component: "bench".into(),
        },
        chrono::Utc::now(),
    );
    let fair_id = hoicho_events::FairId::new_unchecked("lon");
    hoicho::service::fairs::run(
        &state,
        &ctx,
        &fair_id,
        None,
        &hoicho::domain::fair::FairCommand::AllocateAll { placements },
    )
    .await
    .unwrap();
    let statements = state.read().fees.of_fair(&fair_id).map_or(0, |f| f.statements.len());
    println!(
        "  set-up: {} applications approved, {statements} statements, in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );

    // The emails the set-up called for (received, approved, booth with its VietQR code) go
    // out first, so the pages are measured on their own.
    let draining = Instant::now();
    let emails = state.read().notifications.wanted().count() + state.read().notifications.active().count();
    while draining.elapsed() < Duration::from_secs(300) {
        let sent = {
            let p = state.read();
            p.notifications.wanted().next().is_none() && p.notifications.active().next().is_none()
        };
        if sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "  the set-up's {emails} waiting emails sent (to mailbox files) in {:.1} s",
        draining.elapsed().as_secs_f64()
    );

    let cookie = common::sign_in(&client, &base, &added.email, &added.password).await;

    // (1) The accounts page, beside an empty fair's.
    let (mut full, mut empty) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    for round in 0..rounds + 3 {
        let t = Instant::now();
        let page = client
            .get(format!("{base}/organizer/fairs/lon/payments"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let took = t.elapsed();
        bytes = page.len();
        let t = Instant::now();
        client
            .get(format!("{base}/organizer/fairs/trong/payments"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        if round >= 3 {
            full.push(took);
            empty.push(t.elapsed());
        }
    }
    let (full_p50, full_max) = median(full);
    let (empty_p50, empty_max) = median(empty);
    println!(
        "  payments page, {statements} statements, its first 100 ({bytes} bytes): median {full_p50:.1} ms, slowest {full_max:.1} ms (target < 50 ms)"
    );
    println!("  payments page of an empty fair: median {empty_p50:.2} ms, slowest {empty_max:.2} ms");

    // (2) A bank statement: half its lines pay a statement by its code, half match nothing.
    let codes: Vec<(String, i64)> = {
        let p = state.read();
        p.fees
            .of_fair(&fair_id)
            .unwrap()
            .statements
            .values()
            .filter(|s| s.outstanding_vnd() > 0)
            .map(|s| (s.payment_code.clone(), s.outstanding_vnd()))
            .collect()
    };
    let day = chrono::Utc::now().date_naive().format("%d/%m/%Y");
    let mut csv = String::from("NGAN HANG NONG NGHIEP\nSTT;Ngày giao dịch;Số tham chiếu;Số tiền ghi có;Nội dung\n");
    for n in 0..lines {
        let (description, amount) = match codes.get(n / 2).filter(|_| n % 2 == 0) {
            Some((code, due)) => (format!("MBVCB.{n} {code} NOP PHI GIAN HANG"), *due),
            None => (format!("CHUYEN TIEN {n}"), 123_000 + n as i64),
        };
        csv.push_str(&format!(
            "{n};{day} 09:{:02}:00;FT{n:08};{amount};{description}\n",
            n % 60
        ));
    }
    let post = |action: &'static str| {
        let (client, cookie, csv, base) = (client.clone(), cookie.clone(), csv.clone(), base.clone());
        async move {
            let t = Instant::now();
            let r = client
                .post(format!("{base}/organizer/fairs/lon/payments/import"))
                .header("cookie", &cookie)
                .form(&[("action", action), ("csv", csv.as_str()), ("csrf", CSRF)])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = r.bytes().await.unwrap();
            (t.elapsed(), status, location, body.len())
        }
    };
    let (preview, status, _, preview_bytes) = post("preview").await;
    assert_eq!(status, 200);
    let (confirm, status, location, _) = post("confirm").await;
    assert_eq!(status, 303, "confirmed");
    let (again, status, _, _) = post("preview").await;
    assert_eq!(status, 200);
    let recorded = state.read().fees.of_fair(&fair_id).map_or(0, |f| f.receipts.len());
    println!(
        "  statement of {lines} lines ({} kB): preview {:.0} ms ({} kB page), confirm {:.0} ms ({recorded} payments recorded: {location}), preview again {:.0} ms (target < 2,000 ms each)",
        csv.len() / 1024,
        ms(preview),
        preview_bytes / 1024,
        ms(confirm),
        ms(again)
    );
    println!(
        "  ratios: payments page {:.2}× its 50 ms target and {:.1}× the empty fair's; preview {:.2}×, confirm {:.2}× the 2 s target",
        full_p50 / 50.0,
        full_p50 / empty_p50.max(0.001),
        ms(preview) / 2000.0,
        ms(confirm) / 2000.0
    );
}
