//! The organizer's desk in Chromium, as a new colleague meets it: the invitation link, a new
//! fair, a floor plan drawn in the editor (two zones, three rows of ten booths each, one
//! moved by dragging, prices set), saved, opened for applications and seen on the public
//! page; a second tab's stale save told of the first; a bad CSV row named by its line. Then
//! the editor's frame time dragging 100 of 1,000 booths, and every page of the demo at a
//! phone's and a laptop's width, through the layout checks and axe-core.

use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction, TouchActions, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, fits_phone_and_laptop, set_value};

async fn js(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, vec![]).await.unwrap()
}

async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(client: &Client, id: &str) {
    client.find(Locator::Id(id)).await.unwrap().click().await.unwrap();
}

/// The centre of booth `code` on the screen, and its position in metres as the drawing holds it.
async fn booth(client: &Client, code: &str) -> (f64, f64, String) {
    let found = client
        .execute(
            "const g = [...document.querySelectorAll('#editor-svg .ed-booth')].find((g) => g.querySelector('text').textContent === arguments[0]);
             g.scrollIntoView({block: 'center'});
             const r = g.getBoundingClientRect();
             return [r.x + r.width / 2, r.y + r.height / 2, g.getAttribute('transform')];",
            vec![json!(code)],
        )
        .await
        .unwrap();
    (
        found[0].as_f64().unwrap(),
        found[1].as_f64().unwrap(),
        found[2].as_str().unwrap().to_owned(),
    )
}

/// Drags with the mouse from (x, y) by (dx, dy) screen pixels, in steps as a hand moves.
async fn drag(client: &Client, x: f64, y: f64, dx: f64, dy: f64) {
    let (x, y) = (x.round(), y.round());
    let mut mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    for i in 1..=8 {
        mouse = mouse.then(PointerAction::MoveTo {
            duration: Some(Duration::from_millis(15)),
            x: (x + dx * i as f64 / 8.0).round(),
            y: (y + dy * i as f64 / 8.0).round(),
        });
    }
    mouse = mouse.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    client.perform_actions(mouse).await.unwrap();
}

async fn status(client: &Client) -> String {
    js(client, "return document.getElementById('editor-status').textContent")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn wait_status(client: &Client, contains: &str) -> String {
    for _ in 0..50 {
        let now = status(client).await;
        if now.contains(contains) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the editor never said {contains:?}: {:?}", status(client).await);
}

async fn add_zone(client: &Client, code: &str, name: &str) {
    fill(client, "zone-code", code).await;
    fill(client, "zone-name", name).await;
    click(client, "zone-add").await;
}

/// Three rows of ten `prefix` booths in `zone`, from `y` metres down.
async fn add_rows(client: &Client, prefix: &str, zone: &str, y: &str) {
    for (id, value) in [
        ("add-prefix", prefix),
        ("add-start", "1"),
        ("add-count", "30"),
        ("add-columns", "10"),
        ("add-width", "3"),
        ("add-depth", "3"),
        ("add-gap", "0"),
        ("add-aisle", "3"),
        ("add-price", "0"),
        ("add-x", "2"),
        ("add-y", y),
    ] {
        fill(client, id, value).await;
    }
    client
        .find(Locator::Css(&format!("#add-zone option[value='{zone}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(client, "add-booths").await;
}

#[tokio::test]
async fn a_new_colleague_accepts_the_invitation_draws_a_plan_and_opens_the_fair() {
    let app = crate::support::spawn().await;
    let cookie = app.organizer_cookie().await;
    let invited = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "moi@sct.hatinh.gov.vn")],
        )
        .await
        .text()
        .await
        .unwrap();
    let start = invited.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let link = invited[start..].split('<').next().unwrap().to_owned();
    let path = link[link.find("/organizer/").unwrap()..].to_owned();

    let (_driver, client) = browser().await;
    client.set_window_size(1366, 900).await.unwrap();
    // First sign-in: through the link, choosing a password.
    client.goto(&app.url(&path)).await.unwrap();
    fill(&client, "pw-new", "mat-khau-cua-toi-2027").await;
    fill(&client, "pw-again", "mat-khau-cua-toi-2027").await;
    click(&client, "accept").await;
    client.wait().for_element(Locator::Id("new-fair")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/organizer");

    // A fair, from the form.
    click(&client, "new-fair").await;
    client.wait().for_element(Locator::Id("name")).await.unwrap();
    for (id, text) in [
        ("id", "ve-2027"),
        ("name", "Hội chợ OCOP Vẽ 2027"),
        ("venue", "Nhà văn hóa tỉnh"),
    ] {
        fill(&client, id, text).await;
    }
    for (id, value) in [
        ("start_date", "2027-03-10"),
        ("end_date", "2027-03-14"),
        ("registration_opens_at", "2027-01-05T08:00"),
        ("registration_closes_at", "2027-03-01T17:00"),
    ] {
        set_value(&client, id, value).await;
    }
    click(&client, "save").await;
    if client.wait().for_element(Locator::Id("open-now")).await.is_err() {
        let main = client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
        panic!("the fair was not created: {main}");
    }

    // The plan, drawn: two zones, three rows of ten booths in each.
    client
        .goto(&app.url("/organizer/fairs/ve-2027/plan?lang=vi"))
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("editor-svg")).await.unwrap();
    add_zone(&client, "A", "Khu sản phẩm nông nghiệp").await;
    add_zone(&client, "B", "Khu thủ công mỹ nghệ").await;
    // New booths go to the zone made last until another is chosen.
    assert_eq!(
        js(&client, "return document.getElementById('add-zone').value").await,
        "B"
    );
    add_rows(&client, "A", "A", "2").await;
    add_rows(&client, "B", "B", "22").await;
    let drawn = js(
        &client,
        "return document.querySelectorAll('#editor-svg .ed-booth').length",
    )
    .await;
    assert_eq!(drawn, 60);
    // B's rows were added below A's: no overlap is flagged.
    assert_eq!(
        js(&client, "return document.getElementById('editor-flags').hidden").await,
        true
    );

    // One booth moved by dragging: A01 leaves its row for the space right of it, on the grid.
    let (x, y, before) = booth(&client, "A01").await;
    assert_eq!(before, "translate(2 2)");
    let per_metre = js(
        &client,
        "const s = document.getElementById('editor-svg'); return s.getScreenCTM().a",
    )
    .await
    .as_f64()
    .unwrap();
    drag(&client, x, y, 34.2 * per_metre, 0.0).await;
    let (_, _, after) = booth(&client, "A01").await;
    assert_eq!(after, "translate(36 2)", "moved 34 m right, snapped to 0.5 m");
    assert!(status(&client).await.contains("chưa lưu"));
    // Undo puts it back, redo moves it again.
    click(&client, "editor-undo").await;
    assert_eq!(booth(&client, "A01").await.2, "translate(2 2)");
    click(&client, "editor-redo").await;
    assert_eq!(booth(&client, "A01").await.2, "translate(36 2)");

    // Prices for every booth at once; a bad one is named beside its field first.
    click(&client, "editor-undo").await;
    click(&client, "editor-redo").await;
    client
        .find(Locator::Css("button[data-act='select-all']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&client, "prop-price", "-5").await;
    click(&client, "prop-apply").await;
    let error = js(
        &client,
        "return document.getElementById('prop-price-error').textContent",
    )
    .await;
    assert!(error.as_str().unwrap().contains("không âm"), "{error}");
    fill(&client, "prop-price", "3.500.000").await;
    click(&client, "prop-apply").await;
    click(&client, "editor-save").await;
    wait_status(&client, "Đã lưu sơ đồ").await;
    let (_, list) = crate::support::json(app.get("/api/v1/fairs/ve-2027/booths").await).await;
    let booths = list["booths"].as_array().unwrap();
    assert_eq!(booths.len(), 60);
    assert!(booths.iter().all(|b| b["price_vnd"] == 3_500_000), "prices set");
    let a01 = booths.iter().find(|b| b["code"] == "A01").unwrap();
    assert_eq!((a01["x"].as_f64(), a01["y"].as_f64()), (Some(36.0), Some(2.0)));

    // A second tab opens the plan; the first saves again; the second's save is told who and
    // when, and its drawing stays.
    let first = client.window().await.unwrap();
    let second = client.new_window(true).await.unwrap().handle;
    client.switch_to_window(second.clone()).await.unwrap();
    client
        .goto(&app.url("/organizer/fairs/ve-2027/plan?lang=vi"))
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("editor-svg")).await.unwrap();
    client.switch_to_window(first.clone()).await.unwrap();
    fill(&client, "pick-codes", "B01-B10").await;
    client
        .find(Locator::Css("#editor-pick button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        js(&client, "return document.getElementById('editor-selected').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("10")
    );
    fill(&client, "prop-price", "4000000").await;
    click(&client, "prop-apply").await;
    click(&client, "editor-save").await;
    wait_status(&client, "Đã lưu sơ đồ").await;
    client.switch_to_window(second).await.unwrap();
    let (x, y, _) = booth(&client, "B30").await;
    let per_metre = js(&client, "return document.getElementById('editor-svg').getScreenCTM().a").await;
    drag(&client, x, y, 0.0, 6.2 * per_metre.as_f64().unwrap()).await;
    click(&client, "editor-save").await;
    client
        .wait()
        .for_element(Locator::Id("editor-overwrite"))
        .await
        .unwrap();
    let told = client
        .find(Locator::Id("editor-alert"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        told.contains("Sơ đồ vừa được") && told.contains("moi@sct.hatinh.gov.vn"),
        "{told}"
    );
    assert_eq!(booth(&client, "B30").await.2, "translate(29 40)", "the drawing is kept");
    let (_, list) = crate::support::json(app.get("/api/v1/fairs/ve-2027/booths").await).await;
    let b01 = list["booths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == "B01")
        .unwrap()
        .clone();
    assert_eq!(b01["price_vnd"], 4_000_000, "the first tab's save stands");
    // (The tab stays open: it holds unsaved work, and would ask before closing.)
    client.switch_to_window(first).await.unwrap();

    // A CSV with a bad row is refused by its line, nothing written.
    let csv = "code,zone,kind,width_m,depth_m,price_vnd,x,y\nA01,A,standard,3,3,100,0,0\nA02,A,standard,0,3,100,3,0\n";
    set_value(&client, "csv", csv).await;
    click(&client, "preview-import").await;
    let problems = client
        .wait()
        .for_element(Locator::Id("import-problems"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(problems.contains("3") && problems.contains("width_m"), "{problems}");

    // Open for applications; the public page shows the drawn plan.
    client
        .goto(&app.url("/organizer/fairs/ve-2027/settings"))
        .await
        .unwrap();
    click(&client, "open-now").await;
    client.wait().for_element(Locator::Id("close-now")).await.unwrap();
    client.goto(&app.url("/fairs/ve-2027")).await.unwrap();
    let public = client.find_all(Locator::Css("#floor-plan rect.booth")).await.unwrap();
    assert_eq!(public.len(), 60);
    assert!(client.find(Locator::Id("apply-link")).await.is_ok());

    // By touch on a 768 px tablet: a finger drags B10 six metres right, and the save holds it.
    client.set_window_size(768, 1024).await.unwrap();
    client
        .goto(&app.url("/organizer/fairs/ve-2027/plan?lang=vi"))
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("editor-svg")).await.unwrap();
    let (x, y, before) = booth(&client, "B10").await;
    assert_eq!(before, "translate(29 22)");
    let per_metre = js(&client, "return document.getElementById('editor-svg').getScreenCTM().a").await;
    let dx = 6.2 * per_metre.as_f64().unwrap();
    let mut finger = TouchActions::new("finger".into())
        .then(PointerAction::MoveTo {
            duration: None,
            x: x.round(),
            y: y.round(),
        })
        .then(PointerAction::Down { button: 0 });
    for i in 1..=8 {
        finger = finger.then(PointerAction::MoveTo {
            duration: Some(Duration::from_millis(15)),
            x: (x + dx * i as f64 / 8.0).round(),
            y: y.round(),
        });
    }
    client
        .perform_actions(finger.then(PointerAction::Up { button: 0 }))
        .await
        .unwrap();
    assert_eq!(booth(&client, "B10").await.2, "translate(35 22)");
    click(&client, "editor-save").await;
    wait_status(&client, "Đã lưu sơ đồ").await;
    let (_, list) = crate::support::json(app.get("/api/v1/fairs/ve-2027/booths").await).await;
    let b10 = list["booths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == "B10")
        .unwrap()
        .clone();
    assert_eq!(b10["x"].as_f64(), Some(35.0));

    fits_phone_and_laptop(&client, &app, &["/organizer/fairs/ve-2027/plan", &path]).await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn dragging_100_of_1000_booths_keeps_the_editor_smooth() {
    let app = crate::support::spawn().await;
    crate::support::open_fair_with_booths(&app, "lon", 1000).await;
    let (_driver, client) = browser().await;
    super::sign_in(&client, &app).await;
    client.set_window_size(1366, 768).await.unwrap();
    client
        .goto(&app.url("/organizer/fairs/lon/plan?lang=vi"))
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("editor-svg")).await.unwrap();
    // A01..A100: five rows of twenty. Then 120 pointer moves, one a frame, as a hand drags.
    let frames = client
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            const svg = document.getElementById('editor-svg');
            const picked = document.getElementById('pick-codes');
            picked.value = 'A01-A100';
            document.getElementById('editor-pick').requestSubmit();
            const chosen = document.querySelectorAll('#editor-svg .ed-booth.sel').length;
            const g = [...svg.querySelectorAll('.ed-booth.sel')][10];
            g.scrollIntoView({block: 'center'});
            const r = g.getBoundingClientRect();
            const [x0, y0] = [r.x + r.width / 2, r.y + r.height / 2];
            const send = (type, x, y) => g.dispatchEvent(new PointerEvent(type, {bubbles: true, clientX: x, clientY: y, button: 0, buttons: 1, pointerId: 1, isPrimary: true}));
            send('pointerdown', x0, y0);
            const times = [];
            let last = performance.now();
            let i = 0;
            const tick = (now) => {
              times.push(now - last);
              last = now;
              if (i++ < 120) {
                send('pointermove', x0 + i * 2, y0 + i);
                requestAnimationFrame(tick);
              } else {
                send('pointerup', x0 + i * 2, y0 + i);
                done({chosen, times: times.slice(2), booths: svg.querySelectorAll('.ed-booth').length,
                      moved: g.getAttribute('transform')});
              }
            };
            requestAnimationFrame(tick);
            "#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(frames["chosen"], 100, "{frames}");
    assert_eq!(frames["booths"], 1000);
    let mut times: Vec<f64> = frames["times"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_f64())
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (median, p95, worst) = (
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times[times.len() - 1],
    );
    println!(
        "editor: dragging 100 of 1,000 booths, {} frames: median {median:.1} ms, p95 {p95:.1} ms, worst {worst:.1} ms (60 Hz = 16.7 ms)",
        times.len()
    );
    assert_ne!(frames["moved"], serde_json::Value::Null);
    assert!(median < 50.0, "frames take {median:.1} ms at the median");
    client.close().await.unwrap();
}

#[tokio::test]
async fn every_page_of_the_demo_passes_axe_core_on_a_phone_and_a_laptop() {
    let app = crate::support::spawn_with(|s| s.demo = true).await;
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(app.data_dir.join("demo-organizer.json")).unwrap()).unwrap();
    let past = demo["exhibitor_token"].as_str().unwrap();
    let (next, token) = (
        demo["next_exhibitor"][0].as_str().unwrap(),
        demo["next_exhibitor"][1].as_str().unwrap(),
    );
    let (_driver, client) = browser().await;
    let public = [
        "/".to_owned(),
        "/login".to_owned(),
        "/fairs/ocop-ha-tinh-2022".to_owned(),
        "/fairs/ocop-ha-tinh-2022/directory".to_owned(),
        "/fairs/ocop-ha-tinh-2022?zone=A&booth=A01".to_owned(),
        format!("/fairs/{next}"),
        format!("/fairs/{next}/apply"),
        format!("/fairs/{next}/resend-link"),
        format!("/r/{past}"),
        format!("/r/{past}/sales"),
        format!("/r/{token}"),
        format!("/r/{token}/edit"),
        "/organizer/invitation/no-such-link".to_owned(),
    ];
    let paths: Vec<&str> = public.iter().map(String::as_str).collect();
    let mut found = super::survey(&client, &app, &paths).await;
    super::sign_in(&client, &app).await;
    let desk = [
        "/organizer".to_owned(),
        format!("/organizer/fairs/{next}/registrations"),
        format!("/organizer/fairs/{next}/board"),
        format!("/organizer/fairs/{next}/history"),
        format!("/organizer/fairs/{next}/announce"),
        format!("/organizer/fairs/{next}/registrations/import"),
        format!("/organizer/fairs/{next}/fees"),
        format!("/organizer/fairs/{next}/payments"),
        "/organizer/fairs/ocop-ha-tinh-2022/payments".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/receipts/1".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/payments/overdue".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/payments/import".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/board".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/revenue".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/results".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/report".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/report/print".to_owned(),
        format!("/organizer/fairs/{next}/results"),
        format!("/organizer/fairs/{next}/report"),
        "/organizer/fairs/ocop-ha-tinh-2022/books".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/mail".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/history".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/plan".to_owned(),
        "/organizer/fairs/ocop-ha-tinh-2022/print/cards".to_owned(),
    ];
    let paths: Vec<&str> = desk.iter().map(String::as_str).collect();
    found.extend(super::survey(&client, &app, &paths).await);
    // A registration's own page, reached from the queue.
    client
        .goto(&app.url(&format!("/organizer/fairs/{next}/registrations")))
        .await
        .unwrap();
    let href = client
        .find(Locator::Css("a[href^='/organizer/registrations/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    found.extend(super::survey(&client, &app, &[href.as_str()]).await);
    assert!(
        found.is_empty(),
        "(page, layout problems, axe-core violations): {found:#?}"
    );
    client.close().await.unwrap();
}
