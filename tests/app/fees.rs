//! Booth fees over HTTP against the real server: the fair's rules and account, statements that
//! follow the booths and change with the rules only when an organizer confirms, payments and
//! refunds with receipts numbered without gaps, every bad field named; the VietQR payload read
//! back by an independent decoder (PyPI's vietqr-emvco) and amounts in words checked against
//! an independent speller (PyPI's num2words).

use std::process::Command;

use crate::support::{application_body, json, TestApp};
use serde_json::{json, Value};

async fn put(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    json(app.put_json(path, body).await).await
}

async fn statement(app: &TestApp, id: &str) -> Value {
    let (status, body) = json(
        app.get_as_organizer(&format!("/api/v1/registrations/{id}/statement"))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn pay(app: &TestApp, body: Value) -> (u16, Value) {
    json(app.post_json("/api/v1/fairs/ht2026/payments", &body).await).await
}

/// The 2022 support: OCOP 3★ and more fully supported for up to two booths, everyone else half.
fn rules(other_rate: u8) -> Value {
    json!({
        "subsidies": [
            {"name": "Sản phẩm OCOP 3 sao trở lên", "when": {"min_stars": 3}, "rate_percent": 100, "max_booths": 2},
            {"name": "Hỗ trợ chung", "rate_percent": other_rate}
        ],
        "due": {"kind": "days_after_allocation", "days": 7}
    })
}

fn without_stars() -> Value {
    let mut body = application_body();
    crate::support::without_stars(&mut body);
    body["booth_request"]["preferred_booths"] = json!(["A01"]);
    body["booth_request"]["kind"] = json!("corner");
    body
}

/// Runs python3 on `script` with `arg`, its output trimmed.
fn python(script: &str, arg: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", script, arg])
        .output()
        .expect("python3 runs (scripts/test installs vietqr-emvco and num2words)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn statements_follow_booths_and_rules_and_payments_get_receipts() {
    let app = crate::support::spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", 20, 24).await;

    let (status, body) = put(&app, "/api/v1/fairs/ht2026/fees", &rules(50)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put(
        &app,
        "/api/v1/fairs/ht2026/payment-account",
        &json!({"bin": "970405", "account_number": "3700 2050 12345", "account_name": "Sở Công Thương Hà Tĩnh"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["account_number"], "3700205012345");
    assert_eq!(body["account"]["account_name"], "SO CONG THUONG HA TINH");

    // A 4★ cooperative: its booth fully supported. A producer without stars: half.
    let (starred, starred_token) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let (plain, plain_token) = crate::support::exhibitor(&app, "ht2026", without_stars(), Some("A01")).await;
    let s = statement(&app, &starred).await;
    assert_eq!(s["price_vnd"], 4_000_000);
    assert_eq!(s["subsidy_vnd"], 4_000_000);
    assert_eq!(s["due_vnd"], 0);
    assert_eq!(s["standing"], "covered");
    assert_eq!(s["rule"], "Sản phẩm OCOP 3 sao trở lên");
    assert!(s["vietqr"].is_null(), "nothing to pay, no code");
    let s = statement(&app, &plain).await;
    assert_eq!(
        s["lines"],
        json!([{"booth": "A01", "price_vnd": 4_500_000, "subsidy_vnd": 2_250_000, "due_vnd": 2_250_000}])
    );
    assert_eq!(s["due_on"], (today + chrono::Duration::days(7)).to_string());
    assert_eq!(s["standing"], "unpaid");
    let code = s["payment_code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("HC") && code.len() == 8, "{code}");

    // The payload, read back by an independent decoder.
    let payload = s["vietqr"].as_str().unwrap().to_owned();
    let decoded = python(
        "import sys, json; from vietqr_emvco.parser import VietQRParser as P; q = sys.argv[1]; \
         d = P.parse(q); print(json.dumps({'crc': P.verify_checksum(q), 'bin': d['bank_bin'], \
         'account': d['account_number'], 'amount': d['amount'], 'memo': d['memo'], \
         'currency': d['currency'], 'country': d['country_code'], 'service': d['service_code'], \
         'guid': d['napas_guid'], 'poi': d['point_of_initiation_method']}))",
        &payload,
    );
    let decoded: Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(
        decoded,
        json!({"crc": true, "bin": "970405", "account": "3700205012345", "amount": 2_250_000.0, "memo": code,
               "currency": "704", "country": "VN", "service": "QRIBFTTA", "guid": "A000000727", "poi": "12"})
    );

    // The exhibitor reads its own statement; another's token does not open it.
    let own = app
        .get_with_token(&format!("/api/v1/registrations/{plain}/statement"), &plain_token)
        .await;
    assert_eq!(own.status().as_u16(), 200);
    let other = app
        .get_with_token(&format!("/api/v1/registrations/{plain}/statement"), &starred_token)
        .await;
    assert_eq!(other.status().as_u16(), 404);
    let list = app
        .get_with_token("/api/v1/fairs/ht2026/statements", &plain_token)
        .await;
    assert_eq!(list.status().as_u16(), 401, "only organizers see every statement");

    // New rules leave made statements alone until a recalculation is confirmed.
    let (status, _) = put(&app, "/api/v1/fairs/ht2026/fees", &rules(30)).await;
    assert_eq!(status, 200);
    assert_eq!(statement(&app, &plain).await["due_vnd"], 2_250_000);
    let (status, body) = json(app.post_json("/api/v1/fairs/ht2026/fees/recalculate", &json!({})).await).await;
    assert_eq!(status, 200, "{body}");
    let s = statement(&app, &plain).await;
    assert_eq!(s["due_vnd"], 3_150_000);
    assert_eq!(s["payment_code"], code.as_str(), "the code stays");
    assert_eq!(statement(&app, &starred).await["due_vnd"], 0);

    // A part payment by transfer: receipt 1.
    let (status, body) = pay(
        &app,
        json!({"registration_id": plain, "method": "transfer", "amount_vnd": 1_000_000,
               "paid_on": today.to_string(), "bank_reference": "FT26335001", "payer": "Nguyễn Văn An"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["receipt_no"], 1);
    let s = statement(&app, &plain).await;
    assert_eq!(
        (s["paid_vnd"].clone(), s["outstanding_vnd"].clone()),
        (json!(1_000_000), json!(2_150_000))
    );
    assert_eq!(s["standing"], "part_paid");
    assert!(
        s["vietqr"].as_str().unwrap().contains("54072150000"),
        "the code asks for what is left"
    );

    // The same bank reference never counts twice.
    let (status, body) = pay(
        &app,
        json!({"registration_id": plain, "method": "transfer", "amount_vnd": 1_000_000,
               "paid_on": today.to_string(), "bank_reference": "FT26335001"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("bank_reference_recorded"))
    );

    // More than is due: asked to confirm, then recorded as an overpayment.
    let more =
        json!({"registration_id": plain, "method": "cash", "amount_vnd": 2_500_000, "paid_on": today.to_string()});
    let (status, body) = pay(&app, more.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("more_than_due")));
    let mut confirmed = more.clone();
    confirmed["confirm"] = json!(true);
    let (status, body) = pay(&app, confirmed).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["receipt_no"], 2);
    let cash_payment = body["payment_id"].as_str().unwrap().to_owned();
    let s = statement(&app, &plain).await;
    assert_eq!(
        (s["outstanding_vnd"].clone(), s["standing"].clone()),
        (json!(-350_000), json!("overpaid"))
    );

    // The overpayment refunded: receipt 3, settled.
    let (status, body) = pay(
        &app,
        json!({"registration_id": plain, "kind": "refund", "method": "cash", "amount_vnd": 350_000, "paid_on": today.to_string()}),
    )
    .await;
    assert_eq!((status, body["receipt_no"].clone()), (201, json!(3)), "{body}");
    assert_eq!(statement(&app, &plain).await["standing"], "paid");

    // A mistake voided: its number stays, its amount no longer counts.
    let (status, body) = json(
        app.post_json(
            &format!("/api/v1/fairs/ht2026/payments/{cash_payment}/void"),
            &json!({"reason": "Ghi nhầm số tiền"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["voided"], "Ghi nhầm số tiền");
    let s = statement(&app, &plain).await;
    assert_eq!(s["outstanding_vnd"], 2_500_000);
    assert_eq!(s["payments"].as_array().unwrap().len(), 3);

    // Every bad field named, in the user's language; nothing written.
    // (The outbox writes as the emails go, so what is compared is the fees, not the log head.)
    let before = (
        statement(&app, &plain).await,
        put(&app, "/api/v1/fairs/ht2026/fees", &rules(30)).await.1,
    );
    let (status, body) = pay(
        &app,
        json!({"registration_id": plain, "method": "cheque", "amount_vnd": 1.5, "paid_on": "21/01/2026", "bank_reference": "FT 1"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in ["method", "amount_vnd", "paid_on", "bank_reference"] {
        assert!(fields.contains_key(field), "{field} not named: {body}");
    }
    assert_eq!(fields["amount_vnd"], "phải là số nguyên");
    for amount in [json!(-5), json!(0), json!(2_000_000_000)] {
        let (status, body) = pay(
            &app,
            json!({"registration_id": plain, "method": "cash", "amount_vnd": amount, "paid_on": today.to_string()}),
        )
        .await;
        assert_eq!(status, 422, "{amount}: {body}");
    }
    let tomorrow = (crate::support::fair_today() + chrono::Duration::days(1)).to_string();
    let (status, body) = pay(
        &app,
        json!({"registration_id": plain, "method": "cash", "amount_vnd": 1000, "paid_on": tomorrow}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = put(
        &app,
        "/api/v1/fairs/ht2026/payment-account",
        &json!({"bin": "123456", "account_number": "12ab", "account_name": ""}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in ["bin", "account_number", "account_name"] {
        assert!(fields.contains_key(field), "{field} not named: {body}");
    }
    let (status, body) = put(
        &app,
        "/api/v1/fairs/ht2026/fees",
        &json!({"subsidies": [{"name": "", "rate_percent": 150, "fixed_vnd": 5, "max_booths": 0, "when": {"min_stars": 2, "producer_types": ["hang_rong"]}}]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in [
        "subsidies[0].name",
        "subsidies[0].rate_percent",
        "subsidies[0].fixed_vnd",
        "subsidies[0].max_booths",
        "subsidies[0].when.min_stars",
        "subsidies[0].when.producer_types[0]",
    ] {
        assert!(fields.contains_key(field), "{field} not named: {body}");
    }
    let after = (
        statement(&app, &plain).await,
        put(&app, "/api/v1/fairs/ht2026/fees", &rules(30)).await.1,
    );
    assert_eq!(after, before, "nothing written");

    // Its booth released: the statement follows, and a payment is refused.
    let released = app
        .client
        .delete(app.url("/api/v1/fairs/ht2026/allocations/A01"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert!(released.status().is_success(), "{}", released.status());
    let s = statement(&app, &plain).await;
    assert_eq!((s["due_vnd"].clone(), s["lines"].clone()), (json!(0), json!([])));
    let (status, body) = pay(
        &app,
        json!({"registration_id": plain, "method": "cash", "amount_vnd": 1000, "paid_on": today.to_string()}),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("no_booths")));

    // A replay of the log gives the same statements.
    let mut fresh = hoicho_projections::Projections::default();
    let mut after = 0;
    loop {
        let batch = app.state.store.read_all(after, 10_000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        for env in hoicho::replay::decode_batch(&batch) {
            fresh.apply(&env);
        }
    }
    assert_eq!(fresh.fees, app.state.read().fees);
}

#[tokio::test]
async fn receipts_are_numbered_without_gaps_under_racing_organizers() {
    let app = crate::support::spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let (id, _) = crate::support::exhibitor(&app, "ht2026", without_stars(), Some("A01")).await;
    let payments = (0..20).map(|i| {
        let body = json!({"registration_id": id, "method": "transfer", "amount_vnd": 1000 + i,
                          "paid_on": today.to_string(), "bank_reference": format!("FT{i:04}"), "confirm": true});
        let app = &app;
        async move { pay(app, body).await }
    });
    let results = futures_util::future::join_all(payments).await;
    let mut numbers: Vec<u64> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["receipt_no"].as_u64().unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
}

#[test]
fn amounts_in_words_agree_with_an_independent_speller() {
    let mut amounts: Vec<i64> = vec![
        0,
        1_000,
        1_005_000,
        21_000_000,
        1_250_500_000,
        1_500_000,
        105,
        115,
        1_000_001,
    ];
    // And a spread of others, deterministic.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        amounts.push((x % 100_000_000_000) as i64);
    }
    let list = amounts.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let spelled = python(
        "import sys; from num2words import num2words; \
         print('\\n'.join(num2words(int(n), lang='vi') for n in sys.argv[1].split(',')))",
        &list,
    );
    for (amount, theirs) in amounts.iter().zip(spelled.lines()) {
        assert_eq!(hoicho::i18n::number_vi(*amount as u64), theirs, "{amount}");
    }
    assert_eq!(hoicho::i18n::amount_vnd_vi(1_500_000), "Một triệu năm trăm nghìn đồng");
}

#[tokio::test]
async fn support_can_follow_the_commune_or_the_former_district() {
    let app = crate::support::spawn().await;
    crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let rules = json!({"subsidies": [
        {"name": "Hỗ trợ các xã huyện Hương Sơn cũ", "when": {"localities": ["huong son", "Sơn Kim 1"]}, "rate_percent": 100},
        {"name": "Các địa phương khác", "rate_percent": 20}
    ]});
    assert_eq!(put(&app, "/api/v1/fairs/ht2026/fees", &rules).await.0, 200);
    let (near, _) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let mut far = application_body();
    far["organization"] = json!("HTX Cẩm Xuyên");
    far["address"] = json!({"commune": "Cẩm Xuyên", "province": "Hà Tĩnh"});
    let (far, _) = crate::support::exhibitor(&app, "ht2026", far, Some("A01")).await;
    let s = statement(&app, &near).await;
    assert_eq!(
        (s["subsidy_vnd"].clone(), s["rule"].clone()),
        (json!(4_000_000), json!("Hỗ trợ các xã huyện Hương Sơn cũ"))
    );
    let s = statement(&app, &far).await;
    assert_eq!(
        (s["subsidy_vnd"].clone(), s["rule"].clone()),
        (json!(900_000), json!("Các địa phương khác"))
    );
    let bad = json!({"subsidies": [{"name": "x", "rate_percent": 10, "when": {"localities": ["🌾"]}}]});
    let (status, body) = put(&app, "/api/v1/fairs/ht2026/fees", &bad).await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["fields"]["subsidies[0].when.localities[0]"].is_string(),
        "{body}"
    );
}
