//! A fair's results over the API: read them all, count a day's visitors, enter an agreement,
//! an award or a side event, write the notes, withdraw an entry.

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::{AgreementKind, CountMethod, FairId};
use hoicho_projections::{FairResults, Projections};
use serde_json::{json, Value};

use super::input::{self, Fair};
use crate::app::AppState;
use crate::domain::results::ResultsCommand;
use crate::i18n::Lang;
use crate::service;
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{json_body, write_context, Body, Organizer};
use crate::web::kit::input::Check;
use crate::web::kit::write::replay;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/results", web::get().to(get_results))
        .route("/fairs/{fair}/results/visitors", web::post().to(count_visitors))
        .route("/fairs/{fair}/results/agreements", web::post().to(enter_agreement))
        .route("/fairs/{fair}/results/awards", web::post().to(enter_award))
        .route("/fairs/{fair}/results/side-events", web::post().to(enter_side_event))
        .route("/fairs/{fair}/results/notes", web::put().to(write_notes))
        .route("/fairs/{fair}/results/{entry}/withdraw", web::post().to(withdraw));
}

pub fn method_code(m: CountMethod) -> &'static str {
    match m {
        CountMethod::Estimate => "estimate",
        CountMethod::Counter => "counter",
    }
}

pub fn kind_code(k: AgreementKind) -> &'static str {
    match k {
        AgreementKind::Contract => "contract",
        AgreementKind::Memorandum => "memorandum",
    }
}

/// The fair's results as the API gives them.
pub fn results_json(p: &Projections, fair: &FairId) -> Value {
    let empty = FairResults::default();
    let r = p.results.of_fair(fair).unwrap_or(&empty);
    let organization = |id: &hoicho_events::RegistrationId| {
        p.registrations
            .get(id)
            .map(|r| r.application.organization.clone())
            .unwrap_or_default()
    };
    json!({
        "fair": fair,
        "version": r.version,
        "visitors_total": r.visitors_total(),
        "visitors": r.visitors.iter().map(|(day, v)| json!({
            "day": day, "visitors": v.visitors, "method": method_code(v.method), "source": v.source,
            "recorded_at": v.recorded_at, "actor": v.actor, "corrections": v.replaced,
        })).collect::<Vec<_>>(),
        "agreements": r.agreements.iter().map(|a| json!({
            "agreement_id": a.id, "kind": kind_code(a.kind), "parties": a.parties,
            "exhibitors": a.exhibitors.iter().map(|id| json!({"registration_id": id, "organization": organization(id)})).collect::<Vec<_>>(),
            "products": a.products, "value_vnd": a.value_vnd, "signed_on": a.signed_on,
            "recorded_at": a.recorded_at, "actor": a.actor,
        })).collect::<Vec<_>>(),
        "awards": r.awards.iter().map(|a| json!({
            "award_id": a.id, "name": a.name, "registration_id": a.registration_id,
            "organization": organization(&a.registration_id), "note": a.note,
            "recorded_at": a.recorded_at, "actor": a.actor,
        })).collect::<Vec<_>>(),
        "side_events": r.side_events.iter().map(|e| json!({
            "side_event_id": e.id, "day": e.day, "title": e.title, "participants": e.participants,
            "note": e.note, "recorded_at": e.recorded_at, "actor": e.actor,
        })).collect::<Vec<_>>(),
        "notes": r.notes,
    })
}

fn fair_of(state: &AppState, fair: &str) -> Result<Fair> {
    let p = state.read();
    let view = p.fairs.get(fair).ok_or_else(|| ApiError::not_found("fair"))?;
    Ok(Fair::of(view, chrono::Utc::now()))
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/results", tag = "results",
    responses((status = 200, body = Object, description = "{visitors: [{day, visitors, method, source, actor, recorded_at}], visitors_total, agreements, awards, side_events, notes, version}"),
        (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn get_results(state: Data<AppState>, _who: Organizer, fair: Path<String>) -> Result<HttpResponse> {
    let p = state.read();
    let view = p.fairs.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
    Ok(HttpResponse::Ok().json(results_json(&p, &view.id)))
}

/// Checks the body with `read`, runs the command (once, however often the request is
/// retried) and answers with the fair's results.
async fn write(
    state: &AppState,
    req: &HttpRequest,
    who: &Organizer,
    fair: &str,
    body: &Body,
    status: StatusCode,
    read: impl FnOnce(&mut Check, &Value, &Fair, uuid::Uuid) -> Option<ResultsCommand>,
) -> Result<HttpResponse> {
    let fair = fair_of(state, fair)?;
    let ctx = write_context(req, who.actor(), &who.principal(), &body.0)?;
    let mut check = Check::new(Lang::of(req));
    let command = read(&mut check, &json_body(req, body)?, &fair, ctx.new_id("result"));
    check.finish()?;
    let command = command.ok_or_else(|| ApiError::malformed("the entry is not valid"))?;
    if replay(state, &ctx).await?.is_none() {
        service::results::run(state, &ctx, &fair.id, &command).await?;
    }
    Ok(HttpResponse::build(status).json(results_json(&state.read(), &fair.id)))
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/results/visitors", tag = "results",
    request_body(content = Object, description = "{day: YYYY-MM-DD (a day of the fair that has come), visitors: 0…5,000,000, method: estimate|counter, source?, confirm?: true for more than 100,000}; a later count of the same day replaces it"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = Object, description = "the fair's results"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse, description = "every bad field named; visitors above 100,000 without confirm")),
    security(("bearer" = [])))]
pub async fn count_visitors(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    write(&state, &req, &who, &fair, &body, StatusCode::OK, |c, v, f, _| {
        input::visitors(c, v, f)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/results/agreements", tag = "results",
    request_body(content = Object, description = "{agreement_id?, kind: contract|memorandum, parties, exhibitors?: [registration ids holding a booth at the fair], products?, value_vnd?, signed_on: YYYY-MM-DD}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Object, description = "the fair's results"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "result_exists"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn enter_agreement(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    write(&state, &req, &who, &fair, &body, StatusCode::CREATED, input::agreement).await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/results/awards", tag = "results",
    request_body(content = Object, description = "{award_id?, name, registration_id (holding a booth at the fair), note?}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Object, description = "the fair's results"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "result_exists"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn enter_award(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    write(&state, &req, &who, &fair, &body, StatusCode::CREATED, input::award).await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/results/side-events", tag = "results",
    request_body(content = Object, description = "{side_event_id?, day: YYYY-MM-DD, title, participants?, note?}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Object, description = "the fair's results"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "result_exists"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn enter_side_event(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    write(&state, &req, &who, &fair, &body, StatusCode::CREATED, input::side_event).await
}

#[utoipa::path(put, path = "/api/v1/fairs/{fair}/results/notes", tag = "results",
    request_body(content = Object, description = "{text}: the report's notes, as a whole"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = Object, description = "the fair's results"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn write_notes(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    write(&state, &req, &who, &fair, &body, StatusCode::OK, |c, v, _, _| {
        input::notes(c, v)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/results/{entry}/withdraw", tag = "results",
    request_body(content = Object, description = "{reason}: an agreement, award or side event entered by mistake leaves the report"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = Object, description = "the fair's results"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn withdraw(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (fair, entry) = path.into_inner();
    let entry = uuid::Uuid::parse_str(&entry).map_err(|_| ApiError::not_found("entry"))?;
    write(&state, &req, &who, &fair, &body, StatusCode::OK, |c, v, _, _| {
        input::withdraw(c, v, entry)
    })
    .await
}
