//! The floor-plan editor's save over HTTP: the drawing the page starts from, a save as one
//! change, a colleague's change in between named and nothing overwritten, a held booth kept
//! with its holder named, every bad booth field named, and no save without the form's token.

use crate::support::{json, spawn, TestApp, CSRF};
use serde_json::{json, Value};

/// The drawing embedded in the plan page.
async fn drawing(app: &TestApp, cookie: &str, fair: &str) -> Value {
    let html = app
        .get_page(&format!("/organizer/fairs/{fair}/plan"), cookie)
        .await
        .text()
        .await
        .unwrap();
    let start = html
        .find("<script type=\"application/json\" id=\"editor-drawing\">")
        .expect("the drawing");
    let rest = &html[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(body).expect("JSON")
}

async fn save(app: &TestApp, cookie: &str, fair: &str, mut body: Value) -> (u16, Value) {
    body["csrf"] = json!(CSRF);
    json(
        app.client
            .post(app.url(&format!("/organizer/fairs/{fair}/plan/drawing")))
            .header("cookie", cookie)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn grid(zone: &str, rows: usize, per_row: usize, y0: f64) -> Vec<Value> {
    (0..rows * per_row)
        .map(|i| {
            json!({
                "code": format!("{zone}{:02}", i + 1), "zone": zone, "kind": "standard",
                "width_m": 3, "depth_m": 3, "price_vnd": 2_500_000,
                "x": (i % per_row) as f64 * 3.0, "y": y0 + (i / per_row) as f64 * 6.0, "power": i == 0,
            })
        })
        .collect()
}

#[tokio::test]
async fn a_drawing_is_saved_as_one_change_and_a_stale_one_is_told_who_changed_the_plan() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    assert_eq!(app.create_fair("ve-2028").await.status().as_u16(), 201);
    let start = drawing(&app, &cookie, "ve-2028").await;
    assert_eq!(start["booths"], json!([]));
    let mut booths = grid("A", 3, 10, 0.0);
    booths.extend(grid("B", 3, 10, 20.0));
    let body = json!({
        "seen": start["seen"],
        "zones": [{"code": "A", "name": "Khu A", "colour": "#2e7d32"}, {"code": "B", "name": "Khu B"}],
        "booths": booths,
        "hall": {"width_m": 40, "depth_m": 40},
        "shapes": [{"kind": "entrance", "label": "Cổng chính", "x": 0, "y": 38, "width_m": 4, "depth_m": 2}],
    });
    let (status, saved) = save(&app, &cookie, "ve-2028", body.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["booths"], 60);
    let (_, list) = json(app.get("/api/v1/fairs/ve-2028/booths").await).await;
    assert_eq!(list["booths"].as_array().unwrap().len(), 60);
    assert_eq!(list["floor"]["hall"]["width_m"], 40.0);
    assert_eq!(list["floor"]["shapes"][0]["label"], "Cổng chính");
    // The page now starts from what was saved, with its new fingerprint.
    let now = drawing(&app, &cookie, "ve-2028").await;
    assert_eq!(now["seen"], saved["seen"]);
    assert_ne!(now["seen"], start["seen"]);
    assert_eq!(now["booths"].as_array().unwrap().len(), 60);
    assert_eq!(now["zones"][0]["colour"], "#2e7d32");

    // A second tab still holds the first drawing: its save is refused, naming who and when.
    let mut stale = body.clone();
    stale["booths"][0]["x"] = json!(1.5);
    let (status, told) = save(&app, &cookie, "ve-2028", stale.clone()).await;
    assert_eq!(status, 409, "{told}");
    assert_eq!(told["code"], "plan_changed");
    let message = told["message"].as_str().unwrap();
    assert!(
        message.contains(&app.organizer_email) && message.contains("Bản vẽ của bạn vẫn còn"),
        "{message}"
    );
    let (_, list) = json(app.get("/api/v1/fairs/ve-2028/booths").await).await;
    assert_eq!(list["booths"][0]["x"], 0.0, "nothing overwritten");
    // Saving anyway is a choice made knowing of the change: based on the fingerprint told.
    stale["seen"] = told["seen"].clone();
    let (status, _) = save(&app, &cookie, "ve-2028", stale).await;
    assert_eq!(status, 200);
    let (_, list) = json(app.get("/api/v1/fairs/ve-2028/booths").await).await;
    assert_eq!(list["booths"][0]["x"], 1.5);

    // The fair's history: each save one line, newest first, with who made it.
    let history = app
        .get_page("/organizer/fairs/ve-2028/history", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = history.split("<li class=\"card\">").skip(1).collect();
    assert_eq!(lines.len(), 3, "created, drawn, redrawn: {history}");
    assert!(
        lines[0].contains("Sơ đồ gian hàng") && lines[0].contains("gian sửa: 1"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("gian thêm: 60") && lines[1].contains("vẽ hội trường"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(&app.organizer_email));
    assert!(lines[2].contains("Tạo hội chợ"));
    assert_eq!(
        app.get("/organizer/fairs/ve-2028/history").await.status().as_u16(),
        303,
        "organizers only"
    );
}

#[tokio::test]
async fn a_held_booth_stays_bad_fields_are_named_and_a_save_needs_the_forms_token() {
    let app = spawn().await;
    let cookie = app.organizer_cookie().await;
    crate::support::open_fair_with_booths(&app, "giu-2028", 4).await;
    let id = app.approved("giu-2028", "HTX Sơn Kim", 1).await;
    let start = drawing(&app, &cookie, "giu-2028").await;
    let first = start["booths"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(app.allocate("giu-2028", &first, &id).await.0, 201);
    let start = drawing(&app, &cookie, "giu-2028").await;
    assert_eq!(
        start["booths"][0]["holder"], "HTX Sơn Kim",
        "the editor knows who holds it"
    );

    let mut body =
        json!({"seen": start["seen"], "zones": start["zones"], "booths": start["booths"], "hall": null, "shapes": []});
    for b in body["booths"].as_array_mut().unwrap() {
        b.as_object_mut().unwrap().remove("holder");
    }
    // Deleting the held booth: refused, its holder named, nothing written.
    let mut without = body.clone();
    without["booths"].as_array_mut().unwrap().remove(0);
    let before = json(app.get("/api/v1/fairs/giu-2028/booths").await).await;
    let (status, told) = save(&app, &cookie, "giu-2028", without).await;
    assert_eq!(status, 409, "{told}");
    assert!(told["message"]
        .as_str()
        .unwrap()
        .contains(&format!("{first} (HTX Sơn Kim)")));
    // Bad fields: each named by booth and field, in Vietnamese.
    let mut bad = body.clone();
    bad["booths"][1]["width_m"] = json!(0);
    bad["booths"][2]["price_vnd"] = json!(-5);
    bad["booths"][3]["code"] = bad["booths"][1]["code"].clone();
    let (status, told) = save(&app, &cookie, "giu-2028", bad).await;
    assert_eq!(status, 422, "{told}");
    let fields = told["fields"].as_object().unwrap();
    for field in ["booths[1].width_m", "booths[2].price_vnd", "booths[3].code"] {
        assert!(fields.contains_key(field), "{field}: {told}");
    }
    assert!(fields["booths[3].code"].as_str().unwrap().contains("hai lần"));
    // Without the form's token, or signed out, or not JSON: refused, nothing written.
    let no_token = app
        .client
        .post(app.url("/organizer/fairs/giu-2028/plan/drawing"))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 403);
    let mut signed_out = body.clone();
    signed_out["csrf"] = json!(CSRF);
    let anonymous = app
        .client
        .post(app.url("/organizer/fairs/giu-2028/plan/drawing"))
        .header("cookie", format!("hoicho_csrf={CSRF}"))
        .json(&signed_out)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let garbage = app
        .client
        .post(app.url("/organizer/fairs/giu-2028/plan/drawing"))
        .header("cookie", &cookie)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 400);
    assert_eq!(
        json(app.get("/api/v1/fairs/giu-2028/booths").await).await,
        before,
        "nothing written"
    );
    // Moving the held booth is fine: it keeps its holder.
    let mut moved = body.clone();
    moved["booths"][0]["y"] = json!(12);
    let (status, _) = save(&app, &cookie, "giu-2028", moved).await;
    assert_eq!(status, 200);
    let (_, list) = json(app.get("/api/v1/fairs/giu-2028/booths").await).await;
    assert_eq!(list["booths"][0]["status"], "allocated");
}
