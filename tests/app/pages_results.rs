//! The results page and the report on the pages: an organizer counts a day's visitors (a
//! bad count named in Vietnamese, an unusual one confirmed), adds an agreement and an award,
//! withdraws a mistake with its reason, and opens the report, its A4 page and its Word file.

use crate::support::{application_body, spawn};
use chrono::Duration;

#[tokio::test]
async fn organizers_enter_results_on_the_page_and_open_the_report() {
    let app = spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", -1, 3).await;
    let (id, token) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let (status, _) = app
        .sell(
            &id,
            &token,
            &serde_json::json!({"day": today.to_string(), "amount_vnd": 2_500_000}),
        )
        .await;
    assert_eq!(status, 201);
    let cookie = app.organizer_cookie().await;
    let page = app.get_page("/organizer/fairs/ht2026/results", &cookie).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Lượt khách theo ngày") && html.contains("Chưa nhập lượt khách ngày nào."),
        "{html}"
    );
    let csrf = crate::support::CSRF;
    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let mut all: Vec<(&str, &str)> = vec![("csrf", csrf)];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.post_form("/organizer/fairs/ht2026/results", &cookie, &all).await
        }
    };
    let day = today.to_string();
    // A count that is not a number, a day not of the fair: both named, nothing saved.
    let bad = post(vec![
        ("action", "visitors".into()),
        ("day", (today + Duration::days(9)).to_string()),
        ("visitors", "nhiều".into()),
        ("method", "counter".into()),
    ])
    .await;
    assert_eq!(bad.status().as_u16(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("href=\"#visitors-visitors\"") && html.contains("phải là số"),
        "{html}"
    );
    assert!(html.contains("không phải ngày hội chợ"), "{html}");
    // Unusual: the page asks to confirm, and keeps what was typed.
    let unusual = post(vec![
        ("action", "visitors".into()),
        ("day", day.clone()),
        ("visitors", "150.000".into()),
        ("method", "estimate".into()),
    ])
    .await;
    assert_eq!(unusual.status().as_u16(), 422);
    let html = unusual.text().await.unwrap();
    assert!(
        html.contains("id=\"confirm\"") && html.contains("150.000 lượt khách một ngày là con số bất thường"),
        "{html}"
    );
    assert!(html.contains("value=\"150.000\""), "what was typed is kept");
    let saved = post(vec![
        ("action", "visitors".into()),
        ("day", day.clone()),
        ("visitors", "150.000".into()),
        ("method", "estimate".into()),
        ("confirm", "yes".into()),
    ])
    .await;
    assert_eq!(saved.status().as_u16(), 303);
    let saved = post(vec![
        ("action", "visitors".into()),
        ("day", day.clone()),
        ("visitors", "4 800".into()),
        ("method", "counter".into()),
        ("source", "Máy đếm cổng chính".into()),
    ])
    .await;
    assert_eq!(saved.status().as_u16(), 303);
    // An agreement and an award; the award withdrawn, which needs a reason.
    let form_id = uuid::Uuid::now_v7().to_string();
    for _ in 0..2 {
        let saved = post(vec![
            ("action", "agreement".into()),
            ("id", form_id.clone()),
            ("kind", "contract".into()),
            ("parties", "Công ty Hồng Lĩnh và HTX Nông nghiệp Sơn Kim".into()),
            ("exhibitors", id.clone()),
            ("value_vnd", "1,2 tỷ".into()),
            ("signed_on", day.clone()),
        ])
        .await;
        assert_eq!(saved.status().as_u16(), 303, "sent twice, entered once");
    }
    let saved = post(vec![
        ("action", "award".into()),
        ("id", uuid::Uuid::now_v7().to_string()),
        ("name", "Gian hàng đẹp nhất".into()),
        ("registration_id", id.clone()),
    ])
    .await;
    assert_eq!(saved.status().as_u16(), 303);
    let (_, results) = crate::support::json(app.get_as_organizer("/api/v1/fairs/ht2026/results").await).await;
    assert_eq!(results["visitors_total"], 4_800);
    assert_eq!(results["agreements"].as_array().unwrap().len(), 1);
    assert_eq!(results["agreements"][0]["value_vnd"], 1_200_000_000);
    let award = results["awards"][0]["award_id"].as_str().unwrap().to_owned();
    let refused = post(vec![
        ("action", "withdraw".into()),
        ("entry", award.clone()),
        ("reason", "".into()),
    ])
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    assert!(refused.text().await.unwrap().contains("Lý do gỡ bỏ"));
    let done = post(vec![
        ("action", "withdraw".into()),
        ("entry", award),
        ("reason", "Trao nhầm".into()),
    ])
    .await;
    assert_eq!(done.status().as_u16(), 303);
    let html = app
        .get_page("/organizer/fairs/ht2026/results", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("4.800") && html.contains("Công ty Hồng Lĩnh") && !html.contains("Gian hàng đẹp nhất"),
        "{html}"
    );

    // The report: the page, its A4 page and its Word file.
    let report = app.get_page("/organizer/fairs/ht2026/report", &cookie).await;
    assert_eq!(report.status().as_u16(), 200);
    let html = report.text().await.unwrap();
    assert!(
        html.contains("BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI CHỢ")
            && html.contains("2.500.000")
            && html.contains("1.200.000.000"),
        "{html}"
    );
    let print = app.get_page("/organizer/fairs/ht2026/report/print", &cookie).await;
    assert_eq!(print.status().as_u16(), 200);
    assert!(print.text().await.unwrap().contains("data-print"));
    let docx = app.get_page("/organizer/fairs/ht2026/report.docx", &cookie).await;
    assert_eq!(docx.status().as_u16(), 200);
    assert_eq!(
        docx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    // Not signed in: to the sign-in page.
    let anonymous = app.get("/organizer/fairs/ht2026/report.docx").await;
    assert!(anonymous.url().path().starts_with("/organizer/login") || anonymous.status().as_u16() == 303);
}
