//! Booth fees in Chromium: the exhibitor's phone shows what to pay with the VietQR code to
//! scan; an organizer records the transfer on the payment page and opens its receipt. Each
//! page passes the layout checks and axe-core at a phone's and a laptop's width.

use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, fits_phone_and_laptop, sign_in};

async fn js(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, vec![]).await.unwrap()
}

#[tokio::test]
async fn an_exhibitor_sees_the_qr_to_pay_and_an_organizer_records_the_payment() {
    let app = crate::support::spawn().await;
    crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    for (path, body) in [
        (
            "/api/v1/fairs/ht2026/fees",
            json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}]}),
        ),
        (
            "/api/v1/fairs/ht2026/payment-account",
            json!({"bin": "970405", "account_number": "3700205012345", "account_name": "SO CONG THUONG HA TINH"}),
        ),
    ] {
        let put = app
            .client
            .put(app.url(path))
            .bearer_auth(&app.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status().as_u16(), 200);
    }
    let mut body = crate::support::application_body();
    body["products"][0]["stars"] = serde_json::Value::Null;
    body["products"][0]["certificate_no"] = serde_json::Value::Null;
    body["products"][0]["certificate_expires"] = serde_json::Value::Null;
    let (id, token) = crate::support::exhibitor(&app, "ht2026", body, Some("A01")).await;

    let (_driver, client) = browser().await;
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&app.url(&format!("/r/{token}"))).await.unwrap();
    let qr = js(
        &client,
        "const img = document.getElementById('vietqr'); const r = img.getBoundingClientRect(); \
         return [img.complete && img.naturalWidth, r.left >= 0 && r.right <= window.innerWidth, r.width];",
    )
    .await;
    assert!(qr[0].as_u64().unwrap_or(0) > 200, "the code is drawn: {qr}");
    assert_eq!(qr[1], true, "the code fits the phone: {qr}");
    let owed = client
        .find(Locator::Id("statement-outstanding"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        owed.contains("2.250.000 ₫") && owed.contains("Hai triệu hai trăm năm mươi nghìn đồng"),
        "{owed}"
    );

    sign_in(&client, &app).await;
    let detail = format!("/organizer/fairs/ht2026/payments/{id}");
    client.goto(&app.url(&format!("{detail}?lang=vi"))).await.unwrap();
    let amount = client.find(Locator::Id("pay-amount_vnd")).await.unwrap();
    assert_eq!(amount.prop("value").await.unwrap().as_deref(), Some("2250000"));
    client
        .find(Locator::Id("pay-bank_reference"))
        .await
        .unwrap()
        .send_keys("FT26335900")
        .await
        .unwrap();
    client
        .find(Locator::Id("record-payment"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("p.notice[role=status]"))
        .await
        .unwrap();
    let standing = client
        .find(Locator::Id("statement-standing"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(standing, "Đã nộp đủ");
    client
        .find(Locator::Css("ul.receipts a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let words = client
        .wait()
        .for_element(Locator::Id("receipt-words"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(words, "Hai triệu hai trăm năm mươi nghìn đồng");

    fits_phone_and_laptop(
        &client,
        &app,
        &[
            &format!("/r/{token}"),
            &format!("/r/{token}/receipts/1"),
            "/organizer/fairs/ht2026/fees",
            "/organizer/fairs/ht2026/payments",
            &detail,
            "/organizer/fairs/ht2026/receipts/1",
        ],
    )
    .await;
    client.close().await.unwrap();
}
