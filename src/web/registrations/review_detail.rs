//! One application as the organizers review it: its facts, products, warnings and history;
//! a decision on it; a new private link.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::RegistrationId;

use crate::app::AppState;
use crate::domain::registration::{Decision, Verdict, MAX_APPROVED_BOOTHS, REASON_MAX_CHARS};
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::form_text;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, to_login, Frame};
use crate::web::registrations::api::{history, warnings_text};
use crate::web::registrations::private::{history_line, product_line};
use crate::web::registrations::review::run;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/registrations/{id}", web::get().to(detail))
        .route("/organizer/registrations/{id}/decide", web::post().to(decide_one))
        .route("/organizer/registrations/{id}/new-link", web::post().to(new_link));
}

#[derive(Template)]
#[template(path = "review_detail.html")]
struct DetailPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    id: String,
    fair_id: String,
    csrf: String,
    organization: String,
    status: &'static str,
    status_text: String,
    approved_booths: u32,
    requested: u32,
    reason: Option<String>,
    warnings: Vec<String>,
    facts: Vec<(String, String)>,
    products: Vec<String>,
    history: Vec<String>,
    can_decide: bool,
    /// A new private link was just issued.
    new_link: bool,
}

async fn detail(state: Data<AppState>, req: HttpRequest, id: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Ok(id) = id.parse().map(RegistrationId) else {
        return not_found_page(&req, "error.not_found");
    };
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let history = history(&state, id).await.unwrap_or_default();
    let csrf = csrf_token(&req);
    let page = {
        let projections = state.read();
        let Some(view) = projections.registrations.get(&id) else {
            return not_found_page(&req, "error.not_found");
        };
        let fair = projections.fairs.get(view.fair_id.as_str());
        let zone = fair.map_or("UTC", |f| f.details.time_zone.as_str());
        let a = &view.application;
        let t = |key: &str| lang.t(key).to_owned();
        let producer_type = a.producer_type.code();
        let mut facts = vec![
            (t("field.producer_type"), t(&format!("pt.{producer_type}"))),
            (t("field.tax_code"), a.tax_code.clone().unwrap_or_default()),
            (t("field.representative"), a.representative.clone()),
            (t("field.phone"), crate::i18n::phone_vn(&a.phone)),
            (t("field.email"), a.email.clone()),
            (t("field.commune"), a.address.commune.clone()),
            (t("field.province"), a.address.province.clone()),
        ];
        if let Some(district) = &a.address.legacy_district {
            facts.push((t("field.legacy_district"), district.clone()));
        }
        // The address as the reports count it: the commune in force now (ADR 024).
        let ((unit, unit_label), _) = crate::revenue::locality(a, lang == crate::i18n::Lang::Vi);
        let resolved = !unit.starts_with('?');
        if resolved {
            facts.push((t("field.unit_now"), format!("{unit_label} ({unit})")));
        }
        let r = &a.booth_request;
        facts.push((t("field.booth_count"), r.count.to_string()));
        if let Some(z) = &r.zone {
            facts.push((t("field.zone"), z.to_string()));
        }
        if let Some(k) = &r.kind {
            facts.push((t("field.kind"), k.clone()));
        }
        if !r.preferred_booths.is_empty() {
            facts.push((
                t("field.preferred_booths"),
                r.preferred_booths
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        if r.needs_power {
            facts.push((t("field.needs_power"), "✓".into()));
        }
        if let Some(note) = &r.note {
            facts.push((t("field.note"), note.clone()));
        }
        let mut products = Vec::new();
        let describe = |p: &hoicho_events::Product| product_line(p, lang);
        products.extend(a.products.iter().map(describe));
        for producer in &a.producers {
            products.extend(
                producer
                    .products
                    .iter()
                    .map(|p| format!("{}: {}", producer.organization, describe(p))),
            );
        }
        let status = view.status.as_str();
        DetailPage {
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            id: id.to_string(),
            fair_id: view.fair_id.to_string(),
            csrf: csrf.clone(),
            organization: a.organization.clone(),
            status,
            status_text: t(&format!("status.{status}")),
            approved_booths: view.approved_booths,
            requested: r.count,
            reason: view.reason.clone(),
            warnings: {
                let mut warnings = warnings_text(a, fair, lang);
                if !resolved {
                    warnings.push(t("warning.address_unresolved"));
                }
                warnings
            },
            facts,
            products,
            history: history.iter().map(|h| history_line(h, zone, lang)).collect(),
            can_decide: !matches!(status, "withdrawn" | "rejected"),
            new_link: req.query_string().contains("done=new_link"),
        }
    };
    render_form(StatusCode::OK, lang, &page, &csrf)
}

/// An organizer issues a new private link (the exhibitor lost it, or it leaked): the old one
/// stops working at once and the new one is emailed; the organizer never sees it.
async fn new_link(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let Ok(id) = id.parse().map(RegistrationId) else {
        return not_found_page(&req, "error.not_found");
    };
    let lang = Lang::of(&req);
    let csrf = form.get("csrf").map(String::as_str).unwrap_or("");
    let mut done = "";
    if csrf_ok(&req, csrf) {
        let ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
        if service::registrations::reissue_link(&state, &ctx, &id).await.is_ok() {
            done = "&done=new_link";
        }
    }
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/organizer/registrations/{id}?lang={}{done}", lang.code()),
        ))
        .finish()
}

async fn decide_one(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let Ok(id) = id.parse().map(RegistrationId) else {
        return not_found_page(&req, "error.not_found");
    };
    let lang = Lang::of(&req);
    let get = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let reason = form_text(&get("reason"), REASON_MAX_CHARS);
    let verdict = Verdict::parse(&get("action"));
    let booths = get("booths")
        .parse::<u32>()
        .ok()
        .filter(|b| (1..=MAX_APPROVED_BOOTHS).contains(b));
    let requested = state
        .read()
        .registrations
        .get(&id)
        .map(|v| v.application.booth_request.count);
    let decision = verdict
        .filter(|v| !(v.needs_reason() && reason.is_empty()))
        .map(|verdict| Decision {
            verdict,
            booths,
            reason: (!reason.is_empty()).then_some(reason),
        });
    if let (true, Some(decision), Some(requested)) = (csrf_ok(&req, &get("csrf")), decision, requested) {
        run(&state, &organizer, id, decision.command(requested)).await;
    }
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/organizer/registrations/{id}?lang={}", lang.code()),
        ))
        .finish()
}
