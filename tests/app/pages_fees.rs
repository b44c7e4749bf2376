//! Fees on the pages: an organizer sets the receiving account and the support rules, sees the
//! statements, records a payment and prints its receipt; the exhibitor sees what it owes with
//! the VietQR code on its private page and downloads its receipt.

use crate::support::{application_body, spawn, CSRF};
use serde_json::{json, Value};

#[tokio::test]
async fn organizers_set_fees_and_record_payments_and_exhibitors_see_their_statement() {
    let app = spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let cookie = app.organizer_cookie().await;

    let page = app.get_page("/organizer/fairs/ht2026/fees", &cookie).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Tài khoản nhận tiền") && html.contains("Agribank"),
        "{html}"
    );

    // A bad account: each field named in Vietnamese, nothing saved.
    let bad = app
        .post_form(
            "/organizer/fairs/ht2026/fees",
            &cookie,
            &[
                ("action", "account"),
                ("bin", "999999"),
                ("account_number", "12ab"),
                ("account_name", "<b>"),
            ],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("999999 không phải mã BIN")
            && html.contains("số tài khoản gồm 6 đến 19 chữ số")
            && html.contains("href=\"#account_name\""),
        "{html}"
    );
    let saved = app
        .post_form(
            "/organizer/fairs/ht2026/fees",
            &cookie,
            &[
                ("action", "account"),
                ("bin", "970405"),
                ("account_number", "3700205012345"),
                ("account_name", "Sở Công Thương Hà Tĩnh"),
            ],
        )
        .await;
    assert_eq!(saved.status().as_u16(), 303);

    // Rules typed as people write them ("50%", "1,5 triệu"); a bad row named by its place.
    let bad = app
        .post_form(
            "/organizer/fairs/ht2026/fees",
            &cookie,
            &[
                ("action", "rules"),
                ("rule[0].name", "OCOP"),
                ("rule[0].mode", "rate"),
                ("rule[0].amount", "150"),
                ("due_mode", "days"),
                ("due_days", "7"),
            ],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("Chính sách 1 · Tỷ lệ (%) hoặc số tiền") && html.contains("phải từ 0 đến 100"),
        "{html}"
    );
    let saved = app
        .post_form(
            "/organizer/fairs/ht2026/fees",
            &cookie,
            &[
                ("action", "rules"),
                ("rule[0].name", "Sản phẩm OCOP 3 sao trở lên"),
                ("rule[0].min_stars", "3"),
                ("rule[0].mode", "rate"),
                ("rule[0].amount", "100%"),
                ("rule[0].max_booths", "2"),
                ("rule[1].name", "Hỗ trợ hộ kinh doanh"),
                ("rule[1].type", "ho_kinh_doanh"),
                ("rule[1].mode", "fixed"),
                ("rule[1].amount", "1,5 triệu"),
                ("rule[2].name", ""),
                ("rule[2].amount", ""),
                ("due_mode", "days"),
                ("due_days", "10"),
            ],
        )
        .await;
    assert_eq!(saved.status().as_u16(), 303);
    let (_, fees) = crate::support::json(app.get_as_organizer("/api/v1/fairs/ht2026/fees").await).await;
    assert_eq!(fees["rules"]["subsidies"][1]["fixed_vnd"], 1_500_000);
    assert_eq!(
        fees["rules"]["subsidies"][1]["when"]["producer_types"],
        json!(["ho_kinh_doanh"])
    );
    assert_eq!(
        fees["rules"]["due"],
        json!({"kind": "days_after_allocation", "days": 10})
    );

    // A household without stars at A01 (4.500.000 ₫): 1.500.000 ₫ support, 3.000.000 ₫ to pay.
    let mut body = application_body();
    body["organization"] = json!("Hộ kinh doanh Trần Thị Bình");
    body["producer_type"] = json!("ho_kinh_doanh");
    body["tax_code"] = Value::Null;
    body["products"][0]["stars"] = Value::Null;
    body["products"][0]["certificate_no"] = Value::Null;
    body["products"][0]["certificate_expires"] = Value::Null;
    let (id, token) = crate::support::exhibitor(&app, "ht2026", body, Some("A01")).await;
    let visitor = format!("hoicho_csrf={CSRF}");
    let mine = app
        .get_page(&format!("/r/{token}"), &visitor)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains("id=\"vietqr\"")
            && mine.contains("src=\"data:image/png;base64,")
            && mine.contains("3.000.000 ₫")
            && mine.contains("Ba triệu đồng")
            && mine.contains("Hỗ trợ hộ kinh doanh")
            && mine.contains("3700205012345"),
        "{mine}"
    );

    let list = app
        .get_page("/organizer/fairs/ht2026/payments", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Hộ kinh doanh Trần Thị Bình") && list.contains("Chưa nộp"),
        "{list}"
    );

    // A payment through the page; sent twice (a double tap), recorded once.
    let detail = format!("/organizer/fairs/ht2026/payments/{id}");
    let form_id = uuid::Uuid::now_v7().to_string();
    let fields = [
        ("action", "record"),
        ("payment_id", form_id.as_str()),
        ("kind", "payment"),
        ("method", "cash"),
        ("amount", "1.500.000"),
        ("paid_on", &today.to_string()),
        ("payer", "Trần Thị Bình"),
    ];
    for _ in 0..2 {
        let done = app.post_form(&detail, &cookie, &fields).await;
        assert_eq!(done.status().as_u16(), 303);
    }
    let html = app
        .get_page(&format!("{detail}?saved=recorded"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Phiếu số 1") && !html.contains("Phiếu số 2") && html.contains("Đã nộp một phần"),
        "{html}"
    );

    // More than is left: the page asks to confirm, keeping what was typed.
    let again = app
        .post_form(
            &detail,
            &cookie,
            &[
                ("action", "record"),
                ("kind", "payment"),
                ("method", "cash"),
                ("amount", "2 triệu"),
                ("paid_on", &today.to_string()),
            ],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let html = again.text().await.unwrap();
    assert!(
        html.contains("id=\"confirm\"") && html.contains("value=\"2 triệu\""),
        "{html}"
    );

    // The receipt: figures and words, for the organizers and from the exhibitor's link.
    let receipt = app
        .get_page("/organizer/fairs/ht2026/receipts/1", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        receipt.contains("PHIẾU THU") && receipt.contains("0001") && receipt.contains("Một triệu năm trăm nghìn đồng"),
        "{receipt}"
    );
    let own = app.get_page(&format!("/r/{token}/receipts/1"), &visitor).await;
    assert_eq!(own.status().as_u16(), 200);
    assert_eq!(own.headers()["referrer-policy"], "no-referrer");
    assert_eq!(
        app.get_page(&format!("/r/{token}/receipts/2"), &visitor)
            .await
            .status()
            .as_u16(),
        404
    );
    // Not signed in: the organizers' pages send to the sign-in.
    assert_eq!(
        app.get_page("/organizer/fairs/ht2026/payments", &visitor)
            .await
            .status()
            .as_u16(),
        303
    );
}
