//! The organizers' review: the list of applications with filters, search and order, and
//! decisions in bulk (with a confirmation); one application is [`super::review_detail`].

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use futures_util::stream::{self, StreamExt};
use hoicho_events::{FairId, RegistrationId};

use crate::app::AppState;
use crate::domain::registration::{Decision, RegistrationCommand, Verdict, REASON_MAX_CHARS};
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::kit::extract::{organizer_of, Organizer};
use crate::web::kit::input::form_text;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render, to_login, Frame};
use crate::web::registrations::queue::{booths_requested_in, distinct, summary, Filters, ListQuery, BULK_AT_ONCE};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/registrations", web::get().to(list))
        .route("/organizer/fairs/{fair}/registrations/bulk", web::post().to(bulk));
    crate::web::registrations::review_detail::routes(cfg);
}

struct Row {
    id: String,
    /// Ticked: kept through a bulk action, its confirmation, and an error.
    ticked: bool,
    submitted: String,
    organization: String,
    status: String,
    status_text: String,
    stars: String,
    zone: String,
    commune: String,
    booths: String,
    certificates_valid: bool,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    flash: Option<String>,
    error: Option<String>,
    rows: Vec<Row>,
    q: String,
    status: String,
    zone: String,
    product_group: String,
    stars: String,
    certificate: String,
    statuses: [&'static str; 5],
    zones: Vec<(String, String)>,
    groups: [&'static str; 6],
    /// The list's filters, search and order as a query string, carried through a bulk
    /// action and its confirmation so the list comes back as it was.
    back: String,
    sort: String,
    /// The column headers: (label, link sorting by it, `aria-sort` when sorted by it).
    columns: Vec<(String, String, &'static str)>,
}

/// The columns the list sorts by, in the table's order, with their labels' keys.
const SORTS: &[(&str, &str)] = &[
    ("organization", "field.organization"),
    ("status", "booth.status"),
    ("stars", "field.stars"),
    ("zone", "field.zone"),
    ("commune", "field.commune"),
    ("booths", "field.booth_count"),
    ("submitted", "review.submitted"),
];

/// The filters, search and order among a page's query parameters, as a query string.
pub fn list_query_string(pairs: &[(String, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, v)| {
            !v.is_empty()
                && matches!(
                    k.as_str(),
                    "q" | "status" | "zone" | "product_group" | "stars" | "certificate" | "sort"
                )
        })
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

impl ReviewPage {
    fn status_key(&self, status: &str) -> &'static str {
        match status {
            "submitted" => "status.submitted",
            "approved" => "status.approved",
            "waitlisted" => "status.waitlisted",
            "rejected" => "status.rejected",
            _ => "status.withdrawn",
        }
    }
}

fn review_page(
    state: &AppState,
    req: &HttpRequest,
    fair: &str,
    pairs: &[(String, String)],
    ticked: &[String],
    flash: Option<String>,
) -> Result<ReviewPage, Box<HttpResponse>> {
    let map: HashMap<String, String> = pairs.iter().cloned().collect();
    let query = &ListQuery::from_pairs(&map);
    let back = list_query_string(pairs);
    let sort = map.get("sort").cloned().unwrap_or_default();
    let (sort_by, descending) = match sort.strip_prefix('-') {
        Some(by) => (by, true),
        None => (sort.as_str(), false),
    };
    let sort_by = if SORTS.iter().any(|(k, _)| *k == sort_by) {
        sort_by
    } else {
        "submitted"
    };
    let frame = Frame::of(req);
    let lang = frame.lang;
    let (filters, error) = match Filters::parse(query, lang) {
        Ok(filters) => (filters, None),
        Err(err) => {
            let message = err.body.fields.values().cloned().collect::<Vec<_>>().join("; ");
            (
                Filters::parse(&ListQuery::default(), lang)
                    .map_err(|_| Box::new(not_found_page(req, "error.not_found")))?,
                Some(message),
            )
        }
    };
    let projections = state.read();
    let view = projections
        .fairs
        .get(fair)
        .ok_or_else(|| Box::new(not_found_page(req, "fair.not_found")))?;
    let start = view.details.start_date;
    let zone = view.details.time_zone.as_str();
    let mut found: Vec<(&hoicho_projections::RegistrationView, super::queue::Summary)> = projections
        .registrations
        .of_fair(&FairId::new_unchecked(fair))
        .filter(|r| filters.keep(r, start))
        .map(|r| (r, summary(r, start)))
        .collect();
    found.sort_by(|(_, a), (_, b)| {
        let order = match sort_by {
            "organization" => hoicho_projections::fold(&a.organization).cmp(&hoicho_projections::fold(&b.organization)),
            "status" => a.status.cmp(&b.status),
            "stars" => a.stars.cmp(&b.stars),
            "zone" => a.zone.cmp(&b.zone),
            "commune" => hoicho_projections::fold(&a.commune).cmp(&hoicho_projections::fold(&b.commune)),
            "booths" => (a.requested_booths, a.approved_booths).cmp(&(b.requested_booths, b.approved_booths)),
            _ => a.submitted_at.cmp(&b.submitted_at),
        };
        let order = order.then(a.submitted_at.cmp(&b.submitted_at));
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    let rows = found
        .into_iter()
        .map(|(_, s)| Row {
            status_text: lang.t(&format!("status.{}", s.status)).to_owned(),
            stars: s.stars.map_or(String::new(), |n| n.to_string()),
            zone: s.zone.clone().unwrap_or_default(),
            booths: if s.approved_booths > 0 {
                format!("{}/{}", s.approved_booths, s.requested_booths)
            } else {
                s.requested_booths.to_string()
            },
            ticked: ticked.contains(&s.id),
            submitted: crate::i18n::datetime_vn(s.submitted_at, zone),
            id: s.id,
            organization: s.organization,
            status: s.status,
            commune: s.commune,
            certificates_valid: s.certificates_valid,
        })
        .collect();
    let columns = SORTS
        .iter()
        .map(|(key, label)| {
            let current = sort_by == *key;
            let next = if current && !descending {
                format!("-{key}")
            } else {
                (*key).to_owned()
            };
            let mut pairs: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "sort").cloned().collect();
            pairs.push(("sort".into(), next));
            let href = format!(
                "/organizer/fairs/{fair}/registrations?{}&lang={}",
                list_query_string(&pairs),
                lang.code()
            );
            let aria = match (current, descending) {
                (true, false) => "ascending",
                (true, true) => "descending",
                _ => "",
            };
            (
                lang.t(label).split(" (").next().unwrap_or_default().to_owned(),
                href,
                aria,
            )
        })
        .collect();
    Ok(ReviewPage {
        lang,
        signed_in: frame.signed_in,
        switch_url: frame.switch_url,
        fair_id: fair.to_owned(),
        fair_name: view.details.name.clone(),
        csrf: csrf_token(req),
        flash,
        error,
        rows,
        q: query.q.clone().unwrap_or_default(),
        status: query.status.clone().unwrap_or_default(),
        zone: query.zone.clone().unwrap_or_default(),
        product_group: query.product_group.clone().unwrap_or_default(),
        stars: query.stars.clone().unwrap_or_default(),
        certificate: query.certificate.clone().unwrap_or_default(),
        statuses: ["submitted", "approved", "waitlisted", "rejected", "withdrawn"],
        zones: view
            .zones
            .values()
            .map(|z| (z.code.to_string(), z.name.clone()))
            .collect(),
        groups: ["I", "II", "III", "IV", "V", "VI"],
        back,
        sort,
        columns,
    })
}

async fn list(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    // Unknown parameters are ignored here (a page keeps working with stray links).
    let pairs: Vec<(String, String)> = Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let ticked: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    let flash = pairs.iter().find(|(k, _)| k == "done").map(|(_, n)| {
        format!(
            "{}: {n} {}",
            Lang::of(&req).t("review.done"),
            Lang::of(&req).t("review.applications")
        )
    });
    match review_page(&state, &req, &fair, &pairs, &ticked, flash) {
        Ok(page) => render_form(StatusCode::OK, page.lang, &page, &page.csrf),
        Err(response) => *response,
    }
}

#[derive(Template)]
#[template(path = "review_confirm.html")]
struct ConfirmPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    csrf: String,
    what: String,
    names: Vec<String>,
    ids: Vec<String>,
    action: String,
    reason: Option<String>,
    reason_value: String,
    /// The list's filters and order, to return to.
    back: String,
    /// The ticked applications as query parameters, ticked again on the way back.
    ticks: String,
}

async fn bulk(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let ids: Vec<RegistrationId> = form
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok().map(RegistrationId))
        .collect();
    let action = get("action");
    let back = get("back");
    let back_pairs: Vec<(String, String)> = serde_urlencoded::from_str(&back).unwrap_or_default();
    let back = list_query_string(&back_pairs);
    let ticked: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    let verdict = Verdict::parse(&action);
    let reason = form_text(&get("reason"), REASON_MAX_CHARS);
    let problem = if !csrf_ok(&req, &get("csrf")) {
        Some(lang.t("login.expired"))
    } else if ids.is_empty() {
        Some(lang.t("review.none_selected"))
    } else if verdict.is_some_and(Verdict::needs_reason) && reason.is_empty() {
        Some(lang.t("review.reason_needed"))
    } else if verdict.is_none() {
        Some(lang.t("review.action"))
    } else {
        None
    };
    let verdict = match (verdict, problem) {
        (Some(verdict), None) => verdict,
        (_, problem) => {
            let problem = problem.unwrap_or_else(|| lang.t("review.action"));
            return match review_page(&state, &req, &fair, &back_pairs, &ticked, None) {
                Ok(mut page) => {
                    page.error = Some(problem.to_owned());
                    render_form(StatusCode::UNPROCESSABLE_ENTITY, lang, &page, &page.csrf)
                }
                Err(response) => *response,
            };
        }
    };
    if get("confirm") != "yes" {
        let frame = Frame::of(&req);
        let names = {
            let projections = state.read();
            ids.iter()
                .filter_map(|id| projections.registrations.get(id))
                .filter(|r| r.fair_id.as_str() == fair.as_str())
                .map(|r| r.application.organization.clone())
                .collect::<Vec<_>>()
        };
        let what = format!(
            "{} — {} {}",
            lang.t(&format!("review.{action}")),
            names.len(),
            lang.t("review.applications")
        );
        let page = ConfirmPage {
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            fair_id: fair.to_string(),
            csrf: csrf_token(&req),
            what,
            names,
            ids: ids.iter().map(|id| id.to_string()).collect(),
            action,
            reason: (!reason.is_empty()).then(|| reason.clone()),
            reason_value: reason,
            back: back.clone(),
            ticks: ticked.iter().map(|id| format!("&ids={id}")).collect(),
        };
        return render(StatusCode::OK, lang, &page);
    }
    let decision = Decision {
        verdict,
        booths: None,
        reason: (!reason.is_empty()).then_some(reason),
    };
    let take = |id: RegistrationId| {
        let (state, organizer, fair, decision) = (&state, &organizer, &fair, &decision);
        async move {
            match booths_requested_in(state, fair, &id) {
                Some(requested) => run(state, organizer, id, decision.command(requested)).await,
                None => false,
            }
        }
    };
    let done = stream::iter(distinct(ids).into_iter().map(take))
        .buffer_unordered(BULK_AT_ONCE)
        .filter(|taken| std::future::ready(*taken))
        .count()
        .await;
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!(
                "/organizer/fairs/{fair}/registrations?{back}&done={done}{}&lang={}",
                ticked.iter().map(|id| format!("&ids={id}")).collect::<String>(),
                lang.code()
            ),
        ))
        .finish()
}

/// Runs one decision; whether it was taken.
pub(super) async fn run(
    state: &AppState,
    organizer: &Organizer,
    id: RegistrationId,
    command: RegistrationCommand,
) -> bool {
    let ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
    match service::registrations::run(state, &ctx, &id, None, &command).await {
        Ok(_) => true,
        Err(err) => {
            tracing::info!(registration = %id, error = %err, "decision not taken");
            false
        }
    }
}
