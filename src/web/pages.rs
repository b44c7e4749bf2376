//! Server-rendered pages for people: Vietnamese by default, English with `?lang=en`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_projections::{BoothStatus, FairView};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::extract::organizer_of;
use super::i18n::{date_vn, datetime_vn, metres, money_vnd, Lang};
use super::limits::RateLimiter;
use super::session;
use crate::app::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/fairs/{fair}", web::get().to(fair_page))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/organizer", web::get().to(organizer_home))
        .route("/static/app.css", web::get().to(stylesheet));
}

pub(super) const CSRF_COOKIE: &str = "hoicho_csrf";

/// What every page's frame needs.
pub(super) struct Frame {
    pub lang: Lang,
    pub signed_in: bool,
    pub switch_url: String,
}

impl Frame {
    pub(super) fn of(req: &HttpRequest) -> Frame {
        let lang = Lang::of(req);
        let other = lang.other().code();
        let query: Vec<&str> = req
            .query_string()
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("lang="))
            .collect();
        let mut switch_url = format!("{}?lang={other}", req.path());
        for pair in query {
            switch_url.push('&');
            switch_url.push_str(pair);
        }
        Frame {
            lang,
            signed_in: organizer_of(req).is_some(),
            switch_url,
        }
    }
}

pub(super) fn render(status: StatusCode, lang: Lang, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => {
            let mut response = HttpResponse::build(status);
            response.content_type("text/html; charset=utf-8");
            response.cookie(
                Cookie::build("lang", lang.code())
                    .path("/")
                    .same_site(SameSite::Lax)
                    .finish(),
            );
            response.body(html)
        }
        Err(err) => {
            tracing::error!(error = %err, "page failed to render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Lỗi hệ thống / Internal error")
        }
    }
}

struct FairCard {
    id: String,
    name: String,
    venue: String,
    dates: String,
    booths: usize,
}

fn card(fair: &FairView) -> FairCard {
    FairCard {
        id: fair.id.to_string(),
        name: fair.details.name.clone(),
        venue: fair.details.venue.clone(),
        dates: format!(
            "{} – {}",
            date_vn(fair.details.start_date),
            date_vn(fair.details.end_date)
        ),
        booths: fair.booths.len(),
    }
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fairs: Vec<FairCard>,
}

async fn index(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let mut fairs: Vec<FairCard> = state.read().fairs.by_id.values().map(card).collect();
    fairs.sort_by(|a, b| b.dates.cmp(&a.dates));
    render(
        StatusCode::OK,
        lang,
        &IndexPage {
            lang,
            signed_in,
            switch_url,
            fairs,
        },
    )
}

struct FairInfo {
    id: String,
    name: String,
    venue: String,
    dates: String,
    window: String,
    registration_open: bool,
}

pub(super) struct ZoneBox {
    pub(super) label: String,
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) width: f64,
    pub(super) height: f64,
}

pub(super) struct BoothBox {
    pub(super) code: String,
    pub(super) zone: String,
    pub(super) zone_name: String,
    pub(super) kind: String,
    pub(super) size: String,
    pub(super) price: String,
    pub(super) status: &'static str,
    pub(super) status_text: String,
    pub(super) title: String,
    /// Who is there: the organization, and a delegation's producers.
    pub(super) exhibitor: String,
    /// What they sell, with OCOP stars.
    pub(super) products: String,
    pub(super) selected: bool,
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) cx: f64,
    pub(super) cy: f64,
}

/// The floor plan in plan metres: the SVG's viewBox is the booths' extent plus a margin.
pub(super) struct Plan {
    pub(super) view_box: String,
    pub(super) zones: Vec<ZoneBox>,
    pub(super) booths: Vec<BoothBox>,
    pub(super) available: usize,
    pub(super) allocated: usize,
    pub(super) blocked: usize,
}

fn status_key(status: BoothStatus) -> &'static str {
    match status {
        BoothStatus::Available => "available",
        BoothStatus::Allocated => "allocated",
        BoothStatus::Blocked => "blocked",
    }
}

/// Who holds a booth and what they sell, as the public may see it.
fn exhibitor_of(
    registrations: &hoicho_projections::Registrations,
    view: &hoicho_projections::BoothView,
) -> (String, String) {
    let Some(r) = view.holder.and_then(|id| registrations.get(&id)) else {
        return (String::new(), String::new());
    };
    let a = &r.application;
    let mut exhibitor = a.organization.clone();
    if !a.producers.is_empty() {
        let producers: Vec<&str> = a.producers.iter().map(|p| p.organization.as_str()).collect();
        exhibitor = format!("{exhibitor}: {}", producers.join(", "));
    }
    let products: Vec<String> = r
        .all_products()
        .map(|p| match p.stars {
            Some(stars) => format!("{} {}", p.name, "★".repeat(stars as usize)),
            None => p.name.clone(),
        })
        .collect();
    (exhibitor, products.join(", "))
}

pub(super) fn plan(
    fair: &FairView,
    registrations: &hoicho_projections::Registrations,
    lang: Lang,
    selected: Option<&str>,
) -> Plan {
    let margin = 1.5;
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut extents: BTreeMap<&str, (f64, f64, f64, f64)> = BTreeMap::new();
    let mut booths = Vec::with_capacity(fair.booths.len());
    let mut counts: HashMap<BoothStatus, usize> = HashMap::new();
    for view in fair.booths.values() {
        let b = &view.booth;
        *counts.entry(view.status).or_insert(0) += 1;
        min_x = min_x.min(b.x);
        min_y = min_y.min(b.y);
        max_x = max_x.max(b.x + b.width_m);
        max_y = max_y.max(b.y + b.depth_m);
        let e = extents
            .entry(b.zone.as_str())
            .or_insert((f64::MAX, f64::MAX, f64::MIN, f64::MIN));
        *e = (
            e.0.min(b.x),
            e.1.min(b.y),
            e.2.max(b.x + b.width_m),
            e.3.max(b.y + b.depth_m),
        );
        let zone_name = fair
            .zones
            .get(&b.zone)
            .map_or_else(|| b.zone.to_string(), |z| z.name.clone());
        let kind_key = format!("kind.{}", b.kind);
        let kind = match lang.t(&kind_key) {
            same if same == kind_key => b.kind.clone(),
            text => text.to_owned(),
        };
        let size = format!("{} × {} m", metres(b.width_m), metres(b.depth_m));
        let status = status_key(view.status);
        let status_text = lang.t(&format!("status.{status}")).to_owned();
        let (exhibitor, products) = exhibitor_of(registrations, view);
        let title = if exhibitor.is_empty() {
            format!("{} · {} · {} · {}", b.code, zone_name, size, status_text)
        } else {
            format!("{} · {} · {}", b.code, exhibitor, products)
        };
        booths.push(BoothBox {
            title,
            exhibitor,
            products,
            selected: selected == Some(b.code.as_str()),
            code: b.code.to_string(),
            zone: b.zone.to_string(),
            zone_name,
            kind,
            size,
            price: money_vnd(b.price_vnd),
            status,
            status_text,
            x: b.x,
            y: b.y,
            width: b.width_m,
            height: b.depth_m,
            cx: b.x + b.width_m / 2.0,
            cy: b.y + b.depth_m / 2.0,
        });
    }
    let zones = extents
        .into_iter()
        .map(|(code, (x0, y0, x1, y1))| {
            let label = fair
                .zones
                .get(&hoicho_events::ZoneCode::new_unchecked(code))
                .map_or_else(|| code.to_owned(), |z| format!("{} · {}", z.code, z.name));
            ZoneBox {
                label,
                x: x0 - 0.3,
                y: y0 - 0.3,
                width: x1 - x0 + 0.6,
                height: y1 - y0 + 0.6,
            }
        })
        .collect();
    if booths.is_empty() {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 10.0, 10.0);
    }
    Plan {
        view_box: format!(
            "{} {} {} {}",
            min_x - margin,
            min_y - margin - 0.8,
            max_x - min_x + 2.0 * margin,
            max_y - min_y + 2.0 * margin + 0.8
        ),
        zones,
        booths,
        available: counts.get(&BoothStatus::Available).copied().unwrap_or(0),
        allocated: counts.get(&BoothStatus::Allocated).copied().unwrap_or(0),
        blocked: counts.get(&BoothStatus::Blocked).copied().unwrap_or(0),
    }
}

#[derive(Template)]
#[template(path = "fair.html")]
struct FairPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair: FairInfo,
    plan: Plan,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    message: String,
}

/// Where a page for organizers sends a visitor who is not signed in.
pub(super) fn to_login(req: &HttpRequest) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login?lang={}", Lang::of(req).code())))
        .finish()
}

pub fn not_found_page(req: &HttpRequest, key: &str) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let message = lang.t(key).to_owned();
    render(
        StatusCode::NOT_FOUND,
        lang,
        &ErrorPage {
            lang,
            signed_in,
            switch_url,
            message,
        },
    )
}

async fn fair_page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    // `?booth=A01` (the link in a booth email) picks a booth out on the plan.
    let selected = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("booth="))
        .map(str::to_owned);
    let page = {
        let projections = state.read();
        projections.fairs.get(&fair).map(|view| {
            let d = &view.details;
            FairPage {
                lang,
                signed_in,
                switch_url: switch_url.clone(),
                fair: FairInfo {
                    id: view.id.to_string(),
                    name: d.name.clone(),
                    venue: d.venue.clone(),
                    dates: format!("{} – {}", date_vn(d.start_date), date_vn(d.end_date)),
                    window: format!(
                        "{} – {}",
                        datetime_vn(d.registration_opens_at, &d.time_zone),
                        datetime_vn(d.registration_closes_at, &d.time_zone)
                    ),
                    registration_open: view.registration_open(Utc::now()),
                },
                plan: plan(view, &projections.registrations, lang, selected.as_deref()),
            }
        })
    };
    match page {
        Some(page) => render(StatusCode::OK, lang, &page),
        None => not_found_page(&req, "fair.not_found"),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    csrf: String,
    email: String,
    error: Option<String>,
}

/// The response with the visitor's CSRF cookie (re)set.
pub(super) fn with_csrf(mut response: HttpResponse, csrf: &str) -> HttpResponse {
    let _ = response.add_cookie(&csrf_cookie(csrf));
    response
}

pub(super) fn csrf_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// The form's CSRF token: the one in the visitor's cookie, or a new one.
pub(super) fn csrf_token(req: &HttpRequest) -> String {
    req.cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(|| crate::auth::random_token(24))
}

/// The double-submit check: the form field equals the cookie.
pub(super) fn csrf_ok(req: &HttpRequest, submitted: &str) -> bool {
    req.cookie(CSRF_COOKIE)
        .is_some_and(|c| !submitted.is_empty() && bool::from(c.value().as_bytes().ct_eq(submitted.as_bytes())))
}

fn login_page(req: &HttpRequest, status: StatusCode, email: String, error: Option<&str>) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let csrf = csrf_token(req);
    let error = error.map(|key| lang.t(key).to_owned());
    let response = render(
        status,
        lang,
        &LoginPage {
            lang,
            signed_in,
            switch_url,
            csrf: csrf.clone(),
            email,
            error,
        },
    );
    with_csrf(response, &csrf)
}

async fn login_form(req: HttpRequest) -> HttpResponse {
    login_page(&req, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Failed sign-ins per email and client address in a sliding window.
pub struct LoginLimiter(RateLimiter);

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter(RateLimiter::new(8, Duration::from_secs(15 * 60)))
    }
}

impl LoginLimiter {
    fn blocked(&self, key: &str) -> bool {
        self.0.blocked(key).is_some()
    }

    fn failed(&self, key: &str) {
        self.0.hit(key);
    }

    fn succeeded(&self, key: &str) {
        self.0.clear(key);
    }
}

async fn login(
    state: Data<AppState>,
    limiter: Data<LoginLimiter>,
    req: HttpRequest,
    form: Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let email = form.email.trim().to_lowercase();
    if !csrf_ok(&req, &form.csrf) {
        return login_page(&req, StatusCode::FORBIDDEN, email, Some("login.expired"));
    }
    let client = super::limits::client_address(&req);
    let key = format!("{email}|{client}");
    if limiter.blocked(&key) {
        let mut response = login_page(&req, StatusCode::TOO_MANY_REQUESTS, email, Some("login.too_many"));
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("900"));
        return response;
    }
    let account = state.read().organizers.by_email(&email).cloned();
    let password = form.password;
    // Hash even for an unknown email, so the answer's timing does not tell which exist.
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let verified = web::block(move || crate::auth::verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    match account {
        Some(account) if verified => {
            limiter.succeeded(&key);
            let secure = req.connection_info().scheme() == "https";
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/organizer?lang={}", Lang::of(&req).code())))
                .cookie(session::cookie(account.id, &state.secret, secure))
                .finish()
        }
        _ => {
            limiter.failed(&key);
            login_page(&req, StatusCode::UNAUTHORIZED, email, Some("login.failed"))
        }
    }
}

/// An argon2id hash of a random password nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$R8XoUJm9mM7ItcMBq2QmXUvnQqFd2dn+o2xSxc40Adw";

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(req: HttpRequest, form: Form<LogoutForm>) -> HttpResponse {
    if !csrf_ok(&req, &form.csrf) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("CSRF");
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(session::removal())
        .finish()
}

#[derive(Template)]
#[template(path = "organizer.html")]
struct OrganizerPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    email: String,
    csrf: String,
    fairs: Vec<FairCard>,
}

async fn organizer_home(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?lang={}", Lang::of(&req).code())))
            .finish();
    };
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let fairs = state.read().fairs.by_id.values().map(card).collect();
    let csrf = csrf_token(&req);
    let response = render(
        StatusCode::OK,
        lang,
        &OrganizerPage {
            lang,
            signed_in,
            switch_url,
            email: organizer.email,
            csrf: csrf.clone(),
            fairs,
        },
    );
    with_csrf(response, &csrf)
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/app.css"))
}
