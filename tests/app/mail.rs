//! Email, end to end: hoicho sends to a real SMTP server over TCP (aiosmtpd, started by the
//! tests) and the tests read what actually arrived.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crate::support::smtp::SmtpSink;
use crate::support::{application_body, json, open_fair, spawn_with, TestApp};
use chrono::{TimeZone, Utc};
use hoicho::clock::{Clock, ManualClock, SystemClock};
use hoicho::mail::{MailSettings, Mailer, Notifier, SmtpUrl};
use hoicho::startup::Settings;
use serde_json::{json, Value};

const FROM: &str = "Ban tổ chức Hội chợ OCOP Hà Tĩnh <hoicho@hatinh.test>";

fn mail_settings(smtp: &str) -> MailSettings {
    MailSettings {
        smtp: Some(SmtpUrl(smtp.to_owned())),
        from: FROM.into(),
        retry_base: Duration::from_millis(200),
        retry_max: Duration::from_secs(1),
        lease: Duration::from_secs(3),
        ..MailSettings::default()
    }
}

fn with_smtp(settings: &mut Settings, smtp: &str) {
    let public_url = std::mem::take(&mut settings.mail.public_url);
    settings.mail = MailSettings {
        public_url,
        ..mail_settings(smtp)
    };
}

async fn mail(app: &TestApp, fair: &str) -> Value {
    let (status, body) = json(app.get_as_organizer(&format!("/api/v1/fairs/{fair}/mail")).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits until the fair's mail list satisfies `done`.
async fn until_mail(app: &TestApp, fair: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let list = mail(app, fair).await["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if done(&list) {
            return list;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn by_recipient<'a>(messages: &'a [Value], email: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m["rcpt_tos"].as_array().is_some_and(|r| r.iter().any(|a| a == email)))
        .collect()
}

fn second_application() -> Value {
    let mut body = application_body();
    body["organization"] = json!("Thanh Hà Tea Cooperative");
    body["representative"] = json!("Trần Thị Bình");
    body["email"] = json!("thanhha.tea@example.vn");
    body["language"] = json!("en");
    body
}

#[tokio::test]
async fn registration_emails_arrive_once_each_in_the_applicants_language() {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    // Two more notifiers on the same log race the server's own for every email: the claim
    // through the log lets exactly one of them send each.
    for _ in 0..2 {
        let mailer = Arc::new(Mailer::new(mail_settings(&sink.url()), &app.data_dir).expect("mailer"));
        tokio::spawn(Notifier::new(app.state.clone(), mailer, SystemClock::shared()).run());
    }
    open_fair(&app, "ht2022").await;

    let (status, vi) = app.apply("ht2022", &application_body()).await;
    assert_eq!(status, 201, "{vi}");
    let (status, en) = app.apply("ht2022", &second_application()).await;
    assert_eq!(status, 201, "{en}");
    let messages = sink.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(messages.len(), 2, "{messages:#?}");

    let received = by_recipient(&messages, "htx.sonkim@example.vn");
    assert_eq!(received.len(), 1);
    let m = received[0];
    assert_eq!(m["rcpt_tos"], json!(["htx.sonkim@example.vn"]));
    assert_eq!(m["content_type"], "multipart/alternative");
    assert_eq!(m["mail_from"], "hoicho@hatinh.test");
    assert!(
        m["from"].as_str().unwrap().contains("Ban tổ chức Hội chợ OCOP Hà Tĩnh"),
        "{m}"
    );
    assert_eq!(m["to"], "Nguyễn Văn An <htx.sonkim@example.vn>");
    let subject = m["subject"].as_str().unwrap();
    assert!(
        subject.contains("Đã nhận hồ sơ đăng ký của HTX Nông nghiệp Sơn Kim"),
        "{subject}"
    );
    // Non-ASCII headers travel as encoded words, never raw 8-bit text.
    let raw_headers = m["raw"].as_str().unwrap().split("\r\n\r\n").next().unwrap().to_owned();
    assert!(raw_headers.is_ascii(), "{raw_headers}");
    let token = vi["access_token"].as_str().unwrap();
    let text = m["text"].as_str().unwrap();
    let html = m["html"].as_str().unwrap();
    assert!(text.contains("Kính gửi Nguyễn Văn An,"), "{text}");
    assert!(text.contains(&format!("/r/{token}")), "{text}");
    assert!(html.contains(&format!("/r/{token}")), "{html}");
    assert!(
        html.contains("Đã nhận hồ sơ đăng ký") && html.contains("<html lang=\"vi\">"),
        "{html}"
    );
    assert!(
        text.contains("21/01") || text.contains('/'),
        "dates are dd/mm/yyyy: {text}"
    );

    let english = by_recipient(&messages, "thanhha.tea@example.vn");
    assert_eq!(english.len(), 1);
    let subject = english[0]["subject"].as_str().unwrap();
    assert!(
        subject.contains("Application received: Thanh Hà Tea Cooperative"),
        "{subject}"
    );
    let text = english[0]["text"].as_str().unwrap();
    assert!(text.contains("Dear Trần Thị Bình,"), "{text}");
    assert!(
        text.contains(&format!("/r/{}?lang=en", en["access_token"].as_str().unwrap())),
        "{text}"
    );

    // Decisions: approved (booth count) in Vietnamese, rejected (reason) in English.
    let vi_id = vi["id"].as_str().unwrap();
    let en_id = en["id"].as_str().unwrap();
    let approved = app
        .post_json(&format!("/api/v1/registrations/{vi_id}/approve"), &json!({"booths": 2}))
        .await;
    assert_eq!(approved.status().as_u16(), 200);
    let rejected = app
        .post_json(
            &format!("/api/v1/registrations/{en_id}/reject"),
            &json!({"reason": "The food zone is full"}),
        )
        .await;
    assert_eq!(rejected.status().as_u16(), 200);
    let messages = sink.wait_for(4, Duration::from_secs(20)).await;
    let approved = by_recipient(&messages, "htx.sonkim@example.vn")
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap().contains("đã được duyệt"))
        .expect("the approval email");
    assert!(approved["subject"].as_str().unwrap().contains("2 gian hàng"));
    assert!(approved["text"].as_str().unwrap().contains("Số gian được duyệt: 2"));
    let rejected = by_recipient(&messages, "thanhha.tea@example.vn")
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap().contains("not accepted"))
        .expect("the rejection email");
    assert!(rejected["text"]
        .as_str()
        .unwrap()
        .contains("Reason: The food zone is full"));

    // Nothing more arrives: each email once, although three notifiers watched.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    let ids: BTreeSet<&str> = messages.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    let list = until_mail(&app, "ht2022", "all four are recorded as sent", |l| {
        l.len() == 4 && l.iter().all(|n| n["status"] == "sent")
    })
    .await;
    for n in &list {
        assert_eq!(n["attempts"], 1, "{n}");
        assert!(n["last_response"].as_str().unwrap().starts_with("250"), "{n}");
        let message_id = format!("<{}@hatinh.test>", n["id"].as_str().unwrap());
        assert!(ids.contains(message_id.as_str()), "{message_id} among {ids:?}");
    }
}

#[tokio::test]
async fn names_with_line_breaks_or_header_syntax_cannot_add_headers() {
    use hoicho_events::{Actor, Application, Event, FairId, Metadata, NewEvent, RegistrationId, RegistrationSubmitted};
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    open_fair(&app, "ht2022").await;
    // The API refuses such names; an event written by an older hoicho (or an import) could
    // still carry them, so the mailer must hold the line on its own.
    let mut body = application_body();
    body["organization"] = json!("HTX Sơn Kim\r\nBcc: victim@evil.test");
    body["representative"] = json!("An\r\nSubject: hijacked\r\n\r\nnew body");
    let application: Application = serde_json::from_value(body).expect("an application");
    let id = RegistrationId(uuid::Uuid::now_v7());
    let event = Event::RegistrationSubmitted(RegistrationSubmitted {
        registration_id: id,
        fair_id: FairId::new_unchecked("ht2022"),
        application,
        token_hash: hoicho::auth::token_hash(&hoicho::auth::access_token(&app.state.secret, &id)),
        submitted_at: Utc::now(),
    });
    app.state
        .store
        .append(
            &hoicho_events::streams::registration(&id),
            hoicho::store::ExpectedVersion::NoStream,
            vec![NewEvent::encode(
                uuid::Uuid::now_v7(),
                &event,
                &Metadata::by(Actor::Public),
                Utc::now(),
            )],
        )
        .await
        .expect("appended");

    let messages = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(
        m["rcpt_tos"],
        json!(["htx.sonkim@example.vn"]),
        "no one else received it"
    );
    let raw = m["raw"].as_str().unwrap();
    let head = raw.split("\r\n\r\n").next().unwrap();
    let names: Vec<String> = head
        .split("\r\n")
        .filter(|line| !line.starts_with([' ', '\t']))
        .filter_map(|line| line.split_once(':').map(|(name, _)| name.to_ascii_lowercase()))
        .collect();
    assert!(!names.contains(&"bcc".to_owned()), "{head}");
    assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1, "{head}");
    assert_eq!(names.iter().filter(|n| *n == "to").count(), 1, "{head}");
    // The text is there, inert, inside the one subject and the one display name.
    assert!(m["subject"]
        .as_str()
        .unwrap()
        .contains("HTX Sơn Kim Bcc: victim@evil.test"));
    assert!(
        m["to"].as_str().unwrap().contains("An Subject: hijacked new body"),
        "{}",
        m["to"]
    );
}

#[tokio::test]
async fn a_refused_recipient_fails_with_the_servers_answer_and_can_be_retried() {
    let sink = SmtpSink::start(&["invalid.test"]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    open_fair(&app, "ht2022").await;
    let mut body = application_body();
    body["email"] = json!("nobody@invalid.test");
    let (status, applied) = app.apply("ht2022", &body).await;
    assert_eq!(status, 201, "{applied}");
    let (status, _) = app.apply("ht2022", &second_application()).await;
    assert_eq!(status, 201);

    let list = until_mail(&app, "ht2022", "the refused email has failed", |l| {
        l.iter().any(|n| n["status"] == "failed") && l.iter().any(|n| n["status"] == "sent")
    })
    .await;
    let failed = list.iter().find(|n| n["status"] == "failed").unwrap().clone();
    assert_eq!(failed["recipient"]["email"], "nobody@invalid.test");
    assert_eq!(failed["attempts"], 1, "a permanent refusal is not retried: {failed}");
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.contains("550") && error.contains("User unknown"), "{error}");
    assert_eq!(sink.messages().len(), 1, "only the good address received mail");
    let counts = &mail(&app, "ht2022").await["counts"];
    assert_eq!(counts["failed"], 1);
    assert_eq!(counts["sent"], 1);

    // One email's content, for organizers: the private link masked.
    let id = failed["id"].as_str().unwrap();
    let (status, detail) = json(app.get_as_organizer(&format!("/api/v1/notifications/{id}")).await).await;
    assert_eq!(status, 200);
    let text = detail["content"]["text"].as_str().unwrap();
    assert!(text.contains("/r/………"), "{text}");
    assert!(!text.contains(applied["access_token"].as_str().unwrap()));
    assert!(detail["content"]["subject"]
        .as_str()
        .unwrap()
        .contains("Đã nhận hồ sơ đăng ký"));

    // An organizer retries it: one more attempt, refused again.
    let response = app
        .post_json(&format!("/api/v1/notifications/{id}/retry"), &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    until_mail(&app, "ht2022", "the retried email has failed again", |l| {
        l.iter()
            .any(|n| n["id"] == failed["id"] && n["status"] == "failed" && n["attempts"] == 2)
    })
    .await;

    // A sent email cannot be retried; unknown ids and bad filters are named.
    let sent = list.iter().find(|n| n["status"] == "sent").unwrap();
    let response = app
        .post_json(
            &format!("/api/v1/notifications/{}/retry", sent["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    let (_, body) = json(response).await;
    assert_eq!(body["error"]["code"], "not_failed");
    let missing = app
        .get_as_organizer(&format!("/api/v1/notifications/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(missing.status().as_u16(), 404);
    let (status, body) = json(
        app.get_as_organizer("/api/v1/fairs/ht2022/mail?status=lost&template=x")
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["status"].is_string() && body["error"]["fields"]["template"].is_string());
    assert_eq!(app.get("/api/v1/fairs/ht2022/mail").await.status().as_u16(), 401);
    assert_eq!(
        app.get_as_organizer("/api/v1/fairs/nofair/mail")
            .await
            .status()
            .as_u16(),
        404
    );
    let (_, only_failed) = json(app.get_as_organizer("/api/v1/fairs/ht2022/mail?status=failed").await).await;
    assert_eq!(only_failed["total"], 1);
}

#[tokio::test]
async fn organizers_read_the_mail_on_pages() {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    open_fair(&app, "ht2022").await;
    let (status, _) = app.apply("ht2022", &application_body()).await;
    assert_eq!(status, 201);
    let list = until_mail(&app, "ht2022", "sent", |l| l.iter().any(|n| n["status"] == "sent")).await;
    let id = list[0]["id"].as_str().unwrap();
    let cookie = app.organizer_cookie().await;

    let page = app.get_page("/organizer/fairs/ht2022/mail", &cookie).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Nguyễn Văn An &#60;htx.sonkim@example.vn&#62;"), "{html}");
    assert!(html.contains("Đã nhận hồ sơ") && html.contains("Đã gửi"));
    assert!(html.contains(&format!("smtp://127.0.0.1:{}", sink.port)));

    let detail = app.get_page(&format!("/organizer/mail/{id}?lang=en"), &cookie).await;
    assert_eq!(detail.status().as_u16(), 200);
    let html = detail.text().await.unwrap();
    assert!(
        html.contains("Đã nhận hồ sơ đăng ký của HTX Nông nghiệp Sơn Kim"),
        "{html}"
    );
    assert!(
        html.contains("Mail server&#39;s answer") || html.contains("Mail server's answer"),
        "{html}"
    );

    let preview = app.get_page(&format!("/organizer/mail/{id}/html"), &cookie).await;
    assert_eq!(preview.status().as_u16(), 200);
    let csp = preview.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("sandbox;") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(preview.text().await.unwrap().contains("/r/………"));

    let anonymous = app.get("/organizer/fairs/ht2022/mail").await;
    assert_eq!(anonymous.status().as_u16(), 303, "to the sign-in page");
}

#[tokio::test]
async fn without_a_mail_server_mail_is_written_to_files() {
    let app = crate::support::spawn().await;
    open_fair(&app, "ht2022").await;
    let (status, applied) = app.apply("ht2022", &application_body()).await;
    assert_eq!(status, 201);
    let list = until_mail(&app, "ht2022", "written", |l| l.iter().any(|n| n["status"] == "sent")).await;
    let id = list[0]["id"].as_str().unwrap();
    let response = list[0]["last_response"].as_str().unwrap();
    let path = response
        .strip_prefix("written to ")
        .expect("the response names the file");
    assert!(
        path.starts_with(&*app.data_dir.join("mail").to_string_lossy()) && path.ends_with(".mbox"),
        "{path}"
    );
    let mbox = std::fs::read_to_string(path).expect("the mailbox file");
    assert!(mbox.starts_with("From hoicho "), "{mbox}");
    assert!(mbox.contains(&format!("Message-ID: <{id}@localhost>\n")), "{mbox}");
    assert!(mbox.contains("To: =?utf-8?"), "{mbox}");
    assert!(!applied["access_token"].as_str().unwrap().is_empty());
}

/// The fair's zone.
fn hanoi() -> chrono_tz::Tz {
    chrono_tz::Asia::Ho_Chi_Minh
}

#[tokio::test]
async fn the_daily_digest_and_the_eve_reminder_go_out_by_the_clock() {
    let sink = SmtpSink::start(&[]);
    let clock = ManualClock::new(Utc::now());
    let shared: Arc<dyn Clock> = clock.clone();
    let app = spawn_with(|s| {
        with_smtp(s, &sink.url());
        s.clock = shared;
    })
    .await;
    // A fair three days from today, open for applications.
    let today = Utc::now().with_timezone(&hanoi()).date_naive();
    let start = today + chrono::Duration::days(3);
    let mut fair = crate::support::fair_body("ht2026");
    fair["start_date"] = json!(start.to_string());
    fair["end_date"] = json!((start + chrono::Duration::days(4)).to_string());
    fair["registration_opens_at"] = json!(format!("{}T00:00:00+07:00", today - chrono::Duration::days(5)));
    fair["registration_closes_at"] = json!(format!("{}T00:00:00+07:00", start));
    assert_eq!(app.post_json("/api/v1/fairs", &fair).await.status().as_u16(), 201);
    assert_eq!(
        app.put_booths("ht2026", &crate::support::plan_body())
            .await
            .status()
            .as_u16(),
        200
    );
    let (status, first) = app.apply("ht2026", &application_body()).await;
    assert_eq!(status, 201, "{first}");
    let (status, _) = app.apply("ht2026", &second_application()).await;
    assert_eq!(status, 201);
    sink.wait_for(2, Duration::from_secs(20)).await;

    // 17:00 fair time, after the applications: one digest to the organizer, listing both.
    let now_local = Utc::now().with_timezone(&hanoi());
    let mut digest_day = now_local.date_naive();
    if now_local.time() >= chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap() {
        digest_day += chrono::Duration::days(1);
    }
    let digest_at = hanoi()
        .from_local_datetime(&digest_day.and_hms_opt(17, 1, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    clock.set(digest_at);
    let messages = sink.wait_for(3, Duration::from_secs(20)).await;
    let digests = by_recipient(&messages, "btc@hoicho.test");
    assert_eq!(digests.len(), 1, "{messages:#?}");
    let subject = digests[0]["subject"].as_str().unwrap();
    assert!(subject.contains("2 hồ sơ đăng ký mới"), "{subject}");
    let text = digests[0]["text"].as_str().unwrap();
    assert!(
        text.contains("HTX Nông nghiệp Sơn Kim") && text.contains("Thanh Hà Tea Cooperative"),
        "{text}"
    );
    assert!(text.contains("/organizer/fairs/ht2026/registrations"), "{text}");

    // An hour later: still one digest.
    clock.advance(chrono::Duration::hours(1));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(by_recipient(&sink.messages(), "btc@hoicho.test").len(), 1);

    // The eve of the fair, 08:00 fair time: a reminder to the approved exhibitor only.
    let id = first["id"].as_str().unwrap();
    let approved = app
        .post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
        .await;
    assert_eq!(approved.status().as_u16(), 200);
    sink.wait_for(4, Duration::from_secs(20)).await;
    let eve = start - chrono::Duration::days(1);
    let reminder_at = hanoi()
        .from_local_datetime(&eve.and_hms_opt(8, 0, 30).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    clock.set(reminder_at);
    let messages = sink.wait_for(5, Duration::from_secs(20)).await;
    let reminders: Vec<&Value> = messages
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("khai mạc ngày mai"))
        .collect();
    assert_eq!(reminders.len(), 1, "{messages:#?}");
    assert_eq!(reminders[0]["rcpt_tos"], json!(["htx.sonkim@example.vn"]));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 5, "nothing else went out");
}

/// The real binary, killed while mail waits for a server that is down: after a restart
/// and the server's return, every email arrives exactly once.
#[tokio::test]
async fn an_smtp_outage_and_a_killed_hoicho_lose_and_repeat_nothing() {
    use crate::support::binary::{hoicho, serve};
    let mut sink = SmtpSink::start(&[]);
    sink.stop();
    let dir = tempfile::tempdir().unwrap();
    let added = hoicho(
        &["organizer", "add", "--email", "btc@hatinh.test", "--json"],
        dir.path(),
    );
    assert!(added.status.success());
    let added: Value = serde_json::from_slice(&added.stdout).unwrap();
    let token = added["token"].as_str().unwrap().to_owned();
    let url = sink.url();
    let flags = [
        "--smtp",
        url.as_str(),
        "--mail-retry",
        "200ms",
        "--mail-retry-max",
        "500ms",
        "--mail-attempts",
        "1000",
        "--mail-lease",
        "2s",
    ];
    let client = reqwest::Client::new();
    let server = serve(dir.path(), &flags);
    let base = server.url.clone();
    let post = |path: String, body: Value| {
        let request = client.post(format!("{base}{path}")).bearer_auth(&token).json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let today = Utc::now().date_naive();
    let mut fair = crate::support::fair_body("ht2022");
    fair["start_date"] = json!((today + chrono::Duration::days(30)).to_string());
    fair["end_date"] = json!((today + chrono::Duration::days(34)).to_string());
    assert_eq!(post("/api/v1/fairs".into(), fair).await, 201);
    assert_eq!(post("/api/v1/fairs/ht2022/booths".into(), json!(null)).await / 100, 4);
    let emails: Vec<String> = (1..=5).map(|i| format!("htx{i}@example.vn")).collect();
    for email in &emails {
        let mut body = application_body();
        body["email"] = json!(email);
        body["booth_request"]["zone"] = json!(null);
        body["booth_request"]["preferred_booths"] = json!([]);
        assert_eq!(post("/api/v1/fairs/ht2022/registrations".into(), body).await, 201);
    }
    let list = |base: String| {
        let request = client
            .get(format!("{base}/api/v1/fairs/ht2022/mail"))
            .bearer_auth(&token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = list(base.clone()).await;
        let waiting = body["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["status"] == "pending" && n["last_error"].is_string())
            .count();
        if waiting == 5 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "mail never waited: {body:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sink.messages().is_empty());
    drop(server); // SIGKILL: no chance to tidy up

    sink.resume();
    let server = serve(dir.path(), &flags);
    let messages = sink.wait_for(5, Duration::from_secs(30)).await;
    assert_eq!(messages.len(), 5, "{messages:#?}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 5, "none repeated: {messages:#?}");
    let received: BTreeSet<String> = messages
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(received, emails.iter().cloned().collect());
    let body = list(server.url.clone()).await;
    assert_eq!(body["counts"]["sent"], 5, "{body:#}");
}

#[tokio::test]
async fn after_its_attempts_an_email_is_failed_and_an_organizer_can_send_it_again() {
    let mut sink = SmtpSink::start(&[]);
    sink.stop();
    let app = spawn_with(|s| {
        with_smtp(s, &sink.url());
        s.mail.max_attempts = 2;
        s.mail.retry_base = Duration::from_millis(100);
    })
    .await;
    open_fair(&app, "ht2022").await;
    let (status, _) = app.apply("ht2022", &application_body()).await;
    assert_eq!(status, 201);
    let list = until_mail(&app, "ht2022", "the email is given up on", |l| {
        l.iter().any(|n| n["status"] == "failed")
    })
    .await;
    let failed = &list[0];
    assert_eq!(failed["attempts"], 2, "{failed}");
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 2 attempts"),
        "{failed}"
    );

    sink.resume();
    let id = failed["id"].as_str().unwrap();
    let response = app
        .post_json(&format!("/api/v1/notifications/{id}/retry"), &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let messages = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(messages.len(), 1);
    let list = until_mail(&app, "ht2022", "sent after the retry", |l| l[0]["status"] == "sent").await;
    assert_eq!(list[0]["attempts"], 3);
}

#[tokio::test]
async fn exhibitors_hear_where_their_booth_is() {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    open_fair(&app, "ht2022").await;
    let (status, applied) = app.apply("ht2022", &application_body()).await;
    assert_eq!(status, 201);
    let id = applied["id"].as_str().unwrap();
    let approve = app
        .post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
        .await;
    assert_eq!(approve.status().as_u16(), 200);
    let allocate = app
        .post_json(
            "/api/v1/fairs/ht2022/allocations",
            &json!({"booth": "A01", "registration": id}),
        )
        .await;
    assert_eq!(allocate.status().as_u16(), 201);
    let moved = app
        .post_json(
            "/api/v1/fairs/ht2022/allocations/move",
            &json!({"from": "A01", "to": "A02"}),
        )
        .await;
    assert_eq!(moved.status().as_u16(), 200);
    let released = app
        .client
        .delete(app.url("/api/v1/fairs/ht2022/allocations/A02"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(released.status().as_u16(), 200);

    let messages = sink.wait_for(5, Duration::from_secs(20)).await;
    let find = |needle: &str| {
        messages
            .iter()
            .find(|m| m["subject"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no email with {needle:?}: {messages:#?}"))
    };
    let allocated = find("Gian hàng của HTX Nông nghiệp Sơn Kim: A01");
    let text = allocated["text"].as_str().unwrap();
    assert!(text.contains("Khu: A — Khu các địa phương"), "{text}");
    assert!(text.contains("Kích thước: 3 × 3 m"), "{text}");
    assert!(text.contains("/fairs/ht2022?booth=A01"), "{text}");
    let moved = find("Gian hàng chuyển sang A02");
    assert!(moved["text"].as_str().unwrap().contains("từ A01 sang A02"));
    find("Gian hàng A02 đã được thu hồi");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        sink.messages().len(),
        5,
        "received, approved, allocated, moved, released"
    );
}

#[tokio::test]
async fn the_evening_reminder_and_the_summaries_when_the_books_close() {
    let sink = SmtpSink::start(&[]);
    let clock = ManualClock::new(Utc::now());
    let shared: Arc<dyn Clock> = clock.clone();
    let app = spawn_with(|s| {
        with_smtp(s, &sink.url());
        s.clock = shared;
    })
    .await;
    let today = crate::support::fair_on_days(&app, "ht2026", -1, 3).await;
    let mut exhibitors = Vec::new();
    for (name, email, booth) in [
        ("HTX Nông nghiệp Sơn Kim", "sonkim@example.vn", "A02"),
        ("HTX Thạch Hà", "thachha@example.vn", "B01"),
    ] {
        let mut body = application_body();
        body["organization"] = json!(name);
        body["email"] = json!(email);
        exhibitors.push(crate::support::exhibitor(&app, "ht2026", body, Some(booth)).await.0);
    }
    let recorded = app
        .post_json(
            &format!("/api/v1/registrations/{}/sales", exhibitors[0]),
            &json!({"day": today.to_string(), "amount_vnd": 2_500_000}),
        )
        .await;
    assert_eq!(recorded.status().as_u16(), 201);
    // received, approved, allocated: three emails each.
    assert_eq!(sink.wait_for(6, Duration::from_secs(20)).await.len(), 6);

    // 19:00 fair time: a reminder to the one that has not reported, and the organizer's digest
    // of today's two applications if they came before its 17:00 cut (commands keep the real
    // time; only the notifier's clock is set here).
    let digests =
        usize::from(Utc::now().with_timezone(&hanoi()).time() < chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap());
    let evening = hanoi()
        .from_local_datetime(&today.and_hms_opt(19, 0, 30).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    clock.set(evening);
    let messages = sink.wait_for(7 + digests, Duration::from_secs(20)).await;
    assert_eq!(
        by_recipient(&messages, "btc@hoicho.test").len(),
        digests,
        "the digest: {messages:#?}"
    );
    let reminders: Vec<&Value> = messages
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("Nhắc báo doanh thu"))
        .collect();
    assert_eq!(reminders.len(), 1, "{messages:#?}");
    assert_eq!(reminders[0]["rcpt_tos"], json!(["thachha@example.vn"]));
    assert!(
        reminders[0]["text"].as_str().unwrap().contains("/sales"),
        "the link opens the sales page"
    );

    // The books close: each exhibitor its summary, the organizer the report with the workbook.
    let closed = app.post_json("/api/v1/fairs/ht2026/books/close", &json!({})).await;
    assert_eq!(closed.status().as_u16(), 200);
    clock.advance(chrono::Duration::seconds(10));
    let messages = sink.wait_for(10 + digests, Duration::from_secs(20)).await;
    let summary = by_recipient(&messages, "sonkim@example.vn")
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Doanh thu của"))
        .expect("the exhibitor's summary");
    assert!(
        summary["text"]
            .as_str()
            .unwrap()
            .contains("Tổng doanh thu: 2.500.000 ₫"),
        "{summary}"
    );
    let report = by_recipient(&messages, "btc@hoicho.test")
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Báo cáo doanh thu"))
        .expect("the organizers' report");
    assert!(report["subject"].as_str().unwrap().contains("2.500.000 ₫"));
    assert_eq!(report["attachments"][0]["filename"], "doanh-thu-ht2026.xlsx");
    assert_eq!(
        report["attachments"][0]["content_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(report["attachments"][0]["size"].as_u64().unwrap() > 3000);
    assert!(report["text"]
        .as_str()
        .unwrap()
        .contains("HTX Nông nghiệp Sơn Kim: 2.500.000 ₫"));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 10 + digests, "nothing else, nothing twice");
}

#[tokio::test]
async fn an_invited_colleague_gets_a_one_time_link_by_email_and_the_page_shows_it_if_mail_is_down() {
    let mut sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    let cookie = app.organizer_cookie().await;
    let invited = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "can.bo@sct.hatinh.gov.vn")],
        )
        .await;
    assert_eq!(invited.status().as_u16(), 200);
    let html = invited.text().await.unwrap();
    assert!(
        html.contains("Đã gửi thư mời tới can.bo@sct.hatinh.gov.vn"),
        "told it was sent"
    );
    let messages = sink.wait_for(1, Duration::from_secs(10)).await;
    let m = by_recipient(&messages, "can.bo@sct.hatinh.gov.vn")[0];
    assert!(m["subject"].as_str().unwrap().contains("Lời mời tham gia Ban tổ chức"));
    let text = m["text"].as_str().unwrap();
    assert!(text.contains(&app.organizer_email), "names who invites: {text}");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/organizer/invitation/"))
        .expect("the link in the text");
    assert!(m["html"].as_str().unwrap().contains(&format!("href=\"{link}\"")));
    let path = &link[link.find("/organizer/").unwrap()..];
    let (colleague, _) = crate::pages_desk::accept_invitation(&app, path).await;
    assert_eq!(app.get_page("/organizer", &colleague).await.status().as_u16(), 200);
    assert_eq!(app.get_page(path, "").await.status().as_u16(), 404, "used");

    // The mail server down: the page says so and shows the link, which works all the same.
    sink.stop();
    let invited = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "ke.toan@sct.hatinh.gov.vn")],
        )
        .await;
    assert_eq!(invited.status().as_u16(), 200);
    let html = invited.text().await.unwrap();
    assert!(html.contains("Chưa gửi được thư mời"), "told it was not sent");
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let shown = html[start..].split('<').next().unwrap();
    let path = &shown[shown.find("/organizer/").unwrap()..];
    // Invited again, the first link stops working and the new one works.
    let page = app.get_page("/organizer/team", &cookie).await.text().await.unwrap();
    assert!(page.contains("Đã mời, chưa nhận lời"));
    let again = app
        .post_form(
            "/organizer/team",
            &cookie,
            &[("action", "add"), ("email", "ke.toan@sct.hatinh.gov.vn")],
        )
        .await;
    let html = again.text().await.unwrap();
    let start = html.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    let newer = html[start..].split('<').next().unwrap();
    let newer = &newer[newer.find("/organizer/").unwrap()..];
    assert_eq!(app.get_page(path, "").await.status().as_u16(), 404, "replaced");
    assert_eq!(app.get_page(newer, "").await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_lost_private_link_is_sent_again_to_the_applications_email_only() {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    open_fair(&app, "mat-link").await;
    let (status, applied) = app.apply("mat-link", &application_body()).await;
    assert_eq!(status, 201, "{applied}");
    let token = applied["access_token"].as_str().unwrap().to_owned();
    // The application's own email arrives first.
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)).await.len(), 1);
    let cookie = format!("hoicho_csrf={}", crate::support::CSRF);
    let ask = |contact: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            app.post_form("/fairs/mat-link/resend-link", &cookie, &[("contact", contact)])
                .await
        }
    };

    // By phone, written another way: the link goes to the application's email.
    let answered = ask("+84 912.345.678").await;
    assert_eq!(answered.status().as_u16(), 200);
    let same_answer = answered.text().await.unwrap();
    assert!(same_answer.contains("Nếu thông tin khớp với một hồ sơ có email"));
    let messages = sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 2);
    let resent = &messages[1];
    assert_eq!(resent["rcpt_tos"], json!(["htx.sonkim@example.vn"]));
    assert!(resent["subject"]
        .as_str()
        .unwrap()
        .contains("Đường dẫn riêng tới hồ sơ"));
    assert!(
        resent["text"].as_str().unwrap().contains(&format!("/r/{token}")),
        "the same link, unchanged"
    );

    // Asked again at once, or for someone who did not apply: the same answer, no email.
    for contact in ["HTX.SonKim@example.vn", "ai-do@example.vn", "0999 999 999"] {
        let answered = ask(contact).await;
        assert_eq!(answered.status().as_u16(), 200);
        let text = answered.text().await.unwrap();
        assert!(text.contains("Nếu thông tin khớp với một hồ sơ có email"), "{contact}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sink.messages().len(),
        2,
        "at most once in ten minutes, and nothing for a stranger"
    );
    // Nothing typed: named, in Vietnamese.
    let empty = ask("").await;
    assert_eq!(empty.status().as_u16(), 422);
    assert!(empty
        .text()
        .await
        .unwrap()
        .contains("Vui lòng nhập email hoặc số điện thoại"));
    // The fair's page links to it.
    let fair = app.get("/fairs/mat-link").await.text().await.unwrap();
    assert!(fair.contains("/fairs/mat-link/resend-link"));
}

/// Waits until the sink holds messages whose subject contains `part`, `n` of them.
async fn subjects(sink: &SmtpSink, part: &str, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found: Vec<Value> = sink
            .messages()
            .into_iter()
            .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(part)))
            .collect();
        if found.len() >= n || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_announcement_reaches_each_exhibitor_of_the_group_once_with_the_hotline() {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    let today = crate::support::fair_today();
    let mut fair = crate::support::fair_body("thongbao");
    fair["start_date"] = json!((today - chrono::Duration::days(1)).to_string());
    fair["end_date"] = json!((today + chrono::Duration::days(3)).to_string());
    fair["contact_phone"] = json!("0239 3855 123");
    assert_eq!(app.post_json("/api/v1/fairs", &fair).await.status().as_u16(), 201);
    assert_eq!(
        app.put_booths("thongbao", &crate::support::plan_body())
            .await
            .status()
            .as_u16(),
        200
    );
    let (son_kim, _) = crate::support::exhibitor(&app, "thongbao", application_body(), Some("A02")).await;
    crate::support::exhibitor(&app, "thongbao", second_application(), Some("B01")).await;
    let mut household = application_body();
    household["organization"] = json!("Hộ bà Tư");
    household["producer_type"] = json!("ho_kinh_doanh");
    household["tax_code"] = serde_json::Value::Null;
    household["email"] = json!("");
    household["phone"] = json!("0912 777 888");
    crate::support::exhibitor(&app, "thongbao", household, None).await;

    // The booth email links the private page and its sales page, and gives the hotline.
    let booth = subjects(&sink, "Gian hàng của HTX Nông nghiệp Sơn Kim", 1).await;
    let text = booth[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Ghi doanh thu trong những ngày hội chợ") && text.contains("/sales"),
        "{text}"
    );
    assert!(text.contains("Đường dây nóng của Ban tổ chức: 0239 3855 123"), "{text}");

    let cookie = app.organizer_cookie().await;
    let url = "/organizer/fairs/thongbao/announce";
    let message = "Các đơn vị dựng gian từ 6 giờ sáng 20/01.\n\nMang theo giấy chứng nhận OCOP.";
    let preview = app
        .post_form(
            url,
            &cookie,
            &[
                ("group", "holding"),
                ("subject", "Dựng gian"),
                ("message", message),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status().as_u16(), 200);
    let html = preview.text().await.unwrap();
    assert!(html.contains("2 đơn vị trong nhóm; 2 có email sẽ nhận thư."), "{html}");
    let form_id = html
        .split("name=\"form_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    for _ in 0..2 {
        let sent = app
            .post_form(
                url,
                &cookie,
                &[
                    ("form_id", &form_id),
                    ("group", "holding"),
                    ("subject", "Dựng gian"),
                    ("message", message),
                    ("action", "send"),
                ],
            )
            .await;
        assert_eq!(sent.status().as_u16(), 303, "sent twice, written once");
    }
    let received = subjects(&sink, "Dựng gian", 2).await;
    assert_eq!(received.len(), 2, "{received:#?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = sink.messages();
    let again = all
        .iter()
        .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains("Dựng gian")));
    assert_eq!(again.count(), 2, "each recipient once");
    let vi = by_recipient(&received, "htx.sonkim@example.vn");
    let text = vi[0]["text"].as_str().unwrap();
    assert!(
        text.contains("dựng gian từ 6 giờ sáng 20/01") && text.contains("Mang theo giấy chứng nhận OCOP."),
        "{text}"
    );
    assert!(text.contains("Đường dây nóng của Ban tổ chức: 0239 3855 123"), "{text}");
    let en = by_recipient(&received, "thanhha.tea@example.vn");
    assert!(en[0]["text"]
        .as_str()
        .unwrap()
        .contains("The organizers' hotline: 0239 3855 123"));

    // A group with nobody who has an email offers nothing to send.
    let html = app
        .post_form(
            url,
            &cookie,
            &[
                ("group", "unplaced"),
                ("subject", "x"),
                ("message", "y"),
                ("action", "preview"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Hộ bà Tư") && html.contains("Không có email") && !html.contains("id=\"send-announcement\""),
        "{html}"
    );

    // "Gửi nhắc" on the revenue page: the reminder goes at once.
    let page = app
        .get_page("/organizer/fairs/thongbao/revenue", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("href=\"tel:+84912345678\"") && page.contains("Gửi nhắc"),
        "{page}"
    );
    let reminded = app
        .post_form(
            "/organizer/fairs/thongbao/revenue/remind",
            &cookie,
            &[("registration", &son_kim)],
        )
        .await;
    assert!(reminded.headers()["location"]
        .to_str()
        .unwrap()
        .contains("done=reminded"));
    let reminder = subjects(&sink, "Nhắc báo doanh thu", 1).await;
    assert!(
        by_recipient(&reminder, "htx.sonkim@example.vn").len() == 1,
        "{reminder:#?}"
    );
}

#[tokio::test]
async fn the_booth_email_says_what_to_pay_with_a_vietqr_code_mail_clients_show() {
    let sink = SmtpSink::start(&[]);
    let app = spawn_with(|s| with_smtp(s, &sink.url())).await;
    crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let put = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let response = app
                .client
                .put(app.url(path))
                .bearer_auth(&app.token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
        }
    };
    put(
        "/api/v1/fairs/ht2026/fees",
        json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}]}),
    )
    .await;
    put(
        "/api/v1/fairs/ht2026/payment-account",
        json!({"bin": "970418", "account_number": "51010000123456", "account_name": "BAN TO CHUC HOI CHO"}),
    )
    .await;
    let (id, _) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let (_, statement) = json(
        app.get_as_organizer(&format!("/api/v1/registrations/{id}/statement"))
            .await,
    )
    .await;
    let payload = statement["vietqr"].as_str().unwrap().to_owned();
    let code = statement["payment_code"].as_str().unwrap();

    let messages = sink.wait_for(3, Duration::from_secs(20)).await;
    let allocated = messages
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Gian hàng của"))
        .expect("the booth email");
    let text = allocated["text"].as_str().unwrap();
    assert!(
        text.contains("Phí còn phải nộp: 2.000.000 ₫")
            && text.contains(&format!("Nội dung chuyển khoản: {code}"))
            && text.contains("Số tài khoản: 51010000123456"),
        "{text}"
    );
    let html = allocated["html"].as_str().unwrap();
    assert!(html.contains("src=\"cid:vietqr@hoicho\""), "{html}");
    let image = &allocated["inline"][0];
    assert_eq!(image["cid"], "vietqr@hoicho");
    assert_eq!(image["content_type"], "image/png");
    // The image read back by an independent QR reader (zbarimg) is the statement's payload.
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(image["base64"].as_str().unwrap())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vietqr.png");
    std::fs::write(&file, png).unwrap();
    let read = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .expect("zbarimg runs (scripts/test installs zbar-tools)");
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
    assert_eq!(String::from_utf8(read.stdout).unwrap().trim(), payload);
}

#[tokio::test]
async fn fees_still_to_pay_are_reminded_two_days_before_they_fall_due() {
    let sink = SmtpSink::start(&[]);
    let clock = ManualClock::new(Utc::now());
    let shared: Arc<dyn Clock> = clock.clone();
    let app = spawn_with(|s| {
        with_smtp(s, &sink.url());
        s.clock = shared;
    })
    .await;
    crate::support::fair_on_days(&app, "ht2026", 20, 24).await;
    let today = Utc::now().with_timezone(&hanoi()).date_naive();
    let due = today + chrono::Duration::days(5);
    assert_eq!(
        app.put_json(
            "/api/v1/fairs/ht2026/fees",
            &json!({"subsidies": [{"name": "Hỗ trợ chung", "rate_percent": 50}],
                      "due": {"kind": "on", "date": due.to_string()}})
        )
        .await
        .status()
        .as_u16(),
        200
    );
    assert_eq!(
        app.put_json(
            "/api/v1/fairs/ht2026/payment-account",
            &json!({"bin": "970415", "account_number": "101000123456", "account_name": "BAN TO CHUC"})
        )
        .await
        .status()
        .as_u16(),
        200
    );
    let (_, _) = crate::support::exhibitor(&app, "ht2026", application_body(), Some("A02")).await;
    let (paid, _) = crate::support::exhibitor(&app, "ht2026", second_application(), Some("A01")).await;
    let (status, body) = json(
        app.post_json(
            "/api/v1/fairs/ht2026/payments",
            &json!({"registration_id": paid, "method": "cash", "amount_vnd": 2_250_000, "paid_on": today.to_string()}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let before = sink.wait_for(6, Duration::from_secs(20)).await.len();

    // 08:01 fair time, two days before the due date: one reminder, to the one still owing.
    let at = hanoi()
        .from_local_datetime(&(due - chrono::Duration::days(2)).and_hms_opt(8, 1, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    clock.set(at);
    let messages = sink.wait_for(before + 1, Duration::from_secs(20)).await;
    let reminders: Vec<&Value> = messages
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("Nhắc nộp phí gian hàng"))
        .collect();
    assert_eq!(reminders.len(), 1, "{messages:#?}");
    assert_eq!(reminders[0]["rcpt_tos"], json!(["htx.sonkim@example.vn"]));
    let text = reminders[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Phí còn phải nộp: 2.000.000 ₫") && text.contains("/r/"),
        "{text}"
    );
    assert_eq!(reminders[0]["inline"][0]["cid"], "vietqr@hoicho");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), before + 1, "once, and not to the one who paid");
}

/// A rolling upgrade (ADR 023): two emails claimed by processes that died, their leases run
/// out. The one claimed under this hoicho's mail protocol is taken over and finished; the one
/// a newer hoicho claimed is left to it, untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_hoichos_claims_are_left_alone() {
    use hoicho::store::ExpectedVersion;
    use hoicho_events::{
        streams, Actor, Event, FirstAttempt, Metadata, NewEvent, NotificationClaimed, NotificationId,
        NotificationParams, Recipient, Template, MAIL_PROTOCOL,
    };
    let app = spawn_with(|_| {}).await;
    open_fair(&app, "nang-cap").await;
    let claim = |who: &str, protocol: u32| {
        let trigger = format!("upgrade-test:{who}");
        let email = format!("{who}@example.vn");
        let id = NotificationId::derive(&trigger, &email, Template::ApplicationReceived);
        let event = Event::NotificationClaimed(NotificationClaimed {
            notification_id: id,
            fair_id: hoicho_events::FairId::new_unchecked("nang-cap"),
            template: Template::ApplicationReceived,
            trigger,
            registration_id: None,
            recipient: Recipient {
                email,
                name: String::new(),
            },
            language: "vi".into(),
            params: NotificationParams::default(),
            message_id: format!("<{id}@hoicho.test>"),
            due_at: Utc::now() - chrono::Duration::minutes(10),
            first_attempt: Some(FirstAttempt {
                instance: format!("a hoicho of protocol {protocol}, since stopped"),
                lease_until: Utc::now() - chrono::Duration::minutes(5),
            }),
            protocol: Some(protocol),
        });
        let metadata = Metadata::by(Actor::System {
            component: "notifier".into(),
        });
        (
            id,
            NewEvent::encode(uuid::Uuid::now_v7(), &event, &metadata, Utc::now()),
        )
    };
    let (ours, ours_claim) = claim("cung-phien-ban", MAIL_PROTOCOL);
    let (newer, newer_claim) = claim("phien-ban-moi", MAIL_PROTOCOL + 1);
    for (id, event) in [(ours, ours_claim), (newer, newer_claim)] {
        app.state
            .store
            .append(&streams::notification(&id), ExpectedVersion::NoStream, vec![event])
            .await
            .unwrap();
    }
    let versions = || async {
        let mut found = Vec::new();
        for id in [ours, newer] {
            let events = app
                .state
                .store
                .read_stream(&streams::notification(&id), 1, 100)
                .await
                .unwrap();
            found.push(events.len());
        }
        found
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while versions().await[0] < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the expired claim of this protocol was taken over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Several more rounds of the notifier: the newer claim is still only its claim.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(versions().await[1], 1, "a newer hoicho's claim is left to it");
}
