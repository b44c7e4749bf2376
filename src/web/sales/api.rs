//! Daily sales tallies (exhibitors through their private link, organizers on their behalf),
//! the closing of the books, and the revenue review with its breakdowns and CSV export.

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use hoicho_events::{FairId, RegistrationId};
use hoicho_projections::{Projections, RegistrationView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::fair::{FairCommand, REOPEN_REASON_MAX_CHARS};
use crate::domain::sales::{SalesCommand, Situation, MAX_ENTRY_VND, VOID_REASON_MAX_CHARS};
use crate::i18n::{date_vn, Lang};
use crate::revenue::to_csv;
use crate::revenue::Revenue;
use crate::revenue::BREAKDOWNS;
use crate::service::CommandContext;
use crate::service::{self, Written};
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{json_body, write_context, Body, Organizer};
use crate::web::kit::input::Check;
use crate::web::kit::write::replay;
use crate::web::registrations::api::{caller_for, optional_json, parse_id, Caller};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/registrations/{id}/sales")
            .route(web::post().to(record))
            .route(web::get().to(list)),
    )
    .route("/registrations/{id}/sales/{entry}/void", web::post().to(void))
    .route("/fairs/{fair}/books/close", web::post().to(close_books))
    .route("/fairs/{fair}/books/reopen", web::post().to(reopen_books))
    .route("/fairs/{fair}/revenue", web::get().to(revenue_handler));
}

#[derive(Serialize, ToSchema)]
pub struct Recorded {
    entry_id: String,
    position: u64,
    /// The exhibitor's total after the entry.
    total_vnd: i64,
}

fn recorded_response(state: &AppState, w: &Written, fair: &FairId, registration: &RegistrationId) -> HttpResponse {
    // A day's total that replaced earlier entries voids them first: the entry is the new one.
    let recorded = w.events.iter().find_map(|e| match e {
        hoicho_events::Event::SaleRecorded(r) => Some(r.entry_id.to_string()),
        _ => None,
    });
    let entry = recorded.or_else(|| {
        w.events.iter().find_map(|e| match e {
            hoicho_events::Event::SaleVoided(v) => Some(v.entry_id.to_string()),
            _ => None,
        })
    });
    let total = state.read().sales.of(fair, registration).map_or(0, |s| s.total_vnd);
    HttpResponse::Created().json(Recorded {
        entry_id: entry.unwrap_or_default(),
        position: w.position,
        total_vnd: total,
    })
}

/// The checked fields of a sales entry.
pub struct EntryInput {
    pub day: NaiveDate,
    pub amount_vnd: i64,
    pub transactions: Option<u32>,
    pub producer: Option<String>,
    pub note: Option<String>,
    /// The amount is the day's whole total, replacing the day's live entries.
    pub replaces_day: bool,
}

impl EntryInput {
    /// The command recording this entry as `entry_id`; a day's total replacing earlier
    /// entries voids them with a reason saying so in `lang`.
    pub fn command(self, entry_id: uuid::Uuid, lang: Lang) -> SalesCommand {
        let replace_day = self.replaces_day.then(|| {
            let amount = crate::i18n::money_vnd(self.amount_vnd);
            lang.t("sales.replaced_reason").replace("{amount}", &amount)
        });
        SalesCommand::Record {
            entry_id,
            day: self.day,
            amount_vnd: self.amount_vnd,
            transactions: self.transactions,
            producer: self.producer,
            note: self.note,
            replace_day,
        }
    }
}

/// Checks an entry's fields, naming every bad one: the day within the fair and come, the
/// amount a whole number of đồng, the producer one of the delegation's.
pub fn parse_entry(
    value: &serde_json::Value,
    registration: &RegistrationView,
    situation: &Situation,
    lang: Lang,
) -> Result<EntryInput> {
    let mut check = Check::new(lang);
    let obj = check.object(
        value,
        "",
        &["day", "amount_vnd", "transactions", "producer", "note", "replaces_day"],
    );
    let Some(obj) = obj else {
        check.finish()?;
        return Err(ApiError::internal());
    };
    let day = check.date(obj, "", "day");
    if let Some(day) = day {
        if day < situation.first_day || day > situation.last_day {
            check.fail2(
                "day",
                format!(
                    "không phải ngày hội chợ ({} – {})",
                    date_vn(situation.first_day),
                    date_vn(situation.last_day)
                ),
                format!(
                    "is not a day of the fair ({} – {})",
                    date_vn(situation.first_day),
                    date_vn(situation.last_day)
                ),
            );
        } else if day > situation.today {
            check.fail2("day", "ngày này chưa đến", "that day has not come yet");
        }
    }
    let amount = check.integer(obj, "", "amount_vnd", 0, MAX_ENTRY_VND, true);
    let transactions = check
        .integer(obj, "", "transactions", 0, 1_000_000, false)
        .map(|n| n as u32);
    let producer = check.text(obj, "", "producer", 200, false);
    if let Some(name) = &producer {
        let known = registration
            .application
            .producers
            .iter()
            .any(|p| &p.organization == name);
        if !known {
            check.fail2(
                "producer",
                "không phải chủ thể trong đoàn của hồ sơ này",
                "is not one of this delegation's producers",
            );
        }
    }
    let note = check.text(obj, "", "note", 500, false);
    let replaces_day = match obj.get("replaces_day") {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::Bool(true)) => true,
        Some(_) => {
            check.fail2("replaces_day", "phải là true hoặc false", "must be true or false");
            false
        }
    };
    check.finish()?;
    match (day, amount) {
        (Some(day), Some(amount_vnd)) => Ok(EntryInput {
            day,
            amount_vnd,
            transactions,
            producer,
            note,
            replaces_day,
        }),
        _ => Err(ApiError::internal()),
    }
}

/// Runs a sales command for `caller` and answers with the entry.
async fn sales_write(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: RegistrationId,
    body: &Body,
    command: impl FnOnce(&CommandContext, &RegistrationView, &Situation) -> Result<SalesCommand>,
) -> Result<HttpResponse> {
    let ctx = write_context(req, caller.actor(), &caller.principal(), &body.0)?;
    let (fair, situation, command) = {
        let p = state.read();
        let registration = p
            .registrations
            .get(&id)
            .ok_or_else(|| ApiError::not_found("registration"))?;
        let situation =
            service::sales::situation(&p, registration, ctx.now).ok_or_else(|| ApiError::not_found("fair"))?;
        (
            registration.fair_id.clone(),
            situation.clone(),
            command(&ctx, registration, &situation),
        )
    };
    if let Some(first) = replay(state, &ctx).await? {
        return Ok(recorded_response(state, &first, &fair, &id));
    }
    let command = command?;
    let written = service::sales::run(state, &ctx, &fair, &id, &situation, &command).await?;
    Ok(recorded_response(state, &written, &fair, &id))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/sales", tag = "sales",
    request_body(content = Object, description = "{day: YYYY-MM-DD, amount_vnd: whole đồng, transactions?, producer?, note?, replaces_day?: true when the amount is the day's whole total, voiding the day's earlier entries in the same write}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Recorded), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "books_closed, no_booth"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn record(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    let lang = Lang::of(&req);
    let value = json_body(&req, &body)?;
    sales_write(&state, &req, &caller, id, &body, |ctx, registration, situation| {
        let input = parse_entry(&value, registration, situation, lang)?;
        Ok(input.command(ctx.new_id("sale"), lang))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/sales/{entry}/void", tag = "sales",
    request_body(content = Object, description = "{reason}"),
    responses((status = 201, body = Recorded), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "books_closed, already_voided"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn void(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (id, entry) = path.into_inner();
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    let entry: Uuid = entry.parse().map_err(|_| ApiError::not_found("entry"))?;
    let lang = Lang::of(&req);
    let value = optional_json(&req, &body)?;
    sales_write(&state, &req, &caller, id, &body, |_, _, _| {
        let mut check = Check::new(lang);
        let reason = check
            .object(&value, "", &["reason"])
            .and_then(|o| check.text(o, "", "reason", VOID_REASON_MAX_CHARS, true));
        check.finish()?;
        Ok(SalesCommand::Void {
            entry_id: entry,
            reason: reason.unwrap_or_default(),
        })
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    entry_id: String,
    day: NaiveDate,
    amount_vnd: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    transactions: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    producer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    recorded_at: chrono::DateTime<Utc>,
    /// Why it was voided; absent for a live entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    voided: Option<String>,
    /// False for an entry that arrived after the books closed (kept, never counted).
    counted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DayTotal {
    day: NaiveDate,
    amount_vnd: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SalesOut {
    registration: String,
    total_vnd: i64,
    transactions: u64,
    by_day: Vec<DayTotal>,
    entries: Vec<EntryOut>,
    books_closed: bool,
}

impl SalesOut {
    pub fn total_vnd_value(&self) -> i64 {
        self.total_vnd
    }
}

pub fn sales_out(p: &Projections, registration: &RegistrationView) -> SalesOut {
    let sales = p.sales.of(&registration.fair_id, &registration.id);
    let books_closed = p.fairs.by_id.get(&registration.fair_id).is_some_and(|f| f.books_closed);
    SalesOut {
        registration: registration.id.to_string(),
        total_vnd: sales.map_or(0, |s| s.total_vnd),
        transactions: sales.map_or(0, |s| s.transactions),
        by_day: sales
            .map(|s| {
                s.by_day
                    .iter()
                    .map(|(day, amount)| DayTotal {
                        day: *day,
                        amount_vnd: *amount,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        entries: sales
            .map(|s| {
                s.entries
                    .iter()
                    .map(|e| EntryOut {
                        entry_id: e.entry_id.to_string(),
                        day: e.day,
                        amount_vnd: e.amount_vnd,
                        transactions: e.transactions,
                        producer: e.producer.clone(),
                        note: e.note.clone(),
                        recorded_at: e.recorded_at,
                        voided: e.voided.clone(),
                        counted: e.counted,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        books_closed,
    }
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}/sales", tag = "sales",
    responses((status = 200, body = SalesOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn list(state: Data<AppState>, req: HttpRequest, id: Path<String>) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    caller_for(&state, &req, id)?;
    let p = state.read();
    let registration = p
        .registrations
        .get(&id)
        .ok_or_else(|| ApiError::not_found("registration"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .json(sales_out(&p, registration)))
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/books/close", tag = "sales",
    responses((status = 200, body = crate::web::allocations::api::AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn close_books(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let fair = FairId::new_unchecked(fair.into_inner());
    crate::web::allocations::api::run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((FairCommand::CloseBooks, vec![]))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/books/reopen", tag = "sales",
    request_body(content = Object, description = "{reason}"),
    responses((status = 200, body = crate::web::allocations::api::AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn reopen_books(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.into_inner());
    let value = optional_json(&req, &body)?;
    let mut check = Check::new(lang);
    let reason = check
        .object(&value, "", &["reason"])
        .and_then(|o| check.text(o, "", "reason", REOPEN_REASON_MAX_CHARS, true));
    check.finish()?;
    let reason = reason.unwrap_or_default();
    crate::web::allocations::api::run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((FairCommand::ReopenBooks { reason }, vec![]))
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RevenueQuery {
    /// One breakdown: `day`, `booth`, `zone`, `exhibitor`, `producer`, `product_group`,
    /// `commune`, `legacy_district`, `stars`. Without it, all of them.
    by: Option<String>,
    /// `json` (default), `csv` (UTF-8 with BOM, comma-separated), `csv_vi` (the layout Excel
    /// set to Vietnamese opens: `;`-separated, decimal comma) or `xlsx` (a sheet per
    /// breakdown, and exhibitors by day).
    format: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/revenue", tag = "sales", params(RevenueQuery),
    responses((status = 200, body = Revenue), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn revenue_handler(
    state: Data<AppState>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
    query: Query<RevenueQuery>,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let mut check = Check::new(lang);
    let by = query.by.as_deref().filter(|b| !b.is_empty());
    if let Some(by) = by {
        if !BREAKDOWNS.contains(&by) {
            check.fail2(
                "by",
                format!("phải là một trong {}", BREAKDOWNS.join(", ")),
                format!("must be one of {}", BREAKDOWNS.join(", ")),
            );
        }
    }
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "csv_vi" | "xlsx") {
        check.fail2(
            "format",
            "phải là json, csv, csv_vi hoặc xlsx",
            "must be json, csv, csv_vi or xlsx",
        );
    }
    check.finish()?;
    let report = {
        let p = state.read();
        let view = p.fairs.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
        crate::revenue::revenue(&p, view, lang)
    };
    if format == "xlsx" {
        let bytes = crate::revenue::to_xlsx(&report, lang).map_err(|err| {
            tracing::error!(error = %err, "the workbook could not be written");
            ApiError::internal()
        })?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"doanh-thu-{}.xlsx\"", report.fair),
            ))
            .body(bytes));
    }
    if format == "csv" || format == "csv_vi" {
        let csv = to_csv(&report, by, lang, format == "csv_vi").map_err(|_| ApiError::internal())?;
        let name = match by {
            Some(by) => format!("doanh-thu-{}-{by}.csv", report.fair),
            None => format!("doanh-thu-{}.csv", report.fair),
        };
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
            .body(csv));
    }
    match by {
        Some(by) => Ok(HttpResponse::Ok().json(serde_json::json!({
            "fair": report.fair,
            "by": by,
            "total_vnd": report.total_vnd,
            "lines": report.breakdown(by),
        }))),
        None => Ok(HttpResponse::Ok().json(report)),
    }
}
