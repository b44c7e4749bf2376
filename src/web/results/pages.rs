//! The organizers' results page (`/organizer/fairs/{fair}/results`): each evening, the day's
//! visitors; as they happen, the agreements signed, the awards, the side events; and the
//! notes for the report. Each form names every bad field; a mistaken entry is withdrawn with
//! a reason.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{AgreementKind, CountMethod};
use serde_json::{json, Value};

use super::input::{self, Fair};
use crate::app::AppState;
use crate::i18n::{date_vn, datetime_vn, money_vnd, number_vn, read_amount_vnd, Lang};
use crate::service;
use crate::service::CommandContext;
use crate::web::fairs::settings::actor_name;
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::Check;
use crate::web::kit::page::{
    csrf_ok, csrf_token, not_found_page, query_value, render_form, see_other, to_login, Frame,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/results", web::get().to(page))
        .route("/organizer/fairs/{fair}/results", web::post().to(act));
}

/// One entry in a list: its id (to withdraw it), its lines, who entered it and when.
struct Entry {
    id: String,
    title: String,
    detail: String,
    by: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    /// The fair's days that have come: (YYYY-MM-DD, dd/mm/yyyy).
    days: Vec<(String, String)>,
    /// The day the forms offer first: the latest that has come.
    default_day: String,
    /// (day, visitors, how counted, source, by whom and when).
    visitors: Vec<(String, String, String, String, String)>,
    visitors_total: String,
    agreements: Vec<Entry>,
    awards: Vec<Entry>,
    side_events: Vec<Entry>,
    notes: String,
    /// Exhibitors holding a booth: (id, "organization — booths").
    exhibitors: Vec<(String, String)>,
    /// The form that was sent, its values and its problems.
    form: String,
    values: HashMap<String, String>,
    chosen: Vec<String>,
    errors: BTreeMap<String, String>,
    /// The visitors sent are unusual: the form asks to confirm them.
    confirm: bool,
    /// A fresh id for each form, so that sending one twice enters it once.
    fresh: String,
    flash: Option<String>,
}

impl ResultsPage {
    /// The problem with `field` of `form`, if that form was the one sent.
    fn e(&self, form: &str, field: &str) -> Option<&str> {
        (self.form == form)
            .then(|| self.errors.get(field).map(String::as_str))
            .flatten()
    }

    /// What was typed into `field` of `form`, or `default`.
    fn v<'a>(&'a self, form: &str, field: &str, default: &'a str) -> &'a str {
        if self.form == form {
            self.values.get(field).map_or(default, String::as_str)
        } else {
            default
        }
    }

    fn label(&self, field: &str) -> String {
        let field = field.split('[').next().unwrap_or(field);
        self.lang.t(&format!("results.field.{field}")).to_owned()
    }
}

/// The parts of an entry's line that say something, between dots.
fn line<const N: usize>(parts: [String; N]) -> String {
    parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn build(req: &HttpRequest, state: &AppState, fair: &str) -> Option<ResultsPage> {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let p = state.read();
    let view = p.fairs.get(fair)?;
    let now = Utc::now();
    let today = view.today(now);
    let zone = view.details.time_zone.clone();
    let days: Vec<(String, String)> = view
        .details
        .start_date
        .iter_days()
        .take_while(|d| *d <= view.details.end_date && *d <= today)
        .map(|d| (d.to_string(), date_vn(d)))
        .collect();
    let by = |actor: &hoicho_events::Actor, at: chrono::DateTime<Utc>| {
        format!(
            "{} · {}",
            actor_name(&p, &Some(actor.clone()), lang),
            datetime_vn(at, &zone)
        )
    };
    let organization = |id: &hoicho_events::RegistrationId| {
        p.registrations
            .get(id)
            .map(|r| r.application.organization.clone())
            .unwrap_or_default()
    };
    let empty = hoicho_projections::FairResults::default();
    let results = p.results.of_fair(&view.id).unwrap_or(&empty);
    let method = |m: CountMethod| match m {
        CountMethod::Estimate => lang.t("results.estimate"),
        CountMethod::Counter => lang.t("results.counter"),
    };
    let page = ResultsPage {
        lang,
        signed_in,
        switch_url,
        fair_id: view.id.to_string(),
        fair_name: view.details.name.clone(),
        csrf: csrf_token(req),
        default_day: days.last().map(|d| d.0.clone()).unwrap_or_default(),
        days,
        visitors: results
            .visitors
            .iter()
            .map(|(day, v)| {
                (
                    date_vn(*day),
                    number_vn(i64::from(v.visitors)),
                    method(v.method).to_owned(),
                    v.source.clone(),
                    by(&v.actor, v.recorded_at),
                )
            })
            .collect(),
        visitors_total: number_vn(results.visitors_total() as i64),
        agreements: results
            .agreements
            .iter()
            .map(|a| Entry {
                id: a.id.to_string(),
                title: format!(
                    "{}: {}",
                    lang.t(match a.kind {
                        AgreementKind::Contract => "results.contract",
                        AgreementKind::Memorandum => "results.memorandum",
                    }),
                    a.parties
                ),
                detail: line([
                    date_vn(a.signed_on),
                    a.exhibitors.iter().map(&organization).collect::<Vec<_>>().join(", "),
                    a.products.clone(),
                    a.value_vnd.map(money_vnd).unwrap_or_default(),
                ]),
                by: by(&a.actor, a.recorded_at),
            })
            .collect(),
        awards: results
            .awards
            .iter()
            .map(|a| Entry {
                id: a.id.to_string(),
                title: a.name.clone(),
                detail: line([organization(&a.registration_id), a.note.clone()]),
                by: by(&a.actor, a.recorded_at),
            })
            .collect(),
        side_events: results
            .side_events
            .iter()
            .map(|e| Entry {
                id: e.id.to_string(),
                title: e.title.clone(),
                detail: line([
                    date_vn(e.day),
                    e.participants
                        .map(|n| format!("{} {}", number_vn(i64::from(n)), lang.t("results.participants")))
                        .unwrap_or_default(),
                    e.note.clone(),
                ]),
                by: by(&e.actor, e.recorded_at),
            })
            .collect(),
        notes: results.notes.clone(),
        exhibitors: {
            let mut list: Vec<(String, String)> = view
                .holdings
                .iter()
                .filter(|(_, booths)| !booths.is_empty())
                .map(|(id, booths)| {
                    let codes = booths.iter().map(|b| b.as_str()).collect::<Vec<_>>().join(", ");
                    (id.to_string(), format!("{} — {codes}", organization(id)))
                })
                .collect();
            list.sort_by(|a, b| a.1.cmp(&b.1));
            list
        },
        form: String::new(),
        values: HashMap::new(),
        chosen: Vec::new(),
        errors: BTreeMap::new(),
        confirm: false,
        fresh: uuid::Uuid::now_v7().to_string(),
        flash: None,
    };
    Some(page)
}

async fn page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Some(mut page) = build(&req, &state, &fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    page.flash = query_value(&req, "saved")
        .filter(|s| ["visitors", "agreement", "award", "side_event", "notes", "withdraw"].contains(&s.as_str()))
        .map(|s| page.lang.t(&format!("results.saved.{s}")).to_owned());
    render_form(StatusCode::OK, page.lang, &page, &page.csrf.clone())
}

const FORMS: [&str; 6] = ["visitors", "agreement", "award", "side_event", "notes", "withdraw"];

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
    let chosen: Vec<String> = form
        .iter()
        .filter(|(k, v)| k == "exhibitors" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    let action = get("action");
    let refuse = |status: StatusCode, errors: BTreeMap<String, String>, confirm: bool| {
        let Some(mut page) = build(&req, &state, &fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        page.form = action.clone();
        page.values = form.iter().cloned().collect();
        page.chosen = chosen.clone();
        page.errors = errors;
        page.confirm = confirm;
        if let Some(id) = page.values.get("id").filter(|id| uuid::Uuid::parse_str(id).is_ok()) {
            page.fresh = id.clone();
        }
        render_form(status, lang, &page, &page.csrf.clone())
    };
    if !csrf_ok(&req, &get("csrf")) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())]);
        return refuse(StatusCode::FORBIDDEN, errors, false);
    }
    if !FORMS.contains(&action.as_str()) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("fairform.unknown_action").to_owned())]);
        return refuse(StatusCode::BAD_REQUEST, errors, false);
    }
    let Some(situation) = state.read().fairs.get(&fair).map(|v| Fair::of(v, Utc::now())) else {
        return not_found_page(&req, "fair.not_found");
    };
    let fresh = uuid::Uuid::parse_str(&get("id")).unwrap_or_else(|_| uuid::Uuid::now_v7());
    let optional = |k: &str| {
        let v = get(k);
        if v.is_empty() {
            Value::Null
        } else {
            Value::from(v)
        }
    };
    // A number as people type it ("4.200", "4 200"); left as text when it is not one, so
    // the check names it.
    let number = |k: &str| {
        let v = get(k);
        if v.is_empty() {
            Value::Null
        } else {
            read_amount_vnd(&v).map_or(Value::from(v), Value::from)
        }
    };
    let mut check = Check::new(lang);
    let command = match action.as_str() {
        "visitors" => input::visitors(
            &mut check,
            &json!({
                "day": get("day"), "visitors": number("visitors"), "method": get("method"),
                "source": get("source"), "confirm": get("confirm") == "yes",
            }),
            &situation,
        ),
        "agreement" => input::agreement(
            &mut check,
            &json!({
                "kind": get("kind"), "parties": get("parties"), "exhibitors": chosen,
                "products": get("products"), "value_vnd": number("value_vnd"), "signed_on": get("signed_on"),
            }),
            &situation,
            fresh,
        ),
        "award" => input::award(
            &mut check,
            &json!({"name": get("name"), "registration_id": optional("registration_id"), "note": get("note")}),
            &situation,
            fresh,
        ),
        "side_event" => input::side_event(
            &mut check,
            &json!({
                "day": get("day"), "title": get("title"), "participants": number("participants"),
                "note": get("note"),
            }),
            &situation,
            fresh,
        ),
        "notes" => {
            let text = form
                .iter()
                .find(|(k, _)| k == "text")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            input::notes(&mut check, &json!({ "text": text }))
        }
        _ => match uuid::Uuid::parse_str(&get("entry")) {
            Ok(entry) => input::withdraw(&mut check, &json!({"reason": get("reason")}), entry),
            Err(_) => {
                let errors = BTreeMap::from([("form".to_owned(), lang.t("results.no_entry").to_owned())]);
                return refuse(StatusCode::NOT_FOUND, errors, false);
            }
        },
    };
    let unusual = check.errors.contains_key("confirm");
    let Some(command) = command.filter(|_| check.errors.is_empty()) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, check.errors, unusual);
    };
    let ctx = CommandContext::new(who.actor(), Utc::now());
    match service::results::run(&state, &ctx, &situation.id, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(format!(
            "/organizer/fairs/{}/results?saved={action}&lang={}#{}",
            situation.id,
            lang.code(),
            action.replace('_', "-")
        )),
        Err(err) => {
            let message = match err.body.code.as_str() {
                "not_found" => lang.t("results.no_entry").to_owned(),
                "result_exists" => lang.t("results.exists").to_owned(),
                _ => err.body.message.clone(),
            };
            refuse(err.status, BTreeMap::from([("form".to_owned(), message)]), false)
        }
    }
}
