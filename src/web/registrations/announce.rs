//! Writing to exhibitors: an announcement by email to a group the organizer filters (status,
//! zone, commune) — "dựng gian từ 6 giờ sáng 20/01" — previewed with its recipients, sent
//! once through the outbox, and logged.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::{IdempotencyMark, RegistrationId};
use hoicho_projections::{fold, FairView, Projections, RegistrationStatus, RegistrationView};

use crate::app::AppState;
use crate::domain::announcement::{Announcement, MESSAGE_MAX_CHARS, SUBJECT_MAX_CHARS};
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::form_text;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, query_value, to_login, Frame};
use crate::web::kit::write::{form_mark, replay};

/// The groups an announcement can go to, with their labels' keys.
const GROUPS: &[(&str, &str)] = &[
    ("approved", "announce.group.approved"),
    ("holding", "announce.group.holding"),
    ("unplaced", "announce.group.unplaced"),
    ("submitted", "announce.group.submitted"),
    ("waitlisted", "announce.group.waitlisted"),
    ("active", "announce.group.active"),
];

/// Who is in the group: the applications chosen by `group`, `zone` (the booth's zone for a
/// holder, else the zone asked for) and `commune` (part of it, without diacritics).
fn audience<'a>(
    p: &'a Projections,
    fair: &FairView,
    group: &str,
    zone: &str,
    commune: &str,
) -> Vec<&'a RegistrationView> {
    let commune = fold(commune.trim());
    p.registrations
        .of_fair(&fair.id)
        .filter(|r| {
            let holds = !fair.held_by(&r.id).is_empty();
            match group {
                "holding" => holds,
                "unplaced" => r.status == RegistrationStatus::Approved && !holds,
                "submitted" => r.status == RegistrationStatus::Submitted,
                "waitlisted" => r.status == RegistrationStatus::Waitlisted,
                "active" => !matches!(r.status, RegistrationStatus::Rejected | RegistrationStatus::Withdrawn),
                _ => r.status == RegistrationStatus::Approved,
            }
        })
        .filter(|r| {
            if zone.is_empty() {
                return true;
            }
            let held_zone = fair
                .held_by(&r.id)
                .first()
                .and_then(|b| fair.booths.get(*b))
                .map(|b| b.booth.zone.to_string());
            let asked = r.application.booth_request.zone.as_ref().map(|z| z.to_string());
            held_zone.or(asked).as_deref() == Some(zone)
        })
        .filter(|r| commune.is_empty() || fold(&r.application.address.commune).contains(&commune))
        .collect()
}

#[derive(Template)]
#[template(path = "announce.html")]
struct AnnouncePage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    form_id: String,
    groups: &'static [(&'static str, &'static str)],
    zones: Vec<(String, String)>,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// The preview: (organization, email or "" when it has none).
    recipients: Option<Vec<(String, String)>>,
    sent: Option<String>,
}

impl AnnouncePage {
    fn v(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }

    fn e(&self, key: &str) -> Option<&str> {
        self.errors.get(key).map(String::as_str)
    }

    fn emailed(&self) -> usize {
        self.recipients
            .as_ref()
            .map_or(0, |r| r.iter().filter(|(_, email)| !email.is_empty()).count())
    }
}

fn page(req: &HttpRequest, fair: &FairView, values: HashMap<String, String>) -> AnnouncePage {
    let frame = Frame::of(req);
    AnnouncePage {
        lang: frame.lang,
        signed_in: frame.signed_in,
        switch_url: frame.switch_url,
        fair_id: fair.id.to_string(),
        fair_name: fair.details.name.clone(),
        csrf: csrf_token(req),
        form_id: crate::auth::random_token(16),
        groups: GROUPS,
        zones: fair
            .zones
            .values()
            .map(|z| (z.code.to_string(), z.name.clone()))
            .collect(),
        values,
        errors: HashMap::new(),
        recipients: None,
        sent: None,
    }
}

pub async fn form(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page(&req, view, HashMap::from([("group".to_owned(), "approved".to_owned())]));
    page.sent = query_value(&req, "sent").map(|n| page.lang.t("announce.sent").replace("{n}", &n));
    drop(p);
    render_form(StatusCode::OK, page.lang, &page, &page.csrf)
}

pub async fn submit(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let mut values = form.into_inner();
    let csrf = values.remove("csrf").unwrap_or_default();
    let get = |k: &str| values.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let subject = form_text(&get("subject"), SUBJECT_MAX_CHARS);
    let message = values
        .get("message")
        .map(|m| {
            m.replace("\r\n", "\n")
                .trim()
                .chars()
                .take(MESSAGE_MAX_CHARS)
                .collect::<String>()
        })
        .unwrap_or_default();
    let (announcement, ctx) = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let mut page = page(&req, view, values.clone());
        if !csrf_ok(&req, &csrf) {
            page.errors.insert("form".into(), lang.t("login.expired").to_owned());
        }
        let group = match get("group") {
            g if GROUPS.iter().any(|(k, _)| *k == g) => g,
            _ => "approved".to_owned(),
        };
        let zone = get("zone");
        let commune = get("commune");
        let chosen = audience(&p, view, &group, &zone, &commune);
        if subject.is_empty() {
            page.errors
                .insert("subject".into(), lang.t("announce.err.subject").to_owned());
        }
        if message.is_empty() {
            page.errors
                .insert("message".into(), lang.t("announce.err.message").to_owned());
        }
        if chosen.is_empty() {
            page.errors
                .insert("group".into(), lang.t("announce.err.nobody").to_owned());
        }
        page.recipients = Some(
            chosen
                .iter()
                .map(|r| (r.application.organization.clone(), r.application.email.clone()))
                .collect(),
        );
        if !page.errors.is_empty() || get("action") != "send" {
            let status = if page.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            drop(p);
            return render_form(status, page.lang, &page, &page.csrf);
        }
        let mut audience_words = vec![lang
            .t(GROUPS.iter().find(|(k, _)| *k == group).map_or("", |(_, l)| *l))
            .to_owned()];
        if !zone.is_empty() {
            audience_words.push(format!("{} {zone}", lang.t("board.in_zone")));
        }
        if !commune.is_empty() {
            audience_words.push(commune.clone());
        }
        let mut ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
        // The form names itself: sending it twice sends one announcement.
        let fields: Vec<(&str, &str)> = {
            let mut f: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            f.sort_unstable();
            f
        };
        let mark = form_mark(&organizer.principal(), String::new(), &fields);
        ctx.idempotency = Some(IdempotencyMark {
            key: format!("announce:{}", get("form_id")),
            ..mark
        });
        let recipients: Vec<RegistrationId> = chosen.iter().map(|r| r.id).collect();
        (
            Announcement {
                announcement_id: ctx.new_id("announcement"),
                fair_id: view.id.clone(),
                subject,
                message,
                recipients,
                audience: audience_words.join(" · "),
            },
            ctx,
        )
    };
    let sent = announcement.recipients.len();
    let back = |n: usize| {
        HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!(
                    "/organizer/fairs/{}/announce?sent={n}&lang={}",
                    announcement.fair_id,
                    lang.code()
                ),
            ))
            .finish()
    };
    if let Ok(Some(_)) = replay(&state, &ctx).await {
        return back(sent);
    }
    match service::announcements::send(&state, &ctx, &announcement).await {
        Ok(_) => back(sent),
        Err(err) => {
            tracing::info!(error = %err, "an announcement was not sent");
            HttpResponse::build(StatusCode::CONFLICT)
                .content_type("text/plain; charset=utf-8")
                .body(lang.t("announce.err.not_sent"))
        }
    }
}
