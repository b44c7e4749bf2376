//! A bank statement imported (`/organizer/fairs/{fair}/payments/import`): the organizer
//! uploads the internet-banking export (CSV or XLSX), sees every credit line matched by its
//! payment code, matched by amount only (ticked by hand), unmatched, or recorded already, and
//! confirms; the matched lines become payments in one append, each keyed by the bank's
//! transaction reference, so importing the same statement again records nothing new.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{BankLayout, FairId, RegistrationId};
use hoicho_projections::FairFees;

use super::bank_file::{payments, read, Match};
use crate::app::AppState;
use crate::domain::payments::PaymentsCommand;
use crate::i18n::{date_vn, money_vnd, Lang};
use crate::service::{self, CommandContext};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{
    csrf_ok, csrf_token, not_found_page, query_value, render_form, see_other, to_login, Frame,
};

/// The largest statement a form may carry: some 40,000 lines, as CSV or as a workbook.
const IMPORT_LIMIT: usize = 8 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizer/fairs/{fair}/payments/import")
            .app_data(web::FormConfig::default().limit(IMPORT_LIMIT))
            .route(web::get().to(form))
            .route(web::post().to(submit)),
    );
}

struct RowView {
    line: usize,
    date: String,
    amount: String,
    description: String,
    reference: String,
    class: &'static str,
    word: String,
    organization: String,
    /// Matched by amount only: the box to tick.
    tick: bool,
}

#[derive(Template)]
#[template(path = "payments_import.html")]
struct ImportPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    csv: String,
    rows: Vec<RowView>,
    problems: Vec<(usize, String)>,
    counts: [usize; 4],
    message: Option<String>,
    done: Option<String>,
    /// The layout was not recognised: the header's cells to choose the columns from.
    headers: Vec<String>,
    /// The columns chosen (date, credit, description, reference), carried with the file.
    mapping: [String; 4],
}

/// The columns an organizer chooses for an unknown layout: (form field, label).
const MAPPED: [(&str, &str); 4] = [
    ("map_date", "bank.col.date"),
    ("map_credit", "bank.col.credit"),
    ("map_description", "bank.col.description"),
    ("map_reference", "bank.col.reference"),
];

impl ImportPage {
    fn columns(&self) -> Vec<(usize, &'static str, &'static str)> {
        MAPPED
            .iter()
            .enumerate()
            .map(|(i, (name, key))| (i, *name, *key))
            .collect()
    }

    /// Whether header `h` is the one chosen for column `i`.
    fn chosen(&self, i: &usize, h: &str) -> bool {
        self.mapping.get(*i).is_some_and(|m| m == h)
    }
}

fn page(req: &HttpRequest, fair: &FairId, name: &str) -> ImportPage {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    ImportPage {
        lang,
        signed_in,
        switch_url,
        fair_id: fair.to_string(),
        fair_name: name.to_owned(),
        csrf: csrf_token(req),
        csv: String::new(),
        rows: Vec::new(),
        problems: Vec::new(),
        counts: [0; 4],
        message: None,
        done: None,
        headers: Vec::new(),
        mapping: Default::default(),
    }
}

async fn form(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Some(name) = state.read().fairs.get(&fair).map(|f| f.details.name.clone()) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page(&req, &FairId::new_unchecked(fair.as_str()), &name);
    page.done = query_value(&req, "recorded").map(|n| {
        let of = query_value(&req, "of").unwrap_or_else(|| n.clone());
        let mut done = page.lang.t("bank.recorded").replace("{n}", &n);
        if of != n {
            done.push(' ');
            done.push_str(&page.lang.t("bank.left_out").replace("{n}", &of));
        }
        done
    });
    render_form(StatusCode::OK, page.lang, &page, &page.csrf.clone())
}

async fn submit(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(who) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let form = form.into_inner();
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let fair_id = FairId::new_unchecked(fair.as_str());
    let Some(name) = state.read().fairs.get(&fair).map(|f| f.details.name.clone()) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page(&req, &fair_id, &name);
    if !csrf_ok(&req, &get("csrf")) {
        page.message = Some(lang.t("login.expired").to_owned());
        return render_form(StatusCode::FORBIDDEN, lang, &page, &page.csrf.clone());
    }
    let csv_text = crate::spreadsheet::uploaded(&get("csv"), &get("xlsx"));
    let csv_text = match csv_text {
        Ok(t) if !t.trim().is_empty() => t,
        Ok(_) => {
            page.message = Some(lang.t("bank.empty").to_owned());
            return render_form(StatusCode::UNPROCESSABLE_ENTITY, lang, &page, &page.csrf.clone());
        }
        Err(err) => {
            page.message = Some(format!("{}: {err}", lang.t("bank.unreadable")));
            return render_form(StatusCode::UNPROCESSABLE_ENTITY, lang, &page, &page.csrf.clone());
        }
    };
    // The columns chosen on the form (after an unrecognised layout), remembered for the bank.
    let mapping = [
        get("map_date"),
        get("map_credit"),
        get("map_description"),
        get("map_reference"),
    ];
    let bin = {
        let p = state.read();
        p.fees
            .of_fair(&fair_id)
            .and_then(|f| f.account.as_ref())
            .map(|a| a.bin.clone())
            .unwrap_or_default()
    };
    let chosen = (!mapping[0].is_empty() && !mapping[1].is_empty() && !mapping[2].is_empty()).then(|| BankLayout {
        date: mapping[0].trim().to_owned(),
        credit: mapping[1].trim().to_owned(),
        description: mapping[2].trim().to_owned(),
        reference: Some(mapping[3].trim().to_owned()).filter(|r| !r.is_empty()),
    });
    let read = {
        let p = state.read();
        let empty = FairFees::default();
        let fees = p.fees.of_fair(&fair_id).unwrap_or(&empty);
        let today = p
            .fairs
            .by_id
            .get(&fair_id)
            .map_or(Utc::now().date_naive(), |f| f.today(Utc::now()));
        let layout = chosen.as_ref().or_else(|| p.fees.layouts.get(&bin));
        read(&csv_text, fees, layout, today, lang)
    };
    let statement = match read {
        Ok(s) => s,
        Err(unreadable) => {
            page.message = Some(unreadable.message);
            page.headers = unreadable.headers;
            page.mapping = mapping;
            page.csv = csv_text;
            return render_form(StatusCode::UNPROCESSABLE_ENTITY, lang, &page, &page.csrf.clone());
        }
    };
    if let Some(layout) = chosen {
        let ctx = CommandContext::new(who.actor(), Utc::now());
        if let Err(err) = service::payments::save_layout(&state, &ctx, &bin, layout).await {
            tracing::warn!(error = %err, "the statement layout could not be remembered");
        }
        page.mapping = mapping;
    }
    if get("action") == "confirm" {
        let ticked: BTreeSet<usize> = form
            .iter()
            .filter(|(k, _)| k == "tick")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        let batch = payments(&state.read(), &fair_id, &statement.lines, &ticked);
        let asked = batch.len();
        let ctx = CommandContext::new(who.actor(), Utc::now());
        let command = PaymentsCommand::RecordAll(batch);
        let situation = crate::domain::payments::Situation {
            fair_id: fair_id.clone(),
            registration_id: RegistrationId(uuid::Uuid::nil()),
            holds_booths: false,
            outstanding_vnd: 0,
            net_paid_vnd: 0,
            today: Utc::now().date_naive(),
        };
        return match service::payments::run(&state, &ctx, &fair_id, &situation, &command).await {
            Ok(written) => see_other(format!(
                "/organizer/fairs/{fair}/payments/import?recorded={}&of={asked}&lang={}",
                written.events.len(),
                lang.code()
            )),
            Err(err) => {
                page.message = Some(crate::web::kit::error::ApiError::from(err).body.message);
                render_form(StatusCode::SERVICE_UNAVAILABLE, lang, &page, &page.csrf.clone())
            }
        };
    }
    let p = state.read();
    let org = |id: &RegistrationId| {
        p.registrations
            .get(id)
            .map(|r| r.application.organization.clone())
            .unwrap_or_default()
    };
    for l in &statement.lines {
        let (class, key, organization, tick) = match &l.matched {
            Match::Code(id) => ("paid", "bank.by_code", org(id), false),
            Match::Amount(id) => ("part_paid", "bank.by_amount", org(id), true),
            Match::Unmatched => ("overdue", "bank.unmatched", String::new(), false),
            Match::Recorded => ("none", "bank.recorded_already", String::new(), false),
        };
        let index = [
            "bank.by_code",
            "bank.by_amount",
            "bank.unmatched",
            "bank.recorded_already",
        ]
        .iter()
        .position(|k| *k == key)
        .unwrap_or(0);
        page.counts[index] += 1;
        page.rows.push(RowView {
            line: l.line,
            date: date_vn(l.date),
            amount: money_vnd(l.amount_vnd),
            description: l.description.clone(),
            reference: l.reference.clone(),
            class,
            word: lang.t(key).to_owned(),
            organization,
            tick,
        });
    }
    drop(p);
    page.problems = statement.problems;
    page.csv = csv_text;
    render_form(StatusCode::OK, lang, &page, &page.csrf.clone())
}
