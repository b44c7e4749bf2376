//! Fairs and floor plans over HTTP, against the real server.

use crate::support::{fair_body, json, plan_body, spawn};
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn().await;
    let (status, body) = json(app.get("/healthz").await).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = json(app.get("/readyz").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn creating_a_fair_returns_201_and_a_following_read_sees_it() {
    let app = spawn().await;
    let response = app.create_fair("ocop-ha-tinh-2022").await;
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["location"], "/api/v1/fairs/ocop-ha-tinh-2022");
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.unwrap();
    assert!(created["position"].as_u64().unwrap() > 0);
    assert_eq!(created["version"], 1);

    let (status, fair) = json(app.get("/api/v1/fairs/ocop-ha-tinh-2022").await).await;
    assert_eq!(status, 200);
    assert_eq!(fair["name"], "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022");
    assert_eq!(fair["start_date"], "2022-01-21");
    assert_eq!(fair["time_zone"], "Asia/Ho_Chi_Minh");
    assert_eq!(fair["registration_opens_at"], "2021-12-20T01:00:00Z");
    let (_, list) = json(app.get("/api/v1/fairs").await).await;
    assert_eq!(list["fairs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn creating_the_same_fair_twice_is_409() {
    let app = spawn().await;
    assert_eq!(app.create_fair("hoi-cho-a").await.status().as_u16(), 201);
    let (status, body) = json(app.create_fair("hoi-cho-a").await).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "fair_exists");
}

#[tokio::test]
async fn organizer_endpoints_answer_401_without_a_valid_token() {
    let app = spawn().await;
    let no_token = app
        .client
        .post(app.url("/api/v1/fairs"))
        .json(&fair_body("abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 401);
    let (_, body) = json(no_token).await;
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = app
        .client
        .post(app.url("/api/v1/fairs"))
        .bearer_auth("not-a-token")
        .json(&fair_body("abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/events"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert!(
        app.get("/api/v1/fairs/abc").await.status().as_u16() == 404,
        "nothing was created"
    );
}

#[tokio::test]
async fn an_invalid_fair_names_every_bad_field_and_writes_nothing() {
    let app = spawn().await;
    let before = app.head().await;
    let (status, body) = json(
        app.post_json(
            "/api/v1/fairs",
            &json!({
                "id": "Bad Id!",
                "name": "",
                "venue": "<script>alert(1)</script>",
                "start_date": "2022-01-25",
                "end_date": "2022-01-21",
                "time_zone": "Asia/Hanoi_Typo",
                "registration_opens_at": "2022-01-10T17:00:00+07:00",
                "registration_closes_at": "2021-12-20T08:00:00+07:00",
                "colour": "red"
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_fields");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in [
        "id",
        "name",
        "end_date",
        "time_zone",
        "registration_closes_at",
        "colour",
    ] {
        assert!(fields.contains_key(field), "{field} missing from {body}");
    }
    assert!(
        !fields.contains_key("venue"),
        "markup is text, escaped when shown: {body}"
    );
    assert_eq!(app.head().await, before);
}

#[tokio::test]
async fn malformed_json_wrong_content_type_and_oversized_bodies_get_their_own_errors() {
    let app = spawn().await;
    let malformed = app
        .client
        .post(app.url("/api/v1/fairs"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = json(malformed).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("malformed_request"))
    );

    let text = app
        .client
        .post(app.url("/api/v1/fairs"))
        .bearer_auth(&app.token)
        .body("id=x")
        .send()
        .await
        .unwrap();
    let (status, body) = json(text).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );

    let huge = format!("{{\"id\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let too_large = app
        .client
        .post(app.url("/api/v1/fairs"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, body) = json(too_large).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("body_too_large")));

    let not_an_object = app.post_json("/api/v1/fairs", &json!([1, 2])).await;
    assert_eq!(not_an_object.status().as_u16(), 422);
}

#[tokio::test]
async fn unknown_fairs_and_endpoints_are_404_in_the_error_format() {
    let app = spawn().await;
    let (status, body) = json(app.get("/api/v1/fairs/khong-co").await).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, _) = json(app.put_booths("khong-co", &plan_body()).await).await;
    assert_eq!(status, 404);
    let (status, _) = json(
        app.post_json("/api/v1/fairs/khong-co/registration/open", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = json(app.get("/api/v1/nothing-here").await).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_response_and_writes_once() {
    let app = spawn().await;
    let send = |body: Value| {
        app.client
            .post(app.url("/api/v1/fairs"))
            .bearer_auth(&app.token)
            .header("Idempotency-Key", "tao-hoi-cho-1")
            .json(&body)
            .send()
    };
    let (first_status, first) = json(send(fair_body("hoi-cho-mot")).await.unwrap()).await;
    let before_retry = app.head().await;
    let (second_status, second) = json(send(fair_body("hoi-cho-mot")).await.unwrap()).await;
    assert_eq!((first_status, second_status), (201, 201));
    assert_eq!(first, second, "the retry gets the first response");
    assert_eq!(app.head().await, before_retry, "the retry wrote nothing");

    let (status, body) = json(send(fair_body("hoi-cho-hai")).await.unwrap()).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.get("/api/v1/fairs/hoi-cho-hai").await.status().as_u16(), 404);
}

/// Keys are remembered for a day (API: `Idempotency-Key`): a key written 23 hours ago still
/// refuses another request, one written 25 hours ago is forgotten and names a new one. The
/// marks are written into the log with those times, as the API would have written them then.
#[tokio::test]
async fn an_idempotency_key_is_forgotten_after_a_day() {
    use hoicho::store::ExpectedVersion;
    use hoicho_events::{Actor, Event, IdempotencyMark, Metadata, NewEvent, OrganizerSessionsEnded};

    let app = spawn().await;
    let organizer = app.state.read().organizers.by_email(&app.organizer_email).unwrap().id;
    let mut position = 0;
    for (key, hours) in [("tao-hoi-cho-hom-qua", 23), ("tao-hoi-cho-hom-kia", 25)] {
        let mut metadata = Metadata::by(Actor::Organizer {
            organizer_id: organizer,
        });
        metadata.idempotency = Some(IdempotencyMark {
            principal: format!("organizer:{}", organizer.0),
            key: key.into(),
            request_hash: "another request".into(),
        });
        let (event_type, schema_version, data) = Event::OrganizerSessionsEnded(OrganizerSessionsEnded {
            organizer_id: organizer,
        })
        .encode();
        let written = app
            .state
            .store
            .append(
                &format!("organizer-{}", organizer.0),
                ExpectedVersion::Any,
                vec![NewEvent {
                    event_id: uuid::Uuid::now_v7(),
                    event_type: event_type.into(),
                    schema_version,
                    recorded_at: chrono::Utc::now() - chrono::Duration::hours(hours),
                    metadata: serde_json::to_string(&metadata).unwrap(),
                    data,
                }],
            )
            .await
            .unwrap();
        position = written.position;
    }
    assert!(app.state.wait_for(position, std::time::Duration::from_secs(5)).await);
    let send = |key: &'static str, fair: &'static str| {
        app.client
            .post(app.url("/api/v1/fairs"))
            .bearer_auth(&app.token)
            .header("Idempotency-Key", key)
            .json(&fair_body(fair))
            .send()
    };
    let (status, body) = json(send("tao-hoi-cho-hom-qua", "hoi-cho-hom-nay").await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("idempotency_key_reused")),
        "remembered after 23 hours"
    );
    let (status, _) = json(send("tao-hoi-cho-hom-kia", "hoi-cho-hom-nay").await.unwrap()).await;
    assert_eq!(status, 201, "forgotten after 25 hours: a new request");
    let (status, again) = json(send("tao-hoi-cho-hom-kia", "hoi-cho-hom-nay").await.unwrap()).await;
    assert_eq!(status, 201, "and its own retry is answered as the first: {again}");
}

#[tokio::test]
async fn concurrent_copies_of_one_idempotent_request_write_once() {
    let app = spawn().await;
    app.create_fair("song-song").await;
    let before = app.head().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = app
            .client
            .put(app.url("/api/v1/fairs/song-song/booths"))
            .bearer_auth(&app.token)
            .header("Idempotency-Key", "so-do-1")
            .json(&plan_body());
        tasks.push(tokio::spawn(
            async move { request.send().await.unwrap().status().as_u16() },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    // Two zones and three booths: five events, once.
    assert_eq!(app.head().await, before + 5);
}

#[tokio::test]
async fn etag_and_if_match_guard_against_lost_updates() {
    let app = spawn().await;
    app.create_fair("etag-fair").await;
    let response = app.get("/api/v1/fairs/etag-fair").await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let put = |if_match: &str| {
        app.client
            .put(app.url("/api/v1/fairs/etag-fair/booths"))
            .bearer_auth(&app.token)
            .header("If-Match", if_match)
            .json(&plan_body())
            .send()
    };
    let ok = put(&etag).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.headers()["etag"], "\"6\"");
    let (status, body) = json(put(&etag).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    // RFC 9110 §13.1.1: a well-formed entity tag that names no version of the fair fails the
    // precondition (412), and so does a list of them; only what is no entity tag at all is a
    // bad request. Nothing is written by any of them.
    let head = app.head().await;
    for stale in ["\"stale-0\"", "\"\"", "W/\"x\", \"y\""] {
        let (status, body) = json(put(stale).await.unwrap()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (412, Some("precondition_failed")),
            "{stale}: {body}"
        );
    }
    for malformed in ["garbage", "\"unterminated", "6"] {
        let (status, body) = json(put(malformed).await.unwrap()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("malformed_request")),
            "{malformed}: {body}"
        );
    }
    assert_eq!(app.head().await, head);
    // The current tag still matches, in a list beside a tag of no version too.
    assert_eq!(put("\"stale-0\", \"6\"").await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn a_floor_plan_by_json_lists_every_booth_as_available() {
    let app = spawn().await;
    app.create_fair("so-do").await;
    let (status, written) = json(app.put_booths("so-do", &plan_body()).await).await;
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["changes"], 5);
    let (status, list) = json(app.get("/api/v1/fairs/so-do/booths").await).await;
    assert_eq!(status, 200);
    let booths = list["booths"].as_array().unwrap();
    assert_eq!(booths.len(), 3);
    assert_eq!(booths[0]["code"], "A01");
    assert_eq!(booths[0]["kind"], "corner");
    assert_eq!(booths[2]["depth_m"], 6.0);
    assert!(booths.iter().all(|b| b["status"] == "available"));
    let (_, fair) = json(app.get("/api/v1/fairs/so-do").await).await;
    assert_eq!(fair["booths"]["available"], 3);
    assert_eq!(fair["zones"].as_array().unwrap().len(), 2);

    // The same plan again changes nothing; a smaller one retires what is gone.
    let (_, again) = json(app.put_booths("so-do", &plan_body()).await).await;
    assert_eq!(again["changes"], 0);
    let mut smaller = plan_body();
    smaller["booths"].as_array_mut().unwrap().truncate(2);
    smaller["zones"].as_array_mut().unwrap().truncate(1);
    let (_, shrunk) = json(app.put_booths("so-do", &smaller).await).await;
    assert_eq!(shrunk["changes"], 2, "one booth and one zone retired");
    let (_, list) = json(app.get("/api/v1/fairs/so-do/booths").await).await;
    assert_eq!(list["booths"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_floor_plan_by_csv_accepts_spreadsheet_habits() {
    let app = spawn().await;
    app.create_fair("so-do-csv").await;
    let csv = "\u{feff}code;zone;kind;width_m;depth_m;price_vnd;x;y;zone_name\n\
               A01;A;standard;3;3;4.000.000;0;0;Khu huyện Hương Sơn\n\
               A02;A;corner;2,5;3;4500000;3;0;Khu huyện Hương Sơn\n";
    let (status, body) = json(app.put_booths_csv("so-do-csv", csv).await).await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = json(app.get("/api/v1/fairs/so-do-csv/booths").await).await;
    assert_eq!(list["booths"][0]["price_vnd"], 4_000_000);
    assert_eq!(list["booths"][1]["width_m"], 2.5);
    let (_, fair) = json(app.get("/api/v1/fairs/so-do-csv").await).await;
    assert_eq!(fair["zones"][0]["name"], "Khu huyện Hương Sơn");

    let bad = "code,zone,kind,width_m,depth_m,price_vnd\nA01,A,standard,3,3,-1\nA01,A,standard,abc,3,100\n";
    let (status, body) = json(app.put_booths_csv("so-do-csv", bad).await).await;
    assert_eq!(status, 422);
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in ["booths[0].price_vnd", "booths[1].code", "booths[1].width_m"] {
        assert!(fields.contains_key(field), "{field} missing from {body}");
    }
    let missing_column = "code,zone\nA01,A\n";
    let (status, body) = json(app.put_booths_csv("so-do-csv", missing_column).await).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["columns.price_vnd"].is_string(), "{body}");
}

#[tokio::test]
async fn a_bad_floor_plan_names_each_problem_and_writes_nothing() {
    let app = spawn().await;
    app.create_fair("so-do-sai").await;
    let before = app.head().await;
    let (status, body) = json(
        app.put_booths(
            "so-do-sai",
            &json!({
                "zones": [{"code": "A", "name": "Khu A"}, {"code": "A", "name": "Khu A lần hai"}],
                "booths": [
                    {"code": "A01", "zone": "Z", "kind": "standard", "width_m": -3, "depth_m": 3, "price_vnd": -5},
                    {"code": "A01", "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3, "price_vnd": 1.5},
                    {"code": "A03", "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3, "price_vnd": 0, "colour": "red"}
                ]
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in [
        "zones[1].code",
        "booths[0].zone",
        "booths[0].width_m",
        "booths[0].price_vnd",
        "booths[1].code",
        "booths[1].price_vnd",
        "booths[2].colour",
    ] {
        assert!(fields.contains_key(field), "{field} missing from {body}");
    }
    assert_eq!(app.head().await, before);
}

#[tokio::test]
async fn organizers_open_and_close_registration() {
    let app = spawn().await;
    app.create_fair("dang-ky").await;
    let (_, fair) = json(app.get("/api/v1/fairs/dang-ky").await).await;
    assert_eq!(fair["registration_open"], false, "the 2022 window is over");
    let (status, _) = json(
        app.post_json("/api/v1/fairs/dang-ky/registration/open", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let (_, fair) = json(app.get("/api/v1/fairs/dang-ky").await).await;
    assert_eq!(fair["registration_open"], true);
    let (_, again) = json(
        app.post_json("/api/v1/fairs/dang-ky/registration/open", &json!({}))
            .await,
    )
    .await;
    assert_eq!(again["changes"], 0, "opening an open fair records nothing");
    app.post_json("/api/v1/fairs/dang-ky/registration/close", &json!({}))
        .await;
    let (_, fair) = json(app.get("/api/v1/fairs/dang-ky").await).await;
    assert_eq!(fair["registration_open"], false);
}

#[tokio::test]
async fn amending_a_fair_changes_only_the_fields_sent() {
    let app = spawn().await;
    app.create_fair("sua-doi").await;
    let response = app
        .client
        .patch(app.url("/api/v1/fairs/sua-doi"))
        .bearer_auth(&app.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"venue": "Công viên Thành Sen", "end_date": "2022-01-26"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, fair) = json(app.get("/api/v1/fairs/sua-doi").await).await;
    assert_eq!(fair["venue"], "Công viên Thành Sen");
    assert_eq!(fair["end_date"], "2022-01-26");
    assert_eq!(fair["name"], "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022");
    let bad = app
        .client
        .patch(app.url("/api/v1/fairs/sua-doi"))
        .bearer_auth(&app.token)
        .json(&json!({"end_date": "2021-01-01", "id": "other"}))
        .send()
        .await
        .unwrap();
    let (status, body) = json(bad).await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["fields"]["end_date"].is_string() && body["error"]["fields"]["id"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn the_audit_endpoints_show_the_log_without_credential_hashes() {
    let app = spawn().await;
    app.create_fair("nhat-ky").await;
    app.put_booths("nhat-ky", &plan_body()).await;
    let (status, page) = json(app.get_as_organizer("/api/v1/events?after=0&limit=2").await).await;
    assert_eq!(status, 200);
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["event_type"], "OrganizerAdded");
    assert!(events[0]["data"]["email"].is_string());
    assert!(events[0]["data"].get("password_hash").is_none() && events[0]["data"].get("token_hash").is_none());
    assert_eq!(page["next"], 2);
    let (status, stream) = json(app.get_as_organizer("/api/v1/streams/fair-nhat-ky").await).await;
    assert_eq!(status, 200);
    let types: Vec<&str> = stream["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "FairCreated",
            "ZoneDefined",
            "ZoneDefined",
            "BoothDefined",
            "BoothDefined",
            "BoothDefined"
        ]
    );
    let actor = &stream["events"][0]["metadata"]["actor"];
    assert_eq!(actor["kind"], "organizer");
    let (status, _) = json(app.get_as_organizer("/api/v1/streams/fair-khong-co").await).await;
    assert_eq!(status, 404);
    let (status, _) = json(app.get_as_organizer("/api/v1/events?after=abc").await).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = spawn().await;
    let (status, doc) = json(app.get("/api/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/fairs", "post"),
        ("/api/v1/fairs", "get"),
        ("/api/v1/fairs/{fair}", "get"),
        ("/api/v1/fairs/{fair}", "patch"),
        ("/api/v1/fairs/{fair}/booths", "put"),
        ("/api/v1/fairs/{fair}/booths", "get"),
        ("/api/v1/fairs/{fair}/registration/open", "post"),
        ("/api/v1/fairs/{fair}/registration/close", "post"),
        ("/api/v1/events", "get"),
        ("/api/v1/streams/{stream}", "get"),
        ("/api/v1/fairs/{fair}/registrations", "post"),
        ("/api/v1/fairs/{fair}/registrations", "get"),
        ("/api/v1/fairs/{fair}/registrations/bulk", "post"),
        ("/api/v1/registrations/{id}", "get"),
        ("/api/v1/registrations/{id}", "patch"),
        ("/api/v1/registrations/{id}/withdraw", "post"),
        ("/api/v1/registrations/{id}/approve", "post"),
        ("/api/v1/registrations/{id}/reject", "post"),
        ("/api/v1/registrations/{id}/waitlist", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn metrics_count_requests_appends_and_projection_lag() {
    let app = spawn().await;
    app.create_fair("so-lieu").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    for name in [
        "hoicho_http_requests_total",
        "hoicho_append_seconds_bucket",
        "hoicho_events_appended_total",
        "hoicho_projection_lag",
        "hoicho_log_head",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(text.contains("hoicho_projection_lag 0"), "{text}");
}

#[tokio::test]
async fn replaying_the_whole_log_into_empty_projections_equals_the_live_state() {
    let app = spawn().await;
    for id in ["mot", "hai", "ba"] {
        app.create_fair(&format!("hoi-cho-{id}")).await;
        app.put_booths(&format!("hoi-cho-{id}"), &plan_body()).await;
    }
    app.post_json("/api/v1/fairs/hoi-cho-hai/registration/open", &json!({}))
        .await;
    app.client
        .put(app.url("/api/v1/fairs/hoi-cho-ba/booths"))
        .bearer_auth(&app.token)
        .header("Idempotency-Key", "k")
        .json(&json!({"zones": [{"code": "A", "name": "Khu A mới"}], "booths": []}))
        .send()
        .await
        .unwrap();
    let mut replayed = hoicho_projections::Projections::default();
    let mut after = 0;
    loop {
        let batch = app.state.store.read_all(after, 1000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        for envelope in hoicho::replay::decode_batch(&batch) {
            replayed.apply(&envelope);
        }
    }
    let live = app.state.read().clone();
    assert_eq!(replayed.position, live.position);
    assert_eq!(replayed, live);
}

/// Open file descriptors of this process (the server runs in it).
fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_are_cut_off_and_do_not_exhaust_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::support::spawn_with(|s| s.body_timeout = std::time::Duration::from_secs(2)).await;
    crate::support::open_fair(&app, "cham").await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let before = open_descriptors();
    // Each client sends its headers, then one byte of its body a second, for as long as the
    // server lets it: 3,000 at once (6,000 descriptors in this process, server and clients).
    const SLOW: usize = 3_000;
    let started = std::time::Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..SLOW {
        let addr = addr.clone();
        clients.spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
            let head = "POST /api/v1/fairs/cham/registrations HTTP/1.1\r\nHost: hoicho\r\n\
                        Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
            stream.write_all(head.as_bytes()).await.expect("headers");
            let mut answer = Vec::new();
            loop {
                let mut buf = [0u8; 512];
                tokio::select! {
                    read = stream.read(&mut buf) => match read {
                        Ok(0) | Err(_) => break,
                        Ok(n) => answer.extend_from_slice(&buf[..n]),
                    },
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {
                        if stream.write_all(b" ").await.is_err() { break }
                    }
                }
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            String::from_utf8_lossy(&answer).lines().next().unwrap_or("").to_owned()
        });
    }
    // Meanwhile the server answers everyone else at once.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let quick = std::time::Instant::now();
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    assert!(
        quick.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        quick.elapsed()
    );
    let mut statuses = std::collections::BTreeMap::new();
    while let Some(line) = clients.join_next().await {
        *statuses.entry(line.unwrap()).or_insert(0) += 1;
    }
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(15), "cut off after {took:?}");
    assert_eq!(
        statuses.get("HTTP/1.1 408 Request Timeout").copied(),
        Some(SLOW),
        "{statuses:?}"
    );
    // Their descriptors are given back, and the API takes a whole application again.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        open_descriptors() < before + 100,
        "{} open, {before} before",
        open_descriptors()
    );
    let (status, body) = app.apply("cham", &crate::support::application_body()).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn days_are_four_digit_years_in_a_sensible_range() {
    let app = spawn().await;
    for (start, problem) in [
        ("+10000-01-01", "YYYY-MM-DD"),
        ("10000-01-01", "YYYY-MM-DD"),
        ("2022-1-21", "YYYY-MM-DD"),
        (" 2022-01-21", "YYYY-MM-DD"),
        ("1999-12-31", "from 2000 to 2099"),
        ("2100-01-01", "from 2000 to 2099"),
    ] {
        let mut body = fair_body("nam");
        body["start_date"] = json!(start);
        body["end_date"] = json!("2022-01-25");
        let response = app
            .client
            .post(app.url("/api/v1/fairs"))
            .bearer_auth(&app.token)
            .header("accept-language", "en")
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, answer) = json(response).await;
        assert_eq!(status, 422, "{start}: {answer}");
        let said = answer["error"]["fields"]["start_date"].as_str().unwrap_or_default();
        assert!(said.contains(problem), "{start}: {answer}");
    }
    assert_eq!(
        app.get("/api/v1/fairs/nam").await.status().as_u16(),
        404,
        "nothing written"
    );
}

#[tokio::test]
async fn a_number_json_cannot_hold_is_named_by_its_field() {
    let app = spawn().await;
    let send = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/fairs"))
            .bearer_auth(&app.token)
            .header("content-type", "application/json")
            .header("accept-language", "en")
            .body(body)
            .send()
    };
    for (body, field) in [
        (r#"{"id": "so", "start_date": 1e999}"#, "start_date"),
        (r#"{"zones": [{"code": "A"}, {"code": -1e999}]}"#, "zones[1].code"),
    ] {
        let (status, answer) = json(send(body).await.unwrap()).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some("malformed_request")),
            "{answer}"
        );
        assert_eq!(
            answer["error"]["fields"][field], "number out of range",
            "{body}: {answer}"
        );
    }
}

#[tokio::test]
async fn the_booth_list_answers_an_unchanged_poll_with_304() {
    let app = spawn().await;
    crate::support::open_fair(&app, "hoi").await;
    let first = app.get("/api/v1/fairs/hoi/booths").await;
    assert_eq!(first.status().as_u16(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/api/v1/fairs/hoi/booths"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let id = app.approved("hoi", "HTX Hồi", 1).await;
    app.allocate("hoi", "A02", &id).await;
    let changed = app
        .client
        .get(app.url("/api/v1/fairs/hoi/booths"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200, "the booths changed");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}
