//! The fair's allocation rules as a page: zone quotas by locality (at most N booths of a
//! zone for the exhibitors of any one commune, former district or province), and the booths
//! kept out of allocation, each with its reason. The same commands as
//! `PUT /allocation-rules` and `POST /booths/{booth}/block`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{AllocationRules, BoothCode, FairId, Locality, ZoneCode, ZoneQuota};
use hoicho_projections::{BoothStatus, FairView};

use crate::app::AppState;
use crate::domain::fair::{FairCommand, BLOCK_REASON_MAX_CHARS};
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::input::form_text;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, see_other, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/rules", web::get().to(rules))
        .route("/organizer/fairs/{fair}/rules", web::post().to(act));
}

/// Blank rows offered below the quotas there are.
const BLANK_ROWS: usize = 3;
/// The most quotas a fair may have.
const MAX_QUOTAS: usize = 200;
const LOCALITIES: [(&str, &str); 3] = [
    ("commune", "rules.locality.commune"),
    ("legacy_district", "rules.locality.legacy_district"),
    ("province", "rules.locality.province"),
];

struct QuotaRow {
    zone: String,
    locality: String,
    max: String,
}

struct BlockedBooth {
    code: String,
    zone: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "fair_rules.html")]
struct RulesPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    zones: Vec<(String, String)>,
    localities: [(&'static str, &'static str); 3],
    rows: Vec<QuotaRow>,
    blocked: Vec<BlockedBooth>,
    /// Booths that can be blocked: free and not blocked.
    free: Vec<String>,
    block_booth: String,
    block_reason: String,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
}

impl RulesPage {
    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    fn row_e(&self, row: &usize, field: &str) -> Option<&str> {
        self.e(&format!("quota[{row}].{field}"))
    }

    fn row_has(&self, row: &usize, field: &str) -> bool {
        self.has(&format!("quota[{row}].{field}"))
    }

    /// The problems in the order of the page, each with a readable place.
    fn summary(&self) -> Vec<(String, String, &str)> {
        self.errors
            .iter()
            .map(|(field, message)| {
                let place = match field.strip_prefix("quota[").and_then(|r| r.split_once("].")) {
                    Some((row, part)) => format!(
                        "{} {} · {}",
                        self.lang.t("rules.row"),
                        row.parse::<usize>().map(|r| r + 1).unwrap_or(0),
                        self.lang.t(&format!("rules.{part}"))
                    ),
                    None => self.lang.t(&format!("rules.{field}")).to_owned(),
                };
                let anchor = field.replace(['[', ']', '.'], "-");
                (anchor, place, message.as_str())
            })
            .collect()
    }

    /// The id of a field's input, as the summary links to it.
    fn anchor(&self, row: &usize, field: &str) -> String {
        format!("quota-{row}--{field}")
    }
}

fn locality_key(locality: Locality) -> &'static str {
    match locality {
        Locality::Commune => "commune",
        Locality::LegacyDistrict => "legacy_district",
        Locality::Province => "province",
    }
}

fn page_for(req: &HttpRequest, view: &FairView) -> RulesPage {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let mut rows: Vec<QuotaRow> = view
        .rules
        .zone_quotas
        .iter()
        .map(|q| QuotaRow {
            zone: q.zone.to_string(),
            locality: locality_key(q.locality).to_owned(),
            max: q.max.to_string(),
        })
        .collect();
    rows.extend((0..BLANK_ROWS).map(|_| QuotaRow {
        zone: String::new(),
        locality: "commune".into(),
        max: String::new(),
    }));
    let blocked = view
        .booths
        .values()
        .filter(|b| b.status == BoothStatus::Blocked)
        .map(|b| BlockedBooth {
            code: b.booth.code.to_string(),
            zone: b.booth.zone.to_string(),
            reason: b.blocked_reason.clone().unwrap_or_default(),
        })
        .collect();
    RulesPage {
        lang,
        signed_in,
        switch_url,
        fair_id: view.id.to_string(),
        fair_name: view.details.name.clone(),
        csrf: csrf_token(req),
        zones: view
            .zones
            .values()
            .map(|z| (z.code.to_string(), format!("{} · {}", z.code, z.name)))
            .collect(),
        localities: LOCALITIES,
        rows,
        blocked,
        free: view
            .booths
            .values()
            .filter(|b| b.status == BoothStatus::Available)
            .map(|b| b.booth.code.to_string())
            .collect(),
        block_booth: String::new(),
        block_reason: String::new(),
        errors: BTreeMap::new(),
        flash: None,
    }
}

fn respond(page: RulesPage, status: StatusCode) -> HttpResponse {
    render_form(status, page.lang, &page, &page.csrf)
}

async fn rules(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    query: Query<HashMap<String, String>>,
) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let lang = Lang::of(&req);
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page_for(&req, view);
    page.flash = query
        .get("saved")
        .filter(|s| ["quotas", "blocked", "unblocked"].contains(&s.as_str()))
        .map(|s| lang.t(&format!("rules.flash.{s}")).to_owned());
    drop(p);
    respond(page, StatusCode::OK)
}

/// Field → what is wrong with it.
type Problems = BTreeMap<String, String>;

/// The quota rows of the form: blank rows are skipped, every bad cell named.
fn quotas(form: &[(String, String)], view: &FairView, lang: Lang) -> (Vec<QuotaRow>, Result<Vec<ZoneQuota>, Problems>) {
    let mut cells: BTreeMap<usize, HashMap<String, String>> = BTreeMap::new();
    for (key, value) in form {
        let Some((row, field)) = key.strip_prefix("quota[").and_then(|r| r.split_once("].")) else {
            continue;
        };
        if let Ok(row) = row.parse::<usize>() {
            if row < MAX_QUOTAS + BLANK_ROWS {
                cells
                    .entry(row)
                    .or_default()
                    .insert(field.to_owned(), value.trim().to_owned());
            }
        }
    }
    let say = |vi: &str, en: &str| match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    };
    let mut errors = BTreeMap::new();
    let mut quotas = Vec::new();
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for cell in cells.values() {
        let get = |k: &str| cell.get(k).cloned().unwrap_or_default();
        let (zone, locality, max) = (get("zone"), get("locality"), get("max"));
        if zone.is_empty() && max.is_empty() {
            continue;
        }
        let row = rows.len();
        rows.push(QuotaRow {
            zone: zone.clone(),
            locality: locality.clone(),
            max: max.clone(),
        });
        let field = |f: &str| format!("quota[{row}].{f}");
        let zone_code = ZoneCode::new_unchecked(zone.as_str());
        if zone.is_empty() {
            errors.insert(field("zone"), say("Vui lòng chọn khu", "Please choose a zone"));
        } else if !view.zones.contains_key(&zone_code) {
            errors.insert(
                field("zone"),
                say(
                    &format!("khu {zone} không có trong sơ đồ"),
                    &format!("zone {zone} is not on the plan"),
                ),
            );
        }
        let locality = match locality.as_str() {
            "commune" => Some(Locality::Commune),
            "legacy_district" => Some(Locality::LegacyDistrict),
            "province" => Some(Locality::Province),
            _ => {
                errors.insert(
                    field("locality"),
                    say("Vui lòng chọn cấp địa bàn", "Please choose a level"),
                );
                None
            }
        };
        let max = match max.parse::<u32>() {
            Ok(n) if (1..=10_000).contains(&n) => Some(n),
            _ if max.is_empty() => {
                errors.insert(
                    field("max"),
                    say("Vui lòng nhập số gian tối đa", "Please enter the most booths"),
                );
                None
            }
            _ => {
                errors.insert(
                    field("max"),
                    say(
                        "phải là số nguyên từ 1 đến 10000",
                        "must be a whole number from 1 to 10000",
                    ),
                );
                None
            }
        };
        if let (Some(locality), Some(max)) = (locality, max) {
            if !seen.insert((zone_code.clone(), locality)) {
                errors.insert(
                    field("zone"),
                    say(
                        "khu và cấp địa bàn này đã có hạn mức ở dòng trên",
                        "this zone and level already have a quota above",
                    ),
                );
            }
            quotas.push(ZoneQuota {
                zone: zone_code,
                locality,
                max,
            });
        }
    }
    if rows.len() > MAX_QUOTAS {
        errors.insert(
            "quotas".into(),
            say(
                &format!("tối đa {MAX_QUOTAS} hạn mức"),
                &format!("at most {MAX_QUOTAS} quotas"),
            ),
        );
    }
    let result = if errors.is_empty() { Ok(quotas) } else { Err(errors) };
    (rows, result)
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
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let Some(view) = state.read().fairs.get(&fair).cloned() else {
        return not_found_page(&req, "fair.not_found");
    };
    let refuse = |status: StatusCode, errors: BTreeMap<String, String>, rows: Option<Vec<QuotaRow>>| {
        let mut page = page_for(&req, &view);
        if let Some(mut rows) = rows {
            rows.extend((0..BLANK_ROWS).map(|_| QuotaRow {
                zone: String::new(),
                locality: "commune".into(),
                max: String::new(),
            }));
            page.rows = rows;
        }
        page.block_booth = get("booth");
        page.block_reason = get("reason");
        page.errors = errors;
        respond(page, status)
    };
    if !csrf_ok(&req, &get("csrf")) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())]);
        return refuse(StatusCode::FORBIDDEN, errors, None);
    }
    let (command, saved, rows) = match get("action").as_str() {
        "quotas" => {
            let (rows, parsed) = quotas(&form, &view, lang);
            match parsed {
                Ok(zone_quotas) => (
                    FairCommand::SetRules {
                        rules: AllocationRules { zone_quotas },
                    },
                    "quotas",
                    Some(rows),
                ),
                Err(errors) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, errors, Some(rows)),
            }
        }
        "block" | "unblock" => {
            let code = get("booth").trim().to_uppercase();
            let booth = BoothCode::new_unchecked(code.as_str());
            if !view.booths.contains_key(&booth) {
                let message = if code.is_empty() {
                    lang.t("rules.choose_booth").to_owned()
                } else {
                    lang.t("rules.no_such_booth").replace("{booth}", &code)
                };
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    BTreeMap::from([("booth".to_owned(), message)]),
                    None,
                );
            }
            if get("action") == "block" {
                let reason = Some(form_text(&get("reason"), BLOCK_REASON_MAX_CHARS)).filter(|r| !r.is_empty());
                (FairCommand::Block { booth, reason }, "blocked", None)
            } else {
                (FairCommand::Unblock { booth }, "unblocked", None)
            }
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
            "/organizer/fairs/{fair}/rules?saved={saved}&lang={}",
            lang.code()
        )),
        Err(err) => {
            let message = match err.body.code.as_str() {
                "booth_taken" => lang
                    .t("rules.booth_taken")
                    .replace("{booth}", &get("booth").to_uppercase()),
                _ => err.body.message.clone(),
            };
            let field = if rows.is_some() { "quotas" } else { "booth" };
            refuse(err.status, BTreeMap::from([(field.to_owned(), message)]), rows)
        }
    }
}
