//! A receipt (phiếu thu) as a printable A5 page: for the organizers at
//! `/organizer/fairs/{fair}/receipts/{no}`, for the exhibitor behind its private link at
//! `/r/{token}/receipts/{no}` (its own receipts only).

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::{FairId, PaymentKind, RegistrationId};
use hoicho_projections::Projections;

use crate::app::AppState;
use crate::i18n::{amount_vnd_vi, date_vn, money_vnd, Lang};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{not_found_page, private, render, to_login, Frame};
use crate::web::registrations::api::registration_for_token;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/receipts/{no}", web::get().to(for_organizer))
        .route("/r/{token}/receipts/{no}", web::get().to(for_exhibitor));
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_name: String,
    venue: String,
    hotline: String,
    number: String,
    refund: bool,
    date: String,
    payer: String,
    organization: String,
    address: String,
    reason: String,
    amount: String,
    words: String,
    method: String,
    reference: String,
    voided: Option<String>,
    back: String,
}

fn page(
    req: &HttpRequest,
    p: &Projections,
    fair: &FairId,
    no: u32,
    only: Option<RegistrationId>,
    back: String,
) -> Option<ReceiptPage> {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let view = p.fairs.by_id.get(fair)?;
    let receipt = p.fees.of_fair(fair)?.receipts.get(&no)?;
    if only.is_some_and(|own| own != receipt.registration_id) {
        return None;
    }
    let registration = p.registrations.get(&receipt.registration_id);
    let statement = p.fees.statement(fair, &receipt.registration_id);
    let booths = statement
        .map(|s| {
            s.lines
                .iter()
                .map(|l| l.booth.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let refund = receipt.kind == PaymentKind::Refund;
    let reason = lang
        .t(if refund {
            "fees.receipt.refund_reason"
        } else {
            "fees.receipt.reason"
        })
        .replace("{booths}", &booths)
        .replace("{fair}", &view.details.name);
    let address = registration
        .map(|r| {
            let a = &r.application.address;
            [a.line.as_deref(), Some(a.commune.as_str()), Some(a.province.as_str())]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Some(ReceiptPage {
        lang,
        signed_in,
        switch_url,
        fair_name: view.details.name.clone(),
        venue: view.details.venue.clone(),
        hotline: view.details.contact_phone.clone(),
        number: format!("{no:04}"),
        refund,
        date: date_vn(receipt.paid_on),
        payer: receipt.payer.clone(),
        organization: registration
            .map(|r| r.application.organization.clone())
            .unwrap_or_default(),
        address,
        reason,
        amount: money_vnd(receipt.amount_vnd),
        words: amount_vnd_vi(receipt.amount_vnd),
        method: super::method_text(receipt.method, lang).to_owned(),
        reference: receipt.bank_reference.clone().unwrap_or_default(),
        voided: receipt.voided.clone(),
        back,
    })
}

async fn for_organizer(state: Data<AppState>, req: HttpRequest, path: Path<(String, u32)>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let (fair, no) = path.into_inner();
    let fair = FairId::new_unchecked(fair.as_str());
    let p = state.read();
    let back = p
        .fees
        .of_fair(&fair)
        .and_then(|f| f.receipts.get(&no))
        .map(|r| format!("/organizer/fairs/{fair}/payments/{}", r.registration_id))
        .unwrap_or_default();
    match page(&req, &p, &fair, no, None, back) {
        Some(page) => render(StatusCode::OK, page.lang, &page),
        None => not_found_page(&req, "fees.no_receipt"),
    }
}

async fn for_exhibitor(state: Data<AppState>, req: HttpRequest, path: Path<(String, u32)>) -> HttpResponse {
    let (token, no) = path.into_inner();
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let p = state.read();
    let Some(fair) = p.registrations.get(&id).map(|r| r.fair_id.clone()) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    match page(&req, &p, &fair, no, Some(id), format!("/r/{token}")) {
        Some(page) => private(render(StatusCode::OK, page.lang, &page)),
        None => private(not_found_page(&req, "fees.no_receipt")),
    }
}
