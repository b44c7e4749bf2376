//! The application pages and the organizers' review pages, over HTTP.

use crate::support::{application_body, open_fair, spawn, CSRF};
use serde_json::json;

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_form_applies_and_redirects_to_the_private_page() {
    let app = spawn().await;
    open_fair(&app, "form").await;
    let form = app.get("/fairs/form/apply").await;
    assert_eq!(form.status().as_u16(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("Đăng ký tham gia hội chợ") && html.contains("name=\"products.0.name\""));

    let cookie = format!("hoicho_csrf={CSRF}");
    let fields = [
        ("organization", "HTX Chè Tân Lâm"),
        ("producer_type", "htx"),
        ("tax_code", "0312687878"),
        ("representative", "Phan Thị Hoa"),
        ("phone", "0392 111 222"),
        ("email", "tanlam@example.vn"),
        ("address.commune", "Hương Long"),
        ("address.province", "Hà Tĩnh"),
        ("products.0.name", "Chè xanh Tân Lâm"),
        ("products.0.group", "II"),
        ("products.0.stars", ""),
        ("products.1.group", "I"),
        ("booth_request.count", "1"),
        ("booth_request.zone", "A"),
    ];
    let response = app.post_form("/fairs/form/apply", &cookie, &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let private = location(&response);
    assert!(private.starts_with("/r/"), "{private}");
    // A second tap on "send" with the same form makes no second application.
    let again = app.post_form("/fairs/form/apply", &cookie, &fields).await;
    assert_eq!(location(&again), private);
    let (_, list) = crate::support::json(app.get_as_organizer("/api/v1/fairs/form/registrations").await).await;
    assert_eq!(list["total"], 1);

    let page = app.get(&private).await;
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["x-robots-tag"], "noindex, nofollow");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Ban tổ chức đã nhận hồ sơ") && html.contains("HTX Chè Tân Lâm") && html.contains("0392 111 222")
    );
    // The link whole, as it would be pasted elsewhere, and where else it went.
    let path = private.split('?').next().unwrap();
    assert!(
        html.contains(&format!("id=\"private-link\">{}", app.url(path))),
        "the full address"
    );
    assert!(html.contains("Đường dẫn này cũng được gửi tới tanlam@example.vn"));
}

#[tokio::test]
async fn the_form_shows_each_problem_beside_its_field_and_keeps_what_was_typed() {
    let app = spawn().await;
    open_fair(&app, "loi").await;
    let cookie = format!("hoicho_csrf={CSRF}");
    let response = app
        .post_form(
            "/fairs/loi/apply",
            &cookie,
            &[
                ("organization", "HTX <b>Sơn</b>"),
                ("tax_code", "123"),
                ("products.1.name", "Cam"),
                ("products.1.stars", "4"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("HTX &lt;b&gt;Sơn&lt;/b&gt;") || html.contains("HTX &#60;b&#62;Sơn&#60;/b&#62;"),
        "kept, escaped"
    );
    assert!(html.contains("không được chứa ký tự &lt; &gt;") || html.contains("không được chứa ký tự &#60; &#62;"));
    assert!(
        html.contains("Sản phẩm 2 — Số giấy chứng nhận"),
        "the second row's certificate is named"
    );
    // A field left empty is asked for by its name, not a bare "required".
    assert!(
        html.contains("Vui lòng nhập người đại diện"),
        "the representative asked for"
    );
    assert!(!html.contains(">bắt buộc<"));
    let forged = app
        .post_form(
            "/fairs/loi/apply",
            "hoicho_csrf=other-token-other-token-other-token",
            &[("organization", "x")],
        )
        .await;
    assert_eq!(forged.status().as_u16(), 403);
}

#[tokio::test]
async fn the_private_page_amends_and_withdraws_and_a_wrong_link_finds_nothing() {
    let app = spawn().await;
    open_fair(&app, "rieng-tu").await;
    let (_, applied) = app.apply("rieng-tu", &application_body()).await;
    let private = applied["private_url"].as_str().unwrap().to_owned();
    let edit = app.get(&format!("{private}/edit")).await.text().await.unwrap();
    assert!(
        edit.contains("value=\"HTX Nông nghiệp Sơn Kim\""),
        "the form shows the application"
    );
    let cookie = format!("hoicho_csrf={CSRF}");
    let mut fields: Vec<(&str, &str)> = vec![
        ("organization", "HTX Nông nghiệp Sơn Kim"),
        ("producer_type", "htx"),
        ("tax_code", "0312687878"),
        ("representative", "Nguyễn Thị Lan"),
        ("phone", "0912345678"),
        ("email", "htx.sonkim@example.vn"),
        ("address.commune", "Sơn Kim 1"),
        ("address.province", "Hà Tĩnh"),
        ("products.0.name", "Cam bù Hương Sơn"),
        ("products.0.group", "I"),
        ("booth_request.count", "2"),
    ];
    let saved = app.post_form(&format!("{private}/edit"), &cookie, &fields).await;
    assert_eq!(saved.status().as_u16(), 303);
    let html = app.get(&private).await.text().await.unwrap();
    assert!(html.contains("Nguyễn Thị Lan"));
    fields.retain(|(k, _)| *k != "phone");
    let bad = app.post_form(&format!("{private}/edit"), &cookie, &fields).await;
    assert_eq!(bad.status().as_u16(), 422);

    let unconfirmed = app
        .post_form(&format!("{private}/withdraw"), &cookie, &[("reason", "Bận mùa vụ")])
        .await;
    assert_eq!(unconfirmed.status().as_u16(), 303);
    assert!(
        app.get(&private).await.text().await.unwrap().contains("Đã nộp"),
        "not withdrawn without the confirmation"
    );
    app.post_form(
        &format!("{private}/withdraw"),
        &cookie,
        &[("reason", "Bận mùa vụ"), ("confirm", "yes")],
    )
    .await;
    let html = app.get(&private).await.text().await.unwrap();
    assert!(html.contains("Đã rút") && html.contains("Bận mùa vụ"));

    let wrong = app.get("/r/not-a-real-token").await;
    assert_eq!(wrong.status().as_u16(), 404);
    assert_eq!(wrong.headers()["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn organizers_review_search_and_decide_in_bulk_after_confirming() {
    let app = spawn().await;
    open_fair(&app, "duyet").await;
    let mut ids = Vec::new();
    for name in ["Cơ sở Nước mắm Cửa Hội", "HTX Chè Đức Thọ", "HTX Cam Vũ Quang"] {
        let mut body = application_body();
        body["organization"] = json!(name);
        let (_, applied) = app.apply("duyet", &body).await;
        ids.push(applied["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        app.get("/organizer/fairs/duyet/registrations").await.status().as_u16(),
        303,
        "sign in first"
    );
    let cookie = app.organizer_cookie().await;
    let html = app
        .get_page("/organizer/fairs/duyet/registrations?q=duc+tho", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("HTX Chè Đức Thọ") && !html.contains("Nước mắm"),
        "searched without diacritics"
    );

    let confirm = app
        .post_form(
            "/organizer/fairs/duyet/registrations/bulk",
            &cookie,
            &[("action", "approve"), ("ids", &ids[0]), ("ids", &ids[1])],
        )
        .await;
    assert_eq!(confirm.status().as_u16(), 200);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("Xác nhận") && html.contains("Cơ sở Nước mắm Cửa Hội"));
    let (_, list) = crate::support::json(
        app.get_as_organizer("/api/v1/fairs/duyet/registrations?status=approved")
            .await,
    )
    .await;
    assert_eq!(list["total"], 0, "nothing changes before the confirmation");
    let done = app
        .post_form(
            "/organizer/fairs/duyet/registrations/bulk",
            &cookie,
            &[
                ("action", "approve"),
                ("ids", &ids[0]),
                ("ids", &ids[1]),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status().as_u16(), 303);
    let (_, list) = crate::support::json(
        app.get_as_organizer("/api/v1/fairs/duyet/registrations?status=approved")
            .await,
    )
    .await;
    assert_eq!(list["total"], 2);

    let no_reason = app
        .post_form(
            "/organizer/fairs/duyet/registrations/bulk",
            &cookie,
            &[("action", "reject"), ("ids", &ids[2])],
        )
        .await;
    assert_eq!(no_reason.status().as_u16(), 422);

    let detail = app
        .get_page(&format!("/organizer/registrations/{}", ids[2]), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("HTX Cam Vũ Quang") && detail.contains("Nộp hồ sơ"));
    app.post_form(
        &format!("/organizer/registrations/{}/decide", ids[2]),
        &cookie,
        &[("action", "reject"), ("reason", "Trùng hồ sơ")],
    )
    .await;
    let detail = app
        .get_page(&format!("/organizer/registrations/{}", ids[2]), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("Không được duyệt") && detail.contains("Trùng hồ sơ"));
}

#[tokio::test]
async fn a_delegation_applies_for_its_producers_through_the_form() {
    let app = spawn().await;
    open_fair(&app, "doan-form").await;
    let cookie = format!("hoicho_csrf={CSRF}");
    let mut fields = vec![
        ("organization", "UBND xã Sơn Kim 1"),
        ("producer_type", "doan"),
        ("representative", "Trần Văn Bình"),
        ("phone", "0987 654 321"),
        ("email", "sonkim1@example.vn"),
        ("address.commune", "Sơn Kim 1"),
        ("address.province", "Hà Tĩnh"),
        ("producers.0.organization", "HTX Cam Sơn Kim"),
        ("producers.0.producer_type", "htx"),
        ("producers.0.tax_code", "0312687878"),
        ("producers.0.product.name", "Cam bù"),
        ("producers.0.product.group", "I"),
        ("producers.2.organization", "Hộ Nguyễn Văn Tâm"),
        ("producers.2.producer_type", "ho_kinh_doanh"),
        ("producers.2.product.name", "Mật ong rừng"),
        ("producers.2.product.group", "I"),
        ("producers.2.product.stars", "3"),
        ("booth_request.count", "2"),
    ];
    // The third row's rated product lacks its certificate: the error names that row.
    let response = app.post_form("/fairs/doan-form/apply", &cookie, &fields).await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Cơ sở 3 — Số giấy chứng nhận"),
        "the producer row is named"
    );
    let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(200)).to_string();
    fields.push(("producers.2.product.certificate_no", "45/QĐ-UBND"));
    fields.push(("producers.2.product.certificate_expires", &expires));
    let response = app.post_form("/fairs/doan-form/apply", &cookie, &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, list) = crate::support::json(
        app.get_as_organizer("/api/v1/fairs/doan-form/registrations?q=mat+ong")
            .await,
    )
    .await;
    assert_eq!(list["total"], 1);
    let id = list["registrations"][0]["id"].as_str().unwrap();
    let (_, one) = app.registration(id).await;
    let producers = one["application"]["producers"].as_array().unwrap();
    assert_eq!(producers.len(), 2);
    assert_eq!(producers[1]["products"][0]["stars"], 3);
}

#[tokio::test]
async fn an_exhibitor_replaces_its_link_from_its_page_and_an_organizer_from_the_review() {
    let app = spawn().await;
    open_fair(&app, "doi-link").await;
    let (_, applied) = crate::support::json(
        app.post_json("/api/v1/fairs/doi-link/registrations", &application_body())
            .await,
    )
    .await;
    let (id, token) = (
        applied["id"].as_str().unwrap().to_owned(),
        applied["access_token"].as_str().unwrap().to_owned(),
    );
    let cookie = format!("hoicho_csrf={CSRF}");
    let html = app
        .get_page(&format!("/r/{token}"), &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"new-link\"") && html.contains("Đổi đường dẫn riêng"),
        "{html}"
    );
    let moved = app.post_form(&format!("/r/{token}/new-link"), &cookie, &[]).await;
    assert_eq!(moved.status().as_u16(), 303);
    let location = moved.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("new_link=1") && !location.contains(&token),
        "{location}"
    );
    assert_eq!(
        app.get_page(&format!("/r/{token}"), &cookie).await.status().as_u16(),
        404
    );
    let html = app.get_page(&location, &cookie).await.text().await.unwrap();
    assert!(html.contains("id=\"new-link-done\""), "{html}");

    let both = app.organizer_cookie().await;
    let done = app
        .post_form(&format!("/organizer/registrations/{id}/new-link"), &both, &[])
        .await;
    assert_eq!(done.status().as_u16(), 303);
    let back = done.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("done=new_link"), "{back}");
    assert_eq!(
        app.get_page(&location, &cookie).await.status().as_u16(),
        404,
        "the exhibitor's second link died"
    );
    let html = app.get_page(&back, &both).await.text().await.unwrap();
    assert!(html.contains("id=\"new-link-done\""), "{html}");
}

#[tokio::test]
async fn a_household_applies_on_a_short_form_with_a_phone_and_no_email() {
    let app = spawn().await;
    open_fair(&app, "ngan").await;
    let html = app.get("/fairs/ngan/apply").await.text().await.unwrap();
    // One product row shown, the next ones behind "+ Thêm sản phẩm"; no delegation section.
    assert!(html.contains("<div class=\"product\" data-row=\"0\">"), "{html}");
    assert!(html.contains("<div class=\"product\" data-row=\"1\" hidden>"), "{html}");
    assert!(html.contains("name=\"add\" value=\"products\""), "{html}");
    assert!(html.contains("<fieldset id=\"producers\" hidden>"), "{html}");

    // Without JavaScript, "+ Thêm sản phẩm" sends the form back with a row more, writing nothing.
    let cookie = format!("hoicho_csrf={CSRF}");
    let more = app
        .post_form(
            "/fairs/ngan/apply",
            &cookie,
            &[
                ("organization", "Hộ bà Tư"),
                ("products.0.name", "Nước mắm Cửa Sót"),
                ("add", "products"),
            ],
        )
        .await;
    assert_eq!(more.status().as_u16(), 200);
    let html = more.text().await.unwrap();
    assert!(
        html.contains("<div class=\"product\" data-row=\"1\">")
            && html.contains("<div class=\"product\" data-row=\"2\" hidden>"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Hộ bà Tư\"") && !html.contains("id=\"form-errors\""),
        "{html}"
    );
    let (_, list) = crate::support::json(app.get_as_organizer("/api/v1/fairs/ngan/registrations").await).await;
    assert_eq!(list["total"], 0, "nothing written");

    // A cooperative needs an email; the problems are listed in the form's order, each a link.
    let mut fields = vec![
        ("organization", "Hộ kinh doanh Trần Thị Tư"),
        ("producer_type", "htx"),
        ("representative", "Trần Thị Tư"),
        ("phone", "0912 345 678"),
        ("address.commune", "Thạch Kim"),
        ("address.province", "Hà Tĩnh"),
        ("products.0.name", "Nước mắm Cửa Sót"),
        ("products.0.group", "I"),
        ("booth_request.count", "1"),
    ];
    let refused = app.post_form("/fairs/ngan/apply", &cookie, &fields).await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = refused.text().await.unwrap();
    let summary = html
        .split("id=\"form-errors\"")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    let tax = summary.find("href=\"#tax_code\"").expect("the tax code linked");
    let email = summary.find("href=\"#email\"").expect("the email linked");
    assert!(tax < email, "in the form's order: {summary}");
    assert!(summary.contains("Vui lòng nhập email"), "{summary}");
    assert!(
        html.contains("id=\"email\" name=\"email\" aria-invalid=\"true\" aria-describedby=\"email-hint email-error\""),
        "{html}"
    );
    assert!(html.contains("<p class=\"field-error\" id=\"email-error\">"));

    // A household gives a phone and no email: accepted, told to keep its link, and no email
    // is queued for an address it does not have.
    fields[1] = ("producer_type", "ho_kinh_doanh");
    let applied = app.post_form("/fairs/ngan/apply", &cookie, &fields).await;
    assert_eq!(applied.status().as_u16(), 303, "{}", applied.text().await.unwrap());
    let private = location(&applied);
    let html = app.get(&private).await.text().await.unwrap();
    assert!(
        html.contains("Hộ kinh doanh Trần Thị Tư") && html.contains("0912 345 678"),
        "{html}"
    );
    assert!(!html.contains("cũng được gửi tới"), "nothing was emailed: {html}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, mail) = crate::support::json(app.get_as_organizer("/api/v1/fairs/ngan/mail").await).await;
    let queued = mail["notifications"].as_array().expect("the fair's mail");
    assert!(
        queued.iter().all(|n| n["recipient"]["email"] != ""),
        "no email to an empty address: {mail}"
    );
}

#[tokio::test]
async fn a_closed_fair_shows_its_notice_and_the_organizers_phone_rather_than_the_form() {
    let app = spawn().await;
    let mut body = crate::support::fair_body("dong");
    body["contact_phone"] = json!("0239 3855 123");
    assert_eq!(app.post_json("/api/v1/fairs", &body).await.status().as_u16(), 201);
    let html = app.get("/fairs/dong/apply").await.text().await.unwrap();
    assert!(
        html.contains("id=\"closed\"") && html.contains("hết hạn nhận đăng ký"),
        "{html}"
    );
    assert!(html.contains("href=\"tel:02393855123\""), "{html}");
    assert!(
        !html.contains("name=\"organization\"") && !html.contains("registration:"),
        "{html}"
    );
}

#[tokio::test]
async fn an_amendment_says_it_was_saved_and_the_history_names_what_changed() {
    let app = spawn().await;
    open_fair(&app, "sua").await;
    let (_, applied) = app.apply("sua", &application_body()).await;
    let private = applied["private_url"].as_str().unwrap().to_owned();
    let cookie = format!("hoicho_csrf={CSRF}");
    let fields = [
        ("organization", "HTX Nông nghiệp Sơn Kim"),
        ("producer_type", "htx"),
        ("tax_code", "0312687878"),
        ("representative", "Nguyễn Văn An"),
        ("phone", "0988 765 432"),
        ("email", "htx.sonkim@example.vn"),
        ("address.line", "Thôn 3"),
        ("address.commune", "Sơn Kim 1"),
        ("address.province", "Hà Tĩnh"),
        ("address.legacy_district", "Hương Sơn"),
        ("products.0.name", "Cam bù Hương Sơn"),
        ("products.0.group", "I"),
        ("booth_request.count", "2"),
    ];
    let saved = app.post_form(&format!("{private}/edit"), &cookie, &fields).await;
    assert_eq!(saved.status().as_u16(), 303);
    let back = location(&saved);
    assert!(back.contains("saved=1"), "{back}");
    let html = app.get(&back).await.text().await.unwrap();
    assert!(
        html.contains("id=\"saved\"") && html.contains("Đã lưu các thay đổi"),
        "{html}"
    );
    let history = html
        .split("class=\"history\"")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    assert!(
        history.contains("đã sửa") && history.contains("số điện thoại"),
        "{history}"
    );
    assert!(history.contains("gian hàng đề nghị"), "{history}");
}

/// The review names the commune in force now that an address comes to — "Đức Lạng", a
/// commune before the reform, is in Xã Đức Đồng — and warns when an address names none.
#[tokio::test]
async fn the_review_names_the_commune_now_or_warns_that_there_is_none() {
    let app = spawn().await;
    open_fair(&app, "dia-chi").await;
    let cookie = app.organizer_cookie().await;
    let mut ids = Vec::new();
    for (n, address) in [
        json!({"commune": "Đức Lạng", "province": "Hà Tĩnh", "legacy_district": "Đức Thọ"}),
        json!({"commune": "Xóm Núi Nào Đó", "province": "Hà Tĩnh"}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = application_body();
        body["email"] = json!(format!("dia.chi{n}@example.vn"));
        body["booth_request"]["preferred_booths"] = json!([]);
        body["address"] = address;
        let (status, applied) = app.apply("dia-chi", &body).await;
        assert_eq!(status, 201, "{applied}");
        ids.push(applied["id"].as_str().unwrap().to_owned());
    }
    let page = |id: String| {
        let (app, cookie) = (&app, &cookie);
        async move {
            app.get_page(&format!("/organizer/registrations/{id}?lang=vi"), cookie)
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let resolved = page(ids[0].clone()).await;
    assert!(resolved.contains("Xã Đức Đồng, Tỉnh Hà Tĩnh (18304)"), "{resolved}");
    assert!(resolved.contains("Đức Lạng"), "the address as written stays");
    assert!(!resolved.contains("không khớp xã"));
    let unresolved = page(ids[1].clone()).await;
    assert!(unresolved.contains("Địa chỉ không khớp xã, phường nào"), "{unresolved}");
}
