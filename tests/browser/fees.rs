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
        let put = app.put_json(path, &body).await;
        assert_eq!(put.status().as_u16(), 200);
    }
    let mut body = crate::support::application_body();
    crate::support::without_stars(&mut body);
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

    // A second producer pays by transfer; the organizer imports the bank's statement file.
    let mut body = crate::support::application_body();
    body["organization"] = json!("Hộ kinh doanh Lê Văn Cường");
    crate::support::without_stars(&mut body);
    let (second, _) = crate::support::exhibitor(&app, "ht2026", body, Some("A02")).await;
    let (_, statement) = crate::support::json(
        app.get_as_organizer(&format!("/api/v1/registrations/{second}/statement"))
            .await,
    )
    .await;
    let code = statement["payment_code"].as_str().unwrap();
    let day = crate::support::fair_today().format("%d/%m/%Y");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sao-ke.csv");
    std::fs::write(
        &file,
        format!(
            "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n{day},FT26335777,\"2,000,000.00\",{code} LE VAN CUONG\n"
        ),
    )
    .unwrap();
    client
        .goto(&app.url("/organizer/fairs/ht2026/payments/import?lang=vi"))
        .await
        .unwrap();
    client
        .find(Locator::Id("list-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    // The page reads the file into the form.
    let mut pasted = String::new();
    for _ in 0..50 {
        pasted = js(&client, "return document.getElementById('csv').value")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if !pasted.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(pasted.contains("FT26335777"), "{pasted}");
    client
        .find(Locator::Id("preview-import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = client
        .wait()
        .for_element(Locator::Id("import-summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("Khớp theo mã nộp tiền: 1"), "{summary}");
    client
        .find(Locator::Id("confirm-import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = client
        .wait()
        .for_element(Locator::Id("import-done"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("Đã ghi nhận 1 khoản"), "{done}");
    let (_, statement) = crate::support::json(
        app.get_as_organizer(&format!("/api/v1/registrations/{second}/statement"))
            .await,
    )
    .await;
    assert_eq!(statement["standing"], "paid");

    fits_phone_and_laptop(
        &client,
        &app,
        &[
            &format!("/r/{token}"),
            &format!("/r/{token}/receipts/1"),
            "/organizer/fairs/ht2026/fees",
            "/organizer/fairs/ht2026/payments",
            "/organizer/fairs/ht2026/payments/import",
            &detail,
            "/organizer/fairs/ht2026/receipts/1",
        ],
    )
    .await;
    client.close().await.unwrap();
}
