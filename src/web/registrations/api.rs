//! Applications: exhibitors apply and follow their application through a private token;
//! organizers review, decide and enter applications for producers who phone them in.

use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use hoicho_events::{streams, Actor, Application, RegistrationId};
use hoicho_projections::{FairView, RegistrationView};
use serde::Serialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::domain::registration::{By, RegistrationCommand, MAX_APPROVED_BOOTHS, REASON_MAX_CHARS};
use crate::i18n::Lang;
use crate::service::Written;
use crate::service::{self};
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{api_organizer, etag, if_match, json_body, write_context, Body, Organizer};
use crate::web::kit::input::{overlay, Check};
use crate::web::kit::write::replay;
use crate::web::registrations::input::{self, FairContext};

/// Who is asking about a registration.
pub enum Caller {
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
pub fn caller_for(state: &AppState, req: &HttpRequest, id: RegistrationId) -> Result<Caller> {
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
    pub fn actor(&self) -> Actor {
        match self {
            Caller::Organizer(o) => o.actor(),
            Caller::Exhibitor(id) => Actor::Exhibitor {
                registration_id: id.to_string(),
            },
        }
    }

    pub fn principal(&self) -> String {
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

pub fn parse_id(raw: &str) -> Result<RegistrationId> {
    raw.parse::<uuid::Uuid>()
        .map(RegistrationId)
        .map_err(|_| ApiError::not_found("registration"))
}

pub fn context(fair: &FairView) -> FairContext<'_> {
    FairContext {
        zones: &fair.zones,
        booths: &fair.booths,
        today: fair.today(Utc::now()),
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
        let date = crate::i18n::date_vn(expires);
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
        crate::web::kit::limits::public_post(&req)?;
    }
    let ctx = write_context(&req, actor, &principal, &body.0)?;
    if let Some(first) = replay(&state, &ctx).await? {
        let token = crate::auth::access_token(&state.secret, &service::registrations::new_id(&ctx));
        return Ok(applied_response(&state, &first, token, lang));
    }
    let value = json_body(&req, &body)?;
    let (application, fair_id, open) = {
        let projections = state.read();
        let view = projections
            .fairs
            .get(&fair)
            .ok_or_else(|| ApiError::not_found("fair"))?;
        let application = input::parse(&value, &context(view), lang)?;
        (application, view.id.clone(), view.registration_open(ctx.now))
    };
    let (written, token) = service::registrations::submit(&state, &ctx, fair_id, application, by, open).await?;
    Ok(applied_response(&state, &written, token, lang))
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
    /// An amendment's changed fields, by their names in the application
    /// (`phone`, `products`, `booth_request`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

/// The application's top-level fields that differ between `before` and `after`.
fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
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
    let mut last: Option<serde_json::Value> = None;
    Ok(crate::replay::decode_batch(&recorded)
        .into_iter()
        .map(|env| {
            let changed = match &env.event {
                hoicho_events::Event::RegistrationSubmitted(e) => {
                    last = serde_json::to_value(&e.application).ok();
                    Vec::new()
                }
                hoicho_events::Event::RegistrationAmended(e) => {
                    let now = serde_json::to_value(&e.application).unwrap_or_default();
                    let changed = last.as_ref().map(|l| changed_fields(l, &now)).unwrap_or_default();
                    last = Some(now);
                    changed
                }
                _ => Vec::new(),
            };
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
                changed,
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
    let written = service::registrations::run(state, &ctx, &id, if_match(req)?, &command).await?;
    Ok(change_response(state, &written))
}

/// An optional JSON body: empty means `{}`.
pub fn optional_json(req: &HttpRequest, body: &Body) -> Result<Value> {
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
        let application = input::parse(&Value::Object(merged), &context(fair), Lang::of(&req))?;
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
        .and_then(|o| check.text(o, "", key, REASON_MAX_CHARS, required));
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

#[derive(Serialize, ToSchema)]
pub struct NewLink {
    id: String,
    /// The new private key to the application: shown once, and emailed to the exhibitor.
    access_token: String,
    /// The new private page, for people.
    private_url: String,
    version: u64,
    position: u64,
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/access-link", tag = "registrations",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = NewLink), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "link_changed: replaced meanwhile")),
    security(("bearer" = [])))]
/// A new private link in place of the current one (a leaked link is closed at once); for the
/// organizers or the exhibitor with its current token.
pub async fn reissue_link(
    state: Data<AppState>,
    req: HttpRequest,
    id: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    let ctx = write_context(&req, caller.actor(), &caller.principal(), &body.0)?;
    let (written, token) = match replay(&state, &ctx).await? {
        Some(first) => {
            let generation = first.events.iter().find_map(|e| match e {
                hoicho_events::Event::AccessLinkReissued(e) => Some(e.generation),
                _ => None,
            });
            let token = crate::auth::access_token_at(&state.secret, &id, generation.unwrap_or(0));
            (first, token)
        }
        None => service::registrations::reissue_link(&state, &ctx, &id).await?,
    };
    Ok(HttpResponse::Created()
        .insert_header(etag(written.version))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .json(NewLink {
            id: id.to_string(),
            private_url: format!("/r/{token}"),
            access_token: token,
            version: written.version,
            position: written.position,
        }))
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
            .and_then(|o| check.integer(o, "", "booths", 1, MAX_APPROVED_BOOTHS.into(), false));
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
