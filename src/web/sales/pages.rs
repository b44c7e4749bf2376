//! Sales on pages: the exhibitor records its day at the booth through its private link, on a
//! phone (the organizers' revenue page is [`super::revenue`]).

use std::collections::{BTreeMap, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::{Actor, RegistrationId};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::sales::{SalesCommand, VOID_REASON_MAX_CHARS};
use crate::i18n::{date_vn, datetime_vn, money_vnd, read_amount_vnd, Lang};
use crate::service;
use crate::service::CommandContext;
use crate::web::kit::error::ApiError;
use crate::web::kit::input::form_text;
use crate::web::kit::page::private;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, Frame};
use crate::web::kit::write::{form_mark, replay};
use crate::web::registrations::api::registration_for_token;
use crate::web::sales::api::parse_entry;
use hoicho_events::IdempotencyMark;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/r/{token}/sales", web::get().to(sales_page))
        .route("/r/{token}/sales", web::post().to(record))
        .route("/r/{token}/sales/{entry}/void", web::post().to(void));
}

struct EntryRow {
    id: String,
    day: String,
    amount: String,
    detail: String,
    voided: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "sales.html")]
struct SalesPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    private_url: String,
    csrf: String,
    /// Names this rendering of the entry form, so sending it twice records one entry.
    form_id: String,
    organization: String,
    fair_name: String,
    booths: String,
    total: String,
    /// (value, label, what the day has already: its live total, or "" when nothing).
    days: Vec<(String, String, String)>,
    producers: Vec<String>,
    entries: Vec<EntryRow>,
    /// (day, its label, its total) for the days that have entries.
    by_day: Vec<(String, String, String)>,
    can_record: bool,
    books_closed: bool,
    flash: Option<String>,
    errors: BTreeMap<String, String>,
    values: HashMap<String, String>,
}

impl SalesPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map(String::as_str).unwrap_or("")
    }

    /// The day the form is for: the one sent or asked for, else the latest day come.
    fn chosen_day(&self) -> &str {
        match self.value("day") {
            "" => self.days.last().map_or("", |(value, _, _)| value.as_str()),
            day => day,
        }
    }

    /// What the chosen day has already ("" when nothing).
    fn chosen_day_has(&self) -> &str {
        let day = self.chosen_day();
        self.days
            .iter()
            .find(|(value, _, _)| value == day)
            .map_or("", |(_, _, has)| has.as_str())
    }
}

fn build_page(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    id: RegistrationId,
    errors: BTreeMap<String, String>,
    mut values: HashMap<String, String>,
) -> Option<SalesPage> {
    let frame = Frame::of(req);
    if values.is_empty() {
        // "Sửa" beside a day links here with the day and the mode chosen.
        let query = web::Query::<HashMap<String, String>>::from_query(req.query_string());
        for (key, value) in query.map(|q| q.into_inner()).unwrap_or_default() {
            if matches!(key.as_str(), "day" | "mode") {
                values.insert(key, value);
            }
        }
    }
    let lang = frame.lang;
    let p = state.read();
    let r = p.registrations.get(&id)?;
    let fair = p.fairs.by_id.get(&r.fair_id)?;
    let out = crate::web::sales::api::sales_out(&p, r);
    let held: Vec<String> = fair.held_by(&id).iter().map(|b| b.to_string()).collect();
    let today = fair.today(chrono::Utc::now());
    let sales = p.sales.of(&r.fair_id, &id);
    let live_total = |day: chrono::NaiveDate| {
        let live = sales.is_some_and(|s| s.entries.iter().any(|e| e.day == day && e.voided.is_none()));
        live.then(|| money_vnd(sales.and_then(|s| s.by_day.get(&day).copied()).unwrap_or(0)))
    };
    let days = fair
        .details
        .start_date
        .iter_days()
        .take_while(|d| *d <= fair.details.end_date && *d <= today)
        .map(|d| (d.to_string(), date_vn(d), live_total(d).unwrap_or_default()))
        .collect::<Vec<_>>();
    let zone = fair.details.time_zone.as_str();
    let flash =
        crate::web::kit::page::query_value(req, "done").map(|done| lang.t(&format!("sales.done.{done}")).to_owned());
    Some(SalesPage {
        lang,
        signed_in: frame.signed_in,
        switch_url: frame.switch_url,
        private_url: format!("/r/{token}"),
        csrf: csrf_token(req),
        form_id: crate::auth::random_token(16),
        organization: r.application.organization.clone(),
        fair_name: fair.details.name.clone(),
        booths: held.join(", "),
        total: money_vnd(out.total_vnd_value()),
        can_record: !held.is_empty() && !fair.books_closed && !days.is_empty(),
        books_closed: fair.books_closed,
        days,
        producers: r.application.producers.iter().map(|p| p.organization.clone()).collect(),
        entries: sales
            .map(|s| {
                s.entries
                    .iter()
                    .rev()
                    .map(|e| {
                        let mut detail = datetime_vn(e.recorded_at, zone);
                        if let Some(n) = e.transactions {
                            detail.push_str(&format!(" · {n} {}", lang.t("sales.transactions_short")));
                        }
                        if let Some(producer) = &e.producer {
                            detail.push_str(&format!(" · {producer}"));
                        }
                        if let Some(note) = &e.note {
                            detail.push_str(&format!(" · {note}"));
                        }
                        EntryRow {
                            id: e.entry_id.to_string(),
                            day: date_vn(e.day),
                            amount: money_vnd(e.amount_vnd),
                            detail,
                            voided: e.voided.clone(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        by_day: sales
            .map(|s| {
                s.by_day
                    .iter()
                    .map(|(d, a)| (d.to_string(), date_vn(*d), money_vnd(*a)))
                    .collect()
            })
            .unwrap_or_default(),
        flash,
        errors,
        values,
    })
}

async fn sales_page(state: Data<AppState>, req: HttpRequest, token: Path<String>) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    match build_page(&state, &req, &token, id, BTreeMap::new(), HashMap::new()) {
        Some(page) => private(render_form(StatusCode::OK, page.lang, &page, &page.csrf)),
        None => private(not_found_page(&req, "mine.not_found")),
    }
}

/// The amount typed ("3.500.000", "3,5 triệu", "350k") in whole đồng; anything else is
/// left for the checks to name.
fn amount_value(text: &str) -> Value {
    match read_amount_vnd(text) {
        Some(n) => json!(n),
        None if text.trim().is_empty() => Value::Null,
        // "-5" is a number the checks refuse as out of range.
        None => text
            .trim()
            .parse::<i64>()
            .map_or_else(|_| json!(text.trim()), |n| json!(n)),
    }
}

async fn record(
    state: Data<AppState>,
    req: HttpRequest,
    token: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let lang = Lang::of(&req);
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut value = json!({"day": get("day"), "amount_vnd": amount_value(&get("amount"))});
    // What the day has already: an amount for a day that has entries must say whether it is
    // the day's whole total (replacing them, one write) or one more sale.
    let has_entries = {
        let p = state.read();
        let day = get("day").parse::<chrono::NaiveDate>().ok();
        p.registrations
            .get(&id)
            .and_then(|r| p.sales.of(&r.fair_id, &id))
            .is_some_and(|s| s.entries.iter().any(|e| Some(e.day) == day && e.voided.is_none()))
    };
    let mode = get("mode");
    if has_entries && mode == "total" {
        value["replaces_day"] = json!(true);
    }
    if !get("transactions").is_empty() {
        value["transactions"] = get("transactions")
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(json!(get("transactions")));
    }
    for key in ["producer", "note"] {
        if !get(key).is_empty() {
            value[key] = json!(get(key));
        }
    }
    let outcome: Result<(), ApiError> = async {
        if !csrf_ok(&req, &get("csrf")) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", lang.t("board.err.csrf")));
        }
        let mut ctx = CommandContext::new(
            Actor::Exhibitor {
                registration_id: id.to_string(),
            },
            chrono::Utc::now(),
        );
        // The page names each form it renders: the same form sent twice is one entry, with
        // the entry's id derived from it, so even two racing copies append once.
        let form_id = get("form_id");
        if !form_id.is_empty() {
            let mut fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            fields.sort_unstable();
            let mark = form_mark(&format!("exhibitor:{id}"), String::new(), &fields);
            ctx.idempotency = Some(IdempotencyMark {
                key: format!("sales-form:{form_id}:{}", mark.request_hash),
                ..mark
            });
        }
        let (fair, situation, command) = {
            let p = state.read();
            let r = p
                .registrations
                .get(&id)
                .ok_or_else(|| ApiError::not_found("registration"))?;
            let situation =
                service::sales::situation(&p, r, chrono::Utc::now()).ok_or_else(|| ApiError::not_found("fair"))?;
            let input = parse_entry(&value, r, &situation, lang)?;
            let command = input.command(ctx.new_id("sale"), lang);
            (r.fair_id.clone(), situation, command)
        };
        if replay(&state, &ctx).await?.is_some() {
            return Ok(()); // the same form again (a double tap, a resend): recorded once
        }
        if has_entries && mode != "total" && mode != "more" {
            let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", lang.t("sales.err.mode"));
            err.body
                .fields
                .insert("mode".into(), lang.t("sales.err.mode").to_owned());
            return Err(err);
        }
        service::sales::run(&state, &ctx, &fair, &id, &situation, &command)
            .await
            .map_err(ApiError::from)?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => private(
            HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/r/{token}/sales?done=recorded&lang={}", lang.code()),
                ))
                .finish(),
        ),
        Err(err) => {
            let mut errors = err.body.fields.clone();
            if errors.contains_key("amount_vnd") && amount_value(&get("amount")).is_string() {
                errors.insert("amount_vnd".into(), lang.t("sales.err.amount_unreadable").to_owned());
            }
            if errors.is_empty() {
                errors.insert(
                    "form".into(),
                    match lang.t(&format!("sales.err.{}", err.body.code)) {
                        same if same.starts_with("sales.err.") => err.body.message.clone(),
                        text => text.to_owned(),
                    },
                );
            }
            let values: HashMap<String, String> = form.into_inner();
            match build_page(&state, &req, &token, id, errors, values) {
                Some(page) => private(render_form(StatusCode::UNPROCESSABLE_ENTITY, lang, &page, &page.csrf)),
                None => private(not_found_page(&req, "mine.not_found")),
            }
        }
    }
}

async fn void(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let (token, entry) = path.into_inner();
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let lang = Lang::of(&req);
    let reason = form_text(form.get("reason").map_or("", String::as_str), VOID_REASON_MAX_CHARS);
    let csrf = form.get("csrf").map(String::as_str).unwrap_or("");
    let mut done = "void_refused";
    if let (true, false, Ok(entry_id)) = (csrf_ok(&req, csrf), reason.is_empty(), entry.parse()) {
        let found = {
            let p = state.read();
            p.registrations
                .get(&id)
                .and_then(|r| Some((r.fair_id.clone(), service::sales::situation(&p, r, chrono::Utc::now())?)))
        };
        if let Some((fair, situation)) = found {
            let ctx = CommandContext::new(
                Actor::Exhibitor {
                    registration_id: id.to_string(),
                },
                chrono::Utc::now(),
            );
            let command = SalesCommand::Void { entry_id, reason };
            if service::sales::run(&state, &ctx, &fair, &id, &situation, &command)
                .await
                .is_ok()
            {
                done = "voided";
            }
        }
    }
    private(
        HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/r/{token}/sales?done={done}&lang={}", lang.code()),
            ))
            .finish(),
    )
}
