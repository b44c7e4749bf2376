//! Signing in (email and password, argon2id; failed attempts limited per address and email)
//! and signing out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::kit::limits::RateLimiter;
use crate::web::kit::page::csrf_ok;
use crate::web::kit::page::csrf_token;
use crate::web::kit::page::render;
use crate::web::kit::page::with_csrf;
use crate::web::kit::page::Frame;
use crate::web::kit::session;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/logout/everywhere", web::post().to(logout_everywhere));
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
    /// Said after the organizer changed the password on the team page.
    notice: Option<String>,
}

fn login_page(req: &HttpRequest, status: StatusCode, email: String, error: Option<&str>) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let csrf = csrf_token(req);
    let error = error.map(|key| lang.t(key).to_owned());
    let notice = (crate::web::kit::page::query_value(req, "changed").as_deref() == Some("1"))
        .then(|| lang.t("team.password_changed").to_owned());
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
            notice,
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
/// The limits on signing in. Every attempt is counted before its password is verified, so a
/// burst of concurrent guesses gets no more verifications than the limit:
/// - one email from one address: [`PAIR_ATTEMPTS`] in 15 minutes, then 429 for that pair only;
/// - one address, any email: [`ADDRESS_ATTEMPTS`] in 15 minutes (one guesser spraying emails);
/// - one email, any address: past [`FREE_FAILURES`] failures its attempts are spaced out,
///   one after another, by a delay that doubles with each failure up to [`MAX_DELAY`] —
///   never a lock: the right password still gets in, from anywhere, after the wait;
/// - the whole server: at most [`CONCURRENT_CHECKS`] argon2 verifications at once.
pub struct LoginLimiter {
    pair: RateLimiter,
    address: RateLimiter,
    failures: RateLimiter,
    next_slot: std::sync::Mutex<HashMap<String, Instant>>,
    checks: tokio::sync::Semaphore,
}

pub const PAIR_ATTEMPTS: u32 = 8;
pub const ADDRESS_ATTEMPTS: u32 = 30;
pub const FREE_FAILURES: u32 = 5;
pub const MAX_DELAY: Duration = Duration::from_secs(30);
pub const CONCURRENT_CHECKS: usize = 2;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            pair: RateLimiter::new(PAIR_ATTEMPTS, WINDOW),
            address: RateLimiter::new(ADDRESS_ATTEMPTS, WINDOW),
            failures: RateLimiter::new(u32::MAX, WINDOW),
            next_slot: std::sync::Mutex::new(HashMap::new()),
            checks: tokio::sync::Semaphore::new(CONCURRENT_CHECKS),
        }
    }
}

/// Whether an attempt may go on, and after how long.
enum Admission {
    /// Verify the password after waiting this long.
    After(Duration),
    /// Refused now; try again after this long.
    Refused(Duration),
}

impl LoginLimiter {
    /// Counts an attempt for `email` from `address` and says when it may be verified.
    fn admit(&self, email: &str, address: &str) -> Admission {
        if let Some(wait) = self.address.hit(address) {
            return Admission::Refused(wait);
        }
        if let Some(wait) = self.pair.hit(&format!("{email}|{address}")) {
            return Admission::Refused(wait);
        }
        let failures = self.failures.count(email);
        if failures < FREE_FAILURES {
            return Admission::After(Duration::ZERO);
        }
        let delay = Duration::from_secs(1 << (failures - FREE_FAILURES).min(5)).min(MAX_DELAY);
        let now = Instant::now();
        let mut slots = self.next_slot.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() > 10_000 {
            slots.retain(|_, at| *at > now);
        }
        let start = slots.get(email).copied().filter(|at| *at > now).unwrap_or(now);
        let wait = start - now;
        if wait > MAX_DELAY {
            return Admission::Refused(wait);
        }
        slots.insert(email.to_owned(), start + delay);
        Admission::After(wait)
    }

    fn failed(&self, email: &str) {
        self.failures.hit(email);
    }

    fn succeeded(&self, email: &str, address: &str) {
        self.pair.clear(&format!("{email}|{address}"));
        self.failures.clear(email);
        self.next_slot.lock().unwrap_or_else(|p| p.into_inner()).remove(email);
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
    let client = crate::web::kit::limits::client_address(&req);
    match limiter.admit(&email, &client) {
        Admission::After(wait) => tokio::time::sleep(wait).await,
        Admission::Refused(wait) => {
            let mut response = login_page(&req, StatusCode::TOO_MANY_REQUESTS, email, Some("login.too_many"));
            let seconds = wait.as_secs().max(1).to_string();
            if let Ok(value) = header::HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
    }
    let account = state.read().organizers.by_email(&email).cloned();
    let password = form.password;
    // Hash even for an unknown email, so the answer's timing does not tell which exist.
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let verified = {
        // The server's ceiling on argon2 work: the rest wait their turn.
        let Ok(_permit) = limiter.checks.acquire().await else {
            return login_page(&req, StatusCode::SERVICE_UNAVAILABLE, email, Some("login.failed"));
        };
        state.metrics.password_checks.inc();
        web::block(move || crate::auth::verify_password(&hash, &password))
            .await
            .unwrap_or(false)
    };
    match account {
        Some(account) if verified => {
            limiter.succeeded(&email, &client);
            match start_session(&state, &req, account.id).await {
                Some(signed_in) => signed_in,
                None => login_page(&req, StatusCode::SERVICE_UNAVAILABLE, email, Some("login.unavailable")),
            }
        }
        _ => {
            limiter.failed(&email);
            login_page(&req, StatusCode::UNAUTHORIZED, email, Some("login.failed"))
        }
    }
}

/// Signs `organizer` in: a session of its own, recorded in the log so that signing out ends
/// it on every instance, and the answer that takes the browser to the desk with its cookie.
/// `None` when the log cannot take the session.
pub async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    organizer: hoicho_events::OrganizerId,
) -> Option<HttpResponse> {
    let id = crate::service::organizers::sign_in(state, organizer).await.ok()?;
    let secure = crate::web::kit::client::Client::of(req).https;
    let session = session::Session::new(organizer, id);
    Some(
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/organizer?lang={}", Lang::of(req).code())))
            .cookie(session.cookie(&state.secret, secure, &session::policy(req)))
            .finish(),
    )
}

/// An argon2id hash of a random password nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$R8XoUJm9mM7ItcMBq2QmXUvnQqFd2dn+o2xSxc40Adw";

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Signing out ends this session in the log: a copy of the cookie opens nothing after it.
async fn logout(state: Data<AppState>, req: HttpRequest, form: Form<LogoutForm>) -> HttpResponse {
    if !csrf_ok(&req, &form.csrf) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("CSRF");
    }
    if let Some(session) = session::Session::read(&req, &state.secret) {
        if let Err(err) = crate::service::organizers::sign_out(&state, session.organizer, &session.id).await {
            tracing::warn!(error = %err, "the session could not be ended in the log");
            return login_page(
                &req,
                StatusCode::SERVICE_UNAVAILABLE,
                String::new(),
                Some("login.unavailable"),
            );
        }
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(session::removal())
        .finish()
}

/// Signing out everywhere ends every session of the organizer, on every instance.
async fn logout_everywhere(state: Data<AppState>, req: HttpRequest, form: Form<LogoutForm>) -> HttpResponse {
    if !csrf_ok(&req, &form.csrf) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("CSRF");
    }
    let Some(organizer) = crate::web::kit::extract::organizer_of(&req) else {
        return crate::web::kit::page::to_login(&req);
    };
    if let Err(err) = crate::service::organizers::end_sessions(&state, organizer.id).await {
        tracing::warn!(error = %err, "the sessions could not be ended in the log");
        return login_page(
            &req,
            StatusCode::SERVICE_UNAVAILABLE,
            String::new(),
            Some("login.unavailable"),
        );
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login?lang={}", Lang::of(&req).code())))
        .cookie(session::removal())
        .finish()
}
