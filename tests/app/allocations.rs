//! Booth allocation over HTTP against the real server: allocate, move, release, block; every
//! refusal named; a booth never given twice, however many organizers race for it.

use std::time::Duration;

use crate::support::{application_body, json, open_fair, spawn, TestApp};
use serde_json::{json, Value};

async fn booths(app: &TestApp, organizer: bool) -> Value {
    let response = if organizer {
        app.get_as_organizer("/api/v1/fairs/ht2022/booths").await
    } else {
        app.get("/api/v1/fairs/ht2022/booths").await
    };
    let (status, body) = json(response).await;
    assert_eq!(status, 200);
    body
}

fn booth<'a>(list: &'a Value, code: &str) -> &'a Value {
    list["booths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == code)
        .unwrap()
}

async fn fair_version(app: &TestApp) -> u64 {
    booths(app, true).await["version"].as_u64().unwrap()
}

#[tokio::test]
async fn an_approved_registration_gets_booths_and_everyone_sees_who_is_there() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let son_kim = app.approved("ht2022", "HTX Nông nghiệp Sơn Kim", 2).await;

    let (status, body) = app.allocate("ht2022", "A01", &son_kim).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["changes"], 1);
    assert_eq!(body["booths"][0]["registration"], son_kim.as_str());
    let public = booths(&app, false).await;
    let a01 = booth(&public, "A01");
    assert_eq!(a01["status"], "allocated");
    assert_eq!(a01["holder"]["organization"], "HTX Nông nghiệp Sơn Kim");
    assert_eq!(a01["holder"]["products"][0]["name"], "Cam bù Hương Sơn");
    assert_eq!(a01["holder"]["products"][0]["stars"], 4);
    assert!(a01["holder"]["registration"].is_null(), "ids are for organizers: {a01}");
    let text = public.to_string();
    assert!(!text.contains("0912") && !text.contains("+84") && !text.contains("@example.vn"));
    assert_eq!(
        booth(&booths(&app, true).await, "A01")["holder"]["registration"],
        son_kim.as_str()
    );
    assert_eq!(booth(&public, "A02")["status"], "available");

    // The same allocation again changes nothing.
    let (status, body) = app.allocate("ht2022", "A01", &son_kim).await;
    assert_eq!(status, 201);
    assert_eq!(body["changes"], 0);

    // A move is one change: the old booth is free and the new one held at once.
    let response = app
        .post_json(
            "/api/v1/fairs/ht2022/allocations/move",
            &json!({"from": "A01", "to": "B01"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let list = booths(&app, true).await;
    assert_eq!(booth(&list, "A01")["status"], "available");
    assert_eq!(booth(&list, "B01")["holder"]["registration"], son_kim.as_str());

    // Release, then the booth's history from the log.
    let released = app
        .client
        .delete(app.url("/api/v1/fairs/ht2022/allocations/B01"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(released.status().as_u16(), 200);
    assert_eq!(booth(&booths(&app, false).await, "B01")["status"], "available");
    let (status, history) = json(app.get_as_organizer("/api/v1/fairs/ht2022/booths/B01/history").await).await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["defined", "moved_in", "released"]);
    assert_eq!(history[1]["organization"], "HTX Nông nghiệp Sơn Kim");
    assert_eq!(history[1]["detail"], "from A01");
    assert_eq!(history[2]["detail"], "organizer");
    assert_eq!(history[2]["by"], "organizer");
}

#[tokio::test]
async fn every_refusal_names_its_reason_and_writes_nothing() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let one = app.approved("ht2022", "HTX Một Gian", 1).await;
    let other = app.approved("ht2022", "HTX Thạch Hà", 1).await;
    let waiting = app.approved("ht2022", "Hộ kinh doanh Chờ Duyệt", 0).await;
    let (status, _) = app.allocate("ht2022", "A01", &one).await;
    assert_eq!(status, 201);
    let before = fair_version(&app).await;

    let (status, body) = app.allocate("ht2022", "Z99", &one).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, _) = app.allocate("ht2022", "A02", &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(status, 404);
    let (status, body) = app.allocate("ht2022", "A02", &waiting).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_approved")),
        "{body}"
    );
    let (status, body) = app.allocate("ht2022", "A02", &one).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("over_approved_count")),
        "{body}"
    );
    let (status, body) = app.allocate("ht2022", "A01", &other).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("booth_taken")),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["holder"]["registration"], one.as_str());
    assert_eq!(body["error"]["details"]["holder"]["organization"], "HTX Một Gian");
    let (status, body) = app.allocate("ht2022", " ", "not-a-uuid").await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["booth"].is_string(), "{body}");
    let bad = app
        .post_json(
            "/api/v1/fairs/ht2022/allocations/move",
            &json!({"from": "", "to": "a b"}),
        )
        .await;
    let (status, body) = json(bad).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["from"].is_string() && body["error"]["fields"]["to"].is_string());
    let (status, _) = json(
        app.post_json("/api/v1/fairs/ht2022/allocations", &json!({"booth": 1}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    let moved = app
        .post_json(
            "/api/v1/fairs/ht2022/allocations/move",
            &json!({"from": "A02", "to": "B01"}),
        )
        .await;
    let (status, body) = json(moved).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("booth_not_allocated"))
    );
    let stale = app
        .client
        .post(app.url("/api/v1/fairs/ht2022/allocations"))
        .bearer_auth(&app.token)
        .header("if-match", format!("\"{}\"", before - 1))
        .json(&json!({"booth": "A02", "registration": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 412);
    let anonymous = app
        .client
        .post(app.url("/api/v1/fairs/ht2022/allocations"))
        .json(&json!({"booth": "A02", "registration": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    // Blocked booths are not for allocation; an allocated booth cannot be blocked or
    // removed from the plan.
    let block = app
        .post_json("/api/v1/fairs/ht2022/booths/A02/block", &json!({"reason": "Cột điện"}))
        .await;
    assert_eq!(block.status().as_u16(), 200);
    let before = fair_version(&app).await;
    let (status, body) = app.allocate("ht2022", "A02", &other).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("booth_blocked")));
    let (status, body) = json(app.post_json("/api/v1/fairs/ht2022/booths/A01/block", &json!({})).await).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("booth_taken")));
    let plan = json!({"zones": [{"code": "A", "name": "Khu A"}], "booths": [
        {"code": "A02", "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3, "price_vnd": 1, "x": 0, "y": 0}
    ]});
    let (status, body) = json(app.put_booths("ht2022", &plan).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("booth_taken")),
        "{body}"
    );
    assert_eq!(fair_version(&app).await, before, "nothing was written");
    assert_eq!(booth(&booths(&app, false).await, "A02")["status"], "blocked");
    let unblock = app
        .post_json("/api/v1/fairs/ht2022/booths/A02/unblock", &json!({}))
        .await;
    assert_eq!(unblock.status().as_u16(), 200);
    let (status, _) = app.allocate("ht2022", "A02", &other).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn withdrawing_rejecting_or_approving_fewer_gives_booths_back() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let leaving = app.approved("ht2022", "HTX Rút Đơn", 1).await;
    let rejected = app.approved("ht2022", "HTX Bị Từ Chối", 1).await;
    let waitlisted = app.approved("ht2022", "HTX Danh Sách Chờ", 1).await;
    assert_eq!(app.allocate("ht2022", "A01", &leaving).await.0, 201);
    assert_eq!(app.allocate("ht2022", "A02", &rejected).await.0, 201);
    assert_eq!(app.allocate("ht2022", "B01", &waitlisted).await.0, 201);

    let withdraw = app
        .post_json(&format!("/api/v1/registrations/{leaving}/withdraw"), &json!({}))
        .await;
    assert_eq!(withdraw.status().as_u16(), 200);
    let reject = app
        .post_json(
            &format!("/api/v1/registrations/{rejected}/reject"),
            &json!({"reason": "Hết chỗ"}),
        )
        .await;
    assert_eq!(reject.status().as_u16(), 200);
    let waitlist = app
        .post_json(&format!("/api/v1/registrations/{waitlisted}/waitlist"), &json!({}))
        .await;
    assert_eq!(waitlist.status().as_u16(), 200);

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list = booths(&app, true).await;
        let free = ["A01", "A02", "B01"]
            .iter()
            .all(|code| booth(&list, code)["status"] == "available");
        if free {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "booths were not released: {list:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, history) = json(app.get_as_organizer("/api/v1/fairs/ht2022/booths/A01/history").await).await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["event"].as_str(), last["detail"].as_str()),
        (Some("released"), Some("withdrawn"))
    );
    assert_eq!(last["by"], "system");

    // Approved again for one booth instead of two: the booth later in code order goes back.
    let fewer = app.approved("ht2022", "HTX Ít Gian Hơn", 2).await;
    assert_eq!(app.allocate("ht2022", "A02", &fewer).await.0, 201);
    assert_eq!(app.allocate("ht2022", "A01", &fewer).await.0, 201);
    let again = app
        .post_json(&format!("/api/v1/registrations/{fewer}/approve"), &json!({"booths": 1}))
        .await;
    assert_eq!(again.status().as_u16(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while booth(&booths(&app, true).await, "A02")["status"] != "available" {
        assert!(
            std::time::Instant::now() < deadline,
            "the excess booth was not released"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        booth(&booths(&app, true).await, "A01")["holder"]["registration"],
        fewer.as_str()
    );
    let (_, history) = json(app.get_as_organizer("/api/v1/fairs/ht2022/booths/A02/history").await).await;
    assert_eq!(history.as_array().unwrap().last().unwrap()["detail"], "over_approved");
}

#[tokio::test]
async fn racing_organizers_never_get_the_same_booth() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let mut registrations = Vec::new();
    for i in 0..24 {
        registrations.push(app.approved("ht2022", &format!("HTX Đua Nhau {i}"), 1).await);
    }
    // Every registration asks for A01 and every other booth at the same moment, twice over.
    let mut requests = Vec::new();
    for round in 0..2 {
        for (i, registration) in registrations.iter().enumerate() {
            let booth = if (i + round) % 2 == 0 {
                "A01"
            } else {
                ["A02", "B01"][i % 2]
            };
            let client = app.client.clone();
            let url = app.url("/api/v1/fairs/ht2022/allocations");
            let token = app.token.clone();
            let body = json!({"booth": booth, "registration": registration});
            requests.push(tokio::spawn(async move {
                let response = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            }));
        }
    }
    let mut won = Vec::new();
    for r in requests {
        let (status, body) = r.await.unwrap();
        match status {
            201 if body["changes"] == 1 => won.push(body["booths"][0].clone()),
            201 => {} // the same registration's repeat: no change
            409 => assert!(
                ["booth_taken", "over_approved_count", "contended"].contains(&body["error"]["code"].as_str().unwrap()),
                "{body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let list = booths(&app, true).await;
    let mut holders = Vec::new();
    for code in ["A01", "A02", "B01"] {
        let b = booth(&list, code);
        assert_eq!(b["status"], "allocated", "{list:#}");
        holders.push(b["holder"]["registration"].as_str().unwrap().to_owned());
    }
    holders.sort();
    holders.dedup();
    assert_eq!(holders.len(), 3, "three booths, three different registrations");
    assert_eq!(won.len(), 3, "exactly one winner per booth: {won:#?}");
}

#[tokio::test]
async fn the_proposal_is_drawn_from_the_log_and_accepted_as_one_change() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let mut plain = application_body();
    plain["products"][0]["stars"] = json!(null);
    plain["products"][0]["certificate_no"] = json!(null);
    plain["products"][0]["certificate_expires"] = json!(null);
    plain["booth_request"]["preferred_booths"] = json!([]);
    // Arrives first, but has no stars: the four-star producer goes before it.
    let early = app
        .approved_with("ht2022", "Hộ kinh doanh Đến Sớm", plain.clone(), 1)
        .await;
    let starred = app.approved_with("ht2022", "HTX Bốn Sao", application_body(), 1).await;
    let mut double = plain.clone();
    double["booth_request"]["zone"] = json!("B");
    double["booth_request"]["kind"] = json!("double");
    let in_b = app.approved_with("ht2022", "Sở Công Thương", double, 1).await;
    let late = app.approved_with("ht2022", "HTX Đến Muộn", plain.clone(), 1).await;

    let (status, proposal) = json(
        app.post_json("/api/v1/fairs/ht2022/allocations/proposal", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{proposal}");
    let placed: Vec<(String, String)> = proposal["placements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["booth"].as_str().unwrap().to_owned(),
                p["registration"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [("A02".to_owned(), starred.clone()), ("B01".to_owned(), in_b.clone())],
        "{proposal:#}"
    );
    let unplaced: Vec<&str> = proposal["unplaced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["registration"].as_str().unwrap())
        .collect();
    assert_eq!(unplaced, [early.as_str(), late.as_str()]);
    assert_eq!(proposal["unplaced"][0]["reason"]["code"], "no_free_booth");
    assert_eq!(
        proposal["unplaced"][0]["message"], "Hết gian trống loại standard ở khu A; còn trống ở khu A (1)",
        "it says where free booths remain"
    );
    assert_eq!(proposal["free_after"], 1, "the corner booth A01 stays free");
    let (_, again) = json(
        app.post_json("/api/v1/fairs/ht2022/allocations/proposal", &json!({}))
            .await,
    )
    .await;
    assert_eq!(again, proposal, "the same log, the same proposal");
    assert_eq!(
        fair_version(&app).await,
        proposal["version"].as_u64().unwrap(),
        "a proposal writes nothing"
    );

    let accept = json!({"version": proposal["version"], "placements": proposal["placements"]});
    let (status, body) = json(
        app.post_json("/api/v1/fairs/ht2022/allocations/proposal/accept", &accept)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["changes"], 2);
    assert_eq!(
        body["version"],
        proposal["version"].as_u64().unwrap() + 2,
        "two events, one append"
    );
    let list = booths(&app, true).await;
    assert_eq!(booth(&list, "A02")["holder"]["registration"], starred.as_str());
    assert_eq!(booth(&list, "B01")["holder"]["registration"], in_b.as_str());

    // The floor has changed since: the same proposal is refused and nothing is written.
    let before = fair_version(&app).await;
    let (status, body) = json(
        app.post_json("/api/v1/fairs/ht2022/allocations/proposal/accept", &accept)
            .await,
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("floor_changed")));
    assert_eq!(fair_version(&app).await, before);
    let bad = json!({"version": before, "placements": [{"booth": "", "registration": "x"}]});
    let (status, body) = json(
        app.post_json("/api/v1/fairs/ht2022/allocations/proposal/accept", &bad)
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["placements[0].booth"].is_string(), "{body}");
    assert!(
        body["error"]["fields"]["placements[0].registration"].is_string(),
        "{body}"
    );

    // Rules: a quota for a zone that is not on the plan is refused; a real one is kept.
    let rules = json!({"zone_quotas": [{"zone": "Z", "locality": "commune", "max": 1}]});
    let response = app
        .client
        .put(app.url("/api/v1/fairs/ht2022/allocation-rules"))
        .bearer_auth(&app.token)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let rules = json!({"zone_quotas": [{"zone": "A", "locality": "legacy_district", "max": 2}]});
    let response = app
        .client
        .put(app.url("/api/v1/fairs/ht2022/allocation-rules"))
        .bearer_auth(&app.token)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn the_public_directory_shows_who_is_where_and_finds_them_without_diacritics() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let son_kim = app.approved("ht2022", "HTX Nông nghiệp Sơn Kim", 1).await;
    let mut delegation = application_body();
    let expires = application_body()["products"][0]["certificate_expires"].clone();
    delegation["producer_type"] = json!("doan");
    delegation["products"] = json!([]);
    delegation["producers"] = json!([
        {"organization": "HTX Nước mắm Lộc Hà", "producer_type": "htx", "tax_code": "0312687878",
         "products": [{"name": "Nước mắm Lộc Hà", "group": "I", "stars": 3, "certificate_no": "45/QĐ-UBND", "certificate_expires": expires}]},
        {"organization": "Hộ kinh doanh Bánh đa Đức Thọ", "producer_type": "ho_kinh_doanh",
         "products": [{"name": "Bánh đa vừng", "group": "I"}]}
    ]);
    let doan = app.approved_with("ht2022", "Đoàn huyện Lộc Hà", delegation, 1).await;
    assert_eq!(app.allocate("ht2022", "A02", &son_kim).await.0, 201);
    assert_eq!(app.allocate("ht2022", "A01", &doan).await.0, 201);
    let waiting = app.approved("ht2022", "HTX Chưa Có Gian", 1).await;
    let _ = waiting;

    let (status, body) = json(app.get("/api/v1/fairs/ht2022/directory").await).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["exhibitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["organization"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Đoàn huyện Lộc Hà", "HTX Nông nghiệp Sơn Kim"],
        "booth order, holders only"
    );
    let doan_entry = &body["exhibitors"][0];
    assert_eq!(doan_entry["booths"], json!(["A01"]));
    assert_eq!(
        doan_entry["producers"],
        json!(["HTX Nước mắm Lộc Hà", "Hộ kinh doanh Bánh đa Đức Thọ"])
    );
    assert_eq!(doan_entry["products"][0]["producer"], "HTX Nước mắm Lộc Hà");
    let text = body.to_string();
    for private in ["0912", "+84", "@example.vn", "Nguyễn Văn An", "0312687878"] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    let app = &app;
    let find = |q: &str| {
        let url = format!("/api/v1/fairs/ht2022/directory?q={}", q.replace(' ', "+"));
        async move {
            let (_, body) = json(app.get(&url).await).await;
            body["exhibitors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["organization"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("nuoc mam").await, ["Đoàn huyện Lộc Hà"]);
    assert_eq!(find("duc tho").await, ["Đoàn huyện Lộc Hà"]);
    assert_eq!(find("CAM BU huong son").await, ["HTX Nông nghiệp Sơn Kim"]);
    assert!(
        find("nguyen van an").await.is_empty(),
        "representatives are not searchable"
    );
    assert!(find("0912").await.is_empty());

    let page = app.get("/fairs/ht2022/directory?q=nuoc+mam").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Đoàn huyện Lộc Hà") && !html.contains("HTX Nông nghiệp Sơn Kim"));
    assert!(html.contains("/fairs/ht2022?booth=A01"), "{html}");
    let plan = app.get("/fairs/ht2022?booth=A02").await.text().await.unwrap();
    assert!(plan.contains("id=\"selected-booth\""), "{plan}");
    assert!(plan.contains("Cam bù Hương Sơn ★★★★"), "{plan}");
    assert!(plan.contains("booth allocated selected"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_booth_goes_to_an_application_withdrawn_at_that_point_of_the_log() {
    let app = spawn().await;
    crate::support::open_fair_with_booths(&app, "ht2022", 50).await;
    let accepted = crate::support::race_allocations_and_withdrawals(&app, "ht2022", 50, 1_000, 25).await;
    let given = crate::support::allocations_follow_approval(&app).await;
    assert_eq!(
        given, accepted,
        "every accepted allocation is in the log, and only those"
    );
    assert!(
        accepted > 0 && accepted < 1_000,
        "both sides won some races: {accepted} of 1,000"
    );
    // The booths of those that withdrew after getting one are given back.
    crate::support::binary::until("every booth is free again", || async {
        let (_, list) = json(app.get_as_organizer("/api/v1/fairs/ht2022/booths").await).await;
        list["booths"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "available")
    })
    .await;
}
