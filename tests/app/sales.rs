//! Daily sales over HTTP against the real server: exhibitors record through their token,
//! organizers on their behalf; every bad entry named and refused; voids, closed books, the
//! revenue review and its CSV; sums equal to a fresh replay of the log.

use crate::support::{application_body, json, plan_body, spawn, TestApp};
use chrono::{Duration, Utc};
use serde_json::{json, Value};

/// A fair running now (it opened two days ago), with its plan: (yesterday, today, tomorrow).
async fn running_fair(app: &TestApp) -> (String, String, String) {
    let today = crate::support::fair_on_days(app, "ht2026", -2, 2).await;
    (
        (today - Duration::days(1)).to_string(),
        today.to_string(),
        (today + Duration::days(1)).to_string(),
    )
}

/// An application entered by the organizer, approved, with booth `booth`: (id, token).
async fn exhibitor(app: &TestApp, name: &str, body: Value, booth: Option<&str>) -> (String, String) {
    let mut body = body;
    body["organization"] = json!(name);
    crate::support::exhibitor(app, "ht2026", body, booth).await
}

#[tokio::test]
async fn exhibitors_record_their_days_and_every_bad_entry_is_named() {
    let app = spawn().await;
    let (yesterday, today, tomorrow) = running_fair(&app).await;
    let (id, token) = exhibitor(&app, "HTX Nông nghiệp Sơn Kim", application_body(), Some("A02")).await;

    let (status, body) = app
        .sell(
            &id,
            &token,
            &json!({"day": yesterday, "amount_vnd": 3_500_000, "transactions": 42, "note": "Cam bù bán chạy"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["total_vnd"], 3_500_000);
    let (status, _) = app
        .sell(&id, &token, &json!({"day": today, "amount_vnd": 1_250_000}))
        .await;
    assert_eq!(status, 201);
    // An organizer enters one for it (a producer who phoned in).
    let by_organizer = app
        .post_json(
            &format!("/api/v1/registrations/{id}/sales"),
            &json!({"day": today, "amount_vnd": 750_000}),
        )
        .await;
    assert_eq!(by_organizer.status().as_u16(), 201);
    let list = app.sales(&id).await;
    assert_eq!(list["total_vnd"], 5_500_000);
    assert_eq!(list["transactions"], 42);
    assert_eq!(
        list["by_day"],
        json!([{"day": yesterday, "amount_vnd": 3_500_000}, {"day": today, "amount_vnd": 2_000_000}])
    );

    // Every bad field, named; nothing written.
    let (status, body) = app
        .sell(
            &id,
            &token,
            &json!({"day": tomorrow, "amount_vnd": -5, "transactions": 1.5, "producer": "HTX Lạ", "colour": "red"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in ["day", "amount_vnd", "transactions", "producer", "colour"] {
        assert!(fields.contains_key(field), "{field} not named: {body}");
    }
    assert_eq!(fields["day"], "ngày này chưa đến");
    for bad in [
        json!(3_500_000.5),
        json!("3500000"),
        json!(20_000_000_000i64),
        json!(null),
    ] {
        let (status, body) = app.sell(&id, &token, &json!({"day": today, "amount_vnd": bad})).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["error"]["fields"]["amount_vnd"].is_string(), "{body}");
    }
    let (status, body) = app
        .sell(&id, &token, &json!({"day": "2020-01-01", "amount_vnd": 1}))
        .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["fields"]["day"]
            .as_str()
            .unwrap()
            .contains("không phải ngày hội chợ"),
        "{body}"
    );
    let (status, _) = json(
        app.client
            .post(app.url(&format!("/api/v1/registrations/{id}/sales")))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(app.sales(&id).await["total_vnd"], 5_500_000, "nothing was written");

    // Another exhibitor's token reaches nothing here; no token is 401.
    let (other, other_token) = exhibitor(&app, "HTX Thạch Hà", application_body(), Some("B01")).await;
    let (status, _) = app
        .sell(&id, &other_token, &json!({"day": today, "amount_vnd": 1}))
        .await;
    assert_eq!(status, 404, "an exhibitor records for another");
    let anonymous = app
        .client
        .post(app.url(&format!("/api/v1/registrations/{other}/sales")))
        .json(&json!({"day": today, "amount_vnd": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // Without a booth there are no sales to record.
    let (boothless, boothless_token) = exhibitor(&app, "HTX Chưa Có Gian", application_body(), None).await;
    let (status, body) = app
        .sell(&boothless, &boothless_token, &json!({"day": today, "amount_vnd": 1}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("no_booth")));

    // The same Idempotency-Key twice: one entry.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/registrations/{other}/sales")))
            .bearer_auth(&other_token)
            .header("idempotency-key", "ban-hang-1")
            .json(&json!({"day": today, "amount_vnd": 900_000}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }
    assert_eq!(app.sales(&other).await["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn voids_closed_books_and_the_revenue_review() {
    let app = spawn().await;
    let (yesterday, today, _) = running_fair(&app).await;
    let (id, token) = exhibitor(&app, "HTX Nông nghiệp Sơn Kim", application_body(), Some("A02")).await;
    let mut plain = application_body();
    plain["products"][0]["stars"] = json!(null);
    plain["products"][0]["certificate_no"] = json!(null);
    plain["products"][0]["certificate_expires"] = json!(null);
    plain["address"]["commune"] = json!("Cẩm Xuyên");
    let (other, other_token) = exhibitor(&app, "Hộ kinh doanh Bánh đa", plain, Some("B01")).await;

    let (_, first) = app
        .sell(&id, &token, &json!({"day": yesterday, "amount_vnd": 4_000_000}))
        .await;
    let (_, _) = app
        .sell(&id, &token, &json!({"day": today, "amount_vnd": 2_000_000}))
        .await;
    let (_, _) = app
        .sell(&other, &other_token, &json!({"day": today, "amount_vnd": 1_000_000}))
        .await;
    // A mistake: voided with a reason, entered again.
    let entry = first["entry_id"].as_str().unwrap();
    let void = |body: Value| {
        let url = format!("/api/v1/registrations/{id}/sales/{entry}/void");
        let token = token.clone();
        let app = &app;
        async move { json(app.post_with_token(&url, &token, &body).await).await }
    };
    let (status, body) = void(json!({})).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["reason"].is_string());
    let (status, _) = void(json!({"reason": "Nhập nhầm 4 triệu, đúng là 400 nghìn"})).await;
    assert_eq!(status, 201);
    let (status, body) = void(json!({"reason": "again"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_voided")));
    let missing = app
        .post_with_token(
            &format!("/api/v1/registrations/{id}/sales/{}/void", uuid::Uuid::now_v7()),
            &token,
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(missing.status().as_u16(), 404);
    let (status, _) = app
        .sell(&id, &token, &json!({"day": yesterday, "amount_vnd": 400_000}))
        .await;
    assert_eq!(status, 201);
    let list = app.sales(&id).await;
    assert_eq!(list["total_vnd"], 2_400_000);
    assert_eq!(
        list["entries"][0]["voided"], "Nhập nhầm 4 triệu, đúng là 400 nghìn",
        "kept, marked"
    );

    // The review: exact integer sums and every breakdown.
    let (status, review) = json(app.get_as_organizer("/api/v1/fairs/ht2026/revenue").await).await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["total_vnd"], 3_400_000);
    assert_eq!(review["ocop_vnd"], 2_400_000, "the four-star cooperative's sales");
    assert_eq!(review["exhibitors"], 2);
    assert_eq!(review["booths_allocated"], 2);
    let day_lines = review["by_day"].as_array().unwrap();
    assert_eq!(
        day_lines.iter().map(|l| l["amount_vnd"].as_i64().unwrap()).sum::<i64>(),
        3_400_000
    );
    for by in [
        "booth",
        "zone",
        "exhibitor",
        "producer",
        "product_group",
        "commune",
        "legacy_district",
        "stars",
    ] {
        let lines = review[format!("by_{by}")].as_array().unwrap();
        let sum: i64 = lines.iter().map(|l| l["amount_vnd"].as_i64().unwrap()).sum();
        assert_eq!(sum, 3_400_000, "by {by}: {lines:?}");
    }
    // By the commune now: "Cẩm Xuyên" as typed is Xã Cẩm Xuyên (code 18673); "Sơn Kim 1", a
    // commune before the reform, counts with the commune that took it in.
    let communes = review["by_commune"].as_array().unwrap();
    let cam_xuyen = communes
        .iter()
        .find(|l| l["key"] == "18673")
        .unwrap_or_else(|| panic!("{communes:?}"));
    assert_eq!(cam_xuyen["label"], "Xã Cẩm Xuyên, Tỉnh Hà Tĩnh");
    let son_kim = hoicho::places::units()
        .resolve("Hà Tĩnh", "Sơn Kim 1", Some("Hương Sơn"))
        .commune()
        .unwrap();
    assert!(
        communes.iter().any(|l| l["key"] == son_kim.code.as_str()),
        "{communes:?}"
    );
    let reported_today = review["reporting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["day"] == today.as_str())
        .unwrap()
        .clone();
    assert_eq!(reported_today["reported"], 2);
    let (status, body) = json(app.get_as_organizer("/api/v1/fairs/ht2026/revenue?by=zone").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["lines"][0]["key"], "A");
    let (status, body) = json(
        app.get_as_organizer("/api/v1/fairs/ht2026/revenue?by=weather&format=pdf")
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["by"].is_string() && body["error"]["fields"]["format"].is_string());
    assert_eq!(app.get("/api/v1/fairs/ht2026/revenue").await.status().as_u16(), 401);
    let csv = app
        .get_as_organizer("/api/v1/fairs/ht2026/revenue?format=csv&by=exhibitor")
        .await;
    assert_eq!(csv.status().as_u16(), 200);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with a BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("HTX Nông nghiệp Sơn Kim,2400000"), "{text}");
    assert!(text.contains("Tổng cộng,3400000"), "{text}");
    // The layout Excel set to Vietnamese opens as columns: `;` and a decimal comma.
    let vi = app
        .get_as_organizer("/api/v1/fairs/ht2026/revenue?format=csv_vi&by=exhibitor")
        .await
        .bytes()
        .await
        .unwrap();
    let vi = String::from_utf8(vi[3..].to_vec()).unwrap();
    assert!(vi.contains(";HTX Nông nghiệp Sơn Kim;2400000;0,706"), "{vi}");

    // The workbook: a summary and a sheet per breakdown, each with the exact total.
    let xlsx = app.get_as_organizer("/api/v1/fairs/ht2026/revenue?format=xlsx").await;
    assert_eq!(xlsx.status().as_u16(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
        let names = book.sheet_names().to_vec();
        assert_eq!(names.len(), 11, "{names:?}");
        // Each exhibitor by day, the days real dates, the total exact.
        let by_day = book.worksheet_range("Đơn vị theo ngày").unwrap();
        let head: Vec<&calamine::Data> = by_day.rows().next().unwrap().iter().collect();
        assert!(matches!(head[3], calamine::Data::DateTime(_)), "{head:?}");
        let son_kim = by_day
            .rows()
            .find(|r| r[1] == calamine::Data::String("HTX Nông nghiệp Sơn Kim".into()))
            .expect("its row")
            .to_vec();
        assert_eq!(son_kim.last().unwrap().to_string(), "2400000");
        assert_eq!(names[0], "Tổng quan");
        let sheet = book.worksheet_range("Theo đơn vị").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[1][1], "HTX Nông nghiệp Sơn Kim");
        assert_eq!(rows[1][2], "2400000");
        assert_eq!(rows.last().unwrap()[1], "Tổng cộng");
        assert_eq!(rows.last().unwrap()[2], "3400000");
        let summary = book.worksheet_range("Tổng quan").unwrap();
        assert_eq!(summary.get((2, 1)).unwrap().to_string(), "3400000");
    }
    let page = app
        .get_page("/organizer/fairs/ht2026/revenue", &app.organizer_cookie().await)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<svg") && page.contains("Doanh thu theo ngày"),
        "the charts are drawn"
    );
    assert!(page.contains("Mười xã, phường dẫn đầu"));

    // The books close: nothing more is recorded or voided; reopening needs a reason.
    let close = app.post_json("/api/v1/fairs/ht2026/books/close", &json!({})).await;
    assert_eq!(close.status().as_u16(), 200);
    let (status, body) = app
        .sell(&other, &other_token, &json!({"day": today, "amount_vnd": 5}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("books_closed")));
    let (status, body) = json(app.post_json("/api/v1/fairs/ht2026/books/reopen", &json!({})).await).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = json(
        app.post_json(
            "/api/v1/fairs/ht2026/books/reopen",
            &json!({"reason": "Bổ sung số liệu ngày cuối"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .sell(&other, &other_token, &json!({"day": today, "amount_vnd": 5}))
        .await;
    assert_eq!(status, 201);

    // An earlier fair with its own sales: the review compares with it.
    let last_year = Utc::now().date_naive() - Duration::days(365);
    let mut earlier = crate::support::fair_body("ht2025");
    earlier["start_date"] = json!(last_year.to_string());
    earlier["end_date"] = json!((last_year + Duration::days(4)).to_string());
    earlier["registration_opens_at"] = json!(format!("{}T00:00:00+07:00", last_year - Duration::days(40)));
    earlier["registration_closes_at"] = json!(format!("{}T00:00:00+07:00", last_year - Duration::days(10)));
    assert_eq!(app.post_json("/api/v1/fairs", &earlier).await.status().as_u16(), 201);
    assert_eq!(app.put_booths("ht2025", &plan_body()).await.status().as_u16(), 200);
    let mut body = application_body();
    body["organization"] = json!("HTX Năm Ngoái");
    let (_, applied) = json(app.post_json("/api/v1/fairs/ht2025/registrations", &body).await).await;
    let old = applied["id"].as_str().unwrap().to_owned();
    app.post_json(&format!("/api/v1/registrations/{old}/approve"), &json!({"booths": 1}))
        .await;
    app.post_json(
        "/api/v1/fairs/ht2025/allocations",
        &json!({"booth": "A01", "registration": old}),
    )
    .await;
    let late = app
        .post_json(
            &format!("/api/v1/registrations/{old}/sales"),
            &json!({"day": last_year.to_string(), "amount_vnd": 1_000_000}),
        )
        .await;
    assert_eq!(
        late.status().as_u16(),
        201,
        "a late entry for a past day, before the books close"
    );
    let (_, review) = json(app.get_as_organizer("/api/v1/fairs/ht2026/revenue").await).await;
    assert_eq!(review["comparison"]["fair"], "ht2025");
    assert_eq!(review["comparison"]["total_vnd"], 1_000_000);
    assert_eq!(review["comparison"]["difference_vnd"], 3_400_005 - 1_000_000);

    // The projections equal a fresh replay of the log.
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
    let live = app.state.read();
    assert_eq!(fresh.sales, live.sales);
    assert_eq!(
        live.sales
            .of_fair(&hoicho_events::FairId::new_unchecked("ht2026"))
            .unwrap()
            .total_vnd,
        3_400_005
    );
}

#[tokio::test]
async fn no_cell_of_the_revenue_csv_is_a_formula() {
    let app = spawn().await;
    let (_, today, _) = running_fair(&app).await;
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")",
        "-1+HTX Trừ",
        "@SUM(A1) Hộ kinh doanh",
    ];
    for (i, name) in names.iter().enumerate() {
        let booth = ["A01", "A02", "B01"][i];
        let (id, token) = exhibitor(&app, name, application_body(), Some(booth)).await;
        let (status, body) = app
            .sell(&id, &token, &json!({"day": today, "amount_vnd": 1_000_000}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    for query in [
        "format=csv",
        "format=csv&by=exhibitor",
        "format=csv&by=producer",
        "format=csv&lang=en",
    ] {
        let response = app
            .get_as_organizer(&format!("/api/v1/fairs/ht2026/revenue?{query}"))
            .await;
        assert_eq!(response.status().as_u16(), 200);
        let bytes = response.bytes().await.unwrap();
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[3..]);
        let mut seen = Vec::new();
        for record in reader.records() {
            for field in record.unwrap().iter() {
                assert!(
                    !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{query}: a spreadsheet would run {field:?}"
                );
                seen.push(field.to_owned());
            }
        }
        if query.contains("exhibitor") {
            for name in names {
                assert!(
                    seen.contains(&format!("'{name}")),
                    "{query}: {name} kept, quoted: {seen:?}"
                );
            }
        }
    }
}
