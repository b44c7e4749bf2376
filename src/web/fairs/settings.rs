//! The organizer's pages for a fair itself: a new fair (or the next edition of one), its
//! details, and opening or closing applications now. Every field's problem is shown beside
//! it with what was typed; a save from a form that saw other details than the fair has now
//! names who changed them and when, and overwrites nothing.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use hoicho_events::{Actor, FairId, IdempotencyMark};
use hoicho_projections::{FairView, Projections};

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::i18n::{datetime_vn, Lang};
use crate::service::{self, CommandContext};
use crate::web::fairs::form_values::{copy_values, details_json, values_of};
use crate::web::fairs::input::{self as fair_input, DEFAULT_TIME_ZONE};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::{organizer_of, Organizer};
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, see_other, to_login, Frame};
use crate::web::kit::write::{form_mark, replay};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/new", web::get().to(new_form))
        .route("/organizer/fairs/new", web::post().to(create))
        .route("/organizer/fairs/{fair}/settings", web::get().to(settings))
        .route("/organizer/fairs/{fair}/settings", web::post().to(save))
        .route("/organizer/fairs/{fair}/registration", web::post().to(open_or_close));
}

/// The zones offered; a fair in another one keeps it.
const TIME_ZONES: &[&str] = &[
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Vientiane",
    "Asia/Phnom_Penh",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Seoul",
    "Asia/Tokyo",
    "UTC",
];

/// The one-line fields: name, whether it is required, its longest length.
const TEXT_FIELDS: &[(&str, bool, usize)] = &[
    ("name", true, 200),
    ("venue", true, 300),
    ("address", false, 300),
    ("contact_phone", false, 32),
    ("contact_email", false, 254),
];

/// The fields in the order the form shows them.
const FORM_ORDER: &[&str] = &[
    "form",
    "id",
    "name",
    "venue",
    "address",
    "contact_phone",
    "contact_email",
    "description",
    "start_date",
    "end_date",
    "time_zone",
    "registration_opens_at",
    "registration_closes_at",
];

/// The fair whose settings are shown.
struct FairSummary {
    id: String,
    registration_open: bool,
    window: String,
    /// Set when an organizer opened or closed applications by hand.
    override_note: Option<String>,
}

#[derive(Template)]
#[template(path = "fair_settings.html")]
struct SettingsPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    title: String,
    csrf: String,
    form_id: String,
    action: String,
    reload_url: String,
    fair: Option<FairSummary>,
    copy_from: Option<(String, String)>,
    text_fields: &'static [(&'static str, bool, usize)],
    zones: Vec<String>,
    values: HashMap<String, String>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
    conflict: Option<String>,
}

impl SettingsPage {
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    fn has(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    fn e(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// The problems in the order of the form's fields, so the summary reads as the form does.
    fn ordered_errors(&self) -> Vec<(&str, &str)> {
        let place = |field: &str| FORM_ORDER.iter().position(|f| *f == field).unwrap_or(FORM_ORDER.len());
        let mut errors: Vec<(&str, &str)> = self.errors.iter().map(|(f, m)| (f.as_str(), m.as_str())).collect();
        errors.sort_by_key(|(f, _)| place(f));
        errors
    }

    fn label(&self, name: &str) -> String {
        self.lang.t(&format!("fairform.{name}")).to_owned()
    }
}

/// Who someone is, as a colleague would name them.
pub fn actor_name(p: &Projections, actor: &Option<Actor>, lang: Lang) -> String {
    match actor {
        Some(Actor::Organizer { organizer_id }) => p
            .organizers
            .by_id
            .get(organizer_id)
            .map(|o| o.email.clone())
            .unwrap_or_else(|| lang.t("desk.someone").to_owned()),
        Some(Actor::System { component }) => format!("{} ({component})", lang.t("desk.system")),
        _ => lang.t("desk.someone").to_owned(),
    }
}

impl SettingsPage {
    fn new(req: &HttpRequest, title: String, action: String) -> SettingsPage {
        let Frame {
            lang,
            signed_in,
            switch_url,
        } = Frame::of(req);
        SettingsPage {
            lang,
            signed_in,
            switch_url,
            title,
            csrf: csrf_token(req),
            form_id: crate::auth::random_token(16),
            reload_url: action.clone(),
            action,
            fair: None,
            copy_from: None,
            text_fields: TEXT_FIELDS,
            zones: TIME_ZONES.iter().map(|z| (*z).to_owned()).collect(),
            values: HashMap::from([("time_zone".to_owned(), DEFAULT_TIME_ZONE.to_owned())]),
            errors: BTreeMap::new(),
            flash: None,
            conflict: None,
        }
    }

    /// Shows the fair's own zone even if it is not one of those offered.
    fn keep_zone(mut self) -> Self {
        let tz = self.v("time_zone").to_owned();
        if !tz.is_empty() && !self.zones.contains(&tz) {
            self.zones.push(tz);
        }
        self
    }

    fn respond(self, status: StatusCode) -> HttpResponse {
        let page = self.keep_zone();
        render_form(status, page.lang, &page, &page.csrf)
    }
}

fn summary(view: &FairView, lang: Lang, now: DateTime<Utc>) -> FairSummary {
    let d = &view.details;
    FairSummary {
        id: view.id.to_string(),
        registration_open: view.registration_open(now),
        window: format!(
            "{} {} – {}",
            lang.t("fair.window"),
            datetime_vn(d.registration_opens_at, &d.time_zone),
            datetime_vn(d.registration_closes_at, &d.time_zone)
        ),
        override_note: view.registration_override.map(|open| {
            lang.t(if open {
                "fairform.opened_by_hand"
            } else {
                "fairform.closed_by_hand"
            })
            .to_owned()
        }),
    }
}

fn settings_page(req: &HttpRequest, view: &FairView) -> SettingsPage {
    let lang = Lang::of(req);
    let action = format!("/organizer/fairs/{}/settings?lang={}", view.id, lang.code());
    let mut page = SettingsPage::new(
        req,
        format!("{} — {}", lang.t("desk.settings"), view.details.name),
        action,
    );
    page.fair = Some(summary(view, lang, Utc::now()));
    page.values = values_of(&view.details);
    page
}

async fn new_form(state: Data<AppState>, req: HttpRequest, query: Query<HashMap<String, String>>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let lang = Lang::of(&req);
    let action = format!("/organizer/fairs/new?lang={}", lang.code());
    let mut page = SettingsPage::new(&req, lang.t("fairform.new_title").to_owned(), action);
    if let Some(from) = query.get("from") {
        let p = state.read();
        let Some(source) = p.fairs.get(from) else {
            return not_found_page(&req, "fair.not_found");
        };
        page.title = lang.t("fairform.copy_title").to_owned();
        page.values = copy_values(source, source.today(Utc::now()));
        page.copy_from = Some((source.id.to_string(), source.details.name.clone()));
    }
    page.respond(StatusCode::OK)
}

/// The checks' messages, with a plain "please enter …" for a field left empty and a
/// date-and-time example where the check speaks of RFC 3339.
fn form_errors(err: &ApiError, values: &HashMap<String, String>, lang: Lang) -> BTreeMap<String, String> {
    if err.body.fields.is_empty() {
        return BTreeMap::from([("form".to_owned(), err.body.message.clone())]);
    }
    err.body
        .fields
        .iter()
        .map(|(field, message)| {
            let empty = values.get(field).is_none_or(|v| v.trim().is_empty());
            let label = lang.t(&format!("fairform.{field}")).to_lowercase();
            let message = if empty {
                format!("{} {label}", lang.t("form.please_enter"))
            } else if field.starts_with("registration_") && message.contains("RFC 3339") {
                lang.t("fairform.datetime_example").to_owned()
            } else {
                message.clone()
            };
            (field.clone(), message)
        })
        .collect()
}

fn values_from(form: Vec<(String, String)>) -> HashMap<String, String> {
    form.into_iter().filter(|(k, _)| k != "csrf").collect()
}

fn csrf_refused(lang: Lang) -> BTreeMap<String, String> {
    BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())])
}

async fn create(state: Data<AppState>, req: HttpRequest, form: Form<Vec<(String, String)>>) -> HttpResponse {
    let Some(who) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let form = form.into_inner();
    let submitted_csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.sort_unstable();
    let mark = form_mark(&who.principal(), String::new(), &fields);
    let values = values_from(form.clone());
    let from = values.get("from").filter(|f| !f.is_empty()).cloned();
    let again = |status: StatusCode, errors: BTreeMap<String, String>| {
        let action = format!("/organizer/fairs/new?lang={}", lang.code());
        let mut page = SettingsPage::new(&req, lang.t("fairform.new_title").to_owned(), action);
        if let Some(source) = from.as_deref().and_then(|f| state.read().fairs.get(f).cloned()) {
            page.title = lang.t("fairform.copy_title").to_owned();
            page.copy_from = Some((source.id.to_string(), source.details.name.clone()));
        }
        page.values = values.clone();
        page.errors = errors;
        page.respond(status)
    };
    if !csrf_ok(&req, &submitted_csrf) {
        return again(StatusCode::FORBIDDEN, csrf_refused(lang));
    }
    let (fair_id, details) = match fair_input::new_fair(&details_json(&values, true), lang) {
        Ok(parsed) => parsed,
        Err(err) => return again(err.status, form_errors(&err, &values, lang)),
    };
    let mut ctx = CommandContext::new(who.actor(), Utc::now());
    let form_id = values.get("form_id").cloned().unwrap_or_default();
    if !form_id.is_empty() {
        ctx.idempotency = Some(IdempotencyMark {
            key: format!("fair-form:{form_id}:{}", mark.request_hash),
            ..mark
        });
    }
    let created = |id: &str| {
        see_other(format!(
            "/organizer/fairs/{id}/settings?saved=created&lang={}",
            lang.code()
        ))
    };
    if let Ok(Some(_)) = replay(&state, &ctx).await {
        return created(fair_id.as_str());
    }
    let outcome = match &from {
        Some(from) => {
            service::fairs::copy(&state, &ctx, &FairId::new_unchecked(from.as_str()), &fair_id, details).await
        }
        None => {
            let command = FairCommand::Create {
                fair_id: fair_id.clone(),
                details,
            };
            service::fairs::run(&state, &ctx, &fair_id, None, &command).await
        }
    };
    match outcome.map_err(ApiError::from) {
        Ok(_) => created(fair_id.as_str()),
        Err(err) if err.body.code == "fair_exists" => again(
            StatusCode::CONFLICT,
            BTreeMap::from([("id".to_owned(), lang.t("fairform.id_taken").to_owned())]),
        ),
        Err(err) => again(err.status, form_errors(&err, &values, lang)),
    }
}

async fn settings(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    query: Query<HashMap<String, String>>,
) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let lang = Lang::of(&req);
    let page = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let mut page = settings_page(&req, view);
        page.flash = query
            .get("saved")
            .filter(|s| ["created", "saved", "opened", "closed"].contains(&s.as_str()))
            .map(|s| lang.t(&format!("fairform.flash.{s}")).to_owned());
        page
    };
    page.respond(StatusCode::OK)
}

async fn save(
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
    let submitted_csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let values = values_from(form);
    let again = |status: StatusCode, errors: BTreeMap<String, String>, conflict: Option<String>| {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let mut page = settings_page(&req, view);
        let seen = page.values.get("seen").cloned();
        page.values = values.clone();
        if conflict.is_some() {
            // Saving again is then a decision made knowing of the other change.
            if let Some(seen) = seen {
                page.values.insert("seen".into(), seen);
            }
        }
        page.errors = errors;
        page.conflict = conflict;
        page.respond(status)
    };
    if !csrf_ok(&req, &submitted_csrf) {
        return again(StatusCode::FORBIDDEN, csrf_refused(lang), None);
    }
    if state.read().fairs.get(&fair).is_none() {
        return not_found_page(&req, "fair.not_found");
    }
    let details = match fair_input::form_details(&details_json(&values, false), lang) {
        Ok(details) => details,
        Err(err) => return again(err.status, form_errors(&err, &values, lang), None),
    };
    let seen = values.get("seen").filter(|s| !s.is_empty()).cloned();
    let ctx = CommandContext::new(who.actor(), Utc::now());
    let fair_id = FairId::new_unchecked(fair.as_str());
    let command = FairCommand::Amend { details, seen };
    match service::fairs::run(&state, &ctx, &fair_id, None, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(format!(
            "/organizer/fairs/{fair}/settings?saved=saved&lang={}",
            lang.code()
        )),
        Err(err) if err.body.code == "details_changed" => {
            let conflict = {
                let p = state.read();
                p.fairs.get(&fair).map(|view| {
                    let (at, by) = &view.details_changed;
                    lang.t("fairform.conflict")
                        .replace("{who}", &actor_name(&p, by, lang))
                        .replace("{at}", &datetime_vn(*at, &view.details.time_zone))
                })
            };
            again(StatusCode::CONFLICT, BTreeMap::new(), conflict)
        }
        Err(err) => again(err.status, form_errors(&err, &values, lang), None),
    }
}

async fn open_or_close(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(who): Option<Organizer> = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let page_error = |status: StatusCode, message: String| {
        let p = state.read();
        match p.fairs.get(&fair) {
            Some(view) => {
                let mut page = settings_page(&req, view);
                page.errors = BTreeMap::from([("form".to_owned(), message)]);
                page.respond(status)
            }
            None => not_found_page(&req, "fair.not_found"),
        }
    };
    if !csrf_ok(&req, get("csrf")) {
        return page_error(StatusCode::FORBIDDEN, lang.t("login.expired").to_owned());
    }
    let now = Utc::now();
    let (command, saved) = match get("action") {
        "open" => (FairCommand::OpenRegistration { at: now }, "opened"),
        "close" => (FairCommand::CloseRegistration { at: now }, "closed"),
        _ => return page_error(StatusCode::BAD_REQUEST, lang.t("fairform.unknown_action").to_owned()),
    };
    let ctx = CommandContext::new(who.actor(), now);
    let fair_id = FairId::new_unchecked(fair.as_str());
    match service::fairs::run(&state, &ctx, &fair_id, None, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(format!(
            "/organizer/fairs/{fair}/settings?saved={saved}&lang={}",
            lang.code()
        )),
        Err(err) if err.status == StatusCode::NOT_FOUND => not_found_page(&req, "fair.not_found"),
        Err(err) => page_error(err.status, err.body.message),
    }
}
