//! The frame of every page: its language and switch link, rendering a template, the
//! not-found and sign-in answers, the CSRF token every form carries, the headers of a page
//! reached through a private link, and the stylesheet.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use subtle::ConstantTimeEq;

use crate::i18n::Lang;
use crate::web::kit::extract::organizer_of;

pub const CSRF_COOKIE: &str = "hoicho_csrf";

/// Where people reach hoicho (`--public-url`), for a link to be pasted elsewhere: a private
/// link sent by Zalo must be the whole address, not a path. Without the mailer, the address
/// this request came to.
pub fn public_base(req: &HttpRequest) -> String {
    match req.app_data::<actix_web::web::Data<crate::mail::Mailer>>() {
        Some(mailer) => mailer.settings.public_url.trim_end_matches('/').to_owned(),
        None => super::client::Client::of(req).base_url(),
    }
}

/// A phone number as a `tel:` link wants it: its digits and a leading `+`.
pub fn tel(phone: &str) -> String {
    phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
}

/// The value of query parameter `key` in `req`, decoded; the first if it is given twice.
pub fn query_value(req: &HttpRequest, key: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == key).then_some(v))
}

/// What every page's frame needs.
pub struct Frame {
    pub lang: Lang,
    pub signed_in: bool,
    pub switch_url: String,
}

impl Frame {
    pub fn of(req: &HttpRequest) -> Frame {
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

pub fn render(status: StatusCode, lang: Lang, page: &impl Template) -> HttpResponse {
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

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    message: String,
}

/// The answer to a form that did what it was asked: go on to `location` (303).
pub fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.into()))
        .finish()
}

/// Where a page for organizers sends a visitor who is not signed in.
pub fn to_login(req: &HttpRequest) -> HttpResponse {
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

/// A page holding a form: rendered, with the visitor's CSRF cookie.
pub fn render_form(status: StatusCode, lang: Lang, page: &impl Template, csrf: &str) -> HttpResponse {
    with_csrf(render(status, lang, page), csrf)
}

pub fn with_csrf(mut response: HttpResponse, csrf: &str) -> HttpResponse {
    let _ = response.add_cookie(&csrf_cookie(csrf));
    response
}

pub fn csrf_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// The form's CSRF token: the one in the visitor's cookie, or a new one.
pub fn csrf_token(req: &HttpRequest) -> String {
    req.cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(|| crate::auth::random_token(24))
}

/// The double-submit check: the form field equals the cookie.
pub fn csrf_ok(req: &HttpRequest, submitted: &str) -> bool {
    req.cookie(CSRF_COOKIE)
        .is_some_and(|c| !submitted.is_empty() && bool::from(c.value().as_bytes().ct_eq(submitted.as_bytes())))
}

/// The files under `/static/`, compiled in: the stylesheet and the pages' plain JavaScript
/// modules, each with what it does.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/app.css"),
    ),
    // The application form: the delegation's section, the `*`s, one more row at a tap.
    ("apply.js", JS, include_str!("../../../static/apply.js")),
    // The application form's commune picker, by any spelling and by former names.
    ("places-picker.js", JS, include_str!("../../../static/places-picker.js")),
    // Keeps a floor plan in step with the log: polls the booth list and recolours the booths.
    ("live.js", JS, include_str!("../../../static/live.js")),
    // The floor-plan editor on the organizer's plan page.
    ("plan-editor.js", JS, include_str!("../../../static/plan-editor.js")),
    // Reads a chosen CSV or workbook into the plan import's form.
    ("plan-import.js", JS, include_str!("../../../static/plan-import.js")),
    // The sales form: what the chosen day has, and "the day's total" or "one more".
    ("sales.js", JS, include_str!("../../../static/sales.js")),
    // Zoom for the public floor plan.
    ("plan-zoom.js", JS, include_str!("../../../static/plan-zoom.js")),
    // The print button.
    ("print.js", JS, include_str!("../../../static/print.js")),
    // The private link's copy and share buttons.
    ("share.js", JS, include_str!("../../../static/share.js")),
];
const JS: &str = "text/javascript; charset=utf-8";

/// `GET /static/{file}`.
pub async fn asset(file: actix_web::web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .content_type(*content_type)
            // The stylesheet changes least; a script a release changes is picked up sooner.
            .insert_header((
                header::CACHE_CONTROL,
                if file.ends_with(".css") {
                    "public, max-age=3600"
                } else {
                    "public, max-age=300"
                },
            ))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Marks a page reached through a private link: no referrer leaves it, nothing caches it,
/// and a search engine that is handed the link (pasted into a public post, say) keeps it out
/// of its results.
pub fn private(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

/// Whether hoicho serves the demo (`serve --demo`): every page then says so.
#[derive(Debug, Clone, Copy)]
pub struct DemoMode(pub bool);

/// The thin banner of demo mode, put at the top of every page's body.
pub fn demo_banner(html: &str, lang: Lang) -> Option<String> {
    let at = html.find("<body>")? + "<body>".len();
    let text = match lang {
        Lang::Vi => format!(
            "<strong>Bản demo — dữ liệu mẫu.</strong> Ban tổ chức demo: <a href=\"/login?lang=vi\">đăng nhập</a> \
             bằng {email}, mật khẩu in ra khi khởi động (và trong demo-organizer.json ở thư mục dữ liệu).",
            email = crate::demo::ORGANIZER_EMAIL
        ),
        Lang::En => format!(
            "<strong>Demo — sample data.</strong> Demo organizer: <a href=\"/login?lang=en\">sign in</a> \
             as {email}, with the password printed at start (and in demo-organizer.json in the data directory).",
            email = crate::demo::ORGANIZER_EMAIL
        ),
    };
    Some(format!(
        "{}\n<div class=\"demo-banner\" role=\"note\">{text}</div>{}",
        &html[..at],
        &html[at..]
    ))
}
