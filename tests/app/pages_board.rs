//! The organizers' allocation board over plain HTTP forms (no JavaScript): pick, tap,
//! allocate; refusals shown in Vietnamese; the proposal drawn, accepted and discarded.

use crate::support::{json, open_fair, spawn, TestApp};
use serde_json::Value;

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn holder(app: &TestApp, code: &str) -> Option<String> {
    let (_, list): (u16, Value) = json(app.get_as_organizer("/api/v1/fairs/ht2022/booths").await).await;
    list["booths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == code)
        .and_then(|b| b["holder"]["registration"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn an_organizer_picks_an_application_taps_a_booth_and_allocates_it() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let son_kim = app.approved("ht2022", "HTX Nông nghiệp Sơn Kim", 1).await;
    let other = app.approved("ht2022", "HTX Thạch Hà", 1).await;
    let cookie = app.organizer_cookie().await;

    let anonymous = app.get("/organizer/fairs/ht2022/board").await;
    assert_eq!(anonymous.status().as_u16(), 303);
    let page = app
        .get_page(
            &format!("/organizer/fairs/ht2022/board?registration={son_kim}&booth=A02"),
            &cookie,
        )
        .await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Phân gian hàng") && html.contains("id=\"booth-panel\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("<option value=\"{son_kim}\" selected>")),
        "the picked application is chosen"
    );
    assert!(html.contains("Giao gian A02"));
    assert!(html.contains("/static/live.js"));

    let done = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "allocate"), ("booth", "A02"), ("registration", &son_kim)],
        )
        .await;
    assert_eq!(done.status().as_u16(), 303);
    assert!(location(&done).contains("done=allocate"), "{}", location(&done));
    assert_eq!(holder(&app, "A02").await.as_deref(), Some(son_kim.as_str()));

    // Somebody else's booth: refused, and the page says who has it.
    let refused = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "allocate"), ("booth", "A02"), ("registration", &other)],
        )
        .await;
    let back = location(&refused);
    assert!(back.contains("error="), "{back}");
    let html = app.get_page(&back, &cookie).await.text().await.unwrap();
    assert!(html.contains("Gian A02 đã thuộc về HTX Nông nghiệp Sơn Kim."), "{html}");
    assert_eq!(holder(&app, "A02").await.as_deref(), Some(son_kim.as_str()));

    // Move, then release, from the booth's panel; its history is listed there.
    let moved = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "move"), ("booth", "A02"), ("to", "A01")],
        )
        .await;
    assert!(location(&moved).contains("done=move"));
    assert_eq!(holder(&app, "A01").await.as_deref(), Some(son_kim.as_str()));
    let html = app
        .get_page("/organizer/fairs/ht2022/board?booth=A01", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Chuyển đến · HTX Nông nghiệp Sơn Kim (from A02)"),
        "{html}"
    );
    let released = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "release"), ("booth", "A01")],
        )
        .await;
    assert!(location(&released).contains("done=release"));
    assert_eq!(holder(&app, "A01").await, None);

    // A form without the CSRF token changes nothing.
    let forged = app
        .client
        .post(app.url("/organizer/fairs/ht2022/board"))
        .header("cookie", &cookie)
        .form(&[("action", "block"), ("booth", "A01"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert!(location(&forged).contains("error="));
    let (_, list): (u16, Value) = json(app.get("/api/v1/fairs/ht2022/booths").await).await;
    assert!(list["booths"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["status"] != "blocked"));
}

#[tokio::test]
async fn the_proposal_is_drawn_on_the_board_and_accepted_in_one_go() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let first = app.approved("ht2022", "HTX Một", 1).await;
    let second = app.approved("ht2022", "HTX Hai", 1).await;
    let cookie = app.organizer_cookie().await;
    let html = app
        .get_page("/organizer/fairs/ht2022/board?proposal=1", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"accept-proposal\"") && html.contains("Bỏ đề xuất"),
        "{html}"
    );
    assert!(
        html.contains("booth available proposed"),
        "proposed booths are drawn: {html}"
    );
    assert!(html.contains("Hết gian trống loại standard ở khu A"), "{html}");
    let version = html
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let placements = html
        .split("name=\"placements\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&#34;", "\"")
        .replace("&quot;", "\"");
    let accepted = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "accept"), ("version", &version), ("placements", &placements)],
        )
        .await;
    assert!(location(&accepted).contains("done=accept"), "{}", location(&accepted));
    assert_eq!(
        holder(&app, "A02").await.as_deref(),
        Some(first.as_str()),
        "the preferred booth"
    );
    let _ = second;
    // The same proposal again: the floor has changed.
    let stale = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "accept"), ("version", &version), ("placements", &placements)],
        )
        .await;
    let html = app.get_page(&location(&stale), &cookie).await.text().await.unwrap();
    assert!(html.contains("Sơ đồ đã thay đổi từ khi lập đề xuất"), "{html}");
}

#[tokio::test]
async fn the_picked_application_stays_in_view_with_the_booths_that_fit_and_the_rest_can_go_elsewhere() {
    let app = spawn().await;
    open_fair(&app, "ht2022").await;
    let son_kim = app.approved("ht2022", "HTX Nông nghiệp Sơn Kim", 2).await;
    let cookie = app.organizer_cookie().await;
    let html = app
        .get_page(
            &format!("/organizer/fairs/ht2022/board?registration={son_kim}"),
            &cookie,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Đang chọn: HTX Nông nghiệp Sơn Kim, cần 2 gian khu A · standard"),
        "{html}"
    );
    assert!(html.contains("class=\"picked-banner\""));
    let rect = |code: &str| {
        html.split(&format!("data-code=\"{code}\""))
            .next()
            .and_then(|before| before.rsplit("<rect").next())
            .unwrap()
            .to_owned()
    };
    assert!(rect("A02").contains(" fits"), "A02 is a free standard booth of zone A");
    assert!(
        !rect("A01").contains(" fits") && !rect("B01").contains(" fits"),
        "a corner, another zone"
    );
    assert!(html.contains("✓A02"), "fit said in text, not only by colour");
    assert!(
        html.contains(&format!("booth=A02&#38;registration={son_kim}#booth-panel")),
        "a tap comes back at the panel, the pick kept: {html}"
    );

    let other_zone = app
        .get_page(
            &format!("/organizer/fairs/ht2022/board?registration={son_kim}&booth=B01"),
            &cookie,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(other_zone.contains("id=\"mismatch\""), "{other_zone}");
    assert!(
        other_zone.contains("xin gian A standard; gian này là B double"),
        "{other_zone}"
    );

    let done = app
        .post_form(
            "/organizer/fairs/ht2022/board",
            &cookie,
            &[("action", "allocate"), ("booth", "A02"), ("registration", &son_kim)],
        )
        .await;
    let back = location(&done);
    assert!(
        back.ends_with("#booth-panel") && back.contains(&format!("registration={son_kim}")),
        "{back}"
    );
    let html = app.get_page(&back, &cookie).await.text().await.unwrap();
    assert!(
        html.contains("cần 1 gian khu A"),
        "still picked, one booth to go: {html}"
    );

    // The proposal finds no free standard booth in zone A, says where free booths are, and
    // on request places the rest elsewhere, saying why.
    let html = app
        .get_page("/organizer/fairs/ht2022/board?proposal=1", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let unplaced = html
        .split("class=\"unplaced\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(unplaced.contains("còn trống ở khu A (1), B (1)"), "{unplaced}");
    assert!(html.contains("id=\"elsewhere\""), "{html}");
    let html = app
        .get_page("/organizer/fairs/ht2022/board?proposal=1&elsewhere=1", &cookie)
        .await
        .text()
        .await
        .unwrap();
    let placed = html
        .split("class=\"proposal\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(
        placed.contains("→ HTX Nông nghiệp Sơn Kim") && placed.contains("xếp sang khu khác"),
        "{placed}"
    );
    assert!(!html.contains("class=\"unplaced\""), "nobody short now: {html}");
}
