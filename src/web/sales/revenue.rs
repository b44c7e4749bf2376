//! The organizers' revenue page: the day's takings live (who has and has not reported, a
//! reminder at a tap), the review by day, zone, locality and more, its charts and files,
//! and the closing of the books.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::{FairId, RegistrationId};

use crate::app::AppState;
use crate::domain::fair::{FairCommand, REOPEN_REASON_MAX_CHARS};
use crate::domain::sales::SalesCommand;
use crate::i18n::{date_vn, money_vnd, percent_vn as percent, Lang};
use crate::revenue::{charts, revenue};
use crate::service;
use crate::service::CommandContext;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::form_text;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/revenue", web::get().to(revenue_page))
        .route("/organizer/fairs/{fair}/books", web::post().to(books))
        .route("/organizer/fairs/{fair}/revenue/remind", web::post().to(remind));
}

/// A breakdown on the page: its title, its `by` name, and (label, amount, share) rows.
type Section = (String, &'static str, Vec<(String, String, String)>);

#[derive(askama::Template)]
#[template(path = "revenue.html")]
struct RevenuePage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    books_closed: bool,
    /// The fair is on and its books open: the page refreshes itself every minute.
    running: bool,
    total: String,
    ocop: String,
    ocop_share: String,
    occupancy: String,
    today: String,
    today_total: String,
    today_by_zone: Vec<(String, String)>,
    reported_today: Vec<String>,
    /// Holders that have not reported today: (registration, organization, booths, phone as
    /// written, phone for `tel:`, whether it has an email to remind).
    missing_today: Vec<(String, String, String, String, String, bool)>,
    /// Today is a day of the fair: "Hôm nay" is shown.
    fair_day: bool,
    reminded: bool,
    reporting: Vec<(String, String)>,
    sections: Vec<Section>,
    comparison: Option<String>,
    /// (title, SVG drawn by plotters, which escapes every text it writes).
    charts: Vec<(String, String)>,
    /// The booth fees beside the takings: (label, amount), when the fair charges any.
    fees: Vec<(String, String)>,
}

async fn revenue_page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let csrf = csrf_token(&req);
    let page = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let report = revenue(&p, view, lang);
        let today = view.today(chrono::Utc::now());
        let sales = p.sales.of_fair(&view.id);
        // Today, live: the total, by zone, who has and has not reported.
        let mut by_zone: BTreeMap<String, i64> = BTreeMap::new();
        let (mut reported, mut missing) = (Vec::new(), Vec::new());
        for (id, booths) in &view.holdings {
            let Some(r) = p.registrations.get(id) else { continue };
            let amount = sales
                .and_then(|s| s.registrations.get(id))
                .and_then(|s| s.by_day.get(&today).copied())
                .unwrap_or(0);
            let has = sales
                .and_then(|s| s.registrations.get(id))
                .and_then(|s| s.entries_by_day.get(&today))
                .is_some_and(|n| *n > 0);
            if let Some(booth) = booths.first().and_then(|b| view.booths.get(b)) {
                let zone = view
                    .zones
                    .get(&booth.booth.zone)
                    .map_or_else(|| booth.booth.zone.to_string(), |z| format!("{} — {}", z.code, z.name));
                *by_zone.entry(zone).or_default() += amount;
            }
            let codes = booths.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ");
            if has {
                reported.push(format!("{} — {}", r.application.organization, money_vnd(amount)));
            } else {
                missing.push((
                    r.id.to_string(),
                    r.application.organization.clone(),
                    codes,
                    crate::i18n::phone_vn(&r.application.phone),
                    crate::web::kit::page::tel(&r.application.phone),
                    !r.application.email.is_empty(),
                ));
            }
        }
        let section_names = [
            ("day", "revenue.by_day"),
            ("zone", "revenue.by_zone"),
            ("product_group", "revenue.by_product_group"),
            ("commune", "revenue.by_commune"),
            ("legacy_district", "revenue.by_legacy_district"),
            ("stars", "revenue.by_stars"),
            ("exhibitor", "revenue.by_exhibitor"),
            ("producer", "revenue.by_producer"),
            ("booth", "revenue.by_booth"),
        ];
        let sections = section_names
            .iter()
            .map(|(by, key)| {
                let rows = report
                    .breakdown(by)
                    .iter()
                    .map(|l| (l.label.clone(), money_vnd(l.amount_vnd), percent(l.share)))
                    .collect();
                (lang.t(key).to_owned(), *by, rows)
            })
            .collect();
        let fees = p
            .fees
            .of_fair(&view.id)
            .filter(|f| !f.statements.is_empty())
            .map(|f| {
                let t = f.totals();
                let money = crate::i18n::money_vnd;
                vec![
                    (lang.t("fees.price").to_owned(), money(t.price_vnd)),
                    (lang.t("fees.subsidy").to_owned(), money(t.subsidy_vnd)),
                    (lang.t("fees.to_pay").to_owned(), money(t.due_vnd)),
                    (lang.t("fees.collected").to_owned(), money(t.paid_vnd - t.refunded_vnd)),
                    (lang.t("fees.outstanding").to_owned(), money(t.outstanding_vnd)),
                ]
            })
            .unwrap_or_default();
        RevenuePage {
            fees,
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            fair_id: view.id.to_string(),
            fair_name: view.details.name.clone(),
            csrf: csrf.clone(),
            books_closed: view.books_closed,
            running: !view.books_closed && today >= view.details.start_date && today <= view.details.end_date,
            fair_day: today >= view.details.start_date && today <= view.details.end_date,
            reminded: req.query_string().contains("done=reminded"),
            total: money_vnd(report.total_vnd),
            ocop: money_vnd(report.ocop_vnd),
            ocop_share: percent(report.ocop_share),
            occupancy: format!(
                "{}/{} ({})",
                report.booths_allocated,
                report.booths,
                percent(report.occupancy)
            ),
            today: date_vn(today),
            today_total: money_vnd(by_zone.values().sum()),
            today_by_zone: by_zone.into_iter().map(|(z, a)| (z, money_vnd(a))).collect(),
            reported_today: reported,
            missing_today: missing,
            reporting: report
                .reporting
                .iter()
                .map(|d| (date_vn(d.day), format!("{} ({})", d.reported, percent(d.rate))))
                .collect(),
            sections,
            charts: charts::charts(&report, lang),
            comparison: report.comparison.as_ref().map(|c| {
                let sign = if c.difference_vnd >= 0 { "+" } else { "" };
                format!(
                    "{}: {} ({sign}{})",
                    c.name,
                    money_vnd(c.total_vnd),
                    money_vnd(c.difference_vnd)
                )
            }),
        }
    };
    render_form(StatusCode::OK, lang, &page, &csrf)
}

/// "Gửi nhắc": an organizer reminds one exhibitor that has not reported today, by email
/// through the outbox.
async fn remind(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut done = "remind_refused";
    let registration = get("registration").parse().ok().map(RegistrationId);
    if let (true, Some(id)) = (csrf_ok(&req, &get("csrf")), registration) {
        let found = {
            let p = state.read();
            p.registrations
                .get(&id)
                .filter(|r| r.fair_id.as_str() == fair.as_str())
                .and_then(|r| Some((r.fair_id.clone(), service::sales::situation(&p, r, chrono::Utc::now())?)))
        };
        if let Some((fair_id, situation)) = found {
            let ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
            let command = SalesCommand::Remind { day: situation.today };
            match service::sales::run(&state, &ctx, &fair_id, &id, &situation, &command).await {
                Ok(_) => done = "reminded",
                Err(err) => tracing::info!(error = %err, "no reminder"),
            }
        }
    }
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!(
                "/organizer/fairs/{fair}/revenue?done={done}&lang={}#missing-today",
                lang.code()
            ),
        ))
        .finish()
}

async fn books(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let fair_id = FairId::new_unchecked(fair.as_str());
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let reason = form_text(&get("reason"), REOPEN_REASON_MAX_CHARS);
    let command = match get("action").as_str() {
        "close" => Some(FairCommand::CloseBooks),
        "reopen" if !reason.is_empty() => Some(FairCommand::ReopenBooks { reason }),
        _ => None,
    };
    if let (true, Some(command)) = (csrf_ok(&req, &get("csrf")), command) {
        let ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
        let booth = hoicho_events::BoothCode::new_unchecked("");
        if let Err(err) =
            crate::web::allocations::api::command_on_fair(&state, &ctx, &fair_id, None, &command, &booth).await
        {
            tracing::info!(fair = %fair_id, error = %err, "books not changed");
        }
    }
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/organizer/fairs/{fair_id}/revenue?lang={}", lang.code()),
        ))
        .finish()
}
