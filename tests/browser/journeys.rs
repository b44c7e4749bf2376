//! The exhibitor's phone journey and the organizers' daily work in Chromium: the short
//! household form, a lost link sent again, a day's sales corrected rather than doubled, the
//! review queue keeping its search and ticks through a bulk approval, and the board keeping
//! the picked application in view. Each page on the way passes the layout checks and
//! axe-core at a phone's and a laptop's width.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, fits_phone_and_laptop, sign_in};

async fn js(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, vec![]).await.unwrap()
}

async fn visible(client: &Client, selector: &str) -> bool {
    client
        .execute(
            "const el = document.querySelector(arguments[0]); return !!el && el.offsetParent !== null",
            vec![json!(selector)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn choose(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "const el = document.getElementById(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap();
}

async fn click(client: &Client, selector: &str) {
    client
        .find(Locator::Css(selector))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_household_applies_on_the_short_form_and_gets_its_link_sent_again() {
    let app = crate::support::spawn().await;
    crate::support::open_fair(&app, "ho-gia-dinh").await;
    let (_driver, client) = browser().await;
    client.goto(&app.url("/fairs/ho-gia-dinh/apply?lang=vi")).await.unwrap();
    // One product, no delegation: two phone screens, not seven.
    assert!(visible(&client, "[data-row='0']").await && !visible(&client, "[data-row='1']").await);
    assert!(
        !visible(&client, "#producers").await,
        "the delegation section only for a delegation"
    );
    choose(&client, "producer_type", "doan").await;
    assert!(visible(&client, "#producers").await);
    choose(&client, "producer_type", "ho_kinh_doanh").await;
    assert!(!visible(&client, "#producers").await);
    assert!(
        visible(&client, "#email-hint").await,
        "a household may leave the email empty"
    );
    assert!(!visible(&client, "label[for=email] .req").await, "no * on its email");
    click(&client, "button[data-rows='products']").await;
    assert!(visible(&client, "[data-row='1']").await, "a second product at a tap");
    assert_eq!(
        client.current_url().await.unwrap().path(),
        "/fairs/ho-gia-dinh/apply",
        "no round trip"
    );
    let height = js(&client, "return document.documentElement.scrollHeight")
        .await
        .as_f64()
        .unwrap();
    assert!(height < 844.0 * 5.0, "the form is {height} px long");
    // Sent with a field missing: the list of problems links to it.
    for (id, text) in [
        ("organization", "Hộ bà Trần Thị Tư"),
        ("representative", "Trần Thị Tư"),
        ("address.commune", "Thạch Kim"),
        ("address.province", "Hà Tĩnh"),
        ("products.0.name", "Nước mắm Cửa Sót"),
    ] {
        type_into(&client, id, text).await;
    }
    click(&client, "form.apply button[type=submit]:not([name])").await;
    client.wait().for_element(Locator::Id("form-errors")).await.unwrap();
    client
        .find(Locator::Css("#form-errors a[href='#phone']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let focused = js(&client, "return location.hash").await;
    assert_eq!(focused.as_str(), Some("#phone"));
    type_into(&client, "phone", "0912 345 678").await;
    click(&client, "form.apply button[type=submit]:not([name])").await;
    client.wait().for_element(Locator::Id("private-link")).await.unwrap();
    let page = client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Hộ bà Trần Thị Tư") && page.contains("0912 345 678"),
        "{page}"
    );

    // Another exhibitor lost its link: "Mất đường dẫn riêng?" sends it to the address the
    // application gave, and says the same whatever was typed.
    let (status, _) = app.apply("ho-gia-dinh", &crate::support::application_body()).await;
    assert_eq!(status, 201);
    client.goto(&app.url("/fairs/ho-gia-dinh?lang=vi")).await.unwrap();
    click(&client, "#lost-link").await;
    client.wait().for_element(Locator::Id("contact")).await.unwrap();
    type_into(&client, "contact", "0912 345 678").await;
    click(&client, "#resend").await;
    client.wait().for_element(Locator::Id("resend-done")).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, mail) = crate::support::json(
            app.get_as_organizer("/api/v1/fairs/ho-gia-dinh/mail?template=access_link_resent")
                .await,
        )
        .await;
        let resent = mail["notifications"].as_array().unwrap();
        if !resent.is_empty() {
            // The phone matches both applications; only the one with an address is sent to.
            assert_eq!(resent.len(), 1, "{mail}");
            assert_eq!(resent[0]["recipient"]["email"], "htx.sonkim@example.vn");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{mail}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    fits_phone_and_laptop(
        &client,
        &app,
        &["/fairs/ho-gia-dinh/apply", "/fairs/ho-gia-dinh/resend-link"],
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_day_typed_again_is_corrected_not_doubled_on_a_phone() {
    let app = crate::support::spawn().await;
    crate::support::fair_on_days(&app, "ban-hang", -1, 3).await;
    let (_, token) = crate::support::exhibitor(&app, "ban-hang", crate::support::application_body(), Some("A02")).await;
    let (_driver, client) = browser().await;
    let url = app.url(&format!("/r/{token}/sales?lang=vi"));
    client.goto(&url).await.unwrap();
    assert!(
        !visible(&client, "#mode").await,
        "nothing recorded yet: no choice to make"
    );
    type_into(&client, "amount", "3,5 triệu").await;
    click(&client, "#record").await;
    client.wait().for_element(Locator::Id("flash")).await.unwrap();
    let total = client.find(Locator::Id("total")).await.unwrap().text().await.unwrap();
    assert_eq!(total, "3.500.000 ₫");
    let has = client.find(Locator::Id("day-has")).await.unwrap().text().await.unwrap();
    assert!(has.contains("3.500.000 ₫"), "{has}");
    assert!(
        visible(&client, "#mode").await,
        "the day has an amount: whole day or one more?"
    );
    // Yesterday has nothing: the choice goes away for it.
    let yesterday = js(&client, "return document.querySelector('#day option').value").await;
    choose(&client, "day", yesterday.as_str().unwrap()).await;
    assert!(!visible(&client, "#mode").await);
    let today = js(&client, "return document.querySelector('#day option:last-child').value").await;
    choose(&client, "day", today.as_str().unwrap()).await;
    assert!(visible(&client, "#mode").await);
    type_into(&client, "amount", "4 triệu").await;
    click(&client, "input[name=mode][value=total]").await;
    click(&client, "#record").await;
    // The page before the answer had a flash of its own: wait for the new page's total.
    let mut total = String::new();
    for _ in 0..50 {
        let now = js(
            &client,
            "const t = document.getElementById('total'); return t ? t.textContent : ''",
        )
        .await;
        total = now.as_str().unwrap_or_default().trim().to_owned();
        if total != "3.500.000 ₫" && !total.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client.wait().for_element(Locator::Id("flash")).await.unwrap();
    assert_eq!(total, "4.000.000 ₫", "corrected, not 7.500.000 ₫");
    let entries = client
        .find(Locator::Css(".entries"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(entries.contains("Sửa tổng ngày thành 4.000.000 ₫"), "{entries}");
    assert_eq!(
        client
            .find_all(Locator::Css(".entries details.void"))
            .await
            .unwrap()
            .len(),
        1,
        "one 'Huỷ' for the live entry"
    );
    fits_phone_and_laptop(&client, &app, &[&format!("/r/{token}/sales")]).await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_queue_keeps_its_search_and_ticks_and_the_board_its_pick() {
    let app = crate::support::spawn().await;
    crate::support::open_fair(&app, "hang-doi").await;
    for (name, phone) in [
        ("HTX Chè Đức Thọ", "0912 000 001"),
        ("Cơ sở Nước mắm Cửa Hội", "0912 000 002"),
        ("HTX Cam Vũ Quang", "0912 000 003"),
    ] {
        let mut body = crate::support::application_body();
        body["organization"] = json!(name);
        body["phone"] = json!(phone);
        app.apply("hang-doi", &body).await;
    }
    let (_driver, client) = browser().await;
    client.set_window_size(1366, 768).await.unwrap();
    sign_in(&client, &app).await;
    client
        .goto(&app.url("/organizer/fairs/hang-doi/registrations?lang=vi&q=htx&sort=organization"))
        .await
        .unwrap();
    for name in ["HTX Chè Đức Thọ", "HTX Cam Vũ Quang"] {
        click(&client, &format!("input[aria-label='{name}']")).await;
    }
    click(&client, ".bulk-actions button[type=submit]").await;
    client.wait().for_element(Locator::Id("confirm")).await.unwrap();
    click(&client, "#confirm").await;
    client.wait().for_element(Locator::Css("p.notice")).await.unwrap();
    let search = js(&client, "return document.querySelector('input[name=q]').value").await;
    assert_eq!(search.as_str(), Some("htx"), "the search survives");
    let ticked = js(
        &client,
        "return [...document.querySelectorAll('input[name=ids]:checked')].map((b) => b.getAttribute('aria-label'))",
    )
    .await;
    assert_eq!(
        ticked,
        json!(["HTX Cam Vũ Quang", "HTX Chè Đức Thọ"]),
        "the ticks survive, in the order kept"
    );
    let rows = client
        .find(Locator::Css("table.review tbody"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !rows.contains("Nước mắm") && rows.matches("Đã duyệt").count() == 2,
        "{rows}"
    );

    // The board: the picked application stays in view while the plan scrolls.
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&app.url("/organizer/fairs/hang-doi/board?lang=vi"))
        .await
        .unwrap();
    client
        .find(Locator::LinkText("HTX Cam Vũ Quang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("picked")).await.unwrap();
    js(
        &client,
        "window.scrollTo(0, document.getElementById('floor-plan').getBoundingClientRect().top + window.scrollY)",
    )
    .await;
    let top = js(
        &client,
        "return document.getElementById('picked').getBoundingClientRect().top",
    )
    .await;
    assert!(top.as_f64().unwrap().abs() < 1.0, "the banner sticks to the top: {top}");
    assert!(visible(&client, "rect.booth.fits").await, "a booth that fits is marked");
    client
        .execute(
            "document.querySelector('rect.booth.fits').closest('a').dispatchEvent(new MouseEvent('click', {bubbles: true}))",
            vec![],
        )
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("booth-panel")).await.unwrap();
    let url = client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("booth-panel"), "back at the panel, not the top");
    let panel_top = js(
        &client,
        "return document.getElementById('booth-panel').getBoundingClientRect().top",
    )
    .await;
    assert!(
        panel_top.as_f64().unwrap() < 844.0,
        "the panel is on screen: {panel_top}"
    );
    fits_phone_and_laptop(
        &client,
        &app,
        &[
            "/organizer/fairs/hang-doi/registrations?q=htx",
            "/organizer/fairs/hang-doi/registrations/import",
            "/organizer/fairs/hang-doi/announce",
            "/organizer/fairs/hang-doi/board?proposal=1",
        ],
    )
    .await;
    client.close().await.unwrap();
}
