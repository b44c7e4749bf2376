//! Sales on the pages: an exhibitor records its day at the booth through its private link;
//! organizers watch today's takings and close the books.

use crate::support::{application_body, json, spawn, TestApp, CSRF};
use serde_json::json;

async fn running_fair_with(app: &TestApp) -> (String, String, String) {
    let today = crate::support::fair_on_days(app, "ht2026", -1, 3).await;
    let mut ids = Vec::new();
    for (name, booth) in [("HTX Nông nghiệp Sơn Kim", "A02"), ("HTX Thạch Hà", "B01")] {
        let mut body = application_body();
        body["organization"] = json!(name);
        ids.push(crate::support::exhibitor(app, "ht2026", body, Some(booth)).await);
    }
    (today.to_string(), ids[0].1.clone(), ids[1].0.clone())
}

#[tokio::test]
async fn an_exhibitor_records_the_day_on_its_private_page() {
    let app = spawn().await;
    let (today, token, _) = running_fair_with(&app).await;
    let cookie = format!("hoicho_csrf={CSRF}");
    let mine = app
        .get_page(&format!("/r/{token}"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("id=\"sales-link\"") && mine.contains("A02"), "{mine}");

    let page = app.get_page(&format!("/r/{token}/sales"), &cookie).await;
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Ghi doanh thu") && html.contains(&format!("value=\"{today}\" data-has=\"\" selected")),
        "{html}"
    );

    let done = app
        .post_form(
            &format!("/r/{token}/sales"),
            &cookie,
            &[
                ("day", &today),
                ("amount", "3.500.000"),
                ("transactions", "42"),
                ("note", "Cam bù bán chạy"),
            ],
        )
        .await;
    assert_eq!(done.status().as_u16(), 303);
    let html = app
        .get_page(&format!("/r/{token}/sales?done=recorded"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Đã ghi doanh thu.") && html.contains("3.500.000 ₫"),
        "{html}"
    );

    // A decimal comma with no unit and a negative amount are named, in Vietnamese, and
    // nothing is written.
    for (amount, problem) in [("3,5", "Không đọc được số tiền"), ("-5", "phải từ 0")] {
        let refused = app
            .post_form(
                &format!("/r/{token}/sales"),
                &cookie,
                &[("day", &today), ("amount", amount)],
            )
            .await;
        assert_eq!(refused.status().as_u16(), 422);
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("id=\"amount-error\"") && html.contains(problem),
            "{amount}: {html}"
        );
    }
    let html = app
        .get_page(&format!("/r/{token}/sales"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("Huỷ dòng này").count(), 1, "one entry");

    // Voided with a reason, kept and marked.
    let entry = html
        .split("/sales/")
        .nth(1)
        .and_then(|rest| rest.split("/void").next())
        .unwrap()
        .to_owned();
    let voided = app
        .post_form(
            &format!("/r/{token}/sales/{entry}/void"),
            &cookie,
            &[("reason", "Nhập nhầm")],
        )
        .await;
    assert!(voided.headers()["location"].to_str().unwrap().contains("done=voided"));
    let html = app
        .get_page(&format!("/r/{token}/sales"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Đã huỷ") && html.contains("Nhập nhầm") && html.contains("id=\"total\">0 ₫"),
        "{html}"
    );
}

#[tokio::test]
async fn organizers_see_who_has_reported_today_and_close_the_books() {
    let app = spawn().await;
    let (today, token, other) = running_fair_with(&app).await;
    let exhibitor_cookie = format!("hoicho_csrf={CSRF}");
    app.post_form(
        &format!("/r/{token}/sales"),
        &exhibitor_cookie,
        &[("day", &today), ("amount", "2.000.000")],
    )
    .await;
    let _ = other;
    let cookie = app.organizer_cookie().await;
    let html = app
        .get_page("/organizer/fairs/ht2026/revenue", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"today-total\">2.000.000 ₫"), "{html}");
    assert!(html.contains("HTX Nông nghiệp Sơn Kim — 2.000.000 ₫"), "{html}");
    let missing = html
        .split("id=\"missing-today\" class=\"missing\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(
        missing.contains("HTX Thạch Hà") && !missing.contains("Sơn Kim"),
        "{missing}"
    );
    assert!(html.contains("id=\"by-zone\"") && html.contains("format=csv") && html.contains("format=xlsx"));
    assert!(html.contains("http-equiv=\"refresh\""), "live during the fair");

    let closed = app
        .post_form("/organizer/fairs/ht2026/books", &cookie, &[("action", "close")])
        .await;
    assert_eq!(closed.status().as_u16(), 303);
    let html = app
        .get_page("/organizer/fairs/ht2026/revenue", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Sổ doanh thu đã khoá.") && html.contains("id=\"reopen\""),
        "{html}"
    );
    let page = app
        .get_page(&format!("/r/{token}/sales"), &exhibitor_cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Ban tổ chức đã khoá sổ doanh thu.") && !page.contains("id=\"record\""),
        "{page}"
    );
    let (_, review) = json(app.get_as_organizer("/api/v1/fairs/ht2026/revenue").await).await;
    assert_eq!(review["books_closed"], true);
    assert_eq!(review["total_vnd"], 2_000_000);
}

/// The `form_id` the sales page's entry form carries.
fn form_id(html: &str) -> String {
    html.split("name=\"form_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the entry form names itself")
        .to_owned()
}

#[tokio::test]
async fn the_same_sales_form_sent_twice_records_one_entry() {
    let app = spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", -1, 3).await.to_string();
    let (id, token) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let cookie = format!("hoicho_csrf={CSRF}");
    let url = format!("/r/{token}/sales");
    let entries = || async {
        let (status, sales) = (200, app.sales(&id).await);
        assert_eq!(status, 200, "{sales}");
        (
            sales["entries"].as_array().unwrap().len(),
            sales["total_vnd"].as_i64().unwrap(),
        )
    };

    let html = app.get_page(&url, &cookie).await.text().await.unwrap();
    let first = form_id(&html);
    let fields = [
        ("form_id", first.as_str()),
        ("day", today.as_str()),
        ("amount", "1.200.000"),
    ];
    // A double tap sends the form twice at once; a reload after it sends it once more.
    let (a, b) = tokio::join!(
        app.post_form(&url, &cookie, &fields),
        app.post_form(&url, &cookie, &fields)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (303, 303));
    assert_eq!(app.post_form(&url, &cookie, &fields).await.status().as_u16(), 303);
    assert_eq!(entries().await, (1, 1_200_000), "one form, one entry");

    // The page rendered again is a new form: the same amount entered there is a second entry.
    let html = app.get_page(&url, &cookie).await.text().await.unwrap();
    let second = form_id(&html);
    assert_ne!(first, second);
    let again = [
        ("form_id", second.as_str()),
        ("day", today.as_str()),
        ("amount", "1.200.000"),
        ("mode", "more"),
    ];
    assert_eq!(app.post_form(&url, &cookie, &again).await.status().as_u16(), 303);
    assert_eq!(entries().await, (2, 2_400_000));
}

#[tokio::test]
async fn a_days_total_typed_again_corrects_the_day_rather_than_doubling_it() {
    let app = spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", -1, 3).await.to_string();
    let (id, token) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let cookie = format!("hoicho_csrf={CSRF}");
    let url = format!("/r/{token}/sales");
    let totals = || async {
        let sales = app.sales(&id).await;
        let live = sales["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["voided"].is_null())
            .count();
        (live, sales["total_vnd"].as_i64().unwrap())
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let url = url.clone();
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&url, &cookie, &fields).await
        }
    };
    let first = post(vec![("day", today.clone()), ("amount", "3,5 triệu".into())]).await;
    assert_eq!(first.status().as_u16(), 303);
    assert_eq!(totals().await, (1, 3_500_000), "'3,5 triệu' is 3.500.000 đồng");

    // The page says what the day has, and asks which the next amount is.
    let html = app.get_page(&url, &cookie).await.text().await.unwrap();
    assert!(html.contains("Ngày này đã ghi: 3.500.000 ₫."), "{html}");
    assert!(html.contains("<fieldset id=\"mode\">"), "the choice is shown: {html}");

    // Without saying, nothing is written and the choice is named.
    let unsaid = post(vec![("day", today.clone()), ("amount", "4tr".into())]).await;
    assert_eq!(unsaid.status().as_u16(), 422);
    let html = unsaid.text().await.unwrap();
    assert!(html.contains("chọn đây là tổng cả ngày (sửa) hay ghi thêm"), "{html}");
    assert_eq!(totals().await, (1, 3_500_000));

    // The day's whole total replaces what the day had, in one write.
    let head = app.head().await;
    let corrected = post(vec![
        ("day", today.clone()),
        ("amount", "4 000 000".into()),
        ("mode", "total".into()),
    ])
    .await;
    assert_eq!(corrected.status().as_u16(), 303);
    assert_eq!(totals().await, (1, 4_000_000), "corrected, not 7.500.000");
    let (_, after) = json(
        app.get_as_organizer(&format!("/api/v1/events?after={head}&limit=100"))
            .await,
    )
    .await;
    let written: Vec<(u64, &str)> = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["position"].as_u64().unwrap(), e["event_type"].as_str().unwrap()))
        .filter(|(_, kind)| kind.starts_with("Sale"))
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!((written[0].1, written[1].1), ("SaleVoided", "SaleRecorded"));
    assert_eq!(written[1].0, written[0].0 + 1, "the void and the new entry, one append");
    let html = app.get_page(&url, &cookie).await.text().await.unwrap();
    assert!(html.contains("Sửa tổng ngày thành 4.000.000 ₫"), "{html}");

    // One more sale adds to it.
    let more = post(vec![
        ("day", today.clone()),
        ("amount", "500k".into()),
        ("mode", "more".into()),
    ])
    .await;
    assert_eq!(more.status().as_u16(), 303);
    assert_eq!(totals().await, (2, 4_500_000));

    // The API says the same with replaces_day.
    let (status, body) = app
        .sell(
            &id,
            &token,
            &json!({"day": today, "amount_vnd": 5_000_000, "replaces_day": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["total_vnd"], 5_000_000);
    assert_eq!(totals().await, (1, 5_000_000));
    let (status, body) = app
        .sell(
            &id,
            &token,
            &json!({"day": today, "amount_vnd": 1, "replaces_day": "yes"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["fields"]["replaces_day"].is_string()),
        (422, true),
        "{body}"
    );
}
