//! Fees on the pages: an organizer sets the receiving account and the support rules, sees the
//! statements, records a payment and prints its receipt; the exhibitor sees what it owes with
//! the VietQR code on its private page and downloads its receipt.

use crate::support::{application_body, spawn, CSRF};
use calamine::{Data, Reader};
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
    crate::support::without_stars(&mut body);
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

    // The statement to print or keep, with its code to scan.
    let printed = app.get_page(&format!("/r/{token}/statement"), &visitor).await;
    assert_eq!(printed.headers()["referrer-policy"], "no-referrer");
    let printed = printed.text().await.unwrap();
    assert!(
        printed.contains("THÔNG BÁO PHÍ GIAN HÀNG")
            && printed.contains("id=\"vietqr\"")
            && !printed.contains("id=\"statement-print\""),
        "{printed}"
    );
    assert!(
        mine.contains(&format!("href=\"/r/{token}/statement\"")),
        "the private page links to it"
    );
    let by_organizer = app
        .get_page(&format!("/organizer/fairs/ht2026/payments/{id}/statement"), &cookie)
        .await;
    assert_eq!(by_organizer.status().as_u16(), 200);

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
    // The settlement workbook, read back by calamine: the supported producer, its support,
    // its receipts, and the totals.
    let bytes = app
        .get_page("/organizer/fairs/ht2026/payments.xlsx", &cookie)
        .await
        .bytes()
        .await
        .unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), ["Quyết toán hỗ trợ", "Thu phí"]);
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("Quyết toán hỗ trợ")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(rows.len(), 3, "the header, one supported producer, the totals");
    assert_eq!(rows[1][1], Data::String("Hộ kinh doanh Trần Thị Bình".into()));
    assert_eq!(rows[1][6], Data::String("A01".into()));
    assert_eq!(rows[1][8], Data::Float(4_500_000.0), "the price");
    assert_eq!(rows[1][9], Data::Float(1_500_000.0), "the support");
    assert_eq!(rows[1][10], Data::String("Hỗ trợ hộ kinh doanh".into()));
    assert_eq!(rows[1][12], Data::Float(1_500_000.0), "paid");
    assert_eq!(rows[1][13], Data::String("0001".into()));
    assert_eq!(rows[2][1], Data::String("Tổng cộng".into()));
    assert_eq!(rows[2][9], Data::Float(1_500_000.0));
    let (_, api) = crate::support::json(app.get_as_organizer("/api/v1/fairs/ht2026/statements").await).await;
    assert_eq!(
        api["totals"]["subsidy_vnd"], 1_500_000,
        "the workbook agrees with the API"
    );
    let revenue = app
        .get_page("/organizer/fairs/ht2026/revenue", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        revenue.contains("id=\"revenue-fees\"") && revenue.contains("payments.xlsx"),
        "{revenue}"
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

#[tokio::test]
async fn a_bank_statement_is_matched_confirmed_and_counts_once() {
    let app = spawn().await;
    crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(
        app.put_json(
            "/api/v1/fairs/ht2026/fees",
            &json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}]})
        )
        .await
        .status()
        .as_u16(),
        200
    );
    let mut plain = application_body();
    crate::support::without_stars(&mut plain);
    let mut first = plain.clone();
    first["organization"] = json!("HTX Thạch Hà");
    let (a, _) = crate::support::exhibitor(&app, "ht2026", first, Some("A01")).await;
    let mut second = plain.clone();
    second["organization"] = json!("Hộ kinh doanh Lê Văn Cường");
    let (b, _) = crate::support::exhibitor(&app, "ht2026", second, Some("A02")).await;
    let (_, s) = crate::support::json(
        app.get_as_organizer(&format!("/api/v1/registrations/{a}/statement"))
            .await,
    )
    .await;
    let code = s["payment_code"].as_str().unwrap().to_owned();
    // The bank cut the code in two; the other producer wrote no code, only the right amount.
    let spaced = format!("{} {}", &code[..4], &code[4..]);
    let day = (crate::support::fair_today() - chrono::Duration::days(1))
        .format("%d/%m/%Y")
        .to_string();
    let csv = format!(
        "NGAN HANG NONG NGHIEP VA PHAT TRIEN NONG THON VIET NAM\n\
         Sao ke tai khoan;3700205012345\n\
         \n\
         STT;Ngày giao dịch;Số tham chiếu;Số tiền ghi nợ;Số tiền ghi có;Số dư;Nội dung\n\
         1;{day} 09:15:02;FT26337100001;;2.250.000;12.250.000;MBVCB.123 {spaced} HTX THACH HA CHUYEN TIEN\n\
         2;{day} 10:01:44;FT26337100002;;2.000.000;14.250.000;Le Van Cuong nop phi gian hang\n\
         3;{day};FT26337100003;;999.000;15.249.000;Chuyen tien\n\
         4;{day} 12:00:00;FT26337100004;500.000;;14.749.000;Phi dich vu\n\
         5;ngay mai;FT26337100005;;1.000.000;15.749.000;HC loi\n"
    );
    let preview = app
        .post_form(
            "/organizer/fairs/ht2026/payments/import",
            &cookie,
            &[("action", "preview"), ("csv", &csv)],
        )
        .await;
    assert_eq!(preview.status().as_u16(), 200);
    let html = preview.text().await.unwrap();
    assert!(
        html.contains("Khớp theo mã nộp tiền: 1")
            && html.contains("Chỉ khớp số tiền: đánh dấu để xác nhận: 1")
            && html.contains("Không khớp: 1")
            && html.contains("Dòng 9: ngày không đọc được")
            && html.contains("name=\"tick\" value=\"6\""),
        "{html}"
    );
    // Confirmed with the amount-only line ticked, twice: recorded once.
    for expected in ["recorded=2", "recorded=0"] {
        let done = app
            .post_form(
                "/organizer/fairs/ht2026/payments/import",
                &cookie,
                &[("action", "confirm"), ("csv", &csv), ("tick", "6")],
            )
            .await;
        assert_eq!(done.status().as_u16(), 303);
        let location = done.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.contains(expected), "{location}");
    }
    for (id, paid) in [(&a, 2_250_000), (&b, 2_000_000)] {
        let (_, s) = crate::support::json(
            app.get_as_organizer(&format!("/api/v1/registrations/{id}/statement"))
                .await,
        )
        .await;
        assert_eq!(s["paid_vnd"], paid, "{s}");
        assert_eq!(s["payments"][0]["method"], "transfer");
    }
    let again = app
        .post_form(
            "/organizer/fairs/ht2026/payments/import",
            &cookie,
            &[("action", "preview"), ("csv", &csv)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(again.contains("Đã ghi nhận: 2"), "{again}");
    // A file that is not a statement: said so, nothing written.
    let bad = app
        .post_form(
            "/organizer/fairs/ht2026/payments/import",
            &cookie,
            &[("action", "preview"), ("csv", "a,b,c\n1,2,3\n")],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    assert!(bad.text().await.unwrap().contains("Không nhận ra bố cục sao kê"));
}

#[tokio::test]
async fn the_payments_list_narrows_by_standing_and_name_and_pages() {
    let app = spawn().await;
    crate::support::open_fair_with_booths(&app, "ht2026", 120).await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(
        app.put_json(
            "/api/v1/fairs/ht2026/fees",
            &json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}]})
        )
        .await
        .status()
        .as_u16(),
        200
    );
    let mut ids = Vec::new();
    for i in 0..105 {
        let mut body = application_body();
        crate::support::without_stars(&mut body);
        body["booth_request"]["preferred_booths"] = json!([]);
        body["organization"] = json!(format!("HTX Số {i:03}"));
        let id = app.approved_with("ht2026", &format!("HTX Số {i:03}"), body, 1).await;
        ids.push(id);
    }
    let (_, proposal) = json_of(
        app.post_json("/api/v1/fairs/ht2026/allocations/proposal", &json!({}))
            .await,
    )
    .await;
    let accept = json!({"version": proposal["version"], "placements": proposal["placements"]});
    let (status, body) = json_of(
        app.post_json("/api/v1/fairs/ht2026/allocations/proposal/accept", &accept)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let today = crate::support::fair_today().to_string();
    let (status, body) = crate::support::json(
        app.post_json(
            "/api/v1/fairs/ht2026/payments",
            &json!({"registration_id": ids[7], "method": "cash", "amount_vnd": 1000, "paid_on": today}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let first = app
        .get_page("/organizer/fairs/ht2026/payments", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("105 hồ sơ") && first.contains("trang 1/2") && first.contains("id=\"next-page\""),
        "{first}"
    );
    let second = app
        .get_page("/organizer/fairs/ht2026/payments?page=2", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("<tr id=\"statement-").count(), 5);
    let part = app
        .get_page("/organizer/fairs/ht2026/payments?standing=part_paid", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        part.contains("1 hồ sơ") && part.contains("HTX Số 007") && part.contains("Đã nộp một phần (1)"),
        "{part}"
    );
    let named = app
        .get_page("/organizer/fairs/ht2026/payments?q=so%20010", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(named.contains("1 hồ sơ") && named.contains("HTX Số 010"), "{named}");
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    crate::support::json(response).await
}

#[tokio::test]
async fn booths_unpaid_after_the_due_date_are_marked_and_released_when_confirmed() {
    let app = spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let cookie = app.organizer_cookie().await;
    let yesterday = today - chrono::Duration::days(1);
    assert_eq!(
        app.put_json(
            "/api/v1/fairs/ht2026/fees",
            &json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}],
                      "due": {"kind": "on", "date": yesterday.to_string()}})
        )
        .await
        .status()
        .as_u16(),
        200
    );
    let mut late = application_body();
    late["organization"] = json!("HTX Chậm Nộp");
    let (late_id, _) = crate::support::exhibitor(&app, "ht2026", late, Some("A01")).await;
    let mut prompt = application_body();
    prompt["organization"] = json!("HTX Đúng Hạn");
    let (prompt_id, _) = crate::support::exhibitor(&app, "ht2026", prompt, Some("A02")).await;
    let (status, body) = crate::support::json(
        app.post_json(
            "/api/v1/fairs/ht2026/payments",
            &json!({"registration_id": prompt_id, "method": "cash", "amount_vnd": 2_000_000, "paid_on": today.to_string()}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let list = app
        .get_page("/organizer/fairs/ht2026/payments", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("id=\"overdue-link\"") && list.contains("Quá hạn nộp"),
        "{list}"
    );
    let board = app
        .get_page("/organizer/fairs/ht2026/board", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        board.contains("₫!A01") && !board.contains("₫!A02") && board.contains("id=\"unpaid-count\">1<"),
        "{board}"
    );
    let page = app
        .get_page("/organizer/fairs/ht2026/payments/overdue", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("HTX Chậm Nộp") && !page.contains("HTX Đúng Hạn"),
        "{page}"
    );

    // Not confirmed: nothing released.
    let refused = app
        .post_form(
            "/organizer/fairs/ht2026/payments/overdue",
            &cookie,
            &[("registration", &late_id)],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    let (_, s) = crate::support::json(
        app.get_as_organizer(&format!("/api/v1/registrations/{late_id}/statement"))
            .await,
    )
    .await;
    assert_eq!(s["lines"][0]["booth"], "A01", "nothing released");
    let done = app
        .post_form(
            "/organizer/fairs/ht2026/payments/overdue",
            &cookie,
            &[
                ("registration", &late_id),
                ("registration", &prompt_id),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status().as_u16(), 303);
    assert!(
        done.headers()["location"].to_str().unwrap().contains("released=1"),
        "only the overdue one"
    );
    let (_, booths) = crate::support::json(app.get_as_organizer("/api/v1/fairs/ht2026/booths").await).await;
    let status_of = |code: &str| {
        booths["booths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["code"] == code)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        (status_of("A01"), status_of("A02")),
        (json!("available"), json!("allocated"))
    );
    // A proposal gives the freed booth to nobody who was released for not paying.
    let (_, proposal) = crate::support::json(
        app.post_json("/api/v1/fairs/ht2026/allocations/proposal", &json!({}))
            .await,
    )
    .await;
    assert!(!proposal.to_string().contains(&late_id), "{proposal}");
}

#[tokio::test]
async fn an_unknown_statement_layout_is_chosen_once_and_remembered_for_the_bank() {
    let app = spawn().await;
    let today = crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let cookie = app.organizer_cookie().await;
    for (path, body) in [
        (
            "/api/v1/fairs/ht2026/fees",
            json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}]}),
        ),
        (
            "/api/v1/fairs/ht2026/payment-account",
            json!({"bin": "970422", "account_number": "0801000123456", "account_name": "BAN TO CHUC"}),
        ),
    ] {
        assert_eq!(app.put_json(path, &body).await.status().as_u16(), 200);
    }
    let mut first = application_body();
    crate::support::without_stars(&mut first);
    first["organization"] = json!("HTX Một");
    let (a, _) = crate::support::exhibitor(&app, "ht2026", first, Some("A01")).await;
    let mut second = application_body();
    crate::support::without_stars(&mut second);
    second["organization"] = json!("HTX Hai");
    let (b, _) = crate::support::exhibitor(&app, "ht2026", second, Some("A02")).await;
    let code = |id: String| {
        let app = &app;
        async move {
            let (_, s) = crate::support::json(
                app.get_as_organizer(&format!("/api/v1/registrations/{id}/statement"))
                    .await,
            )
            .await;
            s["payment_code"].as_str().unwrap().to_owned()
        }
    };
    let day = today.format("%d/%m/%Y");
    // Headers no rule knows: "Thời điểm", "Tiền vào", "Ghi chú", "Mã GD ngân hàng".
    let statement = |n: u32, code: &str, amount: u32| {
        format!("Thời điểm,Tiền vào,Ghi chú,Mã GD ngân hàng\n{day},{amount},{code} NOP PHI,MB{n:06}\n")
    };
    let csv = statement(1, &code(a.clone()).await, 2_250_000);
    let unknown = app
        .post_form(
            "/organizer/fairs/ht2026/payments/import",
            &cookie,
            &[("action", "preview"), ("csv", &csv)],
        )
        .await;
    assert_eq!(unknown.status().as_u16(), 422);
    let html = unknown.text().await.unwrap();
    assert!(
        html.contains("id=\"map_credit\"") && html.contains("<option value=\"Tiền vào\">"),
        "{html}"
    );
    let chosen = [
        ("map_date", "Thời điểm"),
        ("map_credit", "Tiền vào"),
        ("map_description", "Ghi chú"),
        ("map_reference", "Mã GD ngân hàng"),
    ];
    let mut fields = vec![("action", "preview"), ("csv", csv.as_str())];
    fields.extend(chosen);
    let preview = app
        .post_form("/organizer/fairs/ht2026/payments/import", &cookie, &fields)
        .await;
    assert_eq!(preview.status().as_u16(), 200);
    assert!(preview.text().await.unwrap().contains("Khớp theo mã nộp tiền: 1"));

    // The next statement from the same bank is read without asking.
    let csv = statement(2, &code(b.clone()).await, 2_000_000);
    let again = app
        .post_form(
            "/organizer/fairs/ht2026/payments/import",
            &cookie,
            &[("action", "preview"), ("csv", &csv)],
        )
        .await;
    assert_eq!(again.status().as_u16(), 200);
    assert!(again.text().await.unwrap().contains("Khớp theo mã nộp tiền: 1"));
    let done = app
        .post_form(
            "/organizer/fairs/ht2026/payments/import",
            &cookie,
            &[("action", "confirm"), ("csv", &csv)],
        )
        .await;
    assert!(done.headers()["location"].to_str().unwrap().contains("recorded=1"));
}
