//! Sales on the pages: an exhibitor records its day at the booth through its private link;
//! organizers watch today's takings and close the books.

mod support;

use serde_json::json;
use support::{application_body, json, spawn, TestApp, CSRF};

async fn running_fair_with(app: &TestApp) -> (String, String, String) {
    let today = support::fair_on_days(app, "ht2026", -1, 3).await;
    let mut ids = Vec::new();
    for (name, booth) in [("HTX Nông nghiệp Sơn Kim", "A02"), ("HTX Thạch Hà", "B01")] {
        let mut body = application_body();
        body["organization"] = json!(name);
        ids.push(support::exhibitor(app, "ht2026", body, Some(booth)).await);
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
        html.contains("Ghi doanh thu") && html.contains(&format!("value=\"{today}\" selected")),
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

    // A decimal comma and a negative amount are named, in Vietnamese, and nothing is written.
    for (amount, problem) in [("3,5", "phải là số"), ("-5", "phải từ 0")] {
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
        .split("id=\"missing-today\">")
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
