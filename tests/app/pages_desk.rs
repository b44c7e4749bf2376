//! The organizer's desk over plain HTTP forms: a new fair, its settings with every bad field
//! named, a stale save answered with who changed what, opening and closing applications,
//! the next edition copied from a past fair, and the home page's to-dos.

use crate::support::{json, open_fair, spawn, TestApp};
use serde_json::Value;

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// A new fair's form, filled in.
fn fair_form(id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("form_id", format!("form-{id}")),
        ("id", id.to_owned()),
        ("name", "Hội chợ OCOP Nghệ An 2027".into()),
        ("venue", "Quảng trường Hồ Chí Minh, TP Vinh".into()),
        (
            "address",
            "Đường Lê Hồng Phong, phường Trường Vinh, tỉnh Nghệ An".into(),
        ),
        ("contact_phone", "0238 3844 555".into()),
        ("contact_email", "BanToChuc@NgheAn.vn".into()),
        ("description", "Dòng một.\r\nDòng hai.".into()),
        ("start_date", "2027-03-10".into()),
        ("end_date", "2027-03-14".into()),
        ("time_zone", "Asia/Ho_Chi_Minh".into()),
        ("registration_opens_at", "2027-01-05T08:00".into()),
        ("registration_closes_at", "2027-03-01T17:00".into()),
    ]
}

async fn post(app: &TestApp, path: &str, cookie: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(path, cookie, &fields).await
}

fn with(mut form: Vec<(&'static str, String)>, key: &str, value: &str) -> Vec<(&'static str, String)> {
    for (k, v) in form.iter_mut() {
        if *k == key {
            *v = value.to_owned();
        }
    }
    form
}

/// The value a page's input named `name` shows.
fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker).expect(name);
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>').unwrap()];
    let start = tag.find("value=\"").expect(name) + "value=\"".len();
    tag[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_organizer_creates_a_fair_in_the_browser_form_and_sees_it_everywhere() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(
        app.get("/organizer/fairs/new").await.status().as_u16(),
        303,
        "signed out"
    );
    let form = app.get_page("/organizer/fairs/new", &cookie).await;
    assert_eq!(form.status().as_u16(), 200);
    assert!(form.text().await.unwrap().contains("Tạo hội chợ mới"));

    let created = post(&app, "/organizer/fairs/new", &cookie, &fair_form("ocop-nghe-an-2027")).await;
    assert_eq!(created.status().as_u16(), 303);
    assert_eq!(
        location(&created),
        "/organizer/fairs/ocop-nghe-an-2027/settings?saved=created&lang=vi"
    );
    // The same form sent twice (a double tap) creates one fair and lands on it.
    let again = post(&app, "/organizer/fairs/new", &cookie, &fair_form("ocop-nghe-an-2027")).await;
    assert_eq!(again.status().as_u16(), 303, "{}", again.text().await.unwrap());

    let (status, fair) = json(app.get("/api/v1/fairs/ocop-nghe-an-2027").await).await;
    assert_eq!(status, 200);
    assert_eq!(fair["version"], 1, "one fair, written once");
    assert_eq!(
        fair["registration_opens_at"], "2027-01-05T01:00:00Z",
        "read in the fair's zone"
    );
    assert_eq!(fair["contact_email"], "bantochuc@nghean.vn");
    assert_eq!(fair["description"], "Dòng một.\nDòng hai.");
    let settings = app
        .get_page("/organizer/fairs/ocop-nghe-an-2027/settings?saved=created", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(settings.contains("Đã tạo hội chợ."));
    assert_eq!(input_value(&settings, "registration_opens_at"), "2027-01-05T08:00");
    let home = app.get_page("/organizer", &cookie).await.text().await.unwrap();
    assert!(home.contains("Hội chợ OCOP Nghệ An 2027") && home.contains("Chưa có sơ đồ gian hàng"));
    let public = app.get("/fairs/ocop-nghe-an-2027").await.text().await.unwrap();
    assert!(
        public.contains("<p>Dòng một.</p><p>Dòng hai.</p>"),
        "the description, by paragraph"
    );
    assert!(
        public.contains("href=\"tel:02383844555\""),
        "the hotline, to call from a phone"
    );

    // Another form with the same id: named beside the id, nothing written.
    let taken = post(
        &app,
        "/organizer/fairs/new",
        &cookie,
        &with(fair_form("ocop-nghe-an-2027"), "form_id", "another"),
    )
    .await;
    assert_eq!(taken.status().as_u16(), 409);
    assert!(taken.text().await.unwrap().contains("Đã có hội chợ với mã này"));
}

#[tokio::test]
async fn every_bad_field_of_a_new_fair_is_named_and_what_was_typed_is_kept() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    let mut bad = fair_form("X");
    for (key, value) in [
        ("name", ""),
        ("end_date", "2027-03-01"),
        ("time_zone", "Mars/Olympus"),
        ("registration_opens_at", "tomorrow"),
        ("contact_phone", "call us"),
        ("contact_email", "bantochuc@"),
    ] {
        bad = with(bad, key, value);
    }
    let response = post(&app, "/organizer/fairs/new", &cookie, &bad).await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    for expected in [
        "Mã hội chợ</a>: gồm 3-64 chữ thường",
        "Tên hội chợ</a>: Vui lòng nhập tên hội chợ",
        "Ngày bế mạc</a>: không được trước ngày bắt đầu",
        "Múi giờ</a>: phải là múi giờ IANA",
        "Mở đăng ký lúc</a>: phải là ngày giờ, ví dụ 20/12/2026 08:00",
        "Điện thoại Ban tổ chức</a>: phải là số điện thoại",
        "Email Ban tổ chức</a>: không phải địa chỉ email hợp lệ",
    ] {
        assert!(html.contains(expected), "{expected} in the summary");
    }
    // In the order of the form, each beside its field, the typed input kept.
    let id_at = html.find("Mã hội chợ</a>").unwrap();
    let name_at = html.find("Tên hội chợ</a>").unwrap();
    let zone_at = html.find("Múi giờ</a>").unwrap();
    assert!(id_at < name_at && name_at < zone_at, "form order");
    assert!(html.contains("id=\"contact_phone-error\""));
    assert_eq!(input_value(&html, "contact_phone"), "call us");
    assert!(html.contains("<option value=\"Mars/Olympus\" selected>"));

    // A registration window that ends after the fair.
    let late = with(fair_form("late-2027"), "registration_closes_at", "2027-03-15T08:00");
    let response = post(&app, "/organizer/fairs/new", &cookie, &late).await;
    assert_eq!(response.status().as_u16(), 422);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Đóng đăng ký lúc</a>: phải đóng trước khi hội chợ kết thúc"));
    // Without the CSRF cookie nothing is written.
    let forged = app
        .client
        .post(app.url("/organizer/fairs/new"))
        .header("cookie", cookie.split(';').next().unwrap())
        .form(&fair_form("forged-2027"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let (_, list) = json(app.get("/api/v1/fairs").await).await;
    assert_eq!(list["fairs"].as_array().unwrap().len(), 0, "nothing written");
}

#[tokio::test]
async fn a_save_from_a_stale_form_names_who_changed_the_fair_and_overwrites_nothing() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let cookie = app.organizer_cookie().await;
    let page = app
        .get_page("/organizer/fairs/ht2022/settings", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let seen = input_value(&page, "seen");
    let form = |name: &str| {
        vec![
            ("seen", seen.clone()),
            ("name", name.to_owned()),
            ("venue", input_value(&page, "venue")),
            ("address", String::new()),
            ("contact_phone", String::new()),
            ("contact_email", String::new()),
            ("description", String::new()),
            ("start_date", input_value(&page, "start_date")),
            ("end_date", input_value(&page, "end_date")),
            ("time_zone", "Asia/Ho_Chi_Minh".to_owned()),
            ("registration_opens_at", input_value(&page, "registration_opens_at")),
            ("registration_closes_at", input_value(&page, "registration_closes_at")),
        ]
    };
    // An allocation or a block moves the fair's version, but not its details: no conflict.
    let (status, _) = json(
        app.post_json("/api/v1/fairs/ht2022/booths/A01/block", &serde_json::json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let first = post(&app, "/organizer/fairs/ht2022/settings", &cookie, &form("Tab một")).await;
    assert_eq!(first.status().as_u16(), 303);
    let second = post(&app, "/organizer/fairs/ht2022/settings", &cookie, &form("Tab hai")).await;
    assert_eq!(second.status().as_u16(), 409);
    let html = second.text().await.unwrap();
    assert!(
        html.contains(&format!("vừa được {} thay đổi lúc", app.organizer_email)),
        "names who changed it"
    );
    assert_eq!(input_value(&html, "name"), "Tab hai", "the typed input is kept");
    let (_, fair) = json(app.get("/api/v1/fairs/ht2022").await).await;
    assert_eq!(fair["name"], "Tab một", "nothing overwritten");
    // Saving again from the answered form is a decision made knowing of the other change.
    let again = post(
        &app,
        "/organizer/fairs/ht2022/settings",
        &cookie,
        &with(form("Tab hai"), "seen", &input_value(&html, "seen")),
    )
    .await;
    assert_eq!(again.status().as_u16(), 303);
    let (_, fair) = json(app.get("/api/v1/fairs/ht2022").await).await;
    assert_eq!(fair["name"], "Tab hai");
}

#[tokio::test]
async fn applications_open_and_close_by_a_button_and_the_public_page_follows() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let cookie = app.organizer_cookie().await;
    let closed = app
        .post_form("/organizer/fairs/ht2022/registration", &cookie, &[("action", "close")])
        .await;
    assert_eq!(closed.status().as_u16(), 303);
    assert!(location(&closed).contains("saved=closed"));
    let (_, fair) = json(app.get("/api/v1/fairs/ht2022").await).await;
    assert_eq!(fair["registration_open"], false);
    let settings = app
        .get_page("/organizer/fairs/ht2022/settings", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(settings.contains("id=\"open-now\"") && settings.contains("đóng đăng ký thủ công"));
    let opened = app
        .post_form("/organizer/fairs/ht2022/registration", &cookie, &[("action", "open")])
        .await;
    assert_eq!(opened.status().as_u16(), 303);
    let (_, fair) = json(app.get("/api/v1/fairs/ht2022").await).await;
    assert_eq!(fair["registration_open"], true);
    let odd = app
        .post_form(
            "/organizer/fairs/ht2022/registration",
            &cookie,
            &[("action", "explode")],
        )
        .await;
    assert_eq!(odd.status().as_u16(), 400);
    let missing = app
        .post_form("/organizer/fairs/nowhere/registration", &cookie, &[("action", "open")])
        .await;
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn the_next_edition_is_copied_with_its_plan_and_rules_but_no_applications() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let id = app.approved("ht2022", "HTX Sơn Kim", 1).await;
    let (status, _) = app.allocate("ht2022", "A02", &id).await;
    assert_eq!(status, 201);
    let (status, _) = json(
        app.post_json(
            "/api/v1/fairs/ht2022/booths/A01/block",
            &serde_json::json!({"reason": "Quầy Ban tổ chức"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let cookie = app.organizer_cookie().await;
    let form = app
        .get_page("/organizer/fairs/new?from=ht2022", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("Sao chép từ"));
    let year: i32 = input_value(&form, "start_date")[..4].parse().unwrap();
    assert!(
        year > chrono::Utc::now()
            .naive_utc()
            .date()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap()
            - 1,
        "the copy's dates are still to come"
    );
    let new_id = input_value(&form, "id");
    assert!(new_id.ends_with(&year.to_string()), "{new_id}: the year moved on");
    let fields: Vec<(&str, String)> = [
        "form_id",
        "from",
        "id",
        "name",
        "venue",
        "address",
        "contact_phone",
        "contact_email",
        "start_date",
        "end_date",
        "registration_opens_at",
        "registration_closes_at",
    ]
    .into_iter()
    .map(|k| (k, input_value(&form, k)))
    .chain([("time_zone", "Asia/Ho_Chi_Minh".to_owned())])
    .collect();
    let created = post(&app, "/organizer/fairs/new", &cookie, &fields).await;
    assert_eq!(created.status().as_u16(), 303, "{}", created.text().await.unwrap());
    let (_, copy) = json(app.get(&format!("/api/v1/fairs/{new_id}")).await).await;
    assert_eq!(copy["copied_from"], "ht2022");
    assert_eq!(copy["booths"]["available"], 2, "{copy}");
    assert_eq!(copy["booths"]["blocked"], 1);
    let (_, old) = json(app.get("/api/v1/fairs/ht2022/booths").await).await;
    let (_, new) = json(app.get(&format!("/api/v1/fairs/{new_id}/booths")).await).await;
    let shape = |list: &Value| -> Vec<(String, f64, i64)> {
        list["booths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["code"].as_str().unwrap().to_owned(),
                    b["width_m"].as_f64().unwrap(),
                    b["price_vnd"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(shape(&old), shape(&new), "the same booths, sizes and prices");
    let (_, registrations) = json(
        app.get_as_organizer(&format!("/api/v1/fairs/{new_id}/registrations"))
            .await,
    )
    .await;
    assert_eq!(registrations["registrations"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_home_page_says_what_needs_doing_at_each_fair() {
    let app = spawn().await;
    crate::support::fair_on_days(&app, "today", -1, 2).await;
    let cookie = app.organizer_cookie().await;
    for name in ["HTX Một", "HTX Hai"] {
        app.enter("today", name, crate::support::application_body()).await;
    }
    let held = app.approved("today", "HTX Ba", 1).await;
    let (status, _) = app.allocate("today", "A01", &held).await;
    assert_eq!(status, 201);
    app.approved("today", "HTX Bốn", 1).await;
    let home = app.get_page("/organizer", &cookie).await.text().await.unwrap();
    for todo in [
        "2 hồ sơ chờ xét duyệt",
        "1 hồ sơ đã duyệt chưa có gian",
        "2 gian còn trống",
        "1 chủ thể chưa báo doanh thu hôm nay",
    ] {
        assert!(home.contains(todo), "{todo}");
    }
    assert!(home.contains("/organizer/fairs/today/registrations?status=submitted"));
    assert!(home.contains("Đang diễn ra"));
}

#[tokio::test]
async fn zone_quotas_and_blocked_booths_are_set_on_the_rules_page() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let cookie = app.organizer_cookie().await;
    let page = app.get_page("/organizer/fairs/ht2022/rules", &cookie).await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("Hạn mức gian theo địa bàn"));

    let saved = app
        .post_form(
            "/organizer/fairs/ht2022/rules",
            &cookie,
            &[
                ("action", "quotas"),
                ("quota[0].zone", "A"),
                ("quota[0].locality", "commune"),
                ("quota[0].max", "2"),
                ("quota[1].zone", ""),
                ("quota[1].locality", "commune"),
                ("quota[1].max", ""),
            ],
        )
        .await;
    assert_eq!(saved.status().as_u16(), 303);
    let page = app
        .get_page("/organizer/fairs/ht2022/rules?saved=quotas", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Đã lưu hạn mức.") && page.contains("name=\"quota[0].max\" value=\"2\""));

    // Each bad cell named by its row; nothing written.
    let refused = app
        .post_form(
            "/organizer/fairs/ht2022/rules",
            &cookie,
            &[
                ("action", "quotas"),
                ("quota[0].zone", "Z"),
                ("quota[0].locality", "commune"),
                ("quota[0].max", "2"),
                ("quota[1].zone", "A"),
                ("quota[1].locality", "planet"),
                ("quota[1].max", "-1"),
                ("quota[2].zone", "B"),
                ("quota[2].locality", "province"),
                ("quota[2].max", ""),
            ],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = refused.text().await.unwrap();
    for expected in [
        "Dòng 1 · Khu</a>: khu Z không có trong sơ đồ",
        "Dòng 2 · Cấp địa bàn</a>: Vui lòng chọn cấp địa bàn",
        "Dòng 2 · Tối đa (gian)</a>: phải là số nguyên từ 1 đến 10000",
        "Dòng 3 · Tối đa (gian)</a>: Vui lòng nhập số gian tối đa",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(html.contains("id=\"quota-1--max\""));

    // Block with a reason, refuse an unknown or allocated booth, unblock.
    let blocked = app
        .post_form(
            "/organizer/fairs/ht2022/rules",
            &cookie,
            &[("action", "block"), ("booth", "a01"), ("reason", "Quầy Ban tổ chức")],
        )
        .await;
    assert_eq!(blocked.status().as_u16(), 303);
    let page = app
        .get_page("/organizer/fairs/ht2022/rules", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"blocked-A01\"") && page.contains("Quầy Ban tổ chức"));
    let unknown = app
        .post_form(
            "/organizer/fairs/ht2022/rules",
            &cookie,
            &[("action", "block"), ("booth", "Q99")],
        )
        .await;
    assert_eq!(unknown.status().as_u16(), 422);
    assert!(unknown.text().await.unwrap().contains("Không có gian Q99 trong sơ đồ"));
    let id = app.approved("ht2022", "HTX Sơn Kim", 1).await;
    assert_eq!(app.allocate("ht2022", "A02", &id).await.0, 201);
    let taken = app
        .post_form(
            "/organizer/fairs/ht2022/rules",
            &cookie,
            &[("action", "block"), ("booth", "A02")],
        )
        .await;
    assert_eq!(taken.status().as_u16(), 409);
    assert!(taken
        .text()
        .await
        .unwrap()
        .contains("Gian A02 đang được phân cho một chủ thể"));
    let unblocked = app
        .post_form(
            "/organizer/fairs/ht2022/rules",
            &cookie,
            &[("action", "unblock"), ("booth", "A01")],
        )
        .await;
    assert_eq!(unblocked.status().as_u16(), 303);
    let (_, fair) = json(app.get("/api/v1/fairs/ht2022").await).await;
    assert_eq!(fair["booths"]["blocked"], serde_json::Value::Null, "{fair}");
}

#[tokio::test]
async fn the_plan_is_exported_and_imported_with_a_preview_and_every_bad_row_named() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    // A new fair has no plan: the page says so and the import makes one.
    let created = post(&app, "/organizer/fairs/new", &cookie, &fair_form("ve-2027")).await;
    assert_eq!(created.status().as_u16(), 303);
    let page = app
        .get_page("/organizer/fairs/ve-2027/plan", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sơ đồ chưa có gian nào"));
    let seen = input_value(&page, "seen");
    // Cells pasted from a spreadsheet are tab-separated.
    let mut rows = vec!["code\tzone\tzone_name\tkind\twidth_m\tdepth_m\tprice_vnd\tx\ty".to_owned()];
    for i in 1..=30 {
        let (row, col) = ((i - 1) / 10, (i - 1) % 10);
        let zone = if row < 2 { "A" } else { "B" };
        rows.push(format!(
            "{zone}{i:02}\t{zone}\tKhu {zone}\tstandard\t3\t3\t3.000.000\t{}\t{}",
            col * 3,
            row * 5
        ));
    }
    let pasted = rows.join("\n");
    let preview = post(
        &app,
        "/organizer/fairs/ve-2027/plan",
        &cookie,
        &[
            ("seen", seen.clone()),
            ("action", "preview".into()),
            ("csv", pasted.clone()),
        ],
    )
    .await;
    assert_eq!(preview.status().as_u16(), 200);
    let html = preview.text().await.unwrap();
    assert!(html.contains("Thêm gian (30)") && html.contains("Thêm khu: A · Khu A; B · Khu B"));
    let (_, fair) = json(app.get("/api/v1/fairs/ve-2027").await).await;
    assert_eq!(fair["booths"], serde_json::json!({}), "a preview writes nothing");
    let confirmed = post(
        &app,
        "/organizer/fairs/ve-2027/plan",
        &cookie,
        &[("seen", seen.clone()), ("action", "confirm".into()), ("csv", pasted)],
    )
    .await;
    assert_eq!(confirmed.status().as_u16(), 303);
    let (_, fair) = json(app.get("/api/v1/fairs/ve-2027").await).await;
    assert_eq!(fair["booths"]["available"], 30);

    // The export reads back: CSV through the import (no change), XLSX through calamine.
    let csv = app.get_page("/organizer/fairs/ve-2027/plan.csv", &cookie).await;
    assert_eq!(csv.status().as_u16(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("A01,A,Khu A,standard,3,3,3000000,0,0"));
    let page = app
        .get_page("/organizer/fairs/ve-2027/plan", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let seen = input_value(&page, "seen");
    let again = post(
        &app,
        "/organizer/fairs/ve-2027/plan",
        &cookie,
        &[
            ("seen", seen.clone()),
            ("action", "preview".into()),
            ("csv", csv.clone()),
        ],
    )
    .await;
    assert!(again.text().await.unwrap().contains("không có gì thay đổi"));
    let xlsx = app.get_page("/organizer/fairs/ve-2027/plan.xlsx", &cookie).await;
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
        let sheet = book.worksheet_range("plan").unwrap();
        assert_eq!(sheet.height(), 31);
        assert_eq!(sheet.get((1, 0)).unwrap().to_string(), "A01");
        assert_eq!(sheet.get((1, 6)).unwrap().to_string(), "3000000");
    }

    // Bad rows are named by line and column; nothing is written.
    let bad = format!(
        "{}\nA31,A,,standard,0,3,100,0,20,0\nA32,A,,standard,3,3,-5,3,20,0\nA31,A,,standard,3,3,1,6,20,0\n",
        csv.lines().next().unwrap()
    );
    let refused = post(
        &app,
        "/organizer/fairs/ve-2027/plan",
        &cookie,
        &[("seen", seen.clone()), ("action", "preview".into()), ("csv", bad)],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = refused.text().await.unwrap();
    for expected in [
        "<td class=\"num\">2</td><td>width_m</td>",
        "<td class=\"num\">3</td><td>price_vnd</td>",
        "<td class=\"num\">4</td><td>code</td><td>gian A31 bị khai báo hai lần</td>",
    ] {
        assert!(html.contains(expected), "{expected}");
    }

    // A colleague changes the plan; the stale confirm is told who, and writes nothing.
    let id = app.approved("ve-2027", "HTX Sơn Kim", 1).await;
    assert_eq!(app.allocate("ve-2027", "A01", &id).await.0, 201);
    let moved = csv.replace(
        "A02,A,Khu A,standard,3,3,3000000,3,0",
        "A02,A,Khu A,standard,3,3,3500000,3,0",
    );
    assert_eq!(app.put_booths_csv("ve-2027", &moved).await.status().as_u16(), 200);
    let without_b = csv
        .lines()
        .filter(|l| !l.starts_with("B"))
        .collect::<Vec<_>>()
        .join("\n");
    let stale = post(
        &app,
        "/organizer/fairs/ve-2027/plan",
        &cookie,
        &[("seen", seen), ("action", "confirm".into()), ("csv", without_b)],
    )
    .await;
    assert_eq!(stale.status().as_u16(), 409);
    let html = stale.text().await.unwrap();
    assert!(
        html.contains("Sơ đồ vừa được") && html.contains("Bỏ gian (10)"),
        "told, with the preview again"
    );
    let (_, fair) = json(app.get("/api/v1/fairs/ve-2027").await).await;
    assert_eq!(fair["booths"]["available"].as_u64().unwrap() + 1, 30, "nothing removed");
    // Removing the held booth is refused with its holder named.
    let without_a01 = csv
        .lines()
        .filter(|l| !l.starts_with("A01"))
        .collect::<Vec<_>>()
        .join("\n");
    let held = post(
        &app,
        "/organizer/fairs/ve-2027/plan",
        &cookie,
        &[
            ("seen", input_value(&html, "seen")),
            ("action", "preview".into()),
            ("csv", without_a01),
        ],
    )
    .await;
    assert_eq!(held.status().as_u16(), 409);
    assert!(held.text().await.unwrap().contains("A01 (HTX Sơn Kim)"));
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook as an organizer writes one: a header row, then the booths.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            match value.parse::<f64>() {
                Ok(n) if r > 0 && c >= 3 => sheet.write_number(r as u32, c as u16, n).unwrap(),
                _ => sheet.write_string(r as u32, c as u16, *value).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_plan_is_imported_from_an_excel_workbook_in_the_page_and_over_the_api() {
    use base64::Engine;
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(app.create_fair("xl-2027").await.status().as_u16(), 201);
    let header: &[&str] = &[
        "code",
        "zone",
        "zone_name",
        "kind",
        "width_m",
        "depth_m",
        "price_vnd",
        "x",
        "y",
        "power",
    ];
    let good = workbook(&[
        header,
        &["A01", "A", "Khu A", "standard", "3", "3", "3000000", "0", "0", "1"],
        &["A02", "A", "Khu A", "corner", "3", "2.5", "3500000", "3", "0", "0"],
    ]);
    let page = app
        .get_page("/organizer/fairs/xl-2027/plan", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let seen = input_value(&page, "seen");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let preview = post(
        &app,
        "/organizer/fairs/xl-2027/plan",
        &cookie,
        &[
            ("seen", seen.clone()),
            ("action", "preview".into()),
            ("xlsx", b64(&good)),
            ("csv", String::new()),
        ],
    )
    .await;
    assert_eq!(preview.status().as_u16(), 200);
    let html = preview.text().await.unwrap();
    assert!(html.contains("Thêm gian (2): A01, A02"), "previewed");
    // The confirmation carries the rows read from the workbook as CSV.
    assert!(html.contains("A02,A,Khu A,corner,3,2.5,3500000,3,0,0"));
    let (_, fair) = json(app.get("/api/v1/fairs/xl-2027").await).await;
    assert_eq!(fair["booths"], serde_json::json!({}), "a preview writes nothing");

    // A bad row is named by its sheet line and column; a file that is no workbook is refused.
    let bad = workbook(&[
        header,
        &["A01", "A", "Khu A", "standard", "3", "3", "3000000", "0", "0", "1"],
        &["A02", "A", "Khu A", "standard", "0", "3", "-1", "3", "0", "0"],
    ]);
    let refused = post(
        &app,
        "/organizer/fairs/xl-2027/plan",
        &cookie,
        &[
            ("seen", seen.clone()),
            ("action", "preview".into()),
            ("xlsx", b64(&bad)),
        ],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("<td class=\"num\">3</td><td>width_m</td>"),
        "line 3, width"
    );
    assert!(
        html.contains("<td class=\"num\">3</td><td>price_vnd</td>"),
        "line 3, price"
    );
    let junk = post(
        &app,
        "/organizer/fairs/xl-2027/plan",
        &cookie,
        &[
            ("seen", seen.clone()),
            ("action", "preview".into()),
            ("xlsx", b64(b"PK not really")),
        ],
    )
    .await;
    assert_eq!(junk.status().as_u16(), 422);
    assert!(junk.text().await.unwrap().contains("Không đọc được tệp Excel"));

    // The API takes the same workbook.
    let put = app.put_booths_as(XLSX, "xl-2027", good).await;
    assert_eq!(put.status().as_u16(), 200);
    let (_, booths) = json(app.get("/api/v1/fairs/xl-2027/booths").await).await;
    assert_eq!(booths["booths"][1]["depth_m"], 2.5);
    assert_eq!(booths["booths"][0]["power"], true);
    let put = app.put_booths_as(XLSX, "xl-2027", bad).await;
    assert_eq!(put.status().as_u16(), 422);
    let (_, body) = json(put).await;
    assert!(body["error"]["fields"]["booths[1].width_m"].is_string(), "{body}");
}

#[tokio::test]
async fn five_thousand_booths_in_one_paste_are_previewed_and_saved() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(
        post(&app, "/organizer/fairs/new", &cookie, &fair_form("lon-2027"))
            .await
            .status()
            .as_u16(),
        303
    );
    let mut rows = vec!["code,zone,kind,width_m,depth_m,price_vnd,x,y".to_owned()];
    for i in 0..5_000 {
        rows.push(format!(
            "B{i:04},A,standard,3,3,1000000,{},{}",
            (i % 100) * 3,
            (i / 100) * 4
        ));
    }
    let csv = rows.join("\n");
    let preview = post(
        &app,
        "/organizer/fairs/lon-2027/plan",
        &cookie,
        &[("action", "preview".into()), ("csv", csv.clone())],
    )
    .await;
    assert_eq!(preview.status().as_u16(), 200);
    assert!(preview.text().await.unwrap().contains("Thêm gian (5000)"));
    let saved = post(
        &app,
        "/organizer/fairs/lon-2027/plan",
        &cookie,
        &[("action", "confirm".into()), ("csv", csv)],
    )
    .await;
    assert_eq!(saved.status().as_u16(), 303);
    let (_, fair) = json(app.get("/api/v1/fairs/lon-2027").await).await;
    assert_eq!(fair["booths"]["available"], 5_000);
}

#[tokio::test]
async fn an_organizer_enters_an_application_for_a_producer_on_a_closed_fair() {
    let app = spawn().await;
    assert_eq!(app.create_fair("dong").await.status().as_u16(), 201);
    let (_, fair) = json(app.get("/api/v1/fairs/dong").await).await;
    assert_eq!(fair["registration_open"], false, "its window is over");
    let cookie = app.organizer_cookie().await;
    assert_eq!(
        app.get("/organizer/fairs/dong/registrations/new")
            .await
            .status()
            .as_u16(),
        303
    );
    let form = app
        .get_page("/organizer/fairs/dong/registrations/new", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("Nhập hồ sơ thay chủ thể") && form.contains("id=\"on-behalf\""));
    let review = app
        .get_page("/organizer/fairs/dong/registrations", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        review.contains("/organizer/fairs/dong/registrations/new"),
        "one click from the review"
    );
    let fields = [
        ("organization", "Hộ kinh doanh Nguyễn Thị Lan"),
        ("producer_type", "ho_kinh_doanh"),
        ("tax_code", "0312687878"),
        ("representative", "Nguyễn Thị Lan"),
        ("phone", "0912 345 678"),
        ("email", "lan@example.vn"),
        ("address.commune", "Cẩm Thành"),
        ("address.province", "Hà Tĩnh"),
        ("products.0.name", "Kẹo cu đơ"),
        ("products.0.group", "I"),
        ("booth_request.count", "1"),
    ];
    // Signed out, nothing is taken in the organizers' name.
    let anonymous = app
        .post_form(
            "/organizer/fairs/dong/registrations/new",
            &format!("hoicho_csrf={}", crate::support::CSRF),
            &fields,
        )
        .await;
    assert_eq!(anonymous.status().as_u16(), 303);
    assert_eq!(location(&anonymous), "/login?lang=vi");
    let entered = app
        .post_form("/organizer/fairs/dong/registrations/new", &cookie, &fields)
        .await;
    assert_eq!(entered.status().as_u16(), 303);
    assert!(
        location(&entered).starts_with("/r/"),
        "the private page, to pass its link on"
    );
    let (_, list) = json(app.get_as_organizer("/api/v1/fairs/dong/registrations").await).await;
    assert_eq!(list["total"], 1);
    // A bad field comes back on the same organizer's form, input kept.
    let mut bad = fields.to_vec();
    bad[4] = ("phone", "12");
    let refused = app
        .post_form("/organizer/fairs/dong/registrations/new", &cookie, &bad)
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Nhập hồ sơ thay chủ thể") && html.contains("/organizer/fairs/dong/registrations/new"));
}

#[tokio::test]
async fn the_print_pages_list_exhibitors_by_zone_and_give_each_booth_a_card_with_a_qr_code() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let son_kim = app.approved("ht2022", "HTX Sơn Kim", 1).await;
    assert_eq!(app.allocate("ht2022", "B01", &son_kim).await.0, 201);
    let cookie = app.organizer_cookie().await;
    assert_eq!(
        app.get("/organizer/fairs/ht2022/print/cards").await.status().as_u16(),
        303
    );
    let cards = app
        .get_page("/organizer/fairs/ht2022/print/cards", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        cards.matches("class=\"booth-card\"").count(),
        1,
        "one card per allocated booth"
    );
    assert!(cards.contains("id=\"card-B01\"") && cards.contains("HTX Sơn Kim"));
    assert!(
        cards.contains("<svg") && cards.contains("Quét để xem gian"),
        "a QR code drawn as SVG"
    );
    let list = app
        .get_page("/organizer/fairs/ht2022/print/exhibitors", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("B · Khu các sở, ngành (1)") && list.contains("<td>B01</td><td>HTX Sơn Kim</td>"));
    assert!(
        !list.contains("A · Khu các địa phương ("),
        "a zone nobody holds a booth in is left out"
    );
    let plan = app
        .get_page("/organizer/fairs/ht2022/print/plan", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(plan.contains("class=\"printed-plan\"") && plan.contains(">HTX Sơn Kim</text>"));
    let unknown = app.get_page("/organizer/fairs/ht2022/print/posters", &cookie).await;
    assert_eq!(unknown.status().as_u16(), 404);
}

/// Signs in through the form as `email`: the Cookie header to send, if the password is right.
async fn sign_in_as(app: &TestApp, email: &str, password: &str) -> Option<String> {
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("hoicho_csrf={}", crate::support::CSRF))
        .form(&[("email", email), ("password", password), ("csrf", crate::support::CSRF)])
        .send()
        .await
        .unwrap();
    crate::support::session_cookie(&response)
}

/// Accepts the invitation at `path` (refused first for a short and a mismatched password):
/// the new session's Cookie header, and the password chosen.
pub async fn accept_invitation(app: &TestApp, path: &str) -> (String, String) {
    let csrf = crate::support::CSRF;
    let post = |new: &'static str, again: &'static str| {
        app.client
            .post(app.url(path))
            .header("cookie", format!("hoicho_csrf={csrf}"))
            .form(&[("csrf", csrf), ("new", new), ("again", again)])
            .send()
    };
    let short = post("ngan", "ngan").await.unwrap();
    assert_eq!(short.status().as_u16(), 422);
    assert!(short.text().await.unwrap().contains("ít nhất 12 ký tự"));
    let differ = post("mat-khau-dong-nghiep", "mat-khau-khac-nhau").await.unwrap();
    assert_eq!(differ.status().as_u16(), 422);
    assert!(differ.text().await.unwrap().contains("không khớp"));
    let accepted = post("mat-khau-dong-nghiep", "mat-khau-dong-nghiep").await.unwrap();
    assert_eq!(accepted.status().as_u16(), 303);
    assert!(location(&accepted).starts_with("/organizer?"));
    let session = crate::support::session_cookie(&accepted).expect("signed in");
    (session, "mat-khau-dong-nghiep".to_owned())
}

/// The secret a team page shows once.
fn shown_once(html: &str) -> String {
    let start = html.find("id=\"secret\">").expect("a secret shown") + "id=\"secret\">".len();
    html[start..].split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_team_page_adds_revokes_and_changes_passwords_and_tokens() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(app.get("/organizer/team").await.status().as_u16(), 303);
    let page = app.get_page("/organizer/team", &cookie).await.text().await.unwrap();
    assert!(page.contains(&app.organizer_email) && page.contains("Đăng nhập gần nhất"));

    // A colleague, invited: the one-time link (shown once, and emailed) sets a password and
    // signs them in.
    let added = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "Dong.Nghiep@HaTinh.gov.vn")],
        )
        .await;
    assert_eq!(added.status().as_u16(), 200);
    assert_eq!(added.headers()["cache-control"], "no-store");
    let link = shown_once(&added.text().await.unwrap());
    let path = link
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        .unwrap();
    let page = app.get_page(&path, "").await;
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.text().await.unwrap().contains("dong.nghiep@hatinh.gov.vn"));
    let (colleague, password) = accept_invitation(&app, &path).await;
    assert_eq!(
        app.get_page("/organizer", &colleague).await.status().as_u16(),
        200,
        "signed in"
    );
    assert_eq!(
        app.get_page(&path, "").await.status().as_u16(),
        404,
        "the link works once"
    );
    assert!(sign_in_as(&app, "dong.nghiep@hatinh.gov.vn", &password).await.is_some());
    let again = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "dong.nghiep@hatinh.gov.vn")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let bad = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "not-an-email")],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    assert!(bad.text().await.unwrap().contains("không phải địa chỉ email hợp lệ"));

    // Revoking: not oneself, not without "I am sure"; then the colleague's session stops.
    let me = app.organizer_email.clone();
    let own = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "revoke"), ("email", me.as_str()), ("confirm", "1")],
        )
        .await;
    assert_eq!(own.status().as_u16(), 409);
    let unsure = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "revoke"), ("email", "dong.nghiep@hatinh.gov.vn")],
        )
        .await;
    assert_eq!(unsure.status().as_u16(), 422);
    assert_eq!(app.get_page("/organizer", &colleague).await.status().as_u16(), 200);
    let revoked = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[
                ("action", "revoke"),
                ("email", "dong.nghiep@hatinh.gov.vn"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(revoked.status().as_u16(), 303);
    assert_eq!(
        app.get_page("/organizer", &colleague).await.status().as_u16(),
        303,
        "signed out at once"
    );
    assert!(sign_in_as(&app, "dong.nghiep@hatinh.gov.vn", &password).await.is_none());
    let page = app.get_page("/organizer/team", &cookie).await.text().await.unwrap();
    assert!(page.contains("Đã thu hồi quyền"));

    // A new API token, shown once; the old one stops.
    let issued = app.post_form("/organizer/team", &cookie, &[("action", "token")]).await;
    assert_eq!(issued.status().as_u16(), 200);
    let token = shown_once(&issued.text().await.unwrap());
    assert_eq!(
        app.get_as_organizer("/api/v1/fairs/x/registrations")
            .await
            .status()
            .as_u16(),
        401
    );
    let with_new = app.get_with_token("/api/v1/notifications", &token).await;
    assert_ne!(with_new.status().as_u16(), 401);
    // A new credential ends the sessions of the old one.
    assert_eq!(app.get_page("/organizer", &cookie).await.status().as_u16(), 303);
    let cookie = app.organizer_cookie().await;

    // One's own password: each refusal named; then every session ends and the new one works.
    for (fields, expected) in [
        (
            [
                ("current", "wrong"),
                ("new", "mat-khau-moi-dai"),
                ("again", "mat-khau-moi-dai"),
            ],
            "Mật khẩu hiện tại không đúng",
        ),
        (
            [
                ("current", app.organizer_password.as_str()),
                ("new", "ngan"),
                ("again", "ngan"),
            ],
            "ít nhất 12 ký tự",
        ),
        (
            [
                ("current", app.organizer_password.as_str()),
                ("new", "mat-khau-moi-dai"),
                ("again", "mat-khau-khac-dai"),
            ],
            "không khớp",
        ),
    ] {
        let mut all = vec![("action", "password")];
        all.extend(fields);
        let refused = app.post_form("/organizer/team", &cookie, &all).await;
        assert_eq!(refused.status().as_u16(), 422);
        assert!(refused.text().await.unwrap().contains(expected), "{expected}");
    }
    let changed = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[
                ("action", "password"),
                ("current", app.organizer_password.as_str()),
                ("new", "mat-khau-moi-dai"),
                ("again", "mat-khau-moi-dai"),
            ],
        )
        .await;
    assert_eq!(changed.status().as_u16(), 303);
    assert_eq!(location(&changed), "/login?changed=1&lang=vi");
    assert_eq!(
        app.get_page("/organizer", &cookie).await.status().as_u16(),
        303,
        "this session ended too"
    );
    assert!(sign_in_as(&app, &me, &app.organizer_password).await.is_none());
    assert!(sign_in_as(&app, &me, "mat-khau-moi-dai").await.is_some());
}

#[tokio::test]
async fn a_booth_with_an_outlet_is_marked_in_the_api_the_csv_and_the_public_list() {
    let app = spawn().await;
    open_fair(&app, "dien").await;
    let csv = "code,zone,kind,width_m,depth_m,price_vnd,x,y,power\n\
               A01,A,standard,3,3,1000000,0,0,có\n\
               A02,A,standard,3,3,1000000,3,0,0\n\
               A03,A,standard,3,3,1000000,6,0,1\n";
    assert_eq!(app.put_booths_csv("dien", csv).await.status().as_u16(), 200);
    let (_, list) = json(app.get("/api/v1/fairs/dien/booths").await).await;
    let powered: Vec<&str> = list["booths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["power"] == true)
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert_eq!(powered, ["A01", "A03"]);
    let page = app.get("/fairs/dien").await.text().await.unwrap();
    assert_eq!(page.matches("⚡ có điện").count(), 2);
    let cookie = app.organizer_cookie().await;
    let export = app
        .get_page("/organizer/fairs/dien/plan.csv", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let line = |code: &str| export.lines().find(|l| l.starts_with(code)).unwrap().to_owned();
    assert!(line("A01,").ends_with(",1") && line("A02,").ends_with(",0"), "{export}");
    let bad = app
        .put_booths_csv(
            "dien",
            "code,zone,kind,width_m,depth_m,price_vnd,power\nA01,A,standard,3,3,1,maybe\n",
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let (_, body) = json(bad).await;
    assert!(body["error"]["fields"]["booths[0].power"].is_string(), "{body}");
}

#[tokio::test]
async fn the_hall_and_its_aisles_stage_and_entrance_are_kept_drawn_and_copied() {
    let app = spawn().await;
    open_fair(&app, "san").await;
    let mut plan = crate::support::plan_body();
    plan["hall"] = serde_json::json!({"width_m": 40, "depth_m": 25});
    plan["shapes"] = serde_json::json!([
        {"kind": "stage", "x": 30, "y": 15, "width_m": 8, "depth_m": 6},
        {"kind": "aisle", "label": "Lối đi chính", "x": 0, "y": 8, "width_m": 40, "depth_m": 3},
        {"kind": "entrance", "x": 18, "y": 24, "width_m": 4, "depth_m": 1}
    ]);
    assert_eq!(app.put_booths("san", &plan).await.status().as_u16(), 200);
    let (_, list) = json(app.get("/api/v1/fairs/san/booths").await).await;
    assert_eq!(list["floor"]["hall"]["width_m"], 40.0);
    assert_eq!(list["floor"]["shapes"].as_array().unwrap().len(), 3);
    let page = app.get("/fairs/san").await.text().await.unwrap();
    assert!(
        page.contains("class=\"hall\"") && page.contains(">Sân khấu</text>") && page.contains(">Lối đi chính</text>")
    );
    // A plan without hall or shapes leaves them as they are.
    assert_eq!(
        app.put_booths("san", &crate::support::plan_body())
            .await
            .status()
            .as_u16(),
        200
    );
    let (_, list) = json(app.get("/api/v1/fairs/san/booths").await).await;
    assert_eq!(list["floor"]["shapes"].as_array().unwrap().len(), 3);
    // Bad shapes are named.
    let mut bad = crate::support::plan_body();
    bad["shapes"] = serde_json::json!([{"kind": "fountain", "x": 0, "y": 0, "width_m": 0, "depth_m": 1}]);
    bad["hall"] = serde_json::json!({"width_m": -1, "depth_m": 10});
    let (status, body) = json(app.put_booths("san", &bad).await).await;
    assert_eq!(status, 422);
    for field in ["shapes[0].kind", "shapes[0].width_m", "hall.width_m"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    // The next edition keeps the floor.
    let cookie = app.organizer_cookie().await;
    let form = app
        .get_page("/organizer/fairs/new?from=san", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let fields: Vec<(&str, String)> = [
        "form_id",
        "from",
        "id",
        "name",
        "venue",
        "start_date",
        "end_date",
        "registration_opens_at",
        "registration_closes_at",
    ]
    .into_iter()
    .map(|k| (k, input_value(&form, k)))
    .chain([("time_zone", "Asia/Ho_Chi_Minh".to_owned())])
    .collect();
    let created = post(&app, "/organizer/fairs/new", &cookie, &fields).await;
    assert_eq!(created.status().as_u16(), 303);
    let id = input_value(&form, "id");
    let (_, copy) = json(app.get(&format!("/api/v1/fairs/{id}/booths")).await).await;
    assert_eq!(copy["floor"], list["floor"]);
}
