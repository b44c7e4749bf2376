//! Signing in (email and password, argon2id; failed attempts limited per address and email)
//! and signing out.

use std::time::Duration;

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
        .route("/logout", web::post().to(logout));
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
    let client = crate::web::kit::limits::client_address(&req);
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
