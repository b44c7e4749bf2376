//! The pages in a real browser: Debian's Chromium driven through ChromeDriver, on a
//! phone-sized window. `scripts/test` installs both; without them this test fails, it
//! never skips.

#[path = "../support/mod.rs"]
mod support;

mod editor;
mod fees;
mod journeys;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct Driver(Child, #[allow(dead_code)] tempfile::TempDir);

impl Drop for Driver {
    fn drop(&mut self) {
        // ChromeDriver leads its own process group; ending the group ends the browsers it
        // started too, even when a failed assertion skipped `close()`.
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn browser() -> (Driver, Client) {
    let chromedriver = which("chromedriver");
    let chromium = which("chromium");
    let port = free_port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("ChromeDriver ({chromedriver}) does not start: {e}; run ./scripts/test to install it")
        });
    let profile = tempfile::tempdir().expect("profile dir");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=390,844", "--lang=vi-VN",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let caps = caps.as_object().cloned().expect("capabilities");
    let driver = Driver(child, profile);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                println!("browser: {} through {chromedriver}", version(&chromium));
                return (driver, client);
            }
            Err(err) if Instant::now() > deadline => panic!("no browser session: {err}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Signs the test organizer in through the login form.
async fn sign_in(client: &Client, app: &crate::support::TestApp) {
    client.goto(&app.url("/login")).await.unwrap();
    client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(&app.organizer_email)
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&app.organizer_password)
        .await
        .unwrap();
    client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Css("main strong")).await.unwrap();
}

fn which(name: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .expect("sh");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        !path.is_empty(),
        "{name} is not installed; run ./scripts/test, which installs it"
    );
    path
}

fn version(chromium: &str) -> String {
    Command::new(chromium)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_floor_plan_and_sign_in_work_in_chromium_on_a_phone() {
    let app = crate::support::spawn().await;
    assert_eq!(app.create_fair("trinh-duyet").await.status().as_u16(), 201);
    assert_eq!(
        app.put_booths("trinh-duyet", &crate::support::plan_body())
            .await
            .status()
            .as_u16(),
        200
    );
    let (_driver, client) = browser().await;

    client.goto(&app.url("/fairs/trinh-duyet")).await.expect("page opens");
    let heading = client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022");
    let booths = client.find_all(Locator::Css("#floor-plan rect.booth")).await.unwrap();
    assert_eq!(booths.len(), 3);
    // The plan is drawn at a readable size even on a 390 px screen (it scrolls sideways).
    let width = client
        .execute(
            "return document.querySelector('#floor-plan').getBoundingClientRect().width",
            vec![],
        )
        .await
        .unwrap();
    assert!(width.as_f64().unwrap() >= 600.0, "plan width {width}");
    // Tapping a booth opens its card.
    client
        .find(Locator::Css("a.booth-link[href^='?booth=B01']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("selected-booth"));
    assert!(url.query().unwrap_or("").contains("booth=B01"), "{url}");
    let card = client
        .find(Locator::Id("selected-booth"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(card.contains("B01") && card.contains("Khu các sở, ngành"), "{card}");
    // A zone's tab shows that zone alone; "Vừa khung" fits the drawing to the phone.
    client
        .find(Locator::LinkText("B · Khu các sở, ngành"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let booths = client.find_all(Locator::Css("#floor-plan rect.booth")).await.unwrap();
    assert_eq!(booths.len(), 1, "zone B has one booth");
    client
        .find(Locator::Css("button[data-zoom='fit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let fitted = client
        .execute(
            "const s = document.querySelector('#floor-plan'); return [s.getBoundingClientRect().width, s.parentElement.clientWidth]",
            vec![],
        )
        .await
        .unwrap();
    let (drawn, frame) = (fitted[0].as_f64().unwrap(), fitted[1].as_f64().unwrap());
    assert!(drawn <= frame, "fitted: {drawn} in {frame}");
    // The booth list reads as cards on a phone, each value named.
    let label = client
        .execute(
            "return getComputedStyle(document.querySelector('#booth-B01 td'), '::before').content",
            vec![],
        )
        .await
        .unwrap();
    let label = label.as_str().unwrap_or("");
    assert!(
        label.contains("Mã") || label.contains("Code"),
        "each value named: {label}"
    );

    sign_in(&client, &app).await;
    assert_eq!(client.current_url().await.unwrap().path(), "/organizer");
    let body = client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(body.contains(&app.organizer_email), "{body}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_exhibitor_applies_on_a_phone_and_opens_the_private_link() {
    let app = crate::support::spawn().await;
    crate::support::open_fair(&app, "dang-ky-tren-dien-thoai").await;
    let (_driver, client) = browser().await;
    open_application_form(&client, &app, "dang-ky-tren-dien-thoai").await;

    let fill = |id: &'static str, text: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(text)
                .await
                .unwrap()
        }
    };
    fill("organization", "HTX Nông nghiệp Sơn Kim").await;
    fill("tax_code", "0312687878").await;
    fill("representative", "Nguyễn Văn An").await;
    fill("phone", "0912 345 67").await; // one digit short
    fill("email", "htx.sonkim@example.vn").await;
    fill("address.commune", "Sơn Kim 1").await;
    fill("address.province", "Hà Tĩnh").await;
    fill("products.0.name", "Cam bù Hương Sơn").await;
    client
        .find(Locator::Css("form.apply button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The form comes back with the phone named, in Vietnamese, and what was typed kept.
    let error = client
        .wait()
        .for_element(Locator::Css("#form-errors"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("Số điện thoại di động"), "{error}");
    let kept = client
        .find(Locator::Id("organization"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("HTX Nông nghiệp Sơn Kim"));
    let phone = client.find(Locator::Id("phone")).await.unwrap();
    phone.clear().await.unwrap();
    phone.send_keys("0912 345 678").await.unwrap();
    client
        .find(Locator::Css("form.apply button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let notice = client
        .wait()
        .for_element(Locator::Id("submitted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("Ban tổ chức đã nhận hồ sơ"), "{notice}");
    let link = client
        .find(Locator::Css(".private-link a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    // The whole address, to paste into Zalo, with a copy button and what happens next.
    assert!(link.starts_with(&app.url("/r/")) && link.len() > 60, "{link}");
    assert!(notice.contains("xét duyệt") && notice.contains(&link), "{notice}");
    let copy = client.find(Locator::Css("#submitted [data-copy]")).await.unwrap();
    assert!(
        copy.is_displayed().await.unwrap(),
        "a copy button where the clipboard is writable"
    );
    let status = client.find(Locator::Id("status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "Đã nộp");

    // The private link opens the application again, as a bookmark would.
    client.goto(&link).await.unwrap();
    let heading = client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "HTX Nông nghiệp Sơn Kim");
    let (_, list) = crate::support::json(
        app.get_as_organizer("/api/v1/fairs/dang-ky-tren-dien-thoai/registrations")
            .await,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["registrations"][0]["organization"], "HTX Nông nghiệp Sơn Kim");
    client.close().await.unwrap();
}

#[tokio::test]
async fn plans_follow_allocations_live_and_an_organizer_allocates_by_tapping() {
    let app = crate::support::spawn().await;
    crate::support::open_fair(&app, "ht2022").await;
    let approve = |name: &'static str| {
        let app = &app;
        async move {
            let mut body = crate::support::application_body();
            body["organization"] = json!(name);
            let (_, applied) =
                crate::support::json(app.post_json("/api/v1/fairs/ht2022/registrations", &body).await).await;
            let id = applied["id"].as_str().unwrap().to_owned();
            app.post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
                .await;
            id
        }
    };
    let elsewhere = approve("HTX Bàn Bên").await;
    approve("HTX Nông nghiệp Sơn Kim").await;
    let (_driver, client) = browser().await;

    // A visitor watches the public plan while an organizer elsewhere allocates A01.
    client.goto(&app.url("/fairs/ht2022")).await.unwrap();
    let class_of = |code: &'static str| {
        let client = client.clone();
        async move {
            client
                .execute(
                    &format!("return document.querySelector('rect[data-code=\"{code}\"]').getAttribute('class')"),
                    vec![],
                )
                .await
                .unwrap()
                .as_str()
                .unwrap_or("")
                .to_owned()
        }
    };
    assert_eq!(class_of("A01").await, "booth available");
    let allocated = app
        .post_json(
            "/api/v1/fairs/ht2022/allocations",
            &json!({"booth": "A01", "registration": elsewhere}),
        )
        .await;
    assert_eq!(allocated.status().as_u16(), 201);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !class_of("A01").await.contains("allocated") {
        assert!(Instant::now() < deadline, "the plan did not follow the allocation");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/fairs/ht2022", "no reload, no navigation");
    let badge = client
        .execute(
            "return document.querySelector('[data-status-of=\"A01\"]').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        matches!(badge.as_str(), Some("Đã phân" | "Allocated")),
        "the status in words, not only colour: {badge}"
    );

    // The organizer signs in on the phone, picks the application and taps a booth.
    sign_in(&client, &app).await;
    client
        .goto(&app.url("/organizer/fairs/ht2022/board?lang=vi"))
        .await
        .unwrap();
    client
        .find(Locator::LinkText("HTX Nông nghiệp Sơn Kim"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css(".wanting li.selected"))
        .await
        .unwrap();
    client
        .execute(
            "document.getElementById('tap-A02').dispatchEvent(new MouseEvent('click', {bubbles: true}))",
            vec![],
        )
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("booth-panel")).await.unwrap();
    let button = client.find(Locator::Id("allocate")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Giao gian A02");
    button.click().await.unwrap();
    let flash = client.wait().for_element(Locator::Id("flash")).await.unwrap();
    assert_eq!(flash.text().await.unwrap(), "Đã giao gian.");
    assert!(class_of("A02").await.contains("allocated"));
    let panel = client
        .find(Locator::Id("booth-panel"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(panel.contains("HTX Nông nghiệp Sơn Kim"), "{panel}");
    client.close().await.unwrap();
}

/// What is wrong with the page's layout at this window size: sideways scrolling, controls
/// smaller than 44 px to tap, text under 12 px.
async fn layout_problems(client: &Client) -> Vec<String> {
    let found = client
        .execute(
            r#"
            const problems = [];
            const root = document.documentElement;
            if (root.scrollWidth > window.innerWidth + 1) {
              problems.push(`page is ${root.scrollWidth} px wide in a ${window.innerWidth} px window`);
            }
            const visible = (el) => {
              const r = el.getBoundingClientRect();
              return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
            };
            for (const el of document.querySelectorAll('button, input:not([type=hidden]), select, textarea, nav a, a.button')) {
              if (!visible(el) || el.type === 'checkbox') continue;
              // A radio button is tapped through its label: the label is the target.
              const label = el.type === 'radio' && el.closest('label');
              if (label && label.getBoundingClientRect().height >= 43.5) continue;
              const r = el.getBoundingClientRect();
              if (r.height < 43.5) problems.push(`${el.outerHTML.slice(0, 80)} is ${r.height.toFixed(1)} px tall`);
            }
            for (const el of document.querySelectorAll('main *, header *')) {
              if (!visible(el) || !el.childNodes.length) continue;
              const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
              // SVG text is sized in the drawing's units: scale it to the screen.
              const scale = el instanceof SVGGraphicsElement && el.getScreenCTM() ? el.getScreenCTM().a : 1;
              const size = parseFloat(getComputedStyle(el).fontSize) * scale;
              if (own && size < 11.95) {
                problems.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" has ${size.toFixed(1)} px text`);
              }
            }
            return problems;
            "#,
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// axe-core's source, as `scripts/test` installs it (`HOICHO_AXE`).
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var("HOICHO_AXE").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.cache/hoicho/axe-4.10.3/node_modules/axe-core/axe.min.js")
        });
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("axe-core is not at {path} ({e}); run ./scripts/test, which installs it"))
    })
}

/// The fair's page in Vietnamese, as the province's phones are set (a cookie keeps the
/// choice), and its "apply" link followed to the form.
async fn open_application_form(client: &Client, app: &crate::support::TestApp, fair: &str) {
    client.goto(&app.url(&format!("/fairs/{fair}?lang=vi"))).await.unwrap();
    client
        .find(Locator::Id("apply-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("organization")).await.unwrap();
}

/// The serious and critical accessibility violations axe-core finds on the page shown.
async fn axe_problems(client: &Client) -> Vec<String> {
    client.execute(axe_source(), vec![]).await.unwrap();
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations
               .filter((v) => v.impact === 'serious' || v.impact === 'critical')
               .map((v) => `${v.id} (${v.impact}, ${v.nodes.length}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`)),
               (e) => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// What `paths` show at a 360 px phone and a 1366 px laptop: (path and width, layout
/// problems, axe-core's serious violations), for each that has either.
async fn survey(
    client: &Client,
    app: &crate::support::TestApp,
    paths: &[&str],
) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut found = Vec::new();
    for (width, height) in [(360, 780), (1366, 768)] {
        client.set_window_size(width, height).await.unwrap();
        for path in paths {
            client.goto(&app.url(path)).await.unwrap();
            let (layout, axe) = (layout_problems(client).await, axe_problems(client).await);
            if !layout.is_empty() || !axe.is_empty() {
                found.push((format!("{path} at {width} px"), layout, axe));
            }
        }
    }
    client.set_window_size(390, 844).await.unwrap();
    found
}

/// Each of `paths` at a 360 px phone and a 1366 px laptop, without a layout problem or a
/// serious accessibility violation.
async fn fits_phone_and_laptop(client: &Client, app: &crate::support::TestApp, paths: &[&str]) {
    let found = survey(client, app, paths).await;
    assert!(
        found.is_empty(),
        "(page, layout problems, axe-core violations): {found:#?}"
    );
}

/// Sets a form field's value as a person picking it would (date pickers are the browser's).
async fn set_value(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "const el = document.getElementById(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn an_organizer_creates_a_fair_imports_its_plan_and_opens_it_in_chromium() {
    let app = crate::support::spawn().await;
    let (_driver, client) = browser().await;
    sign_in(&client, &app).await;
    // Vietnamese, as the organizers read it (the choice is kept in a cookie).
    client.goto(&app.url("/organizer?lang=vi")).await.unwrap();
    client
        .find(Locator::Id("new-fair"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("name")).await.unwrap();
    for (id, text) in [
        ("id", "ocop-thu-2027"),
        ("name", "Hội chợ OCOP thử 2027"),
        ("venue", "Nhà văn hóa tỉnh"),
        ("contact_phone", "0239 3855 123"),
    ] {
        client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    for (id, value) in [
        ("start_date", "2027-03-10"),
        ("end_date", "2027-03-14"),
        ("registration_opens_at", "2026-11-01T08:00"),
        ("registration_closes_at", "2027-03-01T17:00"),
    ] {
        set_value(&client, id, value).await;
    }
    client.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("open-now")).await.ok();
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/organizer/fairs/ocop-thu-2027/settings", "{url}");

    // The plan page: a CSV chosen as a file is read into the form, previewed, confirmed.
    client
        .goto(&app.url("/organizer/fairs/ocop-thu-2027/plan"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("so-do.csv");
    let mut csv = String::from("code,zone,zone_name,kind,width_m,depth_m,price_vnd,x,y\n");
    for i in 0..30 {
        let zone = if i < 20 { "A" } else { "B" };
        csv.push_str(&format!(
            "{zone}{:02},{zone},Khu {zone},standard,3,3,3000000,{},{}\n",
            i + 1,
            (i % 10) * 3,
            (i / 10) * 5
        ));
    }
    std::fs::write(&file, csv).unwrap();
    client
        .find(Locator::Id("plan-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = client
            .execute("return document.getElementById('csv').value", vec![])
            .await
            .unwrap();
        if text.as_str().unwrap_or("").contains("A01") {
            break;
        }
        assert!(Instant::now() < deadline, "the file was not read into the form");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .find(Locator::Id("preview-import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let preview = client
        .wait()
        .for_element(Locator::Id("import-preview"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("Thêm gian (30)"), "{preview}");
    client
        .find(Locator::Id("confirm-import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Css("p.notice")).await.unwrap();
    let booths = client.find_all(Locator::Css("#floor-plan rect.booth")).await.unwrap();
    assert_eq!(booths.len(), 30);

    // Applications open by a button; the public page shows the plan and the form.
    client
        .goto(&app.url("/organizer/fairs/ocop-thu-2027/settings"))
        .await
        .unwrap();
    if client.find(Locator::Id("open-now")).await.is_ok() {
        client
            .find(Locator::Id("open-now"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client.wait().for_element(Locator::Id("close-now")).await.unwrap();
    }
    client.goto(&app.url("/fairs/ocop-thu-2027")).await.unwrap();
    assert_eq!(
        client
            .find_all(Locator::Css("#floor-plan rect.booth"))
            .await
            .unwrap()
            .len(),
        30
    );
    assert!(client.find(Locator::Id("apply-link")).await.is_ok());
    assert!(client.find(Locator::Css("a[href='tel:02393855123']")).await.is_ok());

    fits_phone_and_laptop(
        &client,
        &app,
        &[
            "/organizer",
            "/organizer/team",
            "/organizer/fairs/new",
            "/organizer/fairs/ocop-thu-2027/settings",
            "/organizer/fairs/ocop-thu-2027/rules",
            "/organizer/fairs/ocop-thu-2027/plan",
            "/organizer/fairs/ocop-thu-2027/print/plan",
            "/organizer/fairs/ocop-thu-2027/print/exhibitors",
            "/organizer/fairs/ocop-thu-2027/registrations/new",
        ],
    )
    .await;
    client.close().await.unwrap();
}

/// How many pages a PDF has, and its first page's size in points.
fn pdf_pages(pdf: &[u8]) -> (usize, Vec<f64>) {
    let text = String::from_utf8_lossy(pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    let media = text
        .split("/MediaBox [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .map(|b| b.split_whitespace().filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default();
    (pages, media)
}

#[tokio::test]
async fn the_printed_floor_plan_fits_one_landscape_a4_page() {
    use fantoccini::wd::{PrintConfiguration, PrintOrientation, PrintSize};
    let app = crate::support::spawn().await;
    crate::support::open_fair_with_booths(&app, "in-an", 100).await;
    let id = app.approved("in-an", "HTX Nông nghiệp Sơn Kim", 1).await;
    let (_, list) = crate::support::json(app.get("/api/v1/fairs/in-an/booths").await).await;
    let first = list["booths"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(app.allocate("in-an", &first, &id).await.0, 201);
    let (_driver, client) = browser().await;
    sign_in(&client, &app).await;
    client
        .goto(&app.url("/organizer/fairs/in-an/print/plan?lang=vi"))
        .await
        .unwrap();
    let config = PrintConfiguration::builder()
        .orientation(PrintOrientation::Landscape)
        .size(PrintSize::A4)
        .build()
        .unwrap();
    let pdf = client.print(config).await.unwrap();
    let (pages, media) = pdf_pages(&pdf);
    assert_eq!(pages, 1, "the plan fits one page");
    assert!(media.len() == 4 && media[2] > media[3], "landscape: {media:?}");
    // The booth cards, one a page: the count reads what Chromium wrote.
    let other = app.approved("in-an", "HTX Thạch Hà", 1).await;
    let second = list["booths"][1]["code"].as_str().unwrap().to_owned();
    assert_eq!(app.allocate("in-an", &second, &other).await.0, 201);
    client
        .goto(&app.url("/organizer/fairs/in-an/print/cards?lang=vi"))
        .await
        .unwrap();
    let config = PrintConfiguration::builder().size(PrintSize::A4).build().unwrap();
    let (pages, _) = pdf_pages(&client.print(config).await.unwrap());
    assert_eq!(pages, 2, "a card a page");
    client.close().await.unwrap();
}

/// The post-fair report of the demo fair printed by Chromium: A4 portrait, a few pages, its
/// tables and charts inside the page's width.
#[tokio::test]
async fn the_report_prints_on_a4_portrait() {
    use fantoccini::wd::{PrintConfiguration, PrintSize};
    let app = crate::support::spawn_with(|s| s.demo = true).await;
    let (_driver, client) = browser().await;
    sign_in(&client, &app).await;
    client
        .goto(&app.url("/organizer/fairs/ocop-ha-tinh-2022/report/print?lang=vi"))
        .await
        .unwrap();
    let text = client
        .find(Locator::Css("#report"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("Siêu thị Co.op Mart Hà Tĩnh và 25 chủ thể OCOP"),
        "{text}"
    );
    let config = PrintConfiguration::builder().size(PrintSize::A4).build().unwrap();
    let pdf = client.print(config).await.unwrap();
    let (pages, media) = pdf_pages(&pdf);
    assert!((2..=12).contains(&pages), "{pages} pages");
    assert!(
        media.len() == 4 && (media[2] - 595.0).abs() < 2.0 && (media[3] - 842.0).abs() < 2.0,
        "A4 portrait: {media:?}"
    );
    client.close().await.unwrap();
}

/// The application form's commune picker on a 390 px phone: "duc lang" typed after the
/// province finds Xã Đức Đồng, which took in Xã Đức Lạng; a tap fills the commune and the
/// former district. With the list open the page still fits and axe-core finds nothing serious.
#[tokio::test]
async fn the_commune_picker_finds_a_former_commune_by_any_spelling() {
    let app = crate::support::spawn().await;
    crate::support::open_fair(&app, "chon-xa").await;
    let (_driver, client) = browser().await;
    open_application_form(&client, &app, "chon-xa").await;
    let province = client
        .wait()
        .for_element(Locator::Id("address.province"))
        .await
        .unwrap();
    province.send_keys("Hà Tĩnh").await.unwrap();
    let commune = client.find(Locator::Id("address.commune")).await.unwrap();
    commune.send_keys("duc lang").await.unwrap();
    let option = client
        .wait()
        .for_element(Locator::Css("#commune-options li[role=option]"))
        .await
        .unwrap();
    let shown = option.text().await.unwrap();
    assert!(shown.contains("Xã Đức Đồng"), "{shown}");
    assert!(shown.contains("gồm Xã Đức Lạng, Huyện Đức Thọ cũ"), "{shown}");
    assert_eq!(commune.attr("aria-expanded").await.unwrap().as_deref(), Some("true"));
    let layout = layout_problems(&client).await;
    assert!(layout.is_empty(), "with the list open: {layout:#?}");
    let axe = axe_problems(&client).await;
    assert!(axe.is_empty(), "with the list open: {axe:#?}");

    option.click().await.unwrap();
    let value = |id: &'static str| {
        let client = client.clone();
        async move { client.find(Locator::Id(id)).await.unwrap().prop("value").await.unwrap() }
    };
    assert_eq!(value("address.commune").await.as_deref(), Some("Xã Đức Đồng"));
    assert_eq!(value("address.legacy_district").await.as_deref(), Some("Huyện Đức Thọ"));
    assert_eq!(commune.attr("aria-expanded").await.unwrap().as_deref(), Some("false"));
    let path = client.current_url().await.unwrap();
    fits_phone_and_laptop(&client, &app, &[path.path()]).await;
}
