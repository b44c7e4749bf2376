//! The fair's fees as a page (`/organizer/fairs/{fair}/fees`): the account exhibitors transfer
//! to, the subsidy rules in the order they are tried, when statements fall due, and the
//! statements made under older rules or prices, recalculated only when the organizer confirms.
//! The same commands as `PUT /fees`, `PUT /payment-account` and `POST /fees/recalculate`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{FairId, FeeRules, PaymentAccount, PaymentDue, ProducerType};
use hoicho_projections::FairView;
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::i18n::{money_vnd, read_amount_vnd, Lang};
use crate::service::{self, CommandContext};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::Check;
use crate::web::kit::page::{
    csrf_ok, csrf_token, not_found_page, query_value, render_form, see_other, to_login, Frame,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/fees", web::get().to(page))
        .route("/organizer/fairs/{fair}/fees", web::post().to(act));
}

/// Blank rule rows offered below the rules there are.
const BLANK_ROWS: usize = 2;

const TYPES: [ProducerType; 6] = [
    ProducerType::DoanhNghiep,
    ProducerType::Htx,
    ProducerType::ToHopTac,
    ProducerType::HoKinhDoanh,
    ProducerType::CaNhan,
    ProducerType::Doan,
];

#[derive(Default, Clone)]
struct RuleRow {
    name: String,
    types: Vec<String>,
    min_stars: String,
    provinces: String,
    localities: String,
    mode: String,
    amount: String,
    max_booths: String,
    max_vnd: String,
}

struct Stale {
    organization: String,
    booths: String,
    now: String,
    after: String,
}

#[derive(Template)]
#[template(path = "fees.html")]
struct FeesPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    banks: Vec<(&'static str, String)>,
    bin: String,
    account_number: String,
    account_name: String,
    rows: Vec<RuleRow>,
    types: Vec<(&'static str, String)>,
    due_mode: String,
    due_date: String,
    due_days: String,
    stale: Vec<Stale>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
}

impl FeesPage {
    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn re(&self, row: &usize, field: &str) -> Option<&str> {
        self.e(&format!("subsidies[{row}].{field}"))
    }

    fn id(&self, row: &usize, field: &str) -> String {
        format!("rule-{row}-{field}")
    }

    fn has_type(&self, row: &RuleRow, code: &str) -> bool {
        row.types.iter().any(|t| t == code)
    }

    /// The problems, each a link to its field.
    fn summary(&self) -> Vec<(String, String, &str)> {
        self.errors
            .iter()
            .map(|(field, message)| {
                let (anchor, place) = match field.strip_prefix("subsidies[").and_then(|r| r.split_once("].")) {
                    Some((row, part)) => {
                        let part = part.split('.').next_back().unwrap_or(part);
                        let part = part.split('[').next().unwrap_or(part);
                        let n = row.parse::<usize>().unwrap_or(0);
                        (
                            format!("rule-{n}-{}", anchor_of(part)),
                            format!(
                                "{} {} · {}",
                                self.lang.t("fees.rule"),
                                n + 1,
                                self.lang.t(label_of(part))
                            ),
                        )
                    }
                    None => (
                        field.replace('.', "-"),
                        self.lang.t(&format!("fees.{}", field.replace('.', "_"))).to_owned(),
                    ),
                };
                (anchor, place, message.as_str())
            })
            .collect()
    }
}

/// The label of the form field a JSON field is typed in.
fn label_of(part: &str) -> &'static str {
    match anchor_of(part) {
        "amount" => "fees.amount_or_rate",
        "types" => "fees.types",
        "min_stars" => "fees.min_stars",
        "provinces" => "fees.provinces",
        "localities" => "fees.localities",
        "max_booths" => "fees.max_booths",
        "max_vnd" => "fees.max_vnd",
        _ => "fees.name",
    }
}

/// The form field a JSON field is typed in.
fn anchor_of(part: &str) -> &str {
    match part {
        "rate_percent" | "fixed_vnd" => "amount",
        "producer_types" => "types",
        other => other,
    }
}

fn rows_of(rules: &FeeRules) -> Vec<RuleRow> {
    rules
        .subsidies
        .iter()
        .map(|r| RuleRow {
            name: r.name.clone(),
            types: r.when.producer_types.iter().map(|t| t.code().to_owned()).collect(),
            min_stars: r.when.min_stars.map(|s| s.to_string()).unwrap_or_default(),
            provinces: r.when.provinces.join(", "),
            localities: r.when.localities.join(", "),
            mode: if r.fixed_vnd.is_some() {
                "fixed".into()
            } else {
                "rate".into()
            },
            amount: r
                .rate_percent
                .map(|p| p.to_string())
                .or(r.fixed_vnd.map(|f| f.to_string()))
                .unwrap_or_default(),
            max_booths: r.max_booths.map(|m| m.to_string()).unwrap_or_default(),
            max_vnd: r.max_vnd.map(|m| m.to_string()).unwrap_or_default(),
        })
        .collect()
}

fn blank() -> RuleRow {
    RuleRow {
        mode: "rate".into(),
        ..RuleRow::default()
    }
}

fn page_for(req: &HttpRequest, state: &AppState, view: &FairView) -> FeesPage {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let p = state.read();
    let fees = p.fees.of_fair(&view.id);
    let rules = fees.map(|f| f.current().clone()).unwrap_or_default();
    let account = fees.and_then(|f| f.account.clone());
    let mut rows = rows_of(&rules);
    rows.extend((0..BLANK_ROWS).map(|_| blank()));
    let (due_mode, due_date, due_days) = match rules.due {
        PaymentDue::On { date } => ("date", date.to_string(), String::new()),
        PaymentDue::DaysAfterAllocation { days } => ("days", String::new(), days.to_string()),
    };
    let stale = fees
        .map(|f| {
            f.stale(view, &p.registrations)
                .into_iter()
                .map(|(now, after)| Stale {
                    organization: p
                        .registrations
                        .get(&now.registration_id)
                        .map(|r| r.application.organization.clone())
                        .unwrap_or_default(),
                    booths: now
                        .lines
                        .iter()
                        .map(|l| l.booth.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    now: money_vnd(now.due_vnd),
                    after: money_vnd(after.due_vnd),
                })
                .collect()
        })
        .unwrap_or_default();
    FeesPage {
        lang,
        signed_in,
        switch_url,
        fair_id: view.id.to_string(),
        fair_name: view.details.name.clone(),
        csrf: csrf_token(req),
        banks: crate::domain::banks::BANKS
            .iter()
            .map(|(bin, short, full)| (*bin, format!("{short} · {full}")))
            .collect(),
        bin: account.as_ref().map(|a| a.bin.clone()).unwrap_or_default(),
        account_number: account.as_ref().map(|a| a.account_number.clone()).unwrap_or_default(),
        account_name: account.as_ref().map(|a| a.account_name.clone()).unwrap_or_default(),
        rows,
        types: TYPES
            .iter()
            .map(|t| (t.code(), lang.t(&format!("pt.{}", t.code())).to_owned()))
            .collect(),
        due_mode: due_mode.into(),
        due_date,
        due_days,
        stale,
        errors: BTreeMap::new(),
        flash: None,
    }
}

async fn page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Some(view) = state.read().fairs.get(&fair).cloned() else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page_for(&req, &state, &view);
    page.flash = query_value(&req, "saved")
        .filter(|s| ["account", "rules", "recalculated"].contains(&s.as_str()))
        .map(|s| page.lang.t(&format!("fees.flash.{s}")).to_owned());
    render_form(StatusCode::OK, page.lang, &page, &page.csrf.clone())
}

/// A number typed into the form, as JSON: a whole number where it reads as one (amounts as
/// people write them: "3,5 triệu"), else the text, for the check to name.
fn number(text: &str, money: bool) -> Value {
    let text = text.trim();
    if money {
        if let Some(n) = read_amount_vnd(text) {
            return json!(n);
        }
    }
    match text.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(text),
    }
}

/// The rule rows of the form (blank ones skipped) and the JSON they make.
fn rules_json(form: &[(String, String)]) -> (Vec<RuleRow>, Value) {
    let mut cells: BTreeMap<usize, RuleRow> = BTreeMap::new();
    for (key, value) in form {
        let Some((row, part)) = key.strip_prefix("rule[").and_then(|r| r.split_once("].")) else {
            continue;
        };
        let Ok(row) = row.parse::<usize>() else { continue };
        if row >= crate::domain::fees::MAX_RULES + BLANK_ROWS {
            continue;
        }
        let cell = cells.entry(row).or_insert_with(blank);
        let value = value.trim().to_owned();
        match part {
            "name" => cell.name = value,
            "type" => cell.types.push(value),
            "min_stars" => cell.min_stars = value,
            "provinces" => cell.provinces = value,
            "localities" => cell.localities = value,
            "mode" => cell.mode = value,
            "amount" => cell.amount = value,
            "max_booths" => cell.max_booths = value,
            "max_vnd" => cell.max_vnd = value,
            _ => {}
        }
    }
    let rows: Vec<RuleRow> = cells
        .into_values()
        .filter(|r| !(r.name.is_empty() && r.amount.is_empty()))
        .collect();
    let subsidies: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut rule = Map::new();
            rule.insert("name".into(), json!(r.name));
            let amount_key = if r.mode == "fixed" { "fixed_vnd" } else { "rate_percent" };
            if !r.amount.is_empty() {
                rule.insert(
                    amount_key.into(),
                    number(r.amount.trim_end_matches('%'), r.mode == "fixed"),
                );
            }
            if !r.max_booths.is_empty() {
                rule.insert("max_booths".into(), number(&r.max_booths, false));
            }
            if !r.max_vnd.is_empty() {
                rule.insert("max_vnd".into(), number(&r.max_vnd, true));
            }
            let mut when = Map::new();
            if !r.types.is_empty() {
                when.insert("producer_types".into(), json!(r.types));
            }
            if !r.min_stars.is_empty() {
                when.insert("min_stars".into(), number(&r.min_stars, false));
            }
            let provinces: Vec<&str> = r
                .provinces
                .split([',', ';'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if !provinces.is_empty() {
                when.insert("provinces".into(), json!(provinces));
            }
            let localities: Vec<&str> = r
                .localities
                .split([',', ';'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if !localities.is_empty() {
                when.insert("localities".into(), json!(localities));
            }
            rule.insert("when".into(), Value::Object(when));
            Value::Object(rule)
        })
        .collect();
    (rows, json!({ "subsidies": subsidies }))
}

async fn act(
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
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let Some(view) = state.read().fairs.get(&fair).cloned() else {
        return not_found_page(&req, "fair.not_found");
    };
    let refuse = |status: StatusCode, errors: BTreeMap<String, String>, rows: Option<Vec<RuleRow>>| {
        let mut page = page_for(&req, &state, &view);
        if get("action") == "account" {
            page.bin = get("bin");
            page.account_number = get("account_number");
            page.account_name = get("account_name");
        }
        if let Some(mut rows) = rows {
            rows.extend((0..BLANK_ROWS).map(|_| blank()));
            page.rows = rows;
            page.due_mode = get("due_mode");
            page.due_date = get("due_date");
            page.due_days = get("due_days");
        }
        page.errors = errors;
        render_form(status, lang, &page, &page.csrf.clone())
    };
    if !csrf_ok(&req, &get("csrf")) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())]);
        return refuse(StatusCode::FORBIDDEN, errors, None);
    }
    let mut check = Check::new(lang);
    let (command, saved, rows) = match get("action").as_str() {
        "account" => {
            let value = if get("bin").is_empty() && get("account_number").is_empty() && get("account_name").is_empty() {
                Value::Null
            } else {
                json!({ "bin": get("bin"), "account_number": get("account_number"), "account_name": get("account_name") })
            };
            let account: Option<Option<PaymentAccount>> = super::input::payment_account(&mut check, &value);
            match account {
                Some(account) if check.errors.is_empty() => {
                    (FairCommand::SetPaymentAccount { account }, "account", None)
                }
                _ => return refuse(StatusCode::UNPROCESSABLE_ENTITY, check.errors, None),
            }
        }
        "rules" => {
            let (rows, mut value) = rules_json(&form);
            value["due"] = match get("due_mode").as_str() {
                "date" => json!({ "kind": "on", "date": get("due_date") }),
                _ => json!({ "kind": "days_after_allocation", "days": number(&get("due_days"), false) }),
            };
            let rules = super::input::fee_rules(&mut check, &value);
            match rules {
                Some(rules) if check.errors.is_empty() => (FairCommand::SetFees { rules }, "rules", Some(rows)),
                _ => return refuse(StatusCode::UNPROCESSABLE_ENTITY, check.errors, Some(rows)),
            }
        }
        "recalculate" => {
            let registrations = {
                let p = state.read();
                p.fees
                    .of_fair(&view.id)
                    .map(|f| {
                        f.stale(&view, &p.registrations)
                            .iter()
                            .map(|(s, _)| s.registration_id)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            (FairCommand::RecalculateFees { registrations }, "recalculated", None)
        }
        _ => {
            let errors = BTreeMap::from([("form".to_owned(), lang.t("fairform.unknown_action").to_owned())]);
            return refuse(StatusCode::BAD_REQUEST, errors, None);
        }
    };
    let ctx = CommandContext::new(who.actor(), Utc::now());
    let fair_id = FairId::new_unchecked(fair.as_str());
    match service::fairs::run(&state, &ctx, &fair_id, None, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(format!(
            "/organizer/fairs/{fair}/fees?saved={saved}&lang={}",
            lang.code()
        )),
        Err(err) => {
            let errors = if err.body.fields.is_empty() {
                BTreeMap::from([("form".to_owned(), err.body.message.clone())])
            } else {
                err.body.fields.clone()
            };
            refuse(err.status, errors, rows)
        }
    }
}
