//! Applications: exhibitors apply and follow their application through a private token;
//! organizers review, decide and enter applications for producers who phone them in.

use std::collections::BTreeSet;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use futures_util::stream::{self, StreamExt};
use hoicho_events::{streams, Actor, Application, FairId, RegistrationId};
use hoicho_projections::{FairView, RegistrationStatus, RegistrationView};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::application::{self, FairContext};
use super::error::{ApiError, ErrorResponse, Result};
use super::extract::{api_organizer, etag, if_match, json_body, write_context, Body, Organizer};
use super::i18n::Lang;
use super::input::{overlay, Check};
use super::write::{replay, settle, Written};
use crate::app::AppState;
use crate::domain::registration::{decide, By, RegistrationCommand, RegistrationState};
use crate::domain::{execute, execute_new, CommandContext};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/fairs/{fair}/registrations")
            .route(web::post().to(apply))
            .route(web::get().to(list)),
    )
    .route("/fairs/{fair}/registrations/bulk", web::post().to(bulk))
    .service(
        web::resource("/registrations/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(amend)),
    )
    .route("/registrations/{id}/withdraw", web::post().to(withdraw))
    .route("/registrations/{id}/approve", web::post().to(approve))
    .route("/registrations/{id}/reject", web::post().to(reject))
    .route("/registrations/{id}/waitlist", web::post().to(waitlist));
}

/// Who is asking about a registration.
pub(super) enum Caller {
    Organizer(Organizer),
    /// Holds the access token of this registration.
    Exhibitor(RegistrationId),
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The registration an access token opens, compared in constant time.
pub fn registration_for_token(state: &AppState, token: &str) -> Option<RegistrationId> {
    let digest = crate::auth::token_hash(token);
    let projections = state.read();
    let view = projections.registrations.by_token_hash(&digest)?;
    bool::from(view.token_hash.as_bytes().ct_eq(digest.as_bytes())).then_some(view.id)
}

/// The caller, allowed to act on registration `id`: 401 without credentials, 404 for a
/// token of another registration (admitting the id exists would leak it).
pub(super) fn caller_for(state: &AppState, req: &HttpRequest, id: RegistrationId) -> Result<Caller> {
    if let Some(organizer) = api_organizer(req) {
        return Ok(Caller::Organizer(organizer));
    }
    let token = bearer(req).ok_or_else(ApiError::unauthorized)?;
    match registration_for_token(state, token) {
        Some(own) if own == id => Ok(Caller::Exhibitor(own)),
        Some(_) => Err(ApiError::not_found("registration")),
        None => Err(ApiError::unauthorized()),
    }
}

impl Caller {
    pub(super) fn actor(&self) -> Actor {
        match self {
            Caller::Organizer(o) => o.actor(),
            Caller::Exhibitor(id) => Actor::Exhibitor {
                registration_id: id.to_string(),
            },
        }
    }

    pub(super) fn principal(&self) -> String {
        match self {
            Caller::Organizer(o) => o.principal(),
            Caller::Exhibitor(id) => format!("exhibitor:{id}"),
        }
    }

    fn by(&self) -> By {
        match self {
            Caller::Organizer(_) => By::Organizer,
            Caller::Exhibitor(_) => By::Exhibitor,
        }
    }
}

pub(super) fn parse_id(raw: &str) -> Result<RegistrationId> {
    raw.parse::<uuid::Uuid>()
        .map(RegistrationId)
        .map_err(|_| ApiError::not_found("registration"))
}

/// Today in the fair's time zone.
fn fair_today(fair: &FairView) -> NaiveDate {
    match fair.details.time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => Utc::now().with_timezone(&tz).date_naive(),
        Err(_) => Utc::now().date_naive(),
    }
}

pub fn context(fair: &FairView) -> FairContext<'_> {
    FairContext {
        zones: &fair.zones,
        booths: &fair.booths,
        today: fair_today(fair),
    }
}

/// Something the organizers should look at, without refusing the application.
#[derive(Serialize, ToSchema)]
pub struct Warning {
    code: String,
    message: String,
}

fn warnings(application: &Application, fair: Option<&FairView>, lang: Lang) -> Vec<Warning> {
    let Some(fair) = fair else { return Vec::new() };
    let start = fair.details.start_date;
    let all = application
        .products
        .iter()
        .chain(application.producers.iter().flat_map(|p| p.products.iter()));
    all.filter_map(|p| {
        let expires = p.certificate_expires.filter(|e| *e < start)?;
        let date = super::i18n::date_vn(expires);
        Some(Warning {
            code: "certificate_expires_before_fair".into(),
            message: match lang {
                Lang::Vi => format!(
                    "Giấy chứng nhận OCOP của «{}» hết hạn ngày {date}, trước khi hội chợ khai mạc",
                    p.name
                ),
                Lang::En => format!(
                    "The OCOP certificate of “{}” expires on {date}, before the fair opens",
                    p.name
                ),
            },
        })
    })
    .collect()
}

/// The warnings' messages alone, for pages.
pub fn warnings_text(application: &Application, fair: Option<&FairView>, lang: Lang) -> Vec<String> {
    warnings(application, fair, lang)
        .into_iter()
        .map(|w| w.message)
        .collect()
}

/// The id of a new registration: derived from the Idempotency-Key when there is one, so
/// racing copies of one request land in one stream.
pub fn new_registration_id(ctx: &CommandContext) -> RegistrationId {
    RegistrationId(ctx.new_id("registration"))
}

#[derive(Serialize, ToSchema)]
pub struct Applied {
    id: String,
    status: String,
    /// The exhibitor's private key to its application: shown once, keep it.
    access_token: String,
    /// The private page, for people.
    private_url: String,
    position: u64,
    warnings: Vec<Warning>,
}

fn applied_response(state: &AppState, w: &Written, token: String, lang: Lang) -> HttpResponse {
    let id = w.stream.trim_start_matches("registration-").to_owned();
    let warnings = match w.events.first() {
        Some(hoicho_events::Event::RegistrationSubmitted(e)) => {
            let projections = state.read();
            warnings(&e.application, projections.fairs.get(e.fair_id.as_str()), lang)
        }
        _ => Vec::new(),
    };
    HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/registrations/{id}")))
        .insert_header(etag(w.version))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .json(Applied {
            private_url: format!("/r/{token}"),
            id,
            status: "submitted".into(),
            access_token: token,
            position: w.position,
            warnings,
        })
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/registrations", tag = "registrations",
    request_body(content = Object, description = "An application: see API.md"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Applied), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 413, body = ErrorResponse), (status = 422, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn apply(state: Data<AppState>, req: HttpRequest, fair: Path<String>, body: Body) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let organizer = api_organizer(&req);
    let (actor, principal, by) = match &organizer {
        Some(o) => (o.actor(), o.principal(), By::Organizer),
        None => (Actor::Public, "public".to_owned(), By::Public),
    };
    if organizer.is_none() {
        super::limits::public_post(&req)?;
    }
    let ctx = write_context(&req, actor, &principal, &body.0)?;
    if let Some(first) = replay(&state, &ctx).await? {
        let token = crate::auth::access_token(&state.secret, &new_registration_id(&ctx));
        return Ok(applied_response(&state, &first, token, lang));
    }
    let value = json_body(&req, &body)?;
    let (application, fair_id, open) = {
        let projections = state.read();
        let view = projections
            .fairs
            .get(&fair)
            .ok_or_else(|| ApiError::not_found("fair"))?;
        let application = application::parse(&value, &context(view), lang)?;
        (application, view.id.clone(), view.registration_open(ctx.now))
    };
    let (written, token) = submit(&state, &ctx, fair_id, application, by, open).await?;
    Ok(applied_response(&state, &written, token, lang))
}

/// Records a new application (for the API and the form alike) and waits until the
/// projections hold it; returns what was written and the exhibitor's access token.
pub async fn submit(
    state: &AppState,
    ctx: &CommandContext,
    fair_id: FairId,
    application: Application,
    by: By,
    registration_open: bool,
) -> Result<(Written, String), crate::domain::CommandError> {
    let registration_id = new_registration_id(ctx);
    let token = crate::auth::access_token(&state.secret, &registration_id);
    let command = RegistrationCommand::Submit {
        registration_id,
        fair_id,
        application,
        token_hash: crate::auth::token_hash(&token),
        at: ctx.now,
        by,
        registration_open,
    };
    let stream = streams::registration(&registration_id);
    let outcome = execute_new::<RegistrationState, _>(&*state.store, &stream, ctx, |s| decide(s, &command)).await?;
    Ok((settle(state, outcome).await, token))
}

/// One step of an application's history, from the log.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub version: u64,
    pub at: chrono::DateTime<Utc>,
    pub event: String,
    /// `organizer`, `exhibitor`, `public` or `system`.
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booths: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationOut {
    id: String,
    fair: String,
    status: String,
    approved_booths: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[schema(value_type = Object)]
    application: Application,
    submitted_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
    version: u64,
    warnings: Vec<Warning>,
    history: Vec<HistoryEntry>,
}

pub async fn history(state: &AppState, id: RegistrationId) -> Result<Vec<HistoryEntry>> {
    let recorded = state.store.read_stream(&streams::registration(&id), 1, 10_000).await?;
    Ok(crate::replay::decode_batch(&recorded)
        .into_iter()
        .map(|env| {
            let by = match env.metadata.actor {
                Actor::Organizer { .. } => "organizer",
                Actor::Exhibitor { .. } => "exhibitor",
                Actor::Public => "public",
                Actor::System { .. } => "system",
            };
            let (booths, reason) = match &env.event {
                hoicho_events::Event::RegistrationApproved(e) => (Some(e.booths), None),
                hoicho_events::Event::RegistrationRejected(e) => (None, Some(e.reason.clone())),
                hoicho_events::Event::RegistrationWithdrawn(e) => (None, e.reason.clone()),
                hoicho_events::Event::RegistrationWaitlisted(e) => (None, e.note.clone()),
                _ => (None, None),
            };
            HistoryEntry {
                version: env.version,
                at: env.recorded_at,
                event: env.event_type().to_owned(),
                by: by.into(),
                booths,
                reason,
            }
        })
        .collect())
}

fn view_out(
    view: &RegistrationView,
    fair: Option<&FairView>,
    lang: Lang,
    history: Vec<HistoryEntry>,
) -> RegistrationOut {
    RegistrationOut {
        id: view.id.to_string(),
        fair: view.fair_id.to_string(),
        status: view.status.as_str().into(),
        approved_booths: view.approved_booths,
        reason: view.reason.clone(),
        application: view.application.clone(),
        submitted_at: view.submitted_at,
        updated_at: view.updated_at,
        version: view.version,
        warnings: warnings(&view.application, fair, lang),
        history,
    }
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}", tag = "registrations",
    responses((status = 200, body = RegistrationOut, headers(("ETag" = String))), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn get(state: Data<AppState>, req: HttpRequest, id: Path<String>) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    caller_for(&state, &req, id)?;
    let history = history(&state, id).await?;
    let lang = Lang::of(&req);
    let out = {
        let projections = state.read();
        let view = projections
            .registrations
            .get(&id)
            .ok_or_else(|| ApiError::not_found("registration"))?;
        let fair = projections.fairs.get(view.fair_id.as_str());
        view_out(view, fair, lang, history)
    };
    Ok(HttpResponse::Ok()
        .insert_header(etag(out.version))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .json(out))
}

/// The answer to a change of a registration.
#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    id: String,
    status: String,
    version: u64,
    position: u64,
    changes: usize,
}

fn change_response(state: &AppState, w: &Written) -> HttpResponse {
    let id = w.stream.trim_start_matches("registration-").to_owned();
    let status = id
        .parse::<uuid::Uuid>()
        .ok()
        .and_then(|uuid| {
            state
                .read()
                .registrations
                .get(&RegistrationId(uuid))
                .map(|v| v.status.as_str())
        })
        .unwrap_or("submitted");
    HttpResponse::Ok().insert_header(etag(w.version)).json(ChangeOut {
        id,
        status: status.into(),
        version: w.version,
        position: w.position,
        changes: w.events.len(),
    })
}

/// Runs one command on registration `id` for `caller`.
async fn change(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: RegistrationId,
    body: &Body,
    command: impl FnOnce() -> Result<RegistrationCommand>,
) -> Result<HttpResponse> {
    let ctx = write_context(req, caller.actor(), &caller.principal(), &body.0)?;
    if let Some(first) = replay(state, &ctx).await? {
        return Ok(change_response(state, &first));
    }
    let command = command()?;
    let outcome =
        execute::<RegistrationState, _>(&*state.store, &streams::registration(&id), &ctx, if_match(req)?, |s| {
            decide(s, &command)
        })
        .await?;
    Ok(change_response(state, &settle(state, outcome).await))
}

/// An optional JSON body: empty means `{}`.
pub(super) fn optional_json(req: &HttpRequest, body: &Body) -> Result<Value> {
    if body.0.iter().all(u8::is_ascii_whitespace) {
        Ok(json!({}))
    } else {
        json_body(req, body)
    }
}

#[utoipa::path(patch, path = "/api/v1/registrations/{id}", tag = "registrations",
    request_body(content = Object, description = "Application fields to replace"),
    params(("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, body = ChangeOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 412, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn amend(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    let by = caller.by();
    change(&state, &req, &caller, id, &body, || {
        let changes = json_body(&req, &body)?;
        let Some(changes) = changes.as_object() else {
            let mut check = Check::new(Lang::of(&req));
            check.fail2("body", "phải là một đối tượng JSON", "must be a JSON object");
            return Err(check.into_error());
        };
        let projections = state.read();
        let view = projections
            .registrations
            .get(&id)
            .ok_or_else(|| ApiError::not_found("registration"))?;
        let fair = projections
            .fairs
            .get(view.fair_id.as_str())
            .ok_or_else(|| ApiError::not_found("fair"))?;
        let merged = overlay(&view.application, changes).ok_or_else(ApiError::internal)?;
        let application = application::parse(&Value::Object(merged), &context(fair), Lang::of(&req))?;
        Ok(RegistrationCommand::Amend { application, by })
    })
    .await
}

/// The one text field (`reason`, `note`) a decision's body may carry.
fn text_body(req: &HttpRequest, body: &Body, key: &str, required: bool) -> Result<Option<String>> {
    let value = optional_json(req, body)?;
    let mut check = Check::new(Lang::of(req));
    let text = check
        .object(&value, "", &[key])
        .and_then(|o| check.text(o, "", key, 1000, required));
    check.finish()?;
    Ok(text)
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/withdraw", tag = "registrations",
    request_body(content = Object, description = "{\"reason\": optional}"),
    responses((status = 200, body = ChangeOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn withdraw(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    change(&state, &req, &caller, id, &body, || {
        let reason = text_body(&req, &body, "reason", false)?;
        Ok(RegistrationCommand::Withdraw { reason })
    })
    .await
}

fn organizer_only(caller: &Caller) -> Result<()> {
    match caller {
        Caller::Organizer(_) => Ok(()),
        Caller::Exhibitor(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only organizers decide on applications",
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/approve", tag = "registrations",
    request_body(content = Object, description = "{\"booths\": number approved, default the count requested}"),
    responses((status = 200, body = ChangeOut), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn approve(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    organizer_only(&caller)?;
    change(&state, &req, &caller, id, &body, || {
        let value = optional_json(&req, &body)?;
        let mut check = Check::new(Lang::of(&req));
        let booths = check
            .object(&value, "", &["booths"])
            .and_then(|o| check.integer(o, "", "booths", 1, 20, false));
        check.finish()?;
        let requested = state
            .read()
            .registrations
            .get(&id)
            .map(|v| v.application.booth_request.count);
        let booths = booths
            .map(|b| b as u32)
            .or(requested)
            .ok_or_else(|| ApiError::not_found("registration"))?;
        Ok(RegistrationCommand::Approve { booths })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "registrations",
    request_body(content = Object, description = "{\"reason\": required}"),
    responses((status = 200, body = ChangeOut), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn reject(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    organizer_only(&caller)?;
    change(&state, &req, &caller, id, &body, || {
        let reason = text_body(&req, &body, "reason", true)?;
        Ok(RegistrationCommand::Reject {
            reason: reason.unwrap_or_default(),
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/waitlist", tag = "registrations",
    request_body(content = Object, description = "{\"note\": optional}"),
    responses((status = 200, body = ChangeOut), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn waitlist(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    organizer_only(&caller)?;
    change(&state, &req, &caller, id, &body, || {
        let note = text_body(&req, &body, "note", false)?;
        Ok(RegistrationCommand::Waitlist { note })
    })
    .await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `submitted`, `approved`, `rejected`, `waitlisted`, `withdrawn`.
    pub status: Option<String>,
    /// The zone asked for.
    pub zone: Option<String>,
    /// An OCOP product group `I`…`VI` among its products.
    pub product_group: Option<String>,
    /// `3`, `4`, `5` (best rating among its products) or `none`.
    pub stars: Option<String>,
    /// `valid`: every rated product's certificate is valid on the fair's first day;
    /// `expiring`: some is not.
    pub certificate: Option<String>,
    /// Words to find in names, products and places, ignoring case and diacritics.
    pub q: Option<String>,
    /// The language of error messages (`vi`, `en`); read with the request's other hints.
    #[allow(dead_code)]
    pub lang: Option<String>,
}

impl ListQuery {
    /// The filters among a page's query parameters (others are left alone).
    pub fn from_pairs(pairs: &std::collections::HashMap<String, String>) -> Self {
        let get = |k: &str| pairs.get(k).cloned().filter(|v| !v.is_empty());
        ListQuery {
            status: get("status"),
            zone: get("zone"),
            product_group: get("product_group"),
            stars: get("stars"),
            certificate: get("certificate"),
            q: get("q"),
            lang: get("lang"),
        }
    }
}

/// One application in the review list.
#[derive(Serialize, ToSchema)]
pub struct Summary {
    pub id: String,
    pub organization: String,
    pub producer_type: String,
    pub status: String,
    pub approved_booths: u32,
    pub requested_booths: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub stars: Option<u8>,
    pub product_groups: Vec<String>,
    pub commune: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_district: Option<String>,
    pub certificates_valid: bool,
    pub submitted_at: chrono::DateTime<Utc>,
    pub version: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryList {
    total: usize,
    registrations: Vec<Summary>,
}

pub fn summary(view: &RegistrationView, fair_start: NaiveDate) -> Summary {
    let a = &view.application;
    let groups: BTreeSet<String> = view.all_products().map(|p| p.group.clone()).collect();
    Summary {
        id: view.id.to_string(),
        organization: a.organization.clone(),
        producer_type: serde_json::to_value(a.producer_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        status: view.status.as_str().into(),
        approved_booths: view.approved_booths,
        requested_booths: a.booth_request.count,
        zone: a.booth_request.zone.as_ref().map(|z| z.to_string()),
        stars: view.best_stars(),
        product_groups: groups.into_iter().collect(),
        commune: a.address.commune.clone(),
        legacy_district: a.address.legacy_district.clone(),
        certificates_valid: view.certificates_valid_on(fair_start),
        submitted_at: view.submitted_at,
        version: view.version,
    }
}

/// The filters of the review list, checked.
pub struct Filters {
    status: Option<RegistrationStatus>,
    zone: Option<String>,
    group: Option<String>,
    stars: Option<Option<u8>>,
    certificate_valid: Option<bool>,
    q: Option<String>,
}

impl Filters {
    pub fn parse(query: &ListQuery, lang: Lang) -> Result<Filters> {
        let mut check = Check::new(lang);
        let status = query.status.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
            let parsed = RegistrationStatus::parse(s);
            if parsed.is_none() {
                check.fail2(
                    "status",
                    "phải là submitted, approved, rejected, waitlisted hoặc withdrawn",
                    "must be submitted, approved, rejected, waitlisted or withdrawn",
                );
            }
            parsed
        });
        let stars = match query.stars.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some("none") => Some(None),
            Some(s @ ("3" | "4" | "5")) => s.parse::<u8>().ok().map(Some),
            Some(_) => {
                check.fail2("stars", "phải là 3, 4, 5 hoặc none", "must be 3, 4, 5 or none");
                None
            }
        };
        let certificate_valid = match query.certificate.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some("valid") => Some(true),
            Some("expiring") => Some(false),
            Some(_) => {
                check.fail2(
                    "certificate",
                    "phải là valid hoặc expiring",
                    "must be valid or expiring",
                );
                None
            }
        };
        let group = query
            .product_group
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::to_uppercase);
        if group
            .as_deref()
            .is_some_and(|g| !["I", "II", "III", "IV", "V", "VI"].contains(&g))
        {
            check.fail2("product_group", "phải là I, II, III, IV, V hoặc VI", "must be I to VI");
        }
        check.finish()?;
        Ok(Filters {
            status,
            zone: query.zone.clone().filter(|z| !z.is_empty()),
            group,
            stars,
            certificate_valid,
            q: query.q.clone().filter(|q| !q.trim().is_empty()),
        })
    }

    pub fn keep(&self, view: &RegistrationView, fair_start: NaiveDate) -> bool {
        self.status.is_none_or(|s| view.status == s)
            && self.zone.as_deref().is_none_or(|z| {
                view.application
                    .booth_request
                    .zone
                    .as_ref()
                    .is_some_and(|mine| mine.as_str() == z)
            })
            && self
                .group
                .as_deref()
                .is_none_or(|g| view.all_products().any(|p| p.group == g))
            && self.stars.is_none_or(|s| view.best_stars() == s)
            && self
                .certificate_valid
                .is_none_or(|valid| view.certificates_valid_on(fair_start) == valid)
            && self.q.as_deref().is_none_or(|q| view.matches(q))
    }
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/registrations", tag = "registrations", params(ListQuery),
    responses((status = 200, body = SummaryList), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn list(
    state: Data<AppState>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
    query: Query<ListQuery>,
) -> Result<HttpResponse> {
    let filters = Filters::parse(&query, Lang::of(&req))?;
    let projections = state.read();
    let view = projections
        .fairs
        .get(&fair)
        .ok_or_else(|| ApiError::not_found("fair"))?;
    let start = view.details.start_date;
    let registrations: Vec<Summary> = projections
        .registrations
        .of_fair(&FairId::new_unchecked(fair.as_str()))
        .filter(|r| filters.keep(r, start))
        .map(|r| summary(r, start))
        .collect();
    Ok(HttpResponse::Ok().json(SummaryList {
        total: registrations.len(),
        registrations,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    id: String,
    /// HTTP-like status of this one change: 200, 404, 409.
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkOut {
    results: Vec<BulkResult>,
}

/// Decisions of one bulk request taken at once: each application is its own stream, so they
/// share group commits instead of waiting out one commit each, one after another.
pub const BULK_AT_ONCE: usize = 32;

/// The booths application `id` asks for, if it is one to `fair`: what a bulk decision acts on.
pub fn booths_requested_in(state: &AppState, fair: &str, id: &RegistrationId) -> Option<u32> {
    let projections = state.read();
    projections
        .registrations
        .get(id)
        .filter(|v| v.fair_id.as_str() == fair)
        .map(|v| v.application.booth_request.count)
}

/// The decision an organizer's `action` (`approve`, `reject`, else waitlist) stands for.
pub fn decision_for(action: &str, booths: u32, reason: Option<&str>) -> RegistrationCommand {
    match action {
        "approve" => RegistrationCommand::Approve { booths },
        "reject" => RegistrationCommand::Reject {
            reason: reason.unwrap_or_default().to_owned(),
        },
        _ => RegistrationCommand::Waitlist {
            note: reason.map(str::to_owned),
        },
    }
}

/// `ids` in their order, each once: one decision per application however often it is listed.
pub fn distinct(ids: Vec<RegistrationId>) -> Vec<RegistrationId> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/registrations/bulk", tag = "registrations",
    request_body(content = Object, description = "{\"action\": \"approve\"|\"reject\"|\"waitlist\", \"ids\": [...], \"reason\": for reject}"),
    responses((status = 200, body = BulkOut), (status = 401, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn bulk(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let value = json_body(&req, &body)?;
    let mut check = Check::new(Lang::of(&req));
    let obj = check
        .object(&value, "", &["action", "ids", "reason"])
        .cloned()
        .unwrap_or_default();
    let action = check.text(&obj, "", "action", 16, true);
    let reason = check.text(&obj, "", "reason", 1000, action.as_deref() == Some("reject"));
    let ids: Vec<RegistrationId> = check
        .array(&obj, "", "ids", 500)
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let parsed = v
                .as_str()
                .and_then(|s| s.parse::<uuid::Uuid>().ok())
                .map(RegistrationId);
            if parsed.is_none() {
                check.fail2(format!("ids[{i}]"), "không phải mã hồ sơ", "is not a registration id");
            }
            parsed
        })
        .collect();
    if !matches!(action.as_deref(), None | Some("approve" | "reject" | "waitlist")) {
        check.fail2(
            "action",
            "phải là approve, reject hoặc waitlist",
            "must be approve, reject or waitlist",
        );
    }
    check.finish()?;
    let base = write_context(&req, who.actor(), &who.principal(), &body.0)?;
    let take = |id: RegistrationId| {
        let (base, action, reason, state, fair) = (&base, &action, &reason, &state, &fair);
        async move {
            let Some(requested) = booths_requested_in(state, fair, &id) else {
                return BulkResult {
                    id: id.to_string(),
                    status: 404,
                    error: Some("registration not found in this fair".into()),
                };
            };
            let command = decision_for(action.as_deref().unwrap_or_default(), requested, reason.as_deref());
            // Each application is its own stream: with a key, each gets ids derived from it
            // and the registration, so a retried bulk request changes nothing twice.
            let mut ctx = base.clone();
            if let Some(mark) = &mut ctx.idempotency {
                mark.key = format!("{}#{}", mark.key, id);
            }
            let outcome =
                execute::<RegistrationState, _>(&*state.store, &streams::registration(&id), &ctx, None, |s| {
                    decide(s, &command)
                })
                .await;
            match outcome {
                Ok(done) => {
                    state.wait_for(done.position, std::time::Duration::from_secs(5)).await;
                    BulkResult {
                        id: id.to_string(),
                        status: 200,
                        error: None,
                    }
                }
                Err(err) => {
                    let err = ApiError::from(err);
                    BulkResult {
                        id: id.to_string(),
                        status: err.status.as_u16(),
                        error: Some(err.body.message),
                    }
                }
            }
        }
    };
    let results: Vec<BulkResult> = stream::iter(distinct(ids).into_iter().map(take))
        .buffered(BULK_AT_ONCE)
        .collect()
        .await;
    Ok(HttpResponse::Ok().json(BulkOut { results }))
}
