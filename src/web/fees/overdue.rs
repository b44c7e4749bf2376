//! Booths whose fee was not paid by the due date, released as one change the organizer
//! confirms (`/organizer/fairs/{fair}/payments/overdue`): never automatically. The freed
//! booths then go to the waiting list through the board's proposal, which gives no booth
//! back to an application released for not paying.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{BoothCode, FairId};
use hoicho_projections::Projections;

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::i18n::{date_vn, money_vnd, Lang};
use crate::service::{self, CommandContext};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, see_other, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/payments/overdue", web::get().to(page))
        .route("/organizer/fairs/{fair}/payments/overdue", web::post().to(release));
}

struct Overdue {
    registration_id: String,
    organization: String,
    booths: Vec<String>,
    outstanding: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "payments_overdue.html")]
struct OverduePage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    overdue: Vec<Overdue>,
    waitlisted: usize,
    released: Option<String>,
    error: Option<String>,
}

/// The statements past their due date with fees still to pay, by name.
pub fn overdue<'a>(p: &'a Projections, fair: &FairId) -> Vec<(String, &'a hoicho_projections::Statement)> {
    let Some(view) = p.fairs.by_id.get(fair) else {
        return Vec::new();
    };
    let today = view.today(Utc::now());
    let mut list: Vec<(String, &'a hoicho_projections::Statement)> = p
        .fees
        .of_fair(fair)
        .map(|f| {
            f.statements
                .values()
                .filter(|s| s.overdue(today))
                .map(|s| {
                    let name = p
                        .registrations
                        .get(&s.registration_id)
                        .map(|r| r.application.organization.clone())
                        .unwrap_or_default();
                    (name, s)
                })
                .collect()
        })
        .unwrap_or_default();
    list.sort_by_cached_key(|(name, _)| hoicho_projections::fold(name));
    list
}

fn page_for(req: &HttpRequest, state: &AppState, fair: &FairId) -> Option<OverduePage> {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let p = state.read();
    let view = p.fairs.by_id.get(fair)?;
    let overdue = overdue(&p, fair)
        .into_iter()
        .map(|(organization, s)| Overdue {
            registration_id: s.registration_id.to_string(),
            organization,
            booths: s.lines.iter().map(|l| l.booth.to_string()).collect(),
            outstanding: money_vnd(s.outstanding_vnd()),
            due_on: date_vn(s.due_on),
        })
        .collect();
    let waitlisted = p
        .registrations
        .of_fair(fair)
        .filter(|r| r.status == hoicho_projections::RegistrationStatus::Waitlisted)
        .count();
    Some(OverduePage {
        lang,
        signed_in,
        switch_url,
        fair_id: fair.to_string(),
        fair_name: view.details.name.clone(),
        csrf: csrf_token(req),
        overdue,
        waitlisted,
        released: None,
        error: None,
    })
}

async fn page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let fair = FairId::new_unchecked(fair.as_str());
    let Some(mut page) = page_for(&req, &state, &fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    page.released = crate::web::kit::page::query_value(&req, "released")
        .map(|n| page.lang.t("overdue.released").replace("{n}", &n));
    render_form(StatusCode::OK, page.lang, &page, &page.csrf.clone())
}

async fn release(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(who) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.as_str());
    let Some(mut page) = page_for(&req, &state, &fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let form = form.into_inner();
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if !csrf_ok(&req, csrf) {
        page.error = Some(lang.t("login.expired").to_owned());
        return render_form(StatusCode::FORBIDDEN, lang, &page, &page.csrf.clone());
    }
    let chosen: BTreeSet<&str> = form
        .iter()
        .filter(|(k, _)| k == "registration")
        .map(|(_, v)| v.as_str())
        .collect();
    // Only what is overdue now is released, whatever the form was sent with.
    let booths: Vec<BoothCode> = {
        let p = state.read();
        overdue(&p, &fair)
            .into_iter()
            .filter(|(_, s)| chosen.contains(s.registration_id.to_string().as_str()))
            .flat_map(|(_, s)| s.lines.iter().map(|l| l.booth.clone()).collect::<Vec<_>>())
            .collect()
    };
    let confirmed = form.iter().any(|(k, v)| k == "confirm" && v == "yes");
    if booths.is_empty() || !confirmed {
        let key = if booths.is_empty() {
            "overdue.none_chosen"
        } else {
            "overdue.confirm_needed"
        };
        page.error = Some(lang.t(key).to_owned());
        return render_form(StatusCode::UNPROCESSABLE_ENTITY, lang, &page, &page.csrf.clone());
    }
    let count = booths.len();
    let ctx = CommandContext::new(who.actor(), Utc::now());
    match service::fairs::run(&state, &ctx, &fair, None, &FairCommand::ReleaseUnpaid { booths }).await {
        Ok(_) => see_other(format!(
            "/organizer/fairs/{fair}/payments/overdue?released={count}&lang={}",
            lang.code()
        )),
        Err(err) => {
            page.error = Some(ApiError::from(err).body.message);
            render_form(StatusCode::CONFLICT, lang, &page, &page.csrf.clone())
        }
    }
}
