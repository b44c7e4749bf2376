//! Applications and their review, over HTTP against the real server.

use crate::support::{application_body, json, open_fair, spawn, spawn_with};
use serde_json::{json, Value};

#[tokio::test]
async fn applying_returns_a_private_token_that_opens_the_application() {
    let app = spawn().await;
    open_fair(&app, "ocop").await;
    let (status, applied) = app.apply("ocop", &application_body()).await;
    assert_eq!(status, 201, "{applied}");
    assert_eq!(applied["status"], "submitted");
    let token = applied["access_token"].as_str().unwrap();
    assert!(token.len() >= 43, "at least 256 bits, base64");
    assert_eq!(applied["private_url"], format!("/r/{token}"));
    assert!(applied["position"].as_u64().unwrap() > 0);
    let id = applied["id"].as_str().unwrap();

    let response = app.get_with_token(&format!("/api/v1/registrations/{id}"), token).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let (_, mine) = json(response).await;
    assert_eq!(mine["status"], "submitted");
    assert_eq!(mine["application"]["phone"], "+84912345678", "stored as +84");
    assert_eq!(mine["application"]["organization"], "HTX Nông nghiệp Sơn Kim");
    assert_eq!(mine["history"][0]["event"], "RegistrationSubmitted");
    assert_eq!(mine["history"][0]["by"], "public");

    // The token is not in the log: only its digest.
    let events = app
        .get_as_organizer("/api/v1/events?limit=1000")
        .await
        .text()
        .await
        .unwrap();
    assert!(!events.contains(token));
}

#[tokio::test]
async fn applying_after_registration_closes_is_409_but_organizers_can_enter_one() {
    let app = spawn().await;
    open_fair(&app, "dong").await;
    app.post_json("/api/v1/fairs/dong/registration/close", &json!({})).await;
    let before = app.head().await;
    let (status, body) = app.apply("dong", &application_body()).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "registration_closed");
    assert_eq!(app.head().await, before, "nothing written");
    let (status, body) = json(
        app.post_json("/api/v1/fairs/dong/registrations", &application_body())
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, mine) = json(
        app.get_as_organizer(&format!("/api/v1/registrations/{}", body["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(mine["history"][0]["by"], "organizer");
    let (status, _) = app.apply("khong-co", &application_body()).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_written() {
    let app = spawn().await;
    open_fair(&app, "sai").await;
    let before = app.head().await;
    let past = (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    let bad = json!({
        "organization": "<script>alert(1)</script>",
        "producer_type": "hop_tac",
        "tax_code": "0312687879",
        "representative": "Nguyễn\r\nBcc: x@y.z",
        "phone": "12345",
        "email": "not-an-email",
        "language": "fr",
        "address": {"line": "Th\u{202e}ôn 3", "commune": "", "province": "Hà Tĩnh 🍊"},
        "products": [
            {"name": "Cam 🍊", "group": "VII", "stars": 6},
            {"name": "x".repeat(201), "group": "I", "stars": 3, "certificate_no": "1", "certificate_expires": past},
            {"name": 42, "group": "II"}
        ],
        "booth_request": {"count": 0, "kind": "vip", "zone": "Z", "preferred_booths": ["Z99"], "needs_power": "yes"},
        "colour": "red"
    });
    let response = app
        .client
        .post(app.url("/api/v1/fairs/sai/registrations"))
        .header("Accept-Language", "en")
        .json(&bad)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in [
        "organization",
        "producer_type",
        "tax_code",
        "representative",
        "phone",
        "email",
        "language",
        "address.line",
        "address.commune",
        "address.province",
        "products[0].name",
        "products[0].group",
        "products[0].stars",
        "products[1].name",
        "products[1].certificate_expires",
        "products[2].name",
        "booth_request.count",
        "booth_request.kind",
        "booth_request.zone",
        "booth_request.preferred_booths[0]",
        "booth_request.needs_power",
        "colour",
    ] {
        assert!(fields.contains_key(field), "{field} missing from {body:#}");
    }
    assert!(fields["tax_code"].as_str().unwrap().contains("check digit"), "{body}");
    assert_eq!(
        fields["booth_request.kind"], "this fair has booth kinds corner, double, standard",
        "{body}"
    );
    assert_eq!(app.head().await, before, "nothing written");
}

#[tokio::test]
async fn messages_are_in_the_users_language() {
    let app = spawn().await;
    open_fair(&app, "ngon-ngu").await;
    let mut body = application_body();
    body["tax_code"] = json!("0312687879");
    let (_, vi) = app.apply("ngon-ngu", &body).await;
    assert_eq!(vi["error"]["fields"]["tax_code"], "mã số thuế sai chữ số kiểm tra");
    let response = app
        .client
        .post(app.url("/api/v1/fairs/ngon-ngu/registrations?lang=en"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (_, en) = json(response).await;
    assert_eq!(en["error"]["fields"]["tax_code"], "the tax code's check digit is wrong");
    assert_eq!(vi["error"]["message"], "1 trường chưa hợp lệ");
    assert_eq!(en["error"]["message"], "1 field(s) are not valid");
    // A body that is not an object at all is told so in the same language, summary too.
    let (status, vi) = app.apply("ngon-ngu", &json!([1, 2])).await;
    assert_eq!(status, 422);
    assert_eq!(vi["error"]["fields"]["body"], "phải là một đối tượng JSON", "{vi}");
    assert_eq!(vi["error"]["message"], "1 trường chưa hợp lệ", "{vi}");
}

#[tokio::test]
async fn decomposed_text_is_stored_composed_and_households_need_no_tax_code() {
    let app = spawn().await;
    open_fair(&app, "nfd").await;
    let mut body = application_body();
    // "Nước mắm" typed with combining marks, as some phone keyboards send it.
    body["organization"] = json!("Hộ kinh doanh Nu\u{031b}o\u{031b}\u{0301}c ma\u{0306}\u{0301}m");
    body["producer_type"] = json!("ho_kinh_doanh");
    body.as_object_mut().unwrap().remove("tax_code");
    let (status, applied) = app.apply("nfd", &body).await;
    assert_eq!(status, 201, "{applied}");
    let (_, mine) = json(
        app.get_as_organizer(&format!("/api/v1/registrations/{}", applied["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(mine["application"]["organization"], "Hộ kinh doanh Nước mắm");
    assert!(mine["application"].get("tax_code").is_none());
}

#[tokio::test]
async fn a_certificate_expiring_before_the_fair_is_accepted_with_a_warning() {
    let app = spawn().await;
    open_fair(&app, "canh-bao").await;
    let mut body = application_body();
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
    body["products"][0]["certificate_expires"] = json!(soon.to_string());
    let (status, applied) = app.apply("canh-bao", &body).await;
    assert_eq!(status, 201, "{applied}");
    assert_eq!(applied["warnings"][0]["code"], "certificate_expires_before_fair");
    let (_, list) = json(
        app.get_as_organizer("/api/v1/fairs/canh-bao/registrations?certificate=expiring")
            .await,
    )
    .await;
    assert_eq!(list["total"], 1);
    let (_, list) = json(
        app.get_as_organizer("/api/v1/fairs/canh-bao/registrations?certificate=valid")
            .await,
    )
    .await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn the_same_idempotency_key_gives_one_application_and_the_same_answer() {
    let app = spawn().await;
    open_fair(&app, "mot-lan").await;
    let send = || {
        app.client
            .post(app.url("/api/v1/fairs/mot-lan/registrations"))
            .header("Idempotency-Key", "dang-ky-0912345678")
            .json(&application_body())
            .send()
    };
    let (s1, first) = json(send().await.unwrap()).await;
    let (s2, second) = json(send().await.unwrap()).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, second, "the retry gets the same id and the same working token");
    let (_, list) = json(app.get_as_organizer("/api/v1/fairs/mot-lan/registrations").await).await;
    assert_eq!(list["total"], 1);
    let token = second["access_token"].as_str().unwrap();
    let id = second["id"].as_str().unwrap();
    assert_eq!(
        app.get_with_token(&format!("/api/v1/registrations/{id}"), token)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn one_exhibitors_token_never_reaches_another_application() {
    let app = spawn().await;
    open_fair(&app, "rieng").await;
    let (_, a) = app.apply("rieng", &application_body()).await;
    let mut other = application_body();
    other["organization"] = json!("HTX Chè Tân Lâm");
    let (_, b) = app.apply("rieng", &other).await;
    let (a_id, a_token) = (a["id"].as_str().unwrap(), a["access_token"].as_str().unwrap());
    let b_id = b["id"].as_str().unwrap();
    assert_eq!(
        app.get_with_token(&format!("/api/v1/registrations/{b_id}"), a_token)
            .await
            .status()
            .as_u16(),
        404
    );
    let withdraw = app
        .post_with_token(&format!("/api/v1/registrations/{b_id}/withdraw"), a_token, &json!({}))
        .await;
    assert_eq!(withdraw.status().as_u16(), 404);
    let no_token = app
        .client
        .get(app.url(&format!("/api/v1/registrations/{a_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 401);
    assert_eq!(
        app.get_with_token(&format!("/api/v1/registrations/{a_id}"), "wrong")
            .await
            .status()
            .as_u16(),
        401
    );
    let approve = app
        .post_with_token(&format!("/api/v1/registrations/{a_id}/approve"), a_token, &json!({}))
        .await;
    assert_eq!(approve.status().as_u16(), 403, "exhibitors do not decide");
    let list = app.get_with_token("/api/v1/fairs/rieng/registrations", a_token).await;
    assert_eq!(list.status().as_u16(), 401, "the review list is for organizers");
}

#[tokio::test]
async fn the_exhibitor_amends_until_decided_and_withdraws() {
    let app = spawn().await;
    open_fair(&app, "sua").await;
    let (_, applied) = app.apply("sua", &application_body()).await;
    let (id, token) = (
        applied["id"].as_str().unwrap().to_owned(),
        applied["access_token"].as_str().unwrap().to_owned(),
    );
    let path = format!("/api/v1/registrations/{id}");
    let patch = |if_match: &str, body: Value| {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("If-Match", if_match)
            .json(&body)
            .send()
    };
    let ok = patch(
        "\"1\"",
        json!({"representative": "Trần Thị Bình", "booth_request": {"count": 2, "zone": "A"}}),
    )
    .await
    .unwrap();
    let (status, body) = json(ok).await;
    assert_eq!(status, 200, "{body}");
    let stale = patch("\"1\"", json!({"representative": "Lê Văn C"})).await.unwrap();
    assert_eq!(stale.status().as_u16(), 412);
    let (_, mine) = json(app.get_with_token(&path, &token).await).await;
    assert_eq!(mine["application"]["representative"], "Trần Thị Bình");
    assert_eq!(mine["application"]["booth_request"]["count"], 2);
    let bad = patch("\"2\"", json!({"phone": "123"})).await.unwrap();
    assert_eq!(bad.status().as_u16(), 422);

    app.post_json(&format!("{path}/waitlist"), &json!({"note": "Chờ xét thêm"}))
        .await;
    let (status, body) = json(patch("*", json!({"representative": "Lê Văn C"})).await.unwrap()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_decided")));

    let withdrawn = app
        .post_with_token(
            &format!("{path}/withdraw"),
            &token,
            &json!({"reason": "Không sắp xếp được người"}),
        )
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200);
    let (_, mine) = json(app.get_with_token(&path, &token).await).await;
    assert_eq!(mine["status"], "withdrawn");
    let events: Vec<&str> = mine["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "RegistrationSubmitted",
            "RegistrationAmended",
            "RegistrationWaitlisted",
            "RegistrationWithdrawn"
        ]
    );
}

#[tokio::test]
async fn organizers_approve_reject_and_waitlist() {
    let app = spawn().await;
    open_fair(&app, "xet").await;
    let mut ids = Vec::new();
    for name in ["HTX Một", "HTX Hai", "HTX Ba"] {
        let mut body = application_body();
        body["organization"] = json!(name);
        let (_, applied) = app.apply("xet", &body).await;
        ids.push(applied["id"].as_str().unwrap().to_owned());
    }
    let approve = app
        .post_json(
            &format!("/api/v1/registrations/{}/approve", ids[0]),
            &json!({"booths": 2}),
        )
        .await;
    assert_eq!(approve.status().as_u16(), 200);
    let (status, body) = app.decide(&ids[1], "reject", &json!({})).await;
    assert_eq!(status, 422, "a rejection needs a reason: {body}");
    let reject = app
        .post_json(
            &format!("/api/v1/registrations/{}/reject", ids[1]),
            &json!({"reason": "Sản phẩm không thuộc nhóm OCOP"}),
        )
        .await;
    assert_eq!(reject.status().as_u16(), 200);
    app.post_json(&format!("/api/v1/registrations/{}/waitlist", ids[2]), &json!({}))
        .await;
    let later = app
        .post_json(&format!("/api/v1/registrations/{}/approve", ids[2]), &json!({}))
        .await;
    assert_eq!(
        later.status().as_u16(),
        200,
        "a waitlisted application can be approved later"
    );
    let (status, body) = app.decide(&ids[1], "approve", &json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("registration_final"))
    );

    let (_, first) = json(app.get_as_organizer(&format!("/api/v1/registrations/{}", ids[0])).await).await;
    assert_eq!(
        (first["status"].as_str(), first["approved_booths"].as_u64()),
        (Some("approved"), Some(2))
    );
    let (_, second) = json(app.get_as_organizer(&format!("/api/v1/registrations/{}", ids[1])).await).await;
    assert_eq!(second["reason"], "Sản phẩm không thuộc nhóm OCOP");
    let (_, list) = json(
        app.get_as_organizer("/api/v1/fairs/xet/registrations?status=approved")
            .await,
    )
    .await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn the_review_list_filters_and_searches_without_diacritics() {
    let app = spawn().await;
    open_fair(&app, "loc").await;
    let mut nuoc_mam = application_body();
    nuoc_mam["organization"] = json!("Cơ sở Nước mắm Cửa Hội");
    nuoc_mam["producer_type"] = json!("ho_kinh_doanh");
    nuoc_mam["address"] = json!({"commune": "Xuân Hội", "province": "Hà Tĩnh", "legacy_district": "Nghi Xuân"});
    nuoc_mam["products"] = json!([{"name": "Nước mắm Cửa Hội", "group": "I", "stars": null}]);
    app.apply("loc", &nuoc_mam).await;
    let mut che = application_body();
    che["organization"] = json!("HTX Chè Đức Thọ");
    che["address"] = json!({"commune": "Đức Lạng", "province": "Hà Tĩnh", "legacy_district": "Đức Thọ"});
    che["products"][0]["group"] = json!("II");
    che["products"][0]["stars"] = json!(3);
    che["booth_request"]["zone"] = json!("B");
    app.apply("loc", &che).await;

    let names = |list: &Value| -> Vec<String> {
        list["registrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["organization"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, found) = json(
        app.get_as_organizer("/api/v1/fairs/loc/registrations?q=nuoc%20mam")
            .await,
    )
    .await;
    assert_eq!(names(&found), ["Cơ sở Nước mắm Cửa Hội"]);
    let (_, found) = json(app.get_as_organizer("/api/v1/fairs/loc/registrations?q=Duc+Tho").await).await;
    assert_eq!(names(&found), ["HTX Chè Đức Thọ"]);
    let (_, found) = json(app.get_as_organizer("/api/v1/fairs/loc/registrations?stars=none").await).await;
    assert_eq!(names(&found), ["Cơ sở Nước mắm Cửa Hội"]);
    let (_, found) = json(
        app.get_as_organizer("/api/v1/fairs/loc/registrations?product_group=II&zone=B")
            .await,
    )
    .await;
    assert_eq!(names(&found), ["HTX Chè Đức Thọ"]);
    let (status, body) = json(
        app.get_as_organizer("/api/v1/fairs/loc/registrations?stars=6&status=maybe")
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["stars"].is_string() && body["error"]["fields"]["status"].is_string());
}

#[tokio::test]
async fn bulk_decisions_report_each_application() {
    let app = spawn().await;
    open_fair(&app, "hang-loat").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut body = application_body();
        body["organization"] = json!(format!("Tổ hợp tác số {i}"));
        let (_, applied) = app.apply("hang-loat", &body).await;
        ids.push(applied["id"].as_str().unwrap().to_owned());
    }
    let missing = uuid::Uuid::now_v7().to_string();
    let (status, out) = json(
        app.post_json(
            "/api/v1/fairs/hang-loat/registrations/bulk",
            &json!({"action": "approve", "ids": [ids[1], ids[0], missing, ids[1]]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{out}");
    // One result per application, in the order listed, however often it is listed.
    let results: Vec<(&str, u64)> = out["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        results,
        [(ids[1].as_str(), 200), (ids[0].as_str(), 200), (missing.as_str(), 404)]
    );
    let (status, _) = json(
        app.post_json(
            "/api/v1/fairs/hang-loat/registrations/bulk",
            &json!({"action": "reject", "ids": [ids[2]]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "a bulk rejection needs a reason");
    let (_, list) = json(
        app.get_as_organizer("/api/v1/fairs/hang-loat/registrations?status=approved")
            .await,
    )
    .await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn a_bulk_decision_on_many_applications_takes_each_once() {
    let app = spawn().await;
    open_fair(&app, "nhieu").await;
    let mut ids = Vec::new();
    for i in 0..60 {
        let mut body = application_body();
        body["organization"] = json!(format!("Hộ kinh doanh số {i}"));
        // Entered by an organizer: more than the public limit a minute from one address.
        let (_, applied) = json(app.post_json("/api/v1/fairs/nhieu/registrations", &body).await).await;
        ids.push(applied["id"].as_str().unwrap().to_owned());
    }
    // Every application listed, a third of them twice.
    let listed: Vec<&String> = ids.iter().chain(ids.iter().step_by(3)).collect();
    let (status, out) = json(
        app.post_json(
            "/api/v1/fairs/nhieu/registrations/bulk",
            &json!({"action": "waitlist", "ids": listed, "reason": "chờ khu B"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 60);
    for (result, id) in results.iter().zip(&ids) {
        assert_eq!(
            (result["id"].as_str().unwrap(), result["status"].as_u64()),
            (id.as_str(), Some(200))
        );
    }
    let (_, list) = json(
        app.get_as_organizer("/api/v1/fairs/nhieu/registrations?status=waitlisted")
            .await,
    )
    .await;
    assert_eq!(list["total"], 60);
    for id in ids.iter().step_by(3) {
        let (_, one) = app.registration(id).await;
        let events: Vec<&str> = one["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["event"].as_str().unwrap())
            .collect();
        assert_eq!(events.len(), 2, "submitted, then waitlisted once: {events:?}");
    }
}

#[tokio::test]
async fn a_delegation_applies_for_its_producers() {
    let app = spawn().await;
    open_fair(&app, "doan").await;
    let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(300)).to_string();
    let mut body = application_body();
    body["organization"] = json!("UBND xã Sơn Kim 1");
    body["producer_type"] = json!("doan");
    body.as_object_mut().unwrap().remove("tax_code");
    body["products"] = json!([]);
    body["producers"] = json!([
        {"organization": "HTX Cam Sơn Kim", "producer_type": "htx", "tax_code": "0312687878",
         "products": [{"name": "Cam bù", "group": "I", "stars": 4, "certificate_no": "12/QĐ", "certificate_expires": expires}]},
        {"organization": "Hộ Nguyễn Văn Bình", "producer_type": "ho_kinh_doanh",
         "products": [{"name": "Mật ong rừng", "group": "I", "stars": null}]}
    ]);
    let (status, applied) = app.apply("doan", &body).await;
    assert_eq!(status, 201, "{applied}");
    let (_, found) = json(app.get_as_organizer("/api/v1/fairs/doan/registrations?q=mat+ong").await).await;
    assert_eq!(found["total"], 1, "producers' products are searchable");

    let mut not_a_delegation = application_body();
    not_a_delegation["producers"] = body["producers"].clone();
    let (status, bad) = app.apply("doan", &not_a_delegation).await;
    assert_eq!(status, 422);
    assert!(bad["error"]["fields"]["producers"].is_string());
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn().await;
    open_fair(&app, "lon").await;
    let mut body = application_body();
    body["booth_request"]["note"] = json!("x".repeat(2 * 1024 * 1024));
    let (status, out) = app.apply("lon", &body).await;
    assert_eq!((status, out["error"]["code"].as_str()), (413, Some("body_too_large")));
}

#[tokio::test]
async fn public_applications_are_rate_limited_per_client() {
    let app = spawn_with(|s| s.public_posts_per_minute = 3).await;
    open_fair(&app, "gioi-han").await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = app
            .client
            .post(app.url("/api/v1/fairs/gioi-han/registrations"))
            .json(&application_body())
            .send()
            .await
            .unwrap();
        statuses.push((
            response.status().as_u16(),
            response.headers().get("retry-after").is_some(),
        ));
    }
    assert_eq!(statuses, [(201, false), (201, false), (201, false), (429, true)]);
    // Organizers entering applications are not limited.
    let (status, _) = json(
        app.post_json("/api/v1/fairs/gioi-han/registrations", &application_body())
            .await,
    )
    .await;
    assert_eq!(status, 201);
}

/// Two applications a minute per client, from `forwarded_for` as `X-Forwarded-For` says.
async fn apply_as(app: &crate::support::TestApp, forwarded_for: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/fairs/gioi-han/registrations"))
        .header("x-forwarded-for", forwarded_for)
        .json(&application_body())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let local = vec![hoicho::web::kit::client::parse_network("127.0.0.1").unwrap()];
    let app = spawn_with(|s| {
        s.public_posts_per_minute = 2;
        s.trust_proxy = local;
    })
    .await;
    open_fair(&app, "gioi-han").await;
    assert_eq!(apply_as(&app, "198.51.100.1").await, 201);
    assert_eq!(apply_as(&app, "198.51.100.1").await, 201);
    assert_eq!(apply_as(&app, "198.51.100.1").await, 429);
    // Another client behind the same proxy is not held back.
    assert_eq!(apply_as(&app, "198.51.100.2").await, 201);
    // A client writing someone else's address first is still itself: the proxy appends
    // the address it saw, and the right-most untrusted one counts.
    assert_eq!(apply_as(&app, "203.0.113.50, 198.51.100.1").await, 429);

    // Not trusted (no --trust-proxy, or a proxy network this peer is not in): the header is
    // the client's say, and every request counts against the connection's address.
    for trust in [
        vec![],
        vec![hoicho::web::kit::client::parse_network("10.0.0.0/8").unwrap()],
    ] {
        let app = spawn_with(|s| {
            s.public_posts_per_minute = 2;
            s.trust_proxy = trust;
        })
        .await;
        open_fair(&app, "gioi-han").await;
        let statuses = [
            apply_as(&app, "198.51.100.1").await,
            apply_as(&app, "198.51.100.2").await,
            apply_as(&app, "198.51.100.3").await,
        ];
        assert_eq!(statuses, [201, 201, 429]);
    }
}

#[tokio::test]
async fn invisible_characters_in_names_are_refused_and_named() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    for (field, text) in [
        ("representative", "Nguyễn\u{200b} Văn An"),
        ("representative", "Nguyễn Văn\u{2028}An"),
        ("organization", "\u{feff}HTX Nông nghiệp Sơn Kim"),
        ("organization", "HTX Sơn\u{2060}Kim"),
    ] {
        let mut body = application_body();
        body[field] = json!(text);
        let (status, answer) = app.apply("ht2022", &body).await;
        assert_eq!(status, 422, "{text:?}: {answer}");
        let said = answer["error"]["fields"][field].as_str().unwrap_or_default();
        assert!(said.contains("vô hình"), "{text:?}: {answer}");
    }
    let (_, list) = json(app.get_as_organizer("/api/v1/fairs/ht2022/registrations").await).await;
    assert_eq!(list["total"], 0, "nothing written");
}

#[tokio::test]
async fn a_leaked_private_link_is_replaced_and_stops_working_at_once() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let (status, applied) = app.apply("ht2022", &application_body()).await;
    assert_eq!(status, 201, "{applied}");
    let id = applied["id"].as_str().unwrap().to_owned();
    let first = applied["access_token"].as_str().unwrap().to_owned();
    let read = |token: String| {
        let (app, id) = (&app, id.clone());
        async move {
            app.get_with_token(&format!("/api/v1/registrations/{id}"), &token)
                .await
                .status()
                .as_u16()
        }
    };
    let page = |token: String| {
        let app = &app;
        async move { app.get(&format!("/r/{token}")).await.status().as_u16() }
    };
    assert_eq!((read(first.clone()).await, page(first.clone()).await), (200, 200));

    // The exhibitor replaces it with its own token.
    let (status, fresh) = json(
        app.post_with_token(&format!("/api/v1/registrations/{id}/access-link"), &first, &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{fresh}");
    let second = fresh["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(fresh["private_url"], format!("/r/{second}"));
    assert_eq!(
        (read(first.clone()).await, page(first.clone()).await),
        (401, 404),
        "the old link is dead"
    );
    assert_eq!((read(second.clone()).await, page(second.clone()).await), (200, 200));

    // An organizer replaces it again; the exhibitor's second link dies too.
    let (status, again) = json(
        app.post_json(&format!("/api/v1/registrations/{id}/access-link"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{again}");
    let third = again["access_token"].as_str().unwrap().to_owned();
    assert_eq!(page(second).await, 404);
    assert_eq!(page(third).await, 200);

    // Each new link is emailed: two emails, each carrying a link that opens (the organizers'
    // copy masks it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let sent = loop {
        let (_, list) = json(app.get_as_organizer("/api/v1/fairs/ht2022/mail").await).await;
        let sent: Vec<Value> = list["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["template"] == "access_link_reissued" && n["status"] == "sent")
            .cloned()
            .collect();
        if sent.len() == 2 || std::time::Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(sent.len(), 2, "{sent:?}");
    for n in sent {
        let (_, detail) = json(
            app.get_as_organizer(&format!("/api/v1/notifications/{}", n["id"].as_str().unwrap()))
                .await,
        )
        .await;
        let text = detail["content"]["text"].as_str().unwrap();
        assert!(text.contains("đường dẫn mới") && text.contains("/r/………"), "{text}");
    }
}
