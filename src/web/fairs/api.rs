//! Fairs and their floor plans (API.md "Resources").

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Path};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use hoicho_projections::{BoothStatus, FairView};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::i18n::Lang;
use crate::service::{self, Written};
use crate::web::fairs::input as plan;
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{etag, if_match, json_body, write_context, Body, Organizer};
use crate::web::kit::write::replay;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/fairs")
            .route(web::get().to(list_fairs))
            .route(web::post().to(create_fair)),
    )
    .service(
        web::resource("/fairs/{fair}")
            .route(web::get().to(get_fair))
            .route(web::patch().to(amend_fair)),
    )
    .service(
        web::resource("/fairs/{fair}/booths")
            .route(web::get().to(list_booths))
            .route(web::put().to(define_booths)),
    )
    .route("/fairs/{fair}/registration/open", web::post().to(open_registration))
    .route("/fairs/{fair}/registration/close", web::post().to(close_registration));
}

/// A fair to create.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FairInput {
    /// Slug: 3-64 lowercase letters, digits and hyphens.
    #[schema(example = "ocop-ha-tinh-2022")]
    id: String,
    #[schema(example = "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022")]
    name: String,
    #[schema(example = "Quảng trường Vincom, TP Hà Tĩnh")]
    venue: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    /// IANA zone; default Asia/Ho_Chi_Minh.
    time_zone: Option<String>,
    registration_opens_at: DateTime<Utc>,
    /// No later than the end of the fair's last day.
    registration_closes_at: DateTime<Utc>,
    /// The venue's street address.
    address: Option<String>,
    /// Shown to exhibitors on the fair's page; may hold line breaks.
    description: Option<String>,
    /// The organizers' hotline.
    #[schema(example = "0239 3855 123")]
    contact_phone: Option<String>,
    contact_email: Option<String>,
}

/// A floor plan: it replaces the current one.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PlanInput {
    zones: Vec<ZoneOut>,
    booths: Vec<BoothInput>,
    /// The hall, in metres; left as it is when absent (with `shapes`).
    #[schema(value_type = Option<Object>)]
    hall: Option<serde_json::Value>,
    /// Aisles, the entrance, the stage, toilets, labels: `{kind, label, x, y, width_m, depth_m}`.
    #[schema(value_type = Option<Vec<Object>>)]
    shapes: Option<Vec<serde_json::Value>>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BoothInput {
    #[schema(example = "A01")]
    code: String,
    zone: String,
    /// `standard`, `corner`, `double` or another kind.
    kind: String,
    width_m: f64,
    depth_m: f64,
    price_vnd: i64,
    /// Metres from the plan's left edge.
    x: Option<f64>,
    /// Metres from the plan's top edge.
    y: Option<f64>,
    /// It has an electric outlet; default false.
    power: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ZoneOut {
    code: String,
    name: String,
    /// `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    colour: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BoothOut {
    code: String,
    zone: String,
    kind: String,
    width_m: f64,
    depth_m: f64,
    price_vnd: i64,
    x: f64,
    y: f64,
    power: bool,
    /// `available`, `allocated` or `blocked`.
    status: String,
    /// Who is there, when allocated: public facts only.
    #[serde(skip_serializing_if = "Option::is_none")]
    holder: Option<HolderOut>,
}

/// The exhibitor at a booth, as anyone may see it.
#[derive(Serialize, ToSchema)]
pub struct HolderOut {
    organization: String,
    /// Only for organizers.
    #[serde(skip_serializing_if = "Option::is_none")]
    registration: Option<String>,
    products: Vec<PublicProduct>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicProduct {
    name: String,
    group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    stars: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct FairOut {
    id: String,
    name: String,
    venue: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    time_zone: String,
    registration_opens_at: DateTime<Utc>,
    registration_closes_at: DateTime<Utc>,
    address: String,
    description: String,
    contact_phone: String,
    contact_email: String,
    /// The earlier edition this fair was copied from.
    #[serde(skip_serializing_if = "Option::is_none")]
    copied_from: Option<String>,
    /// Whether exhibitors may apply now.
    registration_open: bool,
    /// The fair's stream version, as in its ETag.
    version: u64,
    zones: Vec<ZoneOut>,
    /// Booth counts by status.
    booths: BTreeMap<String, usize>,
}

#[derive(Serialize, ToSchema)]
pub struct FairList {
    fairs: Vec<FairOut>,
}

#[derive(Serialize, ToSchema)]
pub struct BoothList {
    fair: String,
    version: u64,
    booths: Vec<BoothOut>,
    /// The hall (`{width_m, depth_m}`) and the plain shapes, when the plan has them.
    #[schema(value_type = Object)]
    floor: hoicho_events::Floor,
}

/// The answer to a write.
#[derive(Serialize, ToSchema)]
pub struct WriteOut {
    id: String,
    /// The fair's stream version after the write.
    version: u64,
    /// The global log position written; reads after it see the write.
    position: u64,
    /// How many events the write recorded (0: it changed nothing).
    changes: usize,
}

pub fn status_name(status: BoothStatus) -> &'static str {
    match status {
        BoothStatus::Available => "available",
        BoothStatus::Allocated => "allocated",
        BoothStatus::Blocked => "blocked",
    }
}

fn fair_out(fair: &FairView, now: DateTime<Utc>) -> FairOut {
    let d = &fair.details;
    FairOut {
        id: fair.id.to_string(),
        name: d.name.clone(),
        venue: d.venue.clone(),
        start_date: d.start_date,
        end_date: d.end_date,
        time_zone: d.time_zone.clone(),
        registration_opens_at: d.registration_opens_at,
        registration_closes_at: d.registration_closes_at,
        address: d.address.clone(),
        description: d.description.clone(),
        contact_phone: d.contact_phone.clone(),
        contact_email: d.contact_email.clone(),
        copied_from: fair.copied_from.as_ref().map(|f| f.to_string()),
        registration_open: fair.registration_open(now),
        version: fair.version,
        zones: fair
            .zones
            .values()
            .map(|z| ZoneOut {
                code: z.code.to_string(),
                name: z.name.clone(),
                colour: z.colour.clone(),
            })
            .collect(),
        booths: fair
            .booth_counts()
            .into_iter()
            .map(|(s, n)| (status_name(s).to_owned(), n))
            .collect(),
    }
}

fn write_response(status: StatusCode, fair: &str, w: &Written) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header(etag(w.version));
    if status == StatusCode::CREATED {
        response.insert_header((header::LOCATION, format!("/api/v1/fairs/{fair}")));
    }
    response.json(WriteOut {
        id: fair.to_owned(),
        version: w.version,
        position: w.position,
        changes: w.events.len(),
    })
}

/// Runs one fair command as a write request.
async fn fair_write(
    state: &AppState,
    req: &HttpRequest,
    who: &Organizer,
    body: &Body,
    fair: &str,
    status: StatusCode,
    command: impl FnOnce() -> Result<FairCommand>,
) -> Result<HttpResponse> {
    let ctx = write_context(req, who.actor(), &who.principal(), &body.0)?;
    if let Some(first) = replay(state, &ctx).await? {
        return Ok(write_response(status, fair, &first));
    }
    let command = command()?;
    let fair_id = hoicho_events::FairId::new_unchecked(fair);
    let written = service::fairs::run(state, &ctx, &fair_id, if_match(req)?, &command).await?;
    Ok(write_response(status, fair, &written))
}

#[utoipa::path(get, path = "/api/v1/fairs", tag = "fairs", responses((status = 200, body = FairList)))]
pub async fn list_fairs(state: Data<AppState>) -> HttpResponse {
    let now = Utc::now();
    let fairs = state.read().fairs.by_id.values().map(|f| fair_out(f, now)).collect();
    HttpResponse::Ok().json(FairList { fairs })
}

#[utoipa::path(post, path = "/api/v1/fairs", tag = "fairs", request_body = FairInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = WriteOut), (status = 401, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn create_fair(state: Data<AppState>, req: HttpRequest, who: Organizer, body: Body) -> Result<HttpResponse> {
    // The id is in the body; a retry is recognised before the body is even read.
    let ctx = write_context(&req, who.actor(), &who.principal(), &body.0)?;
    if let Some(first) = replay(&state, &ctx).await? {
        let fair = first.stream.trim_start_matches("fair-").to_owned();
        return Ok(write_response(StatusCode::CREATED, &fair, &first));
    }
    let (fair_id, details) = plan::new_fair(&json_body(&req, &body)?, Lang::of(&req))?;
    let command = FairCommand::Create {
        fair_id: fair_id.clone(),
        details,
    };
    let written = service::fairs::run(&state, &ctx, &fair_id, None, &command).await?;
    Ok(write_response(StatusCode::CREATED, fair_id.as_str(), &written))
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}", tag = "fairs",
    responses((status = 200, body = FairOut, headers(("ETag" = String))), (status = 404, body = ErrorResponse)))]
pub async fn get_fair(state: Data<AppState>, fair: Path<String>) -> Result<HttpResponse> {
    let projections = state.read();
    let view = projections
        .fairs
        .get(&fair)
        .ok_or_else(|| ApiError::not_found("fair"))?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(fair_out(view, Utc::now())))
}

#[utoipa::path(patch, path = "/api/v1/fairs/{fair}", tag = "fairs", request_body = FairInput,
    params(("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, body = WriteOut), (status = 404, body = ErrorResponse), (status = 412, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn amend_fair(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let current = state.read().fairs.get(&fair).map(|f| f.details.clone());
    fair_write(&state, &req, &who, &body, &fair, StatusCode::OK, || {
        let current = current.ok_or_else(|| ApiError::not_found("fair"))?;
        let details = plan::amended_details(&current, &json_body(&req, &body)?, Lang::of(&req))?;
        Ok(FairCommand::Amend { details, seen: None })
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/booths", tag = "booths",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag last read: 304 while the booths are unchanged")),
    responses((status = 200, body = BoothList, headers(("ETag" = String))), (status = 304, description = "Unchanged since the ETag sent"), (status = 404, body = ErrorResponse)))]
pub async fn list_booths(
    state: Data<AppState>,
    cache: Data<BoothsCache>,
    req: HttpRequest,
    fair: Path<String>,
) -> Result<HttpResponse> {
    let organizer = crate::web::kit::extract::api_organizer(&req).is_some();
    let key = (fair.into_inner(), organizer);
    // The list is read far more often than the log moves: serve the bytes made for this
    // log position, and make them again only when it has moved on.
    let position = state.applied_position();
    // A page polling for changes sends the version it has: unchanged, nothing to send. Which
    // booth is whose changes only with the fair's stream (a holder's amended name shows with
    // the next change, or a reload).
    if let Some(seen) = req.headers().get(header::IF_NONE_MATCH) {
        if let Some(version) = state.read().fairs.get(&key.0).map(|f| f.version) {
            let (name, value) = etag(version);
            if seen
                .to_str()
                .is_ok_and(|s| s.split(',').any(|t| t.trim().trim_start_matches("W/") == value))
            {
                return Ok(HttpResponse::NotModified().insert_header((name, value)).finish());
            }
        }
    }
    if let Some((at, version, bytes)) = cache.get(&key) {
        if at == position {
            return Ok(booths_response(version, bytes));
        }
    }
    let projections = state.read();
    let view = projections
        .fairs
        .get(&key.0)
        .ok_or_else(|| ApiError::not_found("fair"))?;
    let booths = view
        .booths
        .values()
        .map(|b| BoothOut {
            code: b.booth.code.to_string(),
            zone: b.booth.zone.to_string(),
            kind: b.booth.kind.clone(),
            width_m: b.booth.width_m,
            depth_m: b.booth.depth_m,
            price_vnd: b.booth.price_vnd,
            x: b.booth.x,
            y: b.booth.y,
            power: b.booth.power,
            status: status_name(b.status).to_owned(),
            holder: b
                .holder
                .and_then(|id| projections.registrations.get(&id))
                .map(|r| HolderOut {
                    organization: r.application.organization.clone(),
                    registration: organizer.then(|| r.id.to_string()),
                    products: r
                        .all_products()
                        .map(|p| PublicProduct {
                            name: p.name.clone(),
                            group: p.group.clone(),
                            stars: p.stars,
                        })
                        .collect(),
                }),
        })
        .collect();
    let list = BoothList {
        fair: view.id.to_string(),
        version: view.version,
        booths,
        floor: view.floor.clone(),
    };
    let bytes = web::Bytes::from(serde_json::to_vec(&list).map_err(|_| ApiError::internal())?);
    let version = view.version;
    drop(projections);
    // Stored under the position read before the projections were: at worst older than the
    // bytes, which only costs a rebuild, never a stale answer.
    cache.put(key, position, version, bytes.clone());
    Ok(booths_response(version, bytes))
}

fn booths_response(version: u64, bytes: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(etag(version))
        .content_type("application/json")
        .body(bytes)
}

/// (fair, asked by an organizer) → (log position, fair version, the JSON).
type BoothsKey = (String, bool);
type BoothsEntry = (u64, u64, web::Bytes);

/// Each fair's booth list as last serialized, with the log position it reflects.
#[derive(Default)]
pub struct BoothsCache(std::sync::RwLock<std::collections::HashMap<BoothsKey, BoothsEntry>>);

impl BoothsCache {
    fn get(&self, key: &BoothsKey) -> Option<BoothsEntry> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    fn put(&self, key: BoothsKey, position: u64, version: u64, bytes: web::Bytes) {
        let mut map = self.0.write().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(key, (position, version, bytes));
    }
}

#[utoipa::path(put, path = "/api/v1/fairs/{fair}/booths", tag = "booths", request_body(content = PlanInput, description = "JSON, or text/csv (or an XLSX workbook, its first sheet) with columns code,zone,kind,width_m,depth_m,price_vnd,x,y[,zone_name,power]"),
    params(("If-Match" = Option<String>, Header, description = "The ETag the plan is based on")),
    responses((status = 200, body = WriteOut), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 412, body = ErrorResponse), (status = 415, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn define_booths(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let zones = state.read().fairs.get(&fair).map(|f| f.zones.clone());
    fair_write(&state, &req, &who, &body, &fair, StatusCode::OK, || {
        let zones = zones.ok_or_else(|| ApiError::not_found("fair"))?;
        let subtype = req.mime_type().ok().flatten().map(|m| m.subtype().to_string());
        let (zones, booths, floor) = if subtype.as_deref() == Some("csv") {
            let (zones, booths) = plan::plan_from_csv(&body.0, &zones, Lang::of(&req))?;
            (zones, booths, None)
        } else if subtype.as_deref() == Some("vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
            let csv = crate::spreadsheet::xlsx_to_csv(&body.0)
                .map_err(|e| ApiError::malformed(format!("the workbook could not be read: {e}")))?;
            let (zones, booths) = plan::plan_from_csv(csv.as_bytes(), &zones, Lang::of(&req))?;
            (zones, booths, None)
        } else {
            plan::plan_from_json(&json_body(&req, &body)?, Lang::of(&req))?
        };
        Ok(FairCommand::DefinePlan {
            zones,
            booths,
            floor,
            seen: None,
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/registration/open", tag = "fairs",
    responses((status = 200, body = WriteOut), (status = 404, body = ErrorResponse)), security(("bearer" = [])))]
pub async fn open_registration(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let at = Utc::now();
    fair_write(&state, &req, &who, &body, &fair, StatusCode::OK, || {
        Ok(FairCommand::OpenRegistration { at })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/registration/close", tag = "fairs",
    responses((status = 200, body = WriteOut), (status = 404, body = ErrorResponse)), security(("bearer" = [])))]
pub async fn close_registration(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let at = Utc::now();
    fair_write(&state, &req, &who, &body, &fair, StatusCode::OK, || {
        Ok(FairCommand::CloseRegistration { at })
    })
    .await
}
