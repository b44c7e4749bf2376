//! The `hoicho` binary as an operator uses it: serve, a second serve, organizer add while
//! serving, export and import, SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::binary::{hoicho, serve, until, Server, BIN};

#[tokio::test]
async fn a_second_serve_on_the_same_data_directory_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let _first = serve(dir.path(), &[]);
    let second = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another hoicho is already serving"), "{stderr}");
}

#[tokio::test]
async fn organizer_add_works_while_the_server_runs_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let out = hoicho(
        &["organizer", "add", "--email", "Chi.Mai@SoCongThuong.gov.vn", "--json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(added["email"], "chi.mai@socongthuong.gov.vn");
    assert!(added["password"].as_str().unwrap().len() >= 16);
    let token = added["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43, "256 random bits");

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/events", server.url);
    until("the server accepts the new token", || {
        let request = client.get(&url).bearer_auth(&token).send();
        async move { request.await.map(|r| r.status().as_u16() == 200).unwrap_or(false) }
    })
    .await;

    let again = hoicho(
        &["organizer", "add", "--email", "chi.mai@socongthuong.gov.vn"],
        dir.path(),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = hoicho(&["organizer", "add", "--email", "not an email"], dir.path());
    assert!(!bad.status.success());
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), &[]);
    let health = reqwest::get(format!("{}/healthz", server.url)).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "still running 30 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The lock is released: the data directory can be served again.
    let _again = serve(dir.path(), &[]);
}

/// Reads every projection of the log in `data`.
async fn projections_of(data: &Path) -> hoicho_projections::Projections {
    let store = hoicho::store::sqlite::SqliteStore::open(data.join("events.sqlite")).unwrap();
    let mut projections = hoicho_projections::Projections::default();
    let mut after = 0;
    loop {
        let batch = hoicho::store::EventStore::read_all(&store, after, 1000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        for envelope in hoicho::replay::decode_batch(&batch) {
            projections.apply(&envelope);
        }
    }
    projections
}

#[tokio::test]
async fn export_then_import_reproduces_the_log_and_a_damaged_file_is_refused() {
    let source = tempfile::tempdir().unwrap();
    {
        // The demo fair, loaded by a server that then stops.
        let server = serve(source.path(), &["--demo"]);
        let fairs: Value = reqwest::get(format!("{}/api/v1/fairs", server.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let booths = &fairs["fairs"][0]["booths"];
        let count = |status: &str| booths[status].as_u64().unwrap_or(0);
        assert_eq!(
            count("available") + count("allocated") + count("blocked"),
            100,
            "{booths}"
        );
        assert!(
            count("allocated") >= 70,
            "the demo's approved applications hold booths: {booths}"
        );
        assert_eq!(count("blocked"), 2);
    }
    let export = source.path().join("backup.jsonl");
    let out = Command::new(BIN)
        .args(["export", "--out"])
        .arg(&export)
        .arg("--data")
        .arg(source.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 100);
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    assert!(first["data"].is_object(), "data is JSON, not a string");

    let target = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("import")
        .arg(&export)
        .arg("--data")
        .arg(target.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(projections_of(source.path()).await, projections_of(target.path()).await);

    let again = Command::new(BIN)
        .arg("import")
        .arg(&export)
        .arg("--data")
        .arg(target.path())
        .output()
        .unwrap();
    assert!(!again.status.success(), "importing into a non-empty store is refused");

    // A damaged copy: one line cut short, one line missing.
    let mut damaged: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let cut = damaged[40].len() / 2;
    damaged[40].truncate(cut);
    let damaged_path = source.path().join("damaged.jsonl");
    std::fs::write(&damaged_path, damaged.join("\n")).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("import")
        .arg(&damaged_path)
        .arg("--data")
        .arg(fresh.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 41"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(projections_of(fresh.path()).await.events, 0, "nothing was written");

    let mut gap: Vec<&str> = lines.clone();
    gap.remove(10);
    std::fs::write(&damaged_path, gap.join("\n")).unwrap();
    let out = Command::new(BIN)
        .arg("import")
        .arg(&damaged_path)
        .arg("--data")
        .arg(fresh.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 11") && stderr.contains("position"), "{stderr}");
}

#[tokio::test]
async fn every_flag_is_also_an_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("HOICHO_ADDR", "127.0.0.1:0")
        .env("HOICHO_DATA", dir.path())
        .env("HOICHO_DEMO", "true")
        .env("HOICHO_WORKERS", "1")
        .env("HOICHO_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("hoicho: ").map(str::to_owned))
        .expect("address");
    let fair: Value = reqwest::get(format!("{url}/api/v1/fairs/ocop-ha-tinh-2022"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fair["name"], "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022");
    assert!(dir.path().join("events.sqlite").exists());
    let _ = child.kill();
    let _ = child.wait();
}

/// A booth plan whose every price differs with `round`, so each PUT rewrites every booth.
fn big_plan(round: usize) -> Value {
    let booths: Vec<Value> = (0..1500)
        .map(|n| {
            serde_json::json!({"code": format!("A{n:04}"), "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3,
                "price_vnd": 3_000_000 + round * 10_000 + n, "x": (n % 50) * 3, "y": (n / 50) * 3})
        })
        .collect();
    serde_json::json!({"zones": [{"code": "A", "name": "Khu A — một tên đủ dài để chiếm chỗ trên đĩa"}], "booths": booths})
}

#[tokio::test]
async fn a_full_disk_answers_503_and_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let added = hoicho(
        &["organizer", "add", "--email", "disk@hoicho.test", "--json"],
        dir.path(),
    );
    let token = serde_json::from_slice::<Value>(&added.stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A real write error from the kernel: the file-size limit makes writes past 6 MiB fail
    // with EFBIG (the signal that would otherwise kill the process is ignored, as a server
    // under a quota sees it).
    let script = format!(
        "trap '' XFSZ; ulimit -f 6144; exec {BIN} serve --addr 127.0.0.1:0 --workers 1 --data {}",
        dir.path().display()
    );
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("HOICHO_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("hoicho: ").map(str::to_owned))
        .expect("address");
    let server = Server { child, url };
    let client = reqwest::Client::new();
    let mut body = support_fair_body();
    body["id"] = "day-dia".into();
    let created = client
        .post(format!("{}/api/v1/fairs", server.url))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    let mut last_ok = None;
    let mut failure = None;
    for round in 0..40 {
        let response = client
            .put(format!("{}/api/v1/fairs/day-dia/booths", server.url))
            .bearer_auth(&token)
            .json(&big_plan(round))
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => last_ok = Some(round),
            503 => {
                assert!(response.headers().contains_key("retry-after"));
                failure = Some(response.json::<Value>().await.unwrap());
                break;
            }
            other => panic!("unexpected status {other}: {}", response.text().await.unwrap()),
        }
    }
    let failure = failure.expect("the disk filled up");
    assert_eq!(failure["error"]["code"], "unavailable", "{failure}");
    assert!(failure["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nothing was changed"));
    // Reads go on, and show the last acknowledged plan in full: nothing half-applied.
    let booths: Value = client
        .get(format!("{}/api/v1/fairs/day-dia/booths", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let booths = booths["booths"].as_array().unwrap();
    let expected_round = last_ok.map_or(usize::MAX, |r| r);
    if expected_round == usize::MAX {
        assert!(booths.is_empty());
    } else {
        assert_eq!(booths.len(), 1500);
        assert!(booths
            .iter()
            .enumerate()
            .all(|(n, b)| b["price_vnd"] == 3_000_000 + expected_round * 10_000 + n));
    }
    drop(server);
    // After a restart without the limit, the log holds exactly what was acknowledged.
    let projections = projections_of(dir.path()).await;
    let fair = projections.fairs.get("day-dia").unwrap();
    assert_eq!(fair.booths.len(), booths.len());
}

fn support_fair_body() -> Value {
    serde_json::json!({
        "id": "x", "name": "Hội chợ", "venue": "Hà Tĩnh", "start_date": "2022-01-21", "end_date": "2022-01-25",
        "registration_opens_at": "2021-12-20T08:00:00+07:00", "registration_closes_at": "2022-01-10T17:00:00+07:00"
    })
}

/// `hoicho serve --demo` logging at `level` to a file, as an operator runs it.
struct LoggedDemo {
    child: std::process::Child,
    log: std::path::PathBuf,
    url: String,
    /// The demo organizer's API token.
    organizer: String,
}

fn serve_demo_logged(dir: &Path, level: &str, extra: &[&str]) -> LoggedDemo {
    let log = dir.join("stderr.log");
    let args: Vec<&str> = std::iter::once("--demo").chain(extra.iter().copied()).collect();
    let (child, url, organizer) = crate::support::binary::serve_logged(&dir.join("data"), &log, level, &args);
    LoggedDemo {
        child,
        log,
        url,
        organizer: organizer.expect("the demo organizer"),
    }
}

#[tokio::test]
async fn the_smtp_password_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: every attempt fails and is logged.
    let LoggedDemo { mut child, log, .. } = serve_demo_logged(
        dir.path(),
        "info",
        &["--smtp", "smtp://mailer:hunter2@127.0.0.1:9", "--mail-retry", "100ms"],
    );
    until("mail attempts have been logged", || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        async move { text.contains("deferred") }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("smtp://mailer:***@127.0.0.1:9"), "the transport is named");
    assert!(!text.contains("hunter2"), "{text}");

    let refused = Command::new(BIN)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--smtp",
            "ftp://mailer:hunter2@example.vn",
        ])
        .arg("--data")
        .arg(dir.path().join("other"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("is not an SMTP URL") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_private_links_token_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // At debug, every line logged inside a request carries the request's span.
    let LoggedDemo {
        mut child,
        log,
        url,
        organizer,
    } = serve_demo_logged(dir.path(), "debug", &[]);
    let client = reqwest::Client::new();
    // The demo fair's registration has closed: an organizer enters the application.
    let applied: Value = client
        .post(format!("{url}/api/v1/fairs/ocop-ha-tinh-2022/registrations"))
        .bearer_auth(&organizer)
        .json(&crate::support::application_body())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = applied["access_token"].as_str().expect("applied").to_owned();
    // A page, an error (a form with no form content type: 400, logged as a warning) and an
    // unknown page, all under the private link.
    let page = client.get(format!("{url}/r/{token}")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let bad = client
        .post(format!("{url}/r/{token}/withdraw"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let missing = client.get(format!("{url}/r/{token}/nothing")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    until("the failed request has been logged", || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        async move { text.contains("withdraw") && text.contains("400") }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&token), "{text}");
    assert!(!text.contains(&organizer), "{text}");
    assert!(
        text.contains("path=/r/…/withdraw") && text.contains("status=400"),
        "the request is logged, its token masked: {text}"
    );
}

#[tokio::test]
async fn the_demo_has_a_past_fair_and_an_upcoming_one_to_try_every_flow_in() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (next, head) = {
        let server = serve(dir.path(), &["--demo"]);
        let fairs: Value = client
            .get(format!("{}/api/v1/fairs", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let fairs = fairs["fairs"].as_array().unwrap().clone();
        assert_eq!(fairs.len(), 2, "{fairs:?}");
        let past = fairs.iter().find(|f| f["id"] == "ocop-ha-tinh-2022").unwrap();
        let next = fairs.iter().find(|f| f["copied_from"] == "ocop-ha-tinh-2022").unwrap();
        assert_eq!(past["registration_open"], false);
        assert_eq!(next["registration_open"], true, "{next}");
        let start = chrono::NaiveDate::parse_from_str(next["start_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let days = (start - crate::support::fair_today()).num_days();
        assert!((21..=35).contains(&days), "a few weeks away: {days} days");
        assert!(next["booths"]["allocated"].as_u64().unwrap() > 0, "a few booths given");
        assert!(next["booths"]["available"].as_u64().unwrap() > 50);
        let next = next["id"].as_str().unwrap().to_owned();

        // The past fair's books are closed.
        let saved: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("demo-organizer.json")).unwrap()).unwrap();
        let token = saved["token"].as_str().unwrap().to_owned();
        let revenue: Value = client
            .get(format!("{}/api/v1/fairs/ocop-ha-tinh-2022/revenue", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(revenue["books_closed"], true, "{revenue}");

        // Waiting for review, approved and waiting for a booth, one waitlisted.
        let list = |status: &'static str| {
            let (client, url, token, next) = (client.clone(), server.url.clone(), token.clone(), next.clone());
            async move {
                let list: Value = client
                    .get(format!("{url}/api/v1/fairs/{next}/registrations?status={status}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                list["total"].as_u64().unwrap()
            }
        };
        let waiting = list("submitted").await;
        assert!(waiting >= 5, "{waiting} waiting for review");
        assert_eq!(list("waitlisted").await, 1);
        let approved = list("approved").await;
        assert!(
            approved > next_allocated(&client, &server.url, &next).await,
            "some wait for a booth"
        );

        // The public form takes an application.
        let form = client
            .get(format!("{}/fairs/{next}/apply", server.url))
            .send()
            .await
            .unwrap();
        let csrf = form
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("hoicho_csrf="))
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_owned();
        let html = form.text().await.unwrap();
        assert!(
            html.contains("Bản demo — dữ liệu mẫu"),
            "the demo says so on every page"
        );
        let applied = client
            .post(format!("{}/fairs/{next}/apply", server.url))
            .header("cookie", format!("hoicho_csrf={csrf}"))
            .form(&[
                ("csrf", csrf.as_str()),
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
                ("booth_request.count", "1"),
            ])
            .send()
            .await
            .unwrap();
        let status = applied.status().as_u16();
        let body = applied.text().await.unwrap();
        assert_eq!(status, 303, "{}", body.split("form-errors").nth(1).unwrap_or(&body));
        assert_eq!(list("submitted").await, waiting + 1);
        (next, snapshot(&client, &server.url, &token).await)
    };
    // A second start loads nothing twice; without --demo there is no banner.
    let server = serve(dir.path(), &["--demo"]);
    let fairs: Value = client
        .get(format!("{}/api/v1/fairs", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fairs["fairs"].as_array().unwrap().len(), 2);
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.path().join("demo-organizer.json")).unwrap()).unwrap();
    let again = snapshot(&client, &server.url, saved["token"].as_str().unwrap()).await;
    assert_eq!(head, again, "nothing loaded twice");
    drop(server);
    let plain = serve(dir.path(), &[]);
    let page = client
        .get(format!("{}/fairs/{next}", plain.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sơ đồ gian hàng") && !page.contains("demo-banner"));
}

/// Each fair's version and number of applications.
async fn snapshot(client: &reqwest::Client, url: &str, token: &str) -> Vec<(String, u64, u64)> {
    let fairs: Value = client
        .get(format!("{url}/api/v1/fairs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for fair in fairs["fairs"].as_array().unwrap() {
        let id = fair["id"].as_str().unwrap();
        let list: Value = client
            .get(format!("{url}/api/v1/fairs/{id}/registrations"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.push((
            id.to_owned(),
            fair["version"].as_u64().unwrap(),
            list["total"].as_u64().unwrap(),
        ));
    }
    out
}

async fn next_allocated(client: &reqwest::Client, url: &str, fair: &str) -> u64 {
    let fair: Value = client
        .get(format!("{url}/api/v1/fairs/{fair}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    fair["booths"]["allocated"].as_u64().unwrap()
}
