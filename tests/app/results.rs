//! A fair's results and its post-fair report over HTTP against the real server: visitors,
//! agreements, awards and side events entered and every bad one named; the report's numbers
//! equal to the revenue review's; its Word document read back by python-docx; the comparison
//! with the 2022 edition by the communes since the 2025 reform, the old district beside.

use std::process::Command;

use chrono::Duration;
use serde_json::{json, Value};

use crate::support::{application_body, json, TestApp};

/// Applies for `name` at `fair` from `address`, approved, given `booth`: (id, token).
async fn exhibitor(app: &TestApp, fair: &str, name: &str, address: Value, booth: &str) -> (String, String) {
    let mut body = application_body();
    body["organization"] = json!(name);
    body["address"] = address;
    crate::support::exhibitor(app, fair, body, Some(booth)).await
}

async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    json(app.post_json(path, body).await).await
}

/// python-docx's reading of a DOCX: the body in order, each paragraph `{"p": text}`, each
/// table `{"t": [[cell text]]}`; last, `{"images": [[width, height]]}` in EMU.
fn read_docx(bytes: &[u8]) -> Vec<Value> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let script = "import sys, json, docx\n\
        from docx.table import Table\n\
        from docx.text.paragraph import Paragraph\n\
        d = docx.Document(sys.argv[1])\n\
        out = []\n\
        for item in d.iter_inner_content():\n\
        \x20   if isinstance(item, Paragraph): out.append({'p': item.text})\n\
        \x20   else: out.append({'t': [[c.text for c in row.cells] for row in item.rows]})\n\
        out.append({'images': [[s.width, s.height] for s in d.inline_shapes]})\n\
        print(json.dumps(out))";
    let out = Command::new("python3")
        .args(["-c", script, file.path().to_str().unwrap()])
        .output()
        .expect("python3 runs (scripts/test installs python-docx)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

/// The table after the paragraph `caption`, as rows of cells.
fn table_after(body: &[Value], caption: &str) -> Vec<Vec<String>> {
    let at = body
        .iter()
        .position(|b| b["p"] == caption)
        .unwrap_or_else(|| panic!("no {caption:?} in the document"));
    let rows = body[at + 1]["t"]
        .as_array()
        .unwrap_or_else(|| panic!("no table after {caption:?}"));
    rows.iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

/// "1.250.000" → 1250000.
fn number(cell: &str) -> i64 {
    cell.replace('.', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"))
}

#[tokio::test]
async fn results_are_checked_and_the_report_says_what_the_review_says() {
    let app = crate::support::spawn().await;
    // The 2022 edition, before the reform: an exhibitor from Xã Đức Lạng, huyện Đức Thọ.
    let mut old = crate::support::fair_body("ht2022");
    old["name"] = json!("Hội chợ OCOP Hà Tĩnh 2022");
    assert_eq!(app.post_json("/api/v1/fairs", &old).await.status().as_u16(), 201);
    assert_eq!(
        app.put_booths("ht2022", &crate::support::plan_body())
            .await
            .status()
            .as_u16(),
        200
    );
    let (before, before_token) = exhibitor(
        &app,
        "ht2022",
        "HTX Chè Đức Lạng",
        json!({"line": "Thôn 1", "commune": "Xã Đức Lạng", "province": "Tỉnh Hà Tĩnh", "legacy_district": "Đức Thọ"}),
        "A02",
    )
    .await;
    let (status, body) = app
        .sell(
            &before,
            &before_token,
            &json!({"day": "2022-01-22", "amount_vnd": 3_000_000}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // This year's fair, running: two days gone, three to come.
    let today = crate::support::fair_on_days(&app, "ht2026", -2, 2).await;
    let yesterday = today - Duration::days(1);
    let (near, near_token) = exhibitor(
        &app,
        "ht2026",
        "HTX Chè Đức Đồng",
        json!({"line": "Thôn 1", "commune": "Xã Đức Đồng", "province": "Hà Tĩnh"}),
        "A02",
    )
    .await;
    let mut plain = application_body();
    plain["organization"] = json!("Hộ kinh doanh Bánh đa Cẩm Xuyên");
    plain["producer_type"] = json!("ho_kinh_doanh");
    plain["address"] = json!({"line": "Tổ 2", "commune": "Cẩm Xuyên", "province": "Hà Tĩnh"});
    plain["products"][0]["stars"] = json!(null);
    plain["products"][0]["certificate_no"] = json!(null);
    plain["products"][0]["certificate_expires"] = json!(null);
    let (far, far_token) = crate::support::exhibitor(&app, "ht2026", plain, Some("B01")).await;
    for (id, token, day, amount) in [
        (&near, &near_token, yesterday, 4_000_000),
        (&near, &near_token, today, 2_000_000),
        (&far, &far_token, today, 1_000_000),
    ] {
        let (status, body) = app
            .sell(id, token, &json!({"day": day.to_string(), "amount_vnd": amount}))
            .await;
        assert_eq!(status, 201, "{body}");
    }

    // Visitors: every bad count named; an unusual one asks to be confirmed; a second count
    // of a day replaces the first.
    let visitors = "/api/v1/fairs/ht2026/results/visitors";
    let (status, body) = post(
        &app,
        visitors,
        &json!({"day": (today + Duration::days(1)).to_string(), "visitors": -5, "method": "guess"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    for field in ["day", "visitors", "method"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    let (status, body) = post(
        &app,
        visitors,
        &json!({"day": today.to_string(), "visitors": 250_000, "method": "counter"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["confirm"].as_str().unwrap().contains("250.000"),
        "{body}"
    );
    let (status, body) = post(
        &app,
        visitors,
        &json!({"day": today.to_string(), "visitors": 250_000, "method": "counter", "confirm": true}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &app,
        visitors,
        &json!({"day": today.to_string(), "visitors": 5_100, "method": "counter", "source": "Cổng A"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &app,
        visitors,
        &json!({"day": yesterday.to_string(), "visitors": 4_200, "method": "estimate"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["visitors_total"], 9_300, "the correction replaced 250,000: {body}");

    // Agreements: an exhibitor of another fair is not at this one.
    let agreements = "/api/v1/fairs/ht2026/results/agreements";
    let (status, body) = post(
        &app,
        agreements,
        &json!({"kind": "contract", "parties": "", "exhibitors": [before, "nope"], "signed_on": today.to_string(), "value_vnd": -1}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    for field in ["parties", "exhibitors[0]", "exhibitors[1]", "value_vnd"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    let memorandum = json!({
        "kind": "memorandum", "parties": "Siêu thị Co.op Mart Hà Tĩnh và 2 chủ thể OCOP",
        "exhibitors": [near, far], "products": "Chè xanh, bánh đa", "signed_on": yesterday.to_string(),
    });
    // Sent twice with one key: entered once.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(agreements))
            .bearer_auth(&app.token)
            .header("Idempotency-Key", "ghi-nho-coop")
            .json(&memorandum)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }
    let (status, body) = post(
        &app,
        agreements,
        &json!({"kind": "contract", "parties": "Công ty Hồng Lĩnh và HTX Chè Đức Đồng", "exhibitors": [near], "value_vnd": 150_000_000, "signed_on": today.to_string()}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["agreements"].as_array().unwrap().len(), 2, "{body}");

    // Awards and side events; a mistaken award withdrawn, with its reason.
    let awards = "/api/v1/fairs/ht2026/results/awards";
    let (status, body) = post(
        &app,
        awards,
        &json!({"name": "Gian hàng đẹp", "registration_id": before}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["registration_id"].is_string(), "{body}");
    let (status, _) = post(
        &app,
        awards,
        &json!({"name": "Gian hàng đẹp nhất", "registration_id": near}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = post(&app, awards, &json!({"name": "Nhầm giải", "registration_id": far})).await;
    assert_eq!(status, 201, "{body}");
    let mistaken = body["awards"][1]["award_id"].as_str().unwrap().to_owned();
    let withdraw = format!("/api/v1/fairs/ht2026/results/{mistaken}/withdraw");
    assert_eq!(post(&app, &withdraw, &json!({})).await.0, 422);
    let (status, body) = post(&app, &withdraw, &json!({"reason": "Nhập nhầm"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["awards"].as_array().unwrap().len(), 1, "{body}");
    let (status, body) = post(
        &app,
        "/api/v1/fairs/ht2026/results/side-events",
        &json!({"day": today.to_string(), "title": "Hội nghị kết nối cung cầu", "participants": 120}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let response = app
        .client
        .put(app.url("/api/v1/fairs/ht2026/results/notes"))
        .bearer_auth(&app.token)
        .json(&json!({"text": "Hội chợ diễn ra an toàn.\nSức mua tốt."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    // The report's numbers are the revenue review's.
    let (status, review) = json(app.get_as_organizer("/api/v1/fairs/ht2026/revenue").await).await;
    assert_eq!(status, 200);
    let (status, report) = json(
        app.get_as_organizer("/api/v1/fairs/ht2026/report?previous=ht2022")
            .await,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["revenue"]["total_vnd"], 7_000_000);
    for key in [
        "total_vnd",
        "ocop_vnd",
        "by_day",
        "by_zone",
        "by_commune",
        "by_stars",
        "by_exhibitor",
    ] {
        assert_eq!(report["revenue"][key], review[key], "{key}");
    }
    assert_eq!(report["visitors_total"], 9_300);
    assert_eq!(report["exhibitors"], 2);
    // Across the reform: Đức Lạng (2022, huyện Đức Thọ) is in Xã Đức Đồng now.
    let localities = report["previous"]["localities"].as_array().unwrap();
    let duc_dong = localities.iter().find(|l| l["key"] == "18304").expect("Xã Đức Đồng");
    assert_eq!(duc_dong["districts_before"], json!(["Huyện Đức Thọ"]));
    assert_eq!(
        (duc_dong["before_vnd"].as_i64(), duc_dong["now_vnd"].as_i64()),
        (Some(3_000_000), Some(6_000_000))
    );
    // What is missing is said: the day before yesterday nobody reported, nor counted visitors.
    let missing: Vec<&str> = report["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let two_days_ago = (today - Duration::days(2)).format("%d/%m").to_string();
    assert!(
        missing.contains(&format!("2 đơn vị chưa báo cáo doanh thu ngày {two_days_ago}.").as_str()),
        "{missing:?}"
    );
    assert!(
        missing.contains(&format!("1 đơn vị chưa báo cáo doanh thu ngày {}.", yesterday.format("%d/%m")).as_str()),
        "{missing:?}"
    );
    assert!(
        missing
            .iter()
            .any(|m| m.starts_with("Chưa nhập lượt khách ngày") && m.contains(&two_days_ago)),
        "{missing:?}"
    );
    let (status, body) = json(
        app.get_as_organizer("/api/v1/fairs/ht2026/report?previous=ht2026")
            .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["previous"].is_string());

    // The Word document, read by python-docx, says the same numbers.
    let docx = app
        .get_as_organizer("/api/v1/fairs/ht2026/report.docx?previous=ht2022")
        .await;
    assert_eq!(docx.status().as_u16(), 200);
    let body = read_docx(&docx.bytes().await.unwrap());
    let by_day = table_after(&body, "Doanh thu theo ngày");
    let lines = review["by_day"].as_array().unwrap();
    assert_eq!(by_day.len(), lines.len() + 2, "head, a row a day, total: {by_day:?}");
    for (row, line) in by_day[1..].iter().zip(lines) {
        assert_eq!(number(&row[1]), line["amount_vnd"].as_i64().unwrap(), "{row:?}");
    }
    assert_eq!(number(&by_day.last().unwrap()[1]), 7_000_000);
    let by_locality = table_after(&body, "Doanh thu theo địa phương (xã, phường từ 1/7/2025)");
    for line in review["by_commune"].as_array().unwrap() {
        let row = by_locality
            .iter()
            .find(|r| r[0] == line["label"])
            .expect("every commune line");
        assert_eq!(number(&row[1]), line["amount_vnd"].as_i64().unwrap());
    }
    let visitors = table_after(&body, "Lượt khách theo ngày");
    assert_eq!(number(&visitors.last().unwrap()[1]), 9_300);
    let across = table_after(&body, "Doanh thu theo địa phương, theo đơn vị hành chính hiện nay");
    let row = across
        .iter()
        .find(|r| r[0] == "Xã Đức Đồng, Tỉnh Hà Tĩnh")
        .expect("Đức Đồng compared");
    assert_eq!(
        (row[1].as_str(), number(&row[2]), number(&row[3])),
        ("Huyện Đức Thọ", 3_000_000, 6_000_000)
    );
    let signed = table_after(&body, "Hợp đồng và biên bản ghi nhớ");
    assert_eq!(signed.len(), 4, "head, two agreements, total: {signed:?}");
    assert_eq!(number(&signed[3][4]), 150_000_000);
    assert!(body.iter().any(|b| b["p"] == "Sức mua tốt."), "the notes");
    // The charts of revenue by day, zone and commune, as wide as the text (16 cm).
    let images = body.last().unwrap()["images"].as_array().unwrap();
    assert_eq!(images.len(), 3, "{images:?}");
    for size in images {
        let width_cm = size[0].as_f64().unwrap() / 360_000.0;
        assert!((15.0..17.0).contains(&width_cm), "{size:?}");
    }
    assert!(body.iter().any(|b| b["p"] == "Hội chợ OCOP Hà Tĩnh 2022"
        || b["p"].as_str().is_some_and(|p| p.contains("Hội chợ OCOP Hà Tĩnh 2022"))));
}

#[tokio::test]
async fn a_report_before_any_sales_says_so() {
    let app = crate::support::spawn().await;
    crate::support::fair_on_days(&app, "sap-toi", 10, 14).await;
    let (status, report) = json(app.get_as_organizer("/api/v1/fairs/sap-toi/report").await).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["sales_recorded"], false);
    let missing = report["missing"].as_array().unwrap();
    assert!(
        missing
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("Hội chợ chưa bắt đầu")),
        "{missing:?}"
    );
    assert!(
        missing
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("Chưa có doanh thu nào")),
        "{missing:?}"
    );
    // No day has come: visitors cannot be counted yet.
    let (status, body) = post(
        &app,
        "/api/v1/fairs/sap-toi/results/visitors",
        &json!({"day": (crate::support::fair_today() + Duration::days(10)).to_string(), "visitors": 10, "method": "counter"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["day"], "ngày này chưa đến");
    let docx = app.get_as_organizer("/api/v1/fairs/sap-toi/report.docx").await;
    assert_eq!(docx.status().as_u16(), 200);
    let body = read_docx(&docx.bytes().await.unwrap());
    assert!(body.iter().any(|b| b["p"]
        .as_str()
        .is_some_and(|p| p.contains("Chưa có doanh thu nào được ghi nhận"))));
    assert_eq!(
        app.get_as_organizer("/api/v1/fairs/khong-co/report")
            .await
            .status()
            .as_u16(),
        404
    );
}
