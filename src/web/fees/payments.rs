//! The organizers' payments pages: every statement of a fair with what it asks and what came
//! in (`/organizer/fairs/{fair}/payments`), and one registration's statement where a payment
//! or refund is recorded and a mistaken one voided (`…/payments/{registration}`).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{FairId, PaymentKind, RegistrationId};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::payments::{NewPayment, PaymentsCommand, VOID_REASON_MAX_CHARS};
use crate::i18n::{money_vnd, read_amount_vnd, Lang};
use crate::service::{self, CommandContext};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::{form_text, Check};
use crate::web::kit::page::{
    csrf_ok, csrf_token, not_found_page, query_value, render_form, see_other, to_login, Frame,
};

use super::{card, standing, StatementCard};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/payments", web::get().to(list))
        .route("/organizer/fairs/{fair}/payments/{registration}", web::get().to(detail))
        .route("/organizer/fairs/{fair}/payments/{registration}", web::post().to(act));
}

struct Row {
    registration_id: String,
    organization: String,
    booths: String,
    due: String,
    paid: String,
    outstanding: String,
    standing: &'static str,
    standing_text: String,
    due_on: String,
}

/// Statements a page of the list shows.
const PAGE: usize = 100;
/// The standings the list can be narrowed to, in the order it shows them.
const STANDINGS: [&str; 7] = ["overdue", "unpaid", "part_paid", "overpaid", "paid", "covered", "none"];

#[derive(Template)]
#[template(path = "payments.html")]
struct ListPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    rows: Vec<Row>,
    price: String,
    subsidy: String,
    due: String,
    paid: String,
    refunded: String,
    outstanding: String,
    overpaid: String,
    by_rule: Vec<(String, String)>,
    has_account: bool,
    /// (standing, its word, how many, chosen).
    standings: Vec<(&'static str, String, usize, bool)>,
    search: String,
    /// The rows the filters keep, and the page shown of them (from 1).
    matching: usize,
    page: usize,
    pages: usize,
    /// The list's query without its page, for the page links.
    query: String,
    /// Statements past their due date with fees to pay.
    overdue: usize,
}

async fn list(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let today = view.today(Utc::now());
    let fees = p.fees.of_fair(&view.id);
    let totals = fees.map(|f| f.totals()).unwrap_or_default();
    let mut rows: Vec<Row> = fees
        .map(|f| {
            f.statements
                .values()
                .map(|s| {
                    let standing = standing(s, today);
                    Row {
                        registration_id: s.registration_id.to_string(),
                        organization: p
                            .registrations
                            .get(&s.registration_id)
                            .map(|r| r.application.organization.clone())
                            .unwrap_or_default(),
                        booths: s
                            .lines
                            .iter()
                            .map(|l| l.booth.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        due: money_vnd(s.due_vnd),
                        paid: money_vnd(s.paid_vnd - s.refunded_vnd),
                        outstanding: money_vnd(s.outstanding_vnd()),
                        standing,
                        standing_text: lang.t(&format!("fees.standing.{standing}")).to_owned(),
                        due_on: crate::i18n::date_vn(s.due_on),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    // What needs doing first: overdue, then unpaid, then the rest; by name within each.
    let order = |s: &str| STANDINGS.iter().position(|k| *k == s).unwrap_or(STANDINGS.len());
    rows.sort_by_cached_key(|r| (order(r.standing), hoicho_projections::fold(&r.organization)));
    let chosen = query_value(&req, "standing").filter(|s| STANDINGS.contains(&s.as_str()));
    let search = query_value(&req, "q").unwrap_or_default();
    let words = hoicho_projections::fold(&search);
    let standings = STANDINGS
        .iter()
        .map(|k| {
            let n = rows.iter().filter(|r| r.standing == *k).count();
            (
                *k,
                lang.t(&format!("fees.standing.{k}")).to_owned(),
                n,
                chosen.as_deref() == Some(*k),
            )
        })
        .filter(|(_, _, n, _)| *n > 0)
        .collect();
    rows.retain(|r| {
        chosen.as_deref().is_none_or(|c| r.standing == c)
            && words
                .split_whitespace()
                .all(|w| hoicho_projections::fold(&format!("{} {}", r.organization, r.booths)).contains(w))
    });
    let matching = rows.len();
    let pages = matching.div_ceil(PAGE).max(1);
    let page_no = query_value(&req, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows: Vec<Row> = rows.into_iter().skip((page_no - 1) * PAGE).take(PAGE).collect();
    let query = serde_urlencoded::to_string([
        ("standing", chosen.clone().unwrap_or_default()),
        ("q", search.clone()),
        ("lang", lang.code().to_owned()),
    ])
    .unwrap_or_default();
    let page = ListPage {
        lang,
        signed_in,
        switch_url,
        fair_id: view.id.to_string(),
        fair_name: view.details.name.clone(),
        rows,
        price: money_vnd(totals.price_vnd),
        subsidy: money_vnd(totals.subsidy_vnd),
        due: money_vnd(totals.due_vnd),
        paid: money_vnd(totals.paid_vnd),
        refunded: money_vnd(totals.refunded_vnd),
        outstanding: money_vnd(totals.outstanding_vnd),
        overpaid: money_vnd(totals.overpaid_vnd),
        by_rule: totals
            .subsidy_by_rule
            .iter()
            .map(|(k, v)| (k.clone(), money_vnd(*v)))
            .collect(),
        has_account: fees.is_some_and(|f| f.account.is_some()),
        standings,
        search,
        matching,
        page: page_no,
        pages,
        query,
        overdue: super::overdue::overdue(&p, &view.id).len(),
    };
    drop(p);
    crate::web::kit::page::render(StatusCode::OK, lang, &page)
}

#[derive(Template)]
#[template(path = "payment_detail.html")]
struct DetailPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    registration_id: String,
    organization: String,
    csrf: String,
    card: StatementCard,
    receipt_base: String,
    statement_url: String,
    /// The record form's own id: the same form sent twice records one payment.
    payment_id: String,
    /// What the record form holds.
    kind: String,
    method: String,
    amount: String,
    paid_on: String,
    bank_reference: String,
    payer: String,
    note: String,
    /// The amount is more than the statement asks: say so and offer to confirm.
    confirm: Option<String>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
}

impl DetailPage {
    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

fn detail_for(req: &HttpRequest, state: &AppState, fair: &FairId, registration: &RegistrationId) -> Option<DetailPage> {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let p = state.read();
    let view = p.fairs.by_id.get(fair)?;
    let now = Utc::now();
    let card = card(&p, fair, registration, now, lang)?;
    let organization = p
        .registrations
        .get(registration)
        .map(|r| r.application.organization.clone())
        .unwrap_or_default();
    let page = DetailPage {
        lang,
        signed_in,
        switch_url,
        fair_id: fair.to_string(),
        fair_name: view.details.name.clone(),
        registration_id: registration.to_string(),
        payer: organization.clone(),
        organization,
        csrf: csrf_token(req),
        payment_id: uuid::Uuid::now_v7().to_string(),
        receipt_base: format!("/organizer/fairs/{fair}/receipts"),
        statement_url: format!("/organizer/fairs/{fair}/payments/{registration}/statement"),
        kind: "payment".into(),
        method: "transfer".into(),
        amount: if card.outstanding_vnd > 0 {
            card.outstanding_vnd.to_string()
        } else {
            String::new()
        },
        paid_on: view.today(now).to_string(),
        bank_reference: String::new(),
        note: String::new(),
        card,
        confirm: None,
        errors: BTreeMap::new(),
        flash: None,
    };
    drop(p);
    // The code is drawn once the projections' lock is let go.
    Some(DetailPage {
        card: page.card.drawn(),
        ..page
    })
}

fn parse_registration(id: &str) -> Option<RegistrationId> {
    uuid::Uuid::parse_str(id).ok().map(RegistrationId)
}

async fn detail(state: Data<AppState>, req: HttpRequest, path: Path<(String, String)>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let (fair, registration) = path.into_inner();
    let fair = FairId::new_unchecked(fair.as_str());
    let Some(mut page) = parse_registration(&registration).and_then(|r| detail_for(&req, &state, &fair, &r)) else {
        return not_found_page(&req, "fees.no_statement");
    };
    page.flash = query_value(&req, "saved")
        .filter(|s| ["recorded", "voided"].contains(&s.as_str()))
        .map(|s| page.lang.t(&format!("fees.flash.{s}")).to_owned());
    render_form(StatusCode::OK, page.lang, &page, &page.csrf.clone())
}

async fn act(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    form: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(who) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let (fair, registration) = path.into_inner();
    let fair = FairId::new_unchecked(fair.as_str());
    let Some(registration) = parse_registration(&registration) else {
        return not_found_page(&req, "fees.no_statement");
    };
    let form = form.into_inner();
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let refuse = |status: StatusCode, errors: BTreeMap<String, String>, confirm: Option<String>| {
        let Some(mut page) = detail_for(&req, &state, &fair, &registration) else {
            return not_found_page(&req, "fees.no_statement");
        };
        if get("action") == "record" {
            page.kind = get("kind");
            page.method = get("method");
            page.amount = get("amount");
            page.paid_on = get("paid_on");
            page.bank_reference = get("bank_reference");
            page.payer = get("payer");
            page.note = get("note");
            if uuid::Uuid::parse_str(&get("payment_id")).is_ok() {
                page.payment_id = get("payment_id");
            }
        }
        page.errors = errors;
        page.confirm = confirm;
        render_form(status, lang, &page, &page.csrf.clone())
    };
    if !csrf_ok(&req, &get("csrf")) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())]);
        return refuse(StatusCode::FORBIDDEN, errors, None);
    }
    let now = Utc::now();
    let situation = match service::payments::situation(&state.read(), &fair, &registration, now) {
        Ok(s) => s,
        Err(_) => return not_found_page(&req, "fees.no_statement"),
    };
    let command = match get("action").as_str() {
        "record" => {
            let amount = get("amount");
            let value = json!({
                "kind": get("kind"),
                "method": get("method"),
                "amount_vnd": read_amount_vnd(&amount).map_or(Value::from(amount.clone()), Value::from),
                "paid_on": get("paid_on"),
                "bank_reference": get("bank_reference"),
                "payer": get("payer"),
                "note": get("note"),
                "confirm": get("confirm") == "yes",
            });
            let mut check = Check::new(lang);
            let Some(input) = super::input::payment(&mut check, &value, false) else {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, check.errors, None);
            };
            // The form's own key: sending the same form twice records one payment.
            let payment_id = uuid::Uuid::parse_str(&get("payment_id")).unwrap_or_else(|_| uuid::Uuid::now_v7());
            PaymentsCommand::Record(NewPayment {
                payment_id,
                kind: input.kind,
                method: input.method,
                amount_vnd: input.amount_vnd,
                paid_on: input.paid_on,
                bank_reference: input.bank_reference,
                payer: input.payer,
                note: input.note,
                confirmed: input.confirmed,
            })
        }
        "void" => {
            let reason = form_text(&get("reason"), VOID_REASON_MAX_CHARS);
            if reason.is_empty() {
                let errors = BTreeMap::from([("reason".to_owned(), lang.t("fees.void_reason_needed").to_owned())]);
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, errors, None);
            }
            let Ok(payment_id) = uuid::Uuid::parse_str(&get("payment")) else {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    BTreeMap::from([("form".to_owned(), lang.t("fees.no_payment").to_owned())]),
                    None,
                );
            };
            PaymentsCommand::Void { payment_id, reason }
        }
        _ => {
            let errors = BTreeMap::from([("form".to_owned(), lang.t("fairform.unknown_action").to_owned())]);
            return refuse(StatusCode::BAD_REQUEST, errors, None);
        }
    };
    let saved = if matches!(command, PaymentsCommand::Record(_)) {
        "recorded"
    } else {
        "voided"
    };
    let ctx = CommandContext::new(who.actor(), now);
    match service::payments::run(&state, &ctx, &fair, &situation, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(format!(
            "/organizer/fairs/{fair}/payments/{registration}?saved={saved}&lang={}",
            lang.code()
        )),
        Err(err) => {
            let (field, message, confirm) = match err.body.code.as_str() {
                "more_than_due" | "more_than_paid" => {
                    let PaymentsCommand::Record(p) = &command else {
                        unreachable!()
                    };
                    let limit = if p.kind == PaymentKind::Payment {
                        situation.outstanding_vnd.max(0)
                    } else {
                        situation.net_paid_vnd.max(0)
                    };
                    let message = lang
                        .t(&format!("fees.{}", err.body.code))
                        .replace("{amount}", &money_vnd(p.amount_vnd))
                        .replace("{limit}", &money_vnd(limit));
                    ("amount", message.clone(), Some(message))
                }
                "bank_reference_recorded" => (
                    "bank_reference",
                    lang.t("fees.reference_recorded")
                        .replace("{reference}", &get("bank_reference")),
                    None,
                ),
                "no_booths" => ("form", lang.t("fees.no_booths").to_owned(), None),
                "not_found" => ("form", lang.t("fees.no_payment").to_owned(), None),
                _ if !err.body.fields.is_empty() => {
                    return refuse(err.status, err.body.fields.clone(), None);
                }
                _ => ("form", err.body.message.clone(), None),
            };
            refuse(err.status, BTreeMap::from([(field.to_owned(), message)]), confirm)
        }
    }
}
