//! The emails, for organizers: every notification of a fair with its status, attempts and
//! last error; one email's content; a retry for one that failed. API and pages.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hoicho_events::{streams, Event, NotificationId, NotificationRetried, Template};
use hoicho_projections::{NotificationStatus, NotificationView, Projections};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::i18n::{datetime_vn, Lang};
use crate::mail::{Mail, Mailer};
use crate::store::{ExpectedVersion, StoreError};
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{organizer_of, Organizer};
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render, to_login, Frame};

pub fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/mail", web::get().to(list))
        .route("/notifications/{id}", web::get().to(get))
        .route("/notifications/{id}/retry", web::post().to(retry));
}

pub fn page_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/mail", web::get().to(list_page))
        .route("/organizer/mail/{id}", web::get().to(detail_page))
        .route("/organizer/mail/{id}/html", web::get().to(html_preview))
        .route("/organizer/mail/{id}/retry", web::post().to(retry_page));
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailQuery {
    /// `pending`, `sending`, `sent` or `failed`.
    status: Option<String>,
    /// A template name, e.g. `application_received`.
    template: Option<String>,
    /// Part of the recipient's address or name.
    q: Option<String>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
    /// Skip this many first.
    offset: Option<usize>,
    /// Ignored here; the pages' language switch.
    #[allow(dead_code)]
    lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecipientOut {
    email: String,
    name: String,
}

/// One email and what happened to it.
#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    id: String,
    template: String,
    recipient: RecipientOut,
    language: String,
    /// `pending`, `sending`, `sent` or `failed`.
    status: String,
    attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    /// The mail server's answer when it was accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_response: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_id: Option<String>,
    message_id: String,
    due_at: DateTime<Utc>,
    claimed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sent_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct MailList {
    /// Newest first.
    notifications: Vec<NotificationOut>,
    /// How many match the filters, before `limit` and `offset`.
    total: usize,
    /// The fair's emails by status, whatever the filters.
    counts: BTreeMap<String, usize>,
    /// Where mail goes (no credentials).
    transport: String,
}

#[derive(Serialize, ToSchema)]
pub struct Content {
    subject: String,
    text: String,
    html: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationDetail {
    #[serde(flatten)]
    notification: NotificationOut,
    /// The email as it reads now, the exhibitor's private link masked.
    content: Content,
}

fn out(n: &NotificationView) -> NotificationOut {
    NotificationOut {
        id: n.id.to_string(),
        template: n.template.as_str().to_owned(),
        recipient: RecipientOut {
            email: n.recipient.email.clone(),
            name: n.recipient.name.clone(),
        },
        language: n.language.clone(),
        status: n.status.as_str().to_owned(),
        attempts: n.attempts,
        last_error: n.last_error.clone(),
        last_response: n.last_response.clone(),
        registration_id: n.registration_id.map(|r| r.to_string()),
        message_id: n.message_id.clone(),
        due_at: n.due_at,
        claimed_at: n.claimed_at,
        sent_at: n.sent_at,
        next_attempt_at: (n.status == NotificationStatus::Pending)
            .then_some(n.next_attempt_at)
            .flatten(),
    }
}

/// The checked filters of a list request.
struct Filters {
    status: Option<NotificationStatus>,
    template: Option<Template>,
    q: String,
}

impl Filters {
    fn parse(query: &MailQuery, lang: Lang) -> Result<Filters> {
        let mut bad = BTreeMap::new();
        let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => NotificationStatus::parse(s).or_else(|| {
                bad.insert(
                    "status".to_owned(),
                    match lang {
                        Lang::Vi => "phải là pending, sending, sent hoặc failed".to_owned(),
                        Lang::En => "must be pending, sending, sent or failed".to_owned(),
                    },
                );
                None
            }),
        };
        let template = match query.template.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Template::parse(s).or_else(|| {
                bad.insert(
                    "template".to_owned(),
                    match lang {
                        Lang::Vi => "không có mẫu thư này".to_owned(),
                        Lang::En => "no such template".to_owned(),
                    },
                );
                None
            }),
        };
        if !bad.is_empty() {
            return Err(ApiError::invalid(bad, lang));
        }
        Ok(Filters {
            status,
            template,
            q: query.q.as_deref().unwrap_or("").trim().to_lowercase(),
        })
    }

    fn matches(&self, n: &NotificationView) -> bool {
        self.status.is_none_or(|s| s == n.status)
            && self.template.is_none_or(|t| t == n.template)
            && (self.q.is_empty()
                || n.recipient.email.to_lowercase().contains(&self.q)
                || n.recipient.name.to_lowercase().contains(&self.q))
    }
}

fn counts(p: &Projections, fair: &hoicho_events::FairId) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = ["pending", "sending", "sent", "failed"]
        .into_iter()
        .map(|s| (s.to_owned(), 0))
        .collect();
    for n in p.notifications.for_fair(fair) {
        *counts.entry(n.status.as_str().to_owned()).or_default() += 1;
    }
    counts
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/mail", tag = "mail", params(MailQuery),
    responses((status = 200, body = MailList), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse)), security(("bearer" = [])))]
pub async fn list(
    state: Data<AppState>,
    mailer: Data<Mailer>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
    query: Query<MailQuery>,
) -> Result<HttpResponse> {
    let filters = Filters::parse(&query, Lang::of(&req))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let offset = query.offset.unwrap_or(0);
    let p = state.read();
    let view = p.fairs.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
    let matching: Vec<&NotificationView> = p
        .notifications
        .for_fair(&view.id)
        .filter(|n| filters.matches(n))
        .collect();
    Ok(HttpResponse::Ok().json(MailList {
        total: matching.len(),
        notifications: matching.into_iter().skip(offset).take(limit).map(out).collect(),
        counts: counts(&p, &view.id),
        transport: mailer.transport.describe(),
    }))
}

fn parse_id(id: &str) -> Option<NotificationId> {
    id.parse().ok().map(NotificationId)
}

#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "mail",
    responses((status = 200, body = NotificationDetail), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn get(
    state: Data<AppState>,
    mailer: Data<Mailer>,
    _who: Organizer,
    id: Path<String>,
) -> Result<HttpResponse> {
    let id = parse_id(&id).ok_or_else(|| ApiError::not_found("notification"))?;
    let p = state.read();
    let n = p
        .notifications
        .by_id
        .get(&id)
        .ok_or_else(|| ApiError::not_found("notification"))?;
    let rendered = mailer.render(&p, &state.secret, &Mail::from_view(n), false);
    Ok(HttpResponse::Ok().json(NotificationDetail {
        notification: out(n),
        content: Content {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        },
    }))
}

/// Puts a failed email back in the queue; its attempts start counting again.
async fn retry_failed(state: &AppState, organizer: &Organizer, id: NotificationId, lang: Lang) -> Result<u64> {
    let version = {
        let p = state.read();
        let n = p
            .notifications
            .by_id
            .get(&id)
            .ok_or_else(|| ApiError::not_found("notification"))?;
        if n.status != NotificationStatus::Failed {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_failed",
                match lang {
                    Lang::Vi => format!(
                        "thư đang ở trạng thái {}; chỉ thư lỗi mới gửi lại được",
                        n.status.as_str()
                    ),
                    Lang::En => format!("the email is {}; only a failed email can be retried", n.status.as_str()),
                },
            ));
        }
        n.version
    };
    let event = Event::NotificationRetried(NotificationRetried { notification_id: id });
    let new = hoicho_events::NewEvent::encode(
        uuid::Uuid::now_v7(),
        &event,
        &hoicho_events::Metadata::by(organizer.actor()),
        Utc::now(),
    );
    match state
        .store
        .append(&streams::notification(&id), ExpectedVersion::Exact(version), vec![new])
        .await
    {
        Ok(done) => {
            state.wait_for(done.position, std::time::Duration::from_secs(5)).await;
            Ok(done.position)
        }
        Err(StoreError::Conflict { .. }) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "changed",
            match lang {
                Lang::Vi => "thư vừa thay đổi; hãy tải lại và thử lần nữa",
                Lang::En => "the email changed meanwhile; reload and try again",
            },
        )),
        Err(err) => Err(err.into()),
    }
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "mail",
    responses((status = 200, body = NotificationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)), security(("bearer" = [])))]
pub async fn retry(state: Data<AppState>, req: HttpRequest, who: Organizer, id: Path<String>) -> Result<HttpResponse> {
    let id = parse_id(&id).ok_or_else(|| ApiError::not_found("notification"))?;
    retry_failed(&state, &who, id, Lang::of(&req)).await?;
    let p = state.read();
    let n = p
        .notifications
        .by_id
        .get(&id)
        .ok_or_else(|| ApiError::not_found("notification"))?;
    Ok(HttpResponse::Ok().json(out(n)))
}

// ---- pages ----

fn template_key(t: Template) -> String {
    format!("tpl.{}", t.as_str())
}

struct Row {
    id: String,
    when: String,
    recipient: String,
    template: String,
    status: &'static str,
    status_text: String,
    attempts: u32,
    error: String,
}

#[derive(askama::Template)]
#[template(path = "mail_list.html")]
struct ListPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    transport: String,
    status: String,
    q: String,
    counts: Vec<(&'static str, String, usize)>,
    rows: Vec<Row>,
    total: usize,
}

async fn list_page(
    state: Data<AppState>,
    mailer: Data<Mailer>,
    req: HttpRequest,
    fair: Path<String>,
    query: Query<HashMap<String, String>>,
) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let status = query.get("status").cloned().unwrap_or_default();
    let q = query.get("q").cloned().unwrap_or_default();
    let filters = Filters {
        status: NotificationStatus::parse(&status),
        template: None,
        q: q.trim().to_lowercase(),
    };
    let page = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "error.not_found");
        };
        let zone = view.details.time_zone.as_str();
        let matching: Vec<&NotificationView> = p
            .notifications
            .for_fair(&view.id)
            .filter(|n| filters.matches(n))
            .collect();
        let by_status = counts(&p, &view.id);
        let counts = ["pending", "sending", "sent", "failed"]
            .into_iter()
            .map(|s| (s, lang.t(&format!("mstatus.{s}")).to_owned(), by_status[s]))
            .collect();
        ListPage {
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            fair_id: view.id.to_string(),
            fair_name: view.details.name.clone(),
            transport: mailer.transport.describe_in(lang),
            status: filters.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            q,
            counts,
            total: matching.len(),
            rows: matching
                .into_iter()
                .take(500)
                .map(|n| Row {
                    id: n.id.to_string(),
                    when: datetime_vn(n.sent_at.unwrap_or(n.claimed_at), zone),
                    recipient: if n.recipient.name.is_empty() {
                        n.recipient.email.clone()
                    } else {
                        format!("{} <{}>", n.recipient.name, n.recipient.email)
                    },
                    template: lang.t(&template_key(n.template)).to_owned(),
                    status: n.status.as_str(),
                    status_text: lang.t(&format!("mstatus.{}", n.status.as_str())).to_owned(),
                    attempts: n.attempts,
                    error: n.last_error.clone().unwrap_or_default(),
                })
                .collect(),
        }
    };
    render(StatusCode::OK, lang, &page)
}

#[derive(askama::Template)]
#[template(path = "mail_detail.html")]
struct DetailPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    id: String,
    fair_id: String,
    csrf: String,
    status: &'static str,
    status_text: String,
    facts: Vec<(String, String)>,
    subject: String,
    text: String,
    can_retry: bool,
}

async fn detail_page(state: Data<AppState>, mailer: Data<Mailer>, req: HttpRequest, id: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let Some(id) = parse_id(&id) else {
        return not_found_page(&req, "error.not_found");
    };
    let csrf = csrf_token(&req);
    let page = {
        let p = state.read();
        let Some(n) = p.notifications.by_id.get(&id) else {
            return not_found_page(&req, "error.not_found");
        };
        let zone = p
            .fairs
            .by_id
            .get(&n.fair_id)
            .map_or("UTC", |f| f.details.time_zone.as_str())
            .to_owned();
        let rendered = mailer.render(&p, &state.secret, &Mail::from_view(n), false);
        let t = |key: &str| lang.t(key).to_owned();
        let mut facts = vec![
            (
                t("mail.recipient"),
                format!("{} <{}>", n.recipient.name, n.recipient.email),
            ),
            (t("mail.template"), t(&template_key(n.template))),
            (t("mail.language"), n.language.clone()),
            (t("mail.due"), datetime_vn(n.due_at, &zone)),
            (t("mail.attempts"), n.attempts.to_string()),
            ("Message-ID".to_owned(), n.message_id.clone()),
        ];
        if let Some(at) = n.sent_at {
            facts.push((t("mail.sent_at"), datetime_vn(at, &zone)));
        }
        if let Some(at) = n.next_attempt_at.filter(|_| n.status == NotificationStatus::Pending) {
            facts.push((t("mail.next_attempt"), datetime_vn(at, &zone)));
        }
        if let Some(response) = &n.last_response {
            facts.push((t("mail.response"), response.clone()));
        }
        if let Some(error) = &n.last_error {
            facts.push((t("mail.error"), error.clone()));
        }
        let status = n.status.as_str();
        DetailPage {
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            id: id.to_string(),
            fair_id: n.fair_id.to_string(),
            csrf: csrf.clone(),
            status,
            status_text: t(&format!("mstatus.{status}")),
            facts,
            subject: rendered.subject,
            text: rendered.text,
            can_retry: n.status == NotificationStatus::Failed,
        }
    };
    render_form(StatusCode::OK, lang, &page, &csrf)
}

/// The HTML part on its own, for the preview frame: sandboxed, nothing loads or runs.
async fn html_preview(state: Data<AppState>, mailer: Data<Mailer>, req: HttpRequest, id: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Some(id) = parse_id(&id) else {
        return not_found_page(&req, "error.not_found");
    };
    let p = state.read();
    let Some(n) = p.notifications.by_id.get(&id) else {
        return not_found_page(&req, "error.not_found");
    };
    let rendered = mailer.render(&p, &state.secret, &Mail::from_view(n), false);
    drop(p);
    // The images the email carries beside its HTML, shown in place (the frame loads nothing).
    let images = rendered.images();
    let mut html = rendered.html;
    for (cid, mime, bytes) in &images {
        use base64::Engine as _;
        let data = format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        html = html.replace(&format!("cid:{cid}"), &data);
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        ))
        .body(html)
}

async fn retry_page(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let Some(id) = parse_id(&id) else {
        return not_found_page(&req, "error.not_found");
    };
    let lang = Lang::of(&req);
    let csrf = form.get("csrf").map(String::as_str).unwrap_or("");
    if csrf_ok(&req, csrf) {
        if let Err(err) = retry_failed(&state, &organizer, id, lang).await {
            tracing::info!(notification = %id, error = %err, "retry not taken");
        }
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/organizer/mail/{id}?lang={}", lang.code())))
        .finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_has_a_name_in_both_languages() {
        use crate::i18n::Lang;
        for t in hoicho_events::Template::ALL {
            let key = super::template_key(t);
            assert_ne!(Lang::Vi.t(&key), key);
            assert_ne!(Lang::En.t(&key), key);
        }
    }
}
