//! The organizer's floor-plan page: the plan as the public sees it, its export as CSV and
//! XLSX, and an import from CSV (a file, or cells pasted from a spreadsheet) that shows what
//! would change and every bad row by line and column before anything is written. A plan
//! changed by a colleague in between is named, never overwritten; a booth someone holds is
//! not removed, and its holder is named.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{Booth, FairId, Zone};
use hoicho_projections::{FairView, Projections};

use crate::app::AppState;
use crate::domain::fair::{plan_fingerprint, FairCommand};
use crate::i18n::{datetime_vn, Lang};
use crate::service::{self, CommandContext};
use crate::spreadsheet::cell;
use crate::web::fairs::floor::{plan, Plan};
use crate::web::fairs::input::{plan_from_csv, SHAPE_KINDS};
use crate::web::fairs::settings::actor_name;
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, see_other, to_login, Frame};

/// The largest import a form may carry: about 20,000 booths, as CSV or as a workbook.
const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizer/fairs/{fair}/plan")
            .app_data(web::FormConfig::default().limit(IMPORT_LIMIT))
            .route(web::get().to(page))
            .route(web::post().to(import)),
    )
    .route("/organizer/fairs/{fair}/plan.csv", web::get().to(export_csv))
    .route("/organizer/fairs/{fair}/plan.xlsx", web::get().to(export_xlsx));
}

/// The columns of the export, which the import reads back.
const COLUMNS: [&str; 10] = [
    "code",
    "zone",
    "zone_name",
    "kind",
    "width_m",
    "depth_m",
    "price_vnd",
    "x",
    "y",
    "power",
];

/// What an import would do.
#[derive(Default)]
struct Changes {
    added: Vec<String>,
    changed: Vec<String>,
    removed: Vec<String>,
    zones_added: Vec<String>,
    zones_removed: Vec<String>,
    booths: usize,
}

impl Changes {
    fn none(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.zones_added.is_empty()
            && self.zones_removed.is_empty()
    }
}

#[derive(Template)]
#[template(path = "fair_plan.html")]
struct PlanPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    plan: Plan,
    seen: String,
    csv: String,
    /// (line, column, problem) of a refused import, in line order.
    problems: Vec<(String, String, String)>,
    changes: Option<Changes>,
    message: Option<String>,
    flash: Option<String>,
    /// The editor's starting drawing and texts, as JSON.
    drawing: String,
    editor_texts: String,
    /// (kind, its name) of the plain shapes.
    shape_kinds: Vec<(&'static str, &'static str)>,
}

fn page_for(req: &HttpRequest, p: &Projections, view: &FairView) -> PlanPage {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    PlanPage {
        lang,
        signed_in,
        switch_url,
        fair_id: view.id.to_string(),
        fair_name: view.details.name.clone(),
        csrf: csrf_token(req),
        plan: plan(view, &p.registrations, lang, None),
        seen: fingerprint_of(view),
        csv: String::new(),
        problems: Vec::new(),
        changes: None,
        message: None,
        flash: None,
        drawing: super::editor::starting_drawing(view, p),
        editor_texts: crate::i18n::editor_texts(lang),
        shape_kinds: SHAPE_KINDS
            .iter()
            .map(|k| {
                (
                    *k,
                    lang.t(match *k {
                        "aisle" => "shape.aisle",
                        "entrance" => "shape.entrance",
                        "stage" => "shape.stage",
                        "toilets" => "shape.toilets",
                        _ => "shape.label",
                    }),
                )
            })
            .collect(),
    }
}

/// The fingerprint of the plan as it is, which a form or the editor carries as `seen`.
pub(super) fn fingerprint_of(view: &FairView) -> String {
    plan_fingerprint(view.zones.values(), view.booths.values().map(|b| &b.booth))
}

/// `key`'s text with who changed the plan last and when (in the fair's zone).
pub(super) fn changed_by(p: &Projections, view: &FairView, key: &str, lang: Lang) -> String {
    let (at, by) = view
        .plan_changed
        .clone()
        .map_or((view.updated_at, None), |(at, by)| (at, Some(by)));
    lang.t(key)
        .replace("{who}", &actor_name(p, &by, lang))
        .replace("{at}", &datetime_vn(at, &view.details.time_zone))
}

fn respond(page: PlanPage, status: StatusCode) -> HttpResponse {
    render_form(status, page.lang, &page, &page.csrf)
}

async fn page(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    query: Query<HashMap<String, String>>,
) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page_for(&req, &p, view);
    if query.contains_key("saved") {
        page.flash = Some(page.lang.t("plan.flash.saved").to_owned());
    }
    drop(p);
    respond(page, StatusCode::OK)
}

/// `booths[12].width_m` → (line 14, `width_m`): data row i is file line i + 2.
fn place(field: &str, lang: Lang) -> (String, String) {
    let row = field
        .strip_prefix("booths[")
        .and_then(|r| r.split_once("]."))
        .and_then(|(i, column)| i.parse::<usize>().ok().map(|i| (i + 2, column)));
    match row {
        Some((line, column)) => (line.to_string(), column.to_owned()),
        None => match field.strip_prefix("columns.") {
            Some(column) => ("1".to_owned(), column.to_owned()),
            None => (String::new(), lang.t("plan.whole_file").to_owned()),
        },
    }
}

fn changes(view: &FairView, zones: &[Zone], booths: &[Booth]) -> Changes {
    let mut c = Changes {
        booths: booths.len(),
        ..Changes::default()
    };
    let wanted: BTreeSet<&str> = booths.iter().map(|b| b.code.as_str()).collect();
    for b in booths {
        match view.booths.get(&b.code) {
            None => c.added.push(b.code.to_string()),
            Some(old) if old.booth != *b => c.changed.push(b.code.to_string()),
            Some(_) => {}
        }
    }
    c.removed = view
        .booths
        .keys()
        .filter(|code| !wanted.contains(code.as_str()))
        .map(|code| code.to_string())
        .collect();
    let wanted_zones: BTreeSet<&str> = zones.iter().map(|z| z.code.as_str()).collect();
    c.zones_added = zones
        .iter()
        .filter(|z| !view.zones.contains_key(&z.code))
        .map(|z| format!("{} · {}", z.code, z.name))
        .collect();
    c.zones_removed = view
        .zones
        .values()
        .filter(|z| !wanted_zones.contains(z.code.as_str()))
        .map(|z| format!("{} · {}", z.code, z.name))
        .collect();
    c
}

/// The allocated booths the import would remove, each with who holds it.
pub(super) fn held_removals(p: &Projections, view: &FairView, booths: &[Booth]) -> Vec<String> {
    let wanted: BTreeSet<&str> = booths.iter().map(|b| b.code.as_str()).collect();
    view.booths
        .values()
        .filter(|b| !wanted.contains(b.booth.code.as_str()))
        .filter_map(|b| {
            let holder = b.holder?;
            let name = p
                .registrations
                .get(&holder)
                .map(|r| r.application.organization.clone())
                .unwrap_or_else(|| holder.to_string());
            Some(format!("{} ({name})", b.booth.code))
        })
        .collect()
}

async fn import(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(who) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    // A workbook chosen as the file arrives base64-encoded; it is read as the CSV it holds,
    // which the preview then carries to the confirmation.
    let workbook = get("xlsx");
    let read = (!workbook.trim().is_empty()).then(|| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(workbook.trim())
            .map_err(|e| e.to_string())
            .and_then(|bytes| crate::spreadsheet::xlsx_to_csv(&bytes))
    });
    let csv = match &read {
        Some(Ok(csv)) => csv.clone(),
        _ => get("csv"),
    };
    let seen = get("seen");
    let answer = |status: StatusCode, fill: &dyn Fn(&mut PlanPage, &Projections, &FairView)| {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let mut page = page_for(&req, &p, view);
        page.csv = csv.clone();
        page.seen = seen.clone();
        fill(&mut page, &p, view);
        drop(p);
        respond(page, status)
    };
    if !csrf_ok(&req, &get("csrf")) {
        return answer(StatusCode::FORBIDDEN, &|page, _, _| {
            page.message = Some(lang.t("login.expired").to_owned());
        });
    }
    let Some(current_zones) = state.read().fairs.get(&fair).map(|v| v.zones.clone()) else {
        return not_found_page(&req, "fair.not_found");
    };
    if let Some(Err(problem)) = &read {
        tracing::info!(error = %problem, "an imported workbook could not be read");
        return answer(StatusCode::UNPROCESSABLE_ENTITY, &|page, _, _| {
            page.message = Some(lang.t("plan.bad_workbook").to_owned());
        });
    }
    if csv.trim().is_empty() {
        return answer(StatusCode::UNPROCESSABLE_ENTITY, &|page, _, _| {
            page.message = Some(lang.t("plan.empty_import").to_owned());
        });
    }
    let (zones, booths) = match plan_from_csv(csv.as_bytes(), &current_zones, lang) {
        Ok(plan) => plan,
        Err(err) => {
            let mut problems: Vec<(String, String, String)> = err
                .body
                .fields
                .iter()
                .map(|(field, message)| {
                    let (line, column) = place(field, lang);
                    (line, column, message.clone())
                })
                .collect();
            if problems.is_empty() {
                problems.push((
                    String::new(),
                    lang.t("plan.whole_file").to_owned(),
                    err.body.message.clone(),
                ));
            }
            problems.sort_by_key(|(line, _, _)| line.parse::<usize>().unwrap_or(0));
            return answer(StatusCode::UNPROCESSABLE_ENTITY, &|page, _, _| {
                page.problems = problems.clone();
            });
        }
    };
    // Booths someone holds stay: named with their holders, nothing written.
    let held = {
        let p = state.read();
        p.fairs
            .get(&fair)
            .map(|view| held_removals(&p, view, &booths))
            .unwrap_or_default()
    };
    if !held.is_empty() {
        let message = lang.t("plan.held").replace("{booths}", &held.join(", "));
        return answer(StatusCode::CONFLICT, &|page, _, _| page.message = Some(message.clone()));
    }
    if get("action") != "confirm" {
        return answer(StatusCode::OK, &|page, _, view| {
            page.changes = Some(changes(view, &zones, &booths));
        });
    }
    let ctx = CommandContext::new(who.actor(), Utc::now());
    let fair_id = FairId::new_unchecked(fair.as_str());
    let command = FairCommand::DefinePlan {
        zones: zones.clone(),
        booths: booths.clone(),
        floor: None,
        seen: Some(seen.clone()).filter(|s| !s.is_empty()),
    };
    match service::fairs::run(&state, &ctx, &fair_id, None, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(format!("/organizer/fairs/{fair}/plan?saved=1&lang={}", lang.code())),
        Err(err) if err.body.code == "plan_changed" => answer(StatusCode::CONFLICT, &|page, p, view| {
            page.message = Some(changed_by(p, view, "plan.conflict", lang));
            // The preview again, against the plan as it is now; confirming it is a decision
            // made knowing of the other change.
            page.changes = Some(changes(view, &zones, &booths));
            page.seen = fingerprint_of(view);
        }),
        Err(err) => answer(err.status, &|page, _, _| page.message = Some(err.body.message.clone())),
    }
}

/// The plan's rows as the export writes them, in code order.
fn rows(view: &FairView) -> Vec<[String; 10]> {
    view.booths
        .values()
        .map(|b| {
            let b = &b.booth;
            let zone_name = view.zones.get(&b.zone).map(|z| z.name.clone()).unwrap_or_default();
            [
                b.code.to_string(),
                b.zone.to_string(),
                zone_name,
                b.kind.clone(),
                b.width_m.to_string(),
                b.depth_m.to_string(),
                b.price_vnd.to_string(),
                b.x.to_string(),
                b.y.to_string(),
                if b.power { "1" } else { "0" }.to_owned(),
            ]
        })
        .collect()
}

fn download(content_type: &str, fair: &str, ext: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{fair}-plan.{ext}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

async fn export_csv(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Some(rows) = state.read().fairs.get(&fair).map(rows) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let written = out.write_record(COLUMNS).is_ok()
        && rows
            .iter()
            .all(|row| out.write_record(row.iter().map(|c| cell(c).into_owned())).is_ok());
    match (written, out.into_inner()) {
        (true, Ok(mut bytes)) => {
            // A BOM, so that Excel reads the Vietnamese as UTF-8.
            bytes.splice(0..0, "\u{feff}".bytes());
            download("text/csv; charset=utf-8", &fair, "csv", bytes)
        }
        _ => HttpResponse::InternalServerError().finish(),
    }
}

async fn export_xlsx(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Some(rows) = state.read().fairs.get(&fair).map(rows) else {
        return not_found_page(&req, "fair.not_found");
    };
    let book = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = book.add_worksheet();
        sheet.set_name("plan")?;
        for (col, name) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *name, &bold)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            for (col, value) in row.iter().enumerate() {
                // The sizes, price and position are numbers; the rest text.
                match value.parse::<f64>() {
                    Ok(n) if col >= 4 => sheet.write_number(r, col as u16, n)?,
                    _ => sheet.write_string(r, col as u16, value)?,
                };
            }
        }
        book.save_to_buffer()
    };
    match book() {
        Ok(bytes) => download(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &fair,
            "xlsx",
            bytes,
        ),
        Err(err) => {
            tracing::error!(error = %err, "plan workbook failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_placed_by_its_line_and_column() {
        assert_eq!(place("booths[0].width_m", Lang::Vi), ("2".into(), "width_m".into()));
        assert_eq!(place("columns.price_vnd", Lang::Vi), ("1".into(), "price_vnd".into()));
    }
}
