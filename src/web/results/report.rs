//! The post-fair report: `/organizer/fairs/{fair}/report` (the page, with the earlier
//! edition to compare with), `…/report/print` (the same on A4, for the browser's PDF),
//! `…/report.docx` (Word); and `/api/v1/fairs/{fair}/report` (JSON, or `.docx`).

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::i18n::{date_vn, Lang};
use crate::report::blocks::{blocks, Block};
use crate::report::docx::to_docx;
use crate::report::{earlier_editions, report, Report};
use crate::revenue::charts::bar_chart;
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{organizer_of, Organizer};
use crate::web::kit::page::{not_found_page, query_value, render, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/report", web::get().to(page))
        .route("/organizer/fairs/{fair}/report/print", web::get().to(print))
        .route("/organizer/fairs/{fair}/report.docx", web::get().to(docx_page));
}

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/report", web::get().to(get_report))
        .route("/fairs/{fair}/report.docx", web::get().to(get_docx));
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    venue: String,
    dates: String,
    made_on: String,
    printing: bool,
    blocks: Vec<Block>,
    charts: HashMap<&'static str, String>,
    /// The earlier editions to compare with: (id, name, chosen).
    editions: Vec<(String, String, bool)>,
    /// `&previous=…` for the links, when one was chosen.
    previous_query: String,
}

impl ReportPage {
    fn chart(&self, by: &str) -> &str {
        self.charts.get(by).map_or("", String::as_str)
    }
}

/// The report of `fair` with the `previous` edition asked for, and the earlier editions.
fn made(state: &AppState, fair: &str, previous: Option<&str>, lang: Lang) -> Option<(Report, Vec<(String, String)>)> {
    let p = state.read();
    let view = p.fairs.get(fair)?;
    let editions = earlier_editions(&p, view)
        .into_iter()
        .map(|f| (f.id.to_string(), f.details.name.clone()))
        .collect();
    Some((report(&p, view, previous, lang), editions))
}

async fn shown(state: Data<AppState>, req: HttpRequest, fair: Path<String>, printing: bool) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let previous = query_value(&req, "previous");
    let Some((report, editions)) = made(&state, &fair, previous.as_deref(), lang) else {
        return not_found_page(&req, "fair.not_found");
    };
    let charts = ["day", "zone", "commune"]
        .into_iter()
        .filter(|by| !report.revenue.breakdown(by).is_empty())
        .map(|by| {
            let bars: Vec<(String, i64)> = report
                .revenue
                .breakdown(by)
                .iter()
                .take(10)
                .map(|l| (l.label.clone(), l.amount_vnd))
                .collect();
            (by, bar_chart(&bars, lang))
        })
        .collect();
    let chosen = report.previous.as_ref().map(|p| p.fair.clone()).unwrap_or_default();
    let page = ReportPage {
        lang,
        signed_in,
        switch_url,
        fair_id: report.fair.clone(),
        fair_name: report.name.clone(),
        venue: report.venue.clone(),
        dates: format!("{} – {}", date_vn(report.start_date), date_vn(report.end_date)),
        made_on: date_vn(report.made_on),
        printing,
        blocks: blocks(&report, lang),
        charts,
        editions: editions
            .into_iter()
            .map(|(id, name)| {
                let on = id == chosen;
                (id, name, on)
            })
            .collect(),
        previous_query: previous
            .and_then(|p| serde_urlencoded::to_string([("previous", p)]).ok())
            .map(|q| format!("&{q}"))
            .unwrap_or_default(),
    };
    render(StatusCode::OK, lang, &page)
}

async fn page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    shown(state, req, fair, false).await
}

async fn print(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    shown(state, req, fair, true).await
}

fn docx_response(report: &Report, lang: Lang) -> HttpResponse {
    match to_docx(report, lang) {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-bao-cao.docx\"", report.fair),
            ))
            .body(bytes),
        Err(err) => {
            tracing::error!(error = %err, "the report could not be written as DOCX");
            HttpResponse::InternalServerError().finish()
        }
    }
}

async fn docx_page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let lang = Lang::of(&req);
    let previous = query_value(&req, "previous");
    match made(&state, &fair, previous.as_deref(), lang) {
        Some((report, _)) => docx_response(&report, lang),
        None => not_found_page(&req, "fair.not_found"),
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// The earlier edition to compare with (its id); empty for none; the latest that ended
    /// before this fair began when not given.
    previous: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

fn check_previous(state: &AppState, fair: &str, previous: Option<&str>, lang: Lang) -> Result<()> {
    let p = state.read();
    let view = p.fairs.get(fair).ok_or_else(|| ApiError::not_found("fair"))?;
    if let Some(id) = previous.filter(|id| !id.is_empty()) {
        if !earlier_editions(&p, view).iter().any(|f| f.id.as_str() == id) {
            let mut check = crate::web::kit::input::Check::new(lang);
            check.fail2(
                "previous",
                "không phải hội chợ đã kết thúc trước khi hội chợ này bắt đầu",
                "is not a fair that ended before this one began",
            );
            return Err(check.into_error());
        }
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/report", tag = "results", params(ReportQuery),
    responses((status = 200, body = Object, description = "the report: participation, products, visitors, revenue (the review's own figures), previous edition by locality, agreements, awards, side events, notes, missing"),
        (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn get_report(
    state: Data<AppState>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse> {
    check_previous(&state, &fair, query.previous.as_deref(), Lang::of(&req))?;
    let (report, _) =
        made(&state, &fair, query.previous.as_deref(), Lang::of(&req)).ok_or_else(|| ApiError::not_found("fair"))?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/report.docx", tag = "results", params(ReportQuery),
    responses((status = 200, description = "the report as a Word document", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn get_docx(
    state: Data<AppState>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse> {
    check_previous(&state, &fair, query.previous.as_deref(), Lang::of(&req))?;
    let lang = Lang::of(&req);
    let (report, _) =
        made(&state, &fair, query.previous.as_deref(), lang).ok_or_else(|| ApiError::not_found("fair"))?;
    Ok(docx_response(&report, lang))
}
