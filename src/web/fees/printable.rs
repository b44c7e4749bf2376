//! A registration's statement as a page to print or keep (A5): the booths, their prices and
//! support, what is due by when, and the VietQR code to pay it; for the exhibitor behind its
//! private link (`/r/{token}/statement`) and for the organizers
//! (`/organizer/fairs/{fair}/payments/{registration}/statement`).

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{FairId, RegistrationId};

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{not_found_page, private, render, to_login, Frame};
use crate::web::registrations::api::registration_for_token;

use super::{card, StatementCard};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/r/{token}/statement", web::get().to(for_exhibitor)).route(
        "/organizer/fairs/{fair}/payments/{registration}/statement",
        web::get().to(for_organizer),
    );
}

#[derive(Template)]
#[template(path = "statement_print.html")]
struct StatementPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_name: String,
    venue: String,
    hotline: String,
    organization: String,
    address: String,
    printed_on: String,
    card: StatementCard,
    receipt_base: String,
    /// Empty: the page is the printable statement itself.
    statement_url: String,
    back: String,
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    fair: &FairId,
    id: &RegistrationId,
    receipt_base: String,
    back: String,
) -> Option<StatementPage> {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let p = state.read();
    let view = p.fairs.by_id.get(fair)?;
    let registration = p.registrations.get(id)?;
    let now = Utc::now();
    let card = card(&p, fair, id, now, lang)?;
    let a = &registration.application.address;
    Some(StatementPage {
        lang,
        signed_in,
        switch_url,
        fair_name: view.details.name.clone(),
        venue: view.details.venue.clone(),
        hotline: view.details.contact_phone.clone(),
        organization: registration.application.organization.clone(),
        address: [a.line.as_deref(), Some(a.commune.as_str()), Some(a.province.as_str())]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        printed_on: crate::i18n::date_vn(view.today(now)),
        card,
        receipt_base,
        statement_url: String::new(),
        back,
    })
}

async fn for_exhibitor(state: Data<AppState>, req: HttpRequest, token: Path<String>) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let Some(fair) = state.read().registrations.get(&id).map(|r| r.fair_id.clone()) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let base = format!("/r/{}", token.as_str());
    match page(&req, &state, &fair, &id, format!("{base}/receipts"), base.clone()) {
        Some(mut page) => {
            page.card = page.card.drawn();
            private(render(StatusCode::OK, page.lang, &page))
        }
        None => private(not_found_page(&req, "fees.no_statement")),
    }
}

async fn for_organizer(state: Data<AppState>, req: HttpRequest, path: Path<(String, String)>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let (fair, registration) = path.into_inner();
    let fair = FairId::new_unchecked(fair.as_str());
    let Ok(id) = uuid::Uuid::parse_str(&registration).map(RegistrationId) else {
        return not_found_page(&req, "fees.no_statement");
    };
    let receipts = format!("/organizer/fairs/{fair}/receipts");
    let back = format!("/organizer/fairs/{fair}/payments/{id}");
    match page(&req, &state, &fair, &id, receipts, back) {
        Some(mut page) => {
            page.card = page.card.drawn();
            render(StatusCode::OK, page.lang, &page)
        }
        None => not_found_page(&req, "fees.no_statement"),
    }
}
