//! Starts the real application (the production start-up code) on port 0 with a fresh data
//! directory, and talks HTTP to it.
#![allow(dead_code)]

pub mod binary;
pub mod certs;
pub mod postgres;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hoicho::app::AppState;
use hoicho::startup::{Application, Settings};
use reqwest::{Client, Response};
use serde_json::{json, Value};

/// A hoicho over HTTP, signed in as an organizer: in this process or another.
pub struct Api {
    pub address: String,
    pub token: String,
    pub client: Client,
}

impl Api {
    pub fn new(address: &str, token: &str) -> Api {
        Api {
            address: address.to_owned(),
            token: token.to_owned(),
            // Idle connections are let go before the server's keep-alive (5 s) closes them:
            // a request sent on a connection the server is closing at that moment fails
            // with IncompleteMessage, as one of 1,000 racing requests once did.
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .expect("client"),
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

pub struct TestApp {
    pub api: Api,
    pub organizer_email: String,
    pub organizer_password: String,
    pub state: Arc<AppState>,
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary data directory");
    let mut settings = Settings::new("127.0.0.1:0", dir.path());
    settings.workers = Some(2);
    configure(&mut settings);
    let app = Application::build(settings).await.expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let added = hoicho::service::organizers::add(&*state.store, "btc@hoicho.test")
        .await
        .expect("organizer");
    assert!(state.wait_for(added.position, std::time::Duration::from_secs(5)).await);
    TestApp {
        api: Api::new(&address, &added.token),
        organizer_email: added.email,
        organizer_password: added.password,
        state,
        data_dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

pub fn fair_body(id: &str) -> Value {
    json!({
        "id": id,
        "name": "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022",
        "venue": "Quảng trường Vincom, TP Hà Tĩnh",
        "start_date": "2022-01-21",
        "end_date": "2022-01-25",
        "time_zone": "Asia/Ho_Chi_Minh",
        "registration_opens_at": "2021-12-20T08:00:00+07:00",
        "registration_closes_at": "2022-01-10T17:00:00+07:00"
    })
}

pub fn plan_body() -> Value {
    json!({
        "zones": [{"code": "A", "name": "Khu các địa phương"}, {"code": "B", "name": "Khu các sở, ngành"}],
        "booths": [
            {"code": "A01", "zone": "A", "kind": "corner", "width_m": 3, "depth_m": 3, "price_vnd": 4500000, "x": 0, "y": 0},
            {"code": "A02", "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3, "price_vnd": 4000000, "x": 3, "y": 0},
            {"code": "B01", "zone": "B", "kind": "double", "width_m": 3, "depth_m": 6, "price_vnd": 1250000, "x": 10, "y": 0}
        ]
    })
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn get_as_organizer(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn create_fair(&self, id: &str) -> Response {
        self.post_json("/api/v1/fairs", &fair_body(id)).await
    }

    /// `PUT path` with a JSON body, as the organizer.
    pub async fn put_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_booths(&self, fair: &str, body: &Value) -> Response {
        self.client
            .put(self.url(&format!("/api/v1/fairs/{fair}/booths")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_booths_csv(&self, fair: &str, csv: &str) -> Response {
        self.client
            .put(self.url(&format!("/api/v1/fairs/{fair}/booths")))
            .bearer_auth(&self.token)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// The log head, read through the audit API.
    pub async fn head(&self) -> u64 {
        let mut after = 0;
        loop {
            let page: Value = self
                .get_as_organizer(&format!("/api/v1/events?after={after}&limit=1000"))
                .await
                .json()
                .await
                .expect("events page");
            let events = page["events"].as_array().expect("events").clone();
            match events.last() {
                Some(last) => after = last["position"].as_u64().expect("position"),
                None => return after,
            }
        }
    }
}

pub async fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A fair two months from today, with a floor plan, open for applications.
pub async fn open_fair(app: &Api, id: &str) {
    let today = chrono::Utc::now().date_naive();
    let start = today + chrono::Duration::days(60);
    let mut body = fair_body(id);
    body["start_date"] = json!(start.to_string());
    body["end_date"] = json!((start + chrono::Duration::days(4)).to_string());
    body["registration_opens_at"] = json!(format!("{}T08:00:00+07:00", today - chrono::Duration::days(10)));
    body["registration_closes_at"] = json!(format!("{}T17:00:00+07:00", start - chrono::Duration::days(10)));
    assert_eq!(app.post_json("/api/v1/fairs", &body).await.status().as_u16(), 201);
    assert_eq!(app.put_booths(id, &plan_body()).await.status().as_u16(), 200);
    let opened = app
        .post_json(&format!("/api/v1/fairs/{id}/registration/open"), &json!({}))
        .await;
    assert_eq!(opened.status().as_u16(), 200);
}

/// An application's products made plain: no OCOP stars, no certificate.
pub fn without_stars(body: &mut Value) {
    for product in body["products"].as_array_mut().into_iter().flatten() {
        product["stars"] = Value::Null;
        product["certificate_no"] = Value::Null;
        product["certificate_expires"] = Value::Null;
    }
}

/// A valid application, in the shape of API.md.
pub fn application_body() -> Value {
    let expires = chrono::Utc::now().date_naive() + chrono::Duration::days(400);
    json!({
        "organization": "HTX Nông nghiệp Sơn Kim",
        "producer_type": "htx",
        "tax_code": "0312687878",
        "representative": "Nguyễn Văn An",
        "phone": "0912 345 678",
        "email": "htx.sonkim@example.vn",
        "language": "vi",
        "address": {"line": "Thôn 3", "commune": "Sơn Kim 1", "province": "Hà Tĩnh", "legacy_district": "Hương Sơn"},
        "products": [
            {"name": "Cam bù Hương Sơn", "group": "I", "stars": 4, "certificate_no": "123/QĐ-UBND", "certificate_expires": expires.to_string()}
        ],
        "producers": [],
        "booth_request": {"count": 1, "kind": "standard", "zone": "A", "preferred_booths": ["A02"], "needs_power": true, "note": ""}
    })
}

impl Api {
    /// Applies without signing in; returns (status, body).
    pub async fn apply(&self, fair: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(&format!("/api/v1/fairs/{fair}/registrations")))
            .json(body)
            .send()
            .await
            .expect("request");
        json(response).await
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_with_token(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }
}

/// The Cookie header a signed-in browser sends after `response` began its session (with the
/// test's CSRF cookie), if it did.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hoicho_session="))
        .and_then(|v| v.split(';').next())
        .map(|session| format!("{session}; hoicho_csrf={CSRF}"))
}

/// A CSRF value a test sends both as the cookie and as the form field (double submit).
pub const CSRF: &str = "test-csrf-token-0123456789abcdefghijkl";

impl TestApp {
    /// Signs the organizer in through the login form; returns the Cookie header to send.
    pub async fn organizer_cookie(&self) -> String {
        let response = self
            .client
            .post(self.url("/login"))
            .header("cookie", format!("hoicho_csrf={CSRF}"))
            .form(&[
                ("email", self.organizer_email.as_str()),
                ("password", self.organizer_password.as_str()),
                ("csrf", CSRF),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status().as_u16(), 303, "signed in");
        session_cookie(&response).expect("a session cookie")
    }

    /// `PUT /api/v1/fairs/{fair}/booths` with a body of `content_type`.
    pub async fn put_booths_as(&self, content_type: &str, fair: &str, body: Vec<u8>) -> Response {
        self.client
            .put(self.url(&format!("/api/v1/fairs/{fair}/booths")))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Posts a form with the CSRF token and the given cookie.
    pub async fn post_form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        fields.push(("csrf", CSRF));
        self.client
            .post(self.url(path))
            .header("cookie", cookie)
            .form(&fields)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_page(&self, path: &str, cookie: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request")
    }
}

/// Today in the fairs' zone (Asia/Ho_Chi_Minh).
pub fn fair_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

/// A fair `id` with the test plan whose days run from `first` to `last` days after today
/// (negative: before), in the fair's zone. Returns today.
pub async fn fair_on_days(app: &TestApp, id: &str, first: i64, last: i64) -> chrono::NaiveDate {
    let today = fair_today();
    let mut fair = fair_body(id);
    fair["start_date"] = json!((today + chrono::Duration::days(first)).to_string());
    fair["end_date"] = json!((today + chrono::Duration::days(last)).to_string());
    assert_eq!(app.post_json("/api/v1/fairs", &fair).await.status().as_u16(), 201);
    assert_eq!(app.put_booths(id, &plan_body()).await.status().as_u16(), 200);
    today
}

/// An application entered by the organizer at `fair`, approved for one booth and given
/// `booth` if named: (id, access token).
pub async fn exhibitor(app: &TestApp, fair: &str, body: Value, booth: Option<&str>) -> (String, String) {
    let (status, applied) = json(
        app.post_json(&format!("/api/v1/fairs/{fair}/registrations"), &body)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{applied}");
    let id = applied["id"].as_str().unwrap().to_owned();
    let token = applied["access_token"].as_str().unwrap().to_owned();
    let approve = app
        .post_json(&format!("/api/v1/registrations/{id}/approve"), &json!({"booths": 1}))
        .await;
    assert_eq!(approve.status().as_u16(), 200);
    if let Some(booth) = booth {
        let allocated = app
            .post_json(
                &format!("/api/v1/fairs/{fair}/allocations"),
                &json!({"booth": booth, "registration": id}),
            )
            .await;
        assert_eq!(allocated.status().as_u16(), 201);
    }
    (id, token)
}

/// The API's calls by what they do, so a test names the action rather than its URL.
impl Api {
    /// An application the organizer enters for `name` at `fair`, from `body`: its id.
    pub async fn enter(&self, fair: &str, name: &str, mut body: Value) -> String {
        body["organization"] = json!(name);
        let (status, applied) = json(
            self.post_json(&format!("/api/v1/fairs/{fair}/registrations"), &body)
                .await,
        )
        .await;
        assert_eq!(status, 201, "{applied}");
        applied["id"].as_str().unwrap().to_owned()
    }

    /// The standard application for `name`, entered and approved for `booths` (0: left
    /// submitted): its id.
    pub async fn approved(&self, fair: &str, name: &str, booths: u32) -> String {
        self.approved_with(fair, name, application_body(), booths).await
    }

    /// An application from `body` for `name`, entered and approved for `booths` (0: left
    /// submitted): its id.
    pub async fn approved_with(&self, fair: &str, name: &str, body: Value, booths: u32) -> String {
        let id = self.enter(fair, name, body).await;
        if booths > 0 {
            let (status, body) = self.decide(&id, "approve", &json!({"booths": booths})).await;
            assert_eq!(status, 200, "{body}");
        }
        id
    }

    /// A decision on (or the withdrawal of) an application: `approve`, `reject`,
    /// `waitlist`, `withdraw`, as the organizer.
    pub async fn decide(&self, id: &str, action: &str, body: &Value) -> (u16, Value) {
        json(
            self.post_json(&format!("/api/v1/registrations/{id}/{action}"), body)
                .await,
        )
        .await
    }

    /// An application as the organizer reads it.
    pub async fn registration(&self, id: &str) -> (u16, Value) {
        json(self.get_as_organizer(&format!("/api/v1/registrations/{id}")).await).await
    }

    /// `booth` at `fair` given to `registration`.
    pub async fn allocate(&self, fair: &str, booth: &str, registration: &str) -> (u16, Value) {
        json(
            self.post_json(
                &format!("/api/v1/fairs/{fair}/allocations"),
                &json!({"booth": booth, "registration": registration}),
            )
            .await,
        )
        .await
    }

    /// A sales entry recorded for registration `id` with `token` (its own, or an organizer's).
    pub async fn sell(&self, id: &str, token: &str, body: &Value) -> (u16, Value) {
        json(
            self.post_with_token(&format!("/api/v1/registrations/{id}/sales"), token, body)
                .await,
        )
        .await
    }

    /// Registration `id`'s sales as the organizer reads them.
    pub async fn sales(&self, id: &str) -> Value {
        let (status, body) = json(
            self.get_as_organizer(&format!("/api/v1/registrations/{id}/sales"))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// A fair `fair` open for applications with one zone of `booths` booths, A01, A02, …
pub async fn open_fair_with_booths(app: &TestApp, fair: &str, booths: usize) {
    open_fair(app, fair).await;
    let list: Vec<Value> = (1..=booths)
        .map(|i| {
            json!({"code": format!("A{i:02}"), "zone": "A", "kind": "standard", "width_m": 3, "depth_m": 3,
                   "price_vnd": 4000000, "x": (i % 20) as f64 * 3.0, "y": (i / 20) as f64 * 4.0})
        })
        .collect();
    let plan = json!({"zones": [{"code": "A", "name": "Khu A"}], "booths": list});
    let response = app.put_booths(fair, &plan).await;
    assert_eq!(response.status().as_u16(), 200);
}

/// `rounds` races, `at_once` at a time, each between an organizer giving an approved
/// application a booth and the exhibitor withdrawing it. Returns how many allocations were
/// accepted.
pub async fn race_allocations_and_withdrawals(
    app: &TestApp,
    fair: &str,
    booths: usize,
    rounds: usize,
    at_once: usize,
) -> usize {
    let mut accepted = 0;
    for start in (0..rounds).step_by(at_once) {
        let races = (start..(start + at_once).min(rounds)).map(|round| async move {
            let id = app.approved(fair, &format!("HTX Đua {round}"), 1).await;
            let booth = format!("A{:02}", round % booths + 1);
            let nothing = json!({});
            let (allocated, withdrawn) =
                tokio::join!(app.allocate(fair, &booth, &id), app.decide(&id, "withdraw", &nothing));
            assert_eq!(withdrawn.0, 200, "{}", withdrawn.1);
            assert!(matches!(allocated.0, 201 | 409), "{}", allocated.1);
            allocated.0 == 201
        });
        accepted += futures_util::future::join_all(races)
            .await
            .into_iter()
            .filter(|a| *a)
            .count();
    }
    accepted
}

/// Folds the whole log position by position: every booth given (allocated, or moved to)
/// goes to an application approved at that point of the log. Returns how many were given.
pub async fn allocations_follow_approval(app: &TestApp) -> usize {
    use hoicho_events::{streams, Envelope, Event};
    let mut standing: std::collections::HashMap<String, &'static str> = Default::default();
    let (mut after, mut given) = (0, 0);
    loop {
        let batch = app.state.store.read_all(after, 1000).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.position;
        for recorded in &batch {
            let envelope = Envelope::decode(recorded).unwrap();
            let status = match &envelope.event {
                Event::RegistrationSubmitted(_) => Some("submitted"),
                Event::RegistrationApproved(_) => Some("approved"),
                Event::RegistrationRejected(_) => Some("rejected"),
                Event::RegistrationWaitlisted(_) => Some("waitlisted"),
                Event::RegistrationWithdrawn(_) => Some("withdrawn"),
                _ => None,
            };
            if let Some(status) = status {
                standing.insert(envelope.stream.clone(), status);
            }
            let to = match &envelope.event {
                Event::BoothAllocated(e) => Some(e.registration_id),
                Event::BoothMoved(e) => Some(e.registration_id),
                _ => None,
            };
            if let Some(registration) = to {
                given += 1;
                let now = standing.get(&streams::registration(&registration)).copied();
                assert_eq!(
                    now,
                    Some("approved"),
                    "position {}: a booth went to {registration}, {now:?} there",
                    envelope.position
                );
            }
        }
    }
    given
}

/// Replaces the first `from` in the file with `to` (the same length), byte for byte: an edit
/// of the stored bytes, as anyone with the disk could make.
pub fn edit_file(path: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the text is in the file");
    bytes[at..at + from.len()].copy_from_slice(to);
    std::fs::write(path, bytes).unwrap();
}

/// The store's hash chain holds from its first event to its head, at least as far as the
/// head was when asked (an instance still serving may append meanwhile).
pub async fn assert_chain_holds(store: &dyn hoicho::store::EventStore) {
    let head = store.head().await.unwrap();
    let verdict = hoicho::store::chain::verify_whole(store).await.unwrap();
    assert!(
        matches!(verdict, hoicho::store::chain::Verdict::Intact(c) if c.position >= head),
        "head {head}: {verdict:?}"
    );
}
