//! Booths and who holds them: allocate, release, move, block and unblock (organizers), each
//! one append to the fair's stream under its expected version, so a booth is never given
//! twice; and the booth's history from the log.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hoicho_events::{streams, BoothCode, Event, FairId, RegistrationId, ReleaseCause};
use hoicho_projections::Projections;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::domain::fair::{FairCommand, BLOCK_REASON_MAX_CHARS};
use crate::domain::DomainError;
use crate::i18n::Lang;
use crate::service::allocations::standing;
use crate::service::{self, Written};
use crate::service::{CommandContext, CommandError};
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{if_match, json_body, write_context, Body, Organizer};
use crate::web::kit::input::form_text;
use crate::web::kit::write::replay;

#[derive(Deserialize, ToSchema)]
pub struct AllocationInput {
    pub booth: String,
    pub registration: String,
}

#[derive(Deserialize, ToSchema)]
pub struct MoveInput {
    from: String,
    to: String,
}

#[derive(Deserialize, ToSchema)]
pub struct BlockInput {
    reason: Option<String>,
}

/// What an allocation write did.
#[derive(Serialize, ToSchema)]
pub struct AllocationOut {
    fair: String,
    /// The fair's stream version after the write (its ETag).
    version: u64,
    position: u64,
    /// How many events the write recorded (0: it changed nothing).
    changes: usize,
    /// The booths it touched and who holds them now (`null`: free).
    booths: Vec<BoothHolder>,
}

#[derive(Serialize, ToSchema)]
pub struct BoothHolder {
    booth: String,
    registration: Option<String>,
    status: String,
}

pub fn booth_code(text: &str, field: &str, lang: Lang) -> Result<BoothCode> {
    let code = text.trim();
    if code.is_empty() || code.len() > 32 || code.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::invalid(
            [(
                field.to_owned(),
                match lang {
                    Lang::Vi => "mã gian hàng không hợp lệ".to_owned(),
                    Lang::En => "not a booth code".to_owned(),
                },
            )]
            .into(),
            lang,
        ));
    }
    Ok(BoothCode::new_unchecked(code))
}

pub fn registration_id(text: &str, lang: Lang) -> Result<RegistrationId> {
    text.trim().parse().map(RegistrationId).map_err(|_| {
        ApiError::invalid(
            [(
                "registration".to_owned(),
                match lang {
                    Lang::Vi => "mã hồ sơ đăng ký không hợp lệ".to_owned(),
                    Lang::En => "not a registration id".to_owned(),
                },
            )]
            .into(),
            lang,
        )
    })
}

/// A 409 for a booth someone holds, naming who.
fn with_holder(err: CommandError, state: &AppState, fair: &FairId, booth: &BoothCode) -> ApiError {
    let taken = matches!(
        &err,
        CommandError::Domain(DomainError::Conflict {
            code: "booth_taken",
            ..
        })
    );
    let mut api = ApiError::from(err);
    if taken {
        let p = state.read();
        let holder = p
            .fairs
            .by_id
            .get(fair)
            .and_then(|f| f.booths.get(booth))
            .and_then(|b| b.holder);
        if let Some(holder) = holder {
            let organization = p.registrations.get(&holder).map(|r| r.application.organization.clone());
            api.body.details = Some(Box::new(json!({
                "booth": booth.as_str(),
                "holder": {"registration": holder.to_string(), "organization": organization},
            })));
        }
    }
    api
}

/// Runs one fair command for an organizer: idempotency, If-Match, the decision, the wait
/// until the projections hold it.
pub async fn run(
    state: &AppState,
    req: &HttpRequest,
    who: &Organizer,
    body: &Body,
    fair: &FairId,
    status: StatusCode,
    command: impl FnOnce(&Projections) -> Result<(FairCommand, Vec<BoothCode>)>,
) -> Result<HttpResponse> {
    let ctx = write_context(req, who.actor(), &who.principal(), &body.0)?;
    let (command, touched) = {
        let p = state.read();
        if !p.fairs.by_id.contains_key(fair) {
            return Err(ApiError::not_found("fair"));
        }
        command(&p)?
    };
    if let Some(first) = replay(state, &ctx).await? {
        return Ok(respond(state, status, fair, &first, &touched));
    }
    let contested = touched.last().cloned().unwrap_or_else(|| BoothCode::new_unchecked(""));
    let written = command_on_fair(state, &ctx, fair, if_match(req)?, &command, &contested).await?;
    Ok(respond(state, status, fair, &written, &touched))
}

/// Runs one command on the fair's stream and waits until the projections hold it; a booth
/// someone holds is named in the refusal.
pub async fn command_on_fair(
    state: &AppState,
    ctx: &CommandContext,
    fair: &FairId,
    expected: Option<u64>,
    command: &FairCommand,
    contested: &BoothCode,
) -> Result<Written> {
    service::fairs::run(state, ctx, fair, expected, command)
        .await
        .map_err(|err| with_holder(err, state, fair, contested))
}

pub fn respond(
    state: &AppState,
    status: StatusCode,
    fair: &FairId,
    w: &Written,
    touched: &[BoothCode],
) -> HttpResponse {
    let p = state.read();
    let view = p.fairs.by_id.get(fair);
    let booths = touched
        .iter()
        .map(|code| {
            let b = view.and_then(|f| f.booths.get(code));
            BoothHolder {
                booth: code.to_string(),
                registration: b.and_then(|b| b.holder).map(|r| r.to_string()),
                status: b
                    .map_or("unknown", |b| crate::web::fairs::api::status_name(b.status))
                    .to_owned(),
            }
        })
        .collect();
    HttpResponse::build(status)
        .insert_header(crate::web::kit::extract::etag(w.version))
        .json(AllocationOut {
            fair: fair.to_string(),
            version: w.version,
            position: w.position,
            changes: w.events.len(),
            booths,
        })
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/allocations", tag = "allocations", request_body = AllocationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key"),
        ("If-Match" = Option<String>, Header, description = "The fair's ETag the change is based on")),
    responses((status = 201, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "booth_taken (details.holder names who holds it), booth_blocked, not_approved, over_approved_count"),
        (status = 412, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn allocate(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.into_inner());
    let input: AllocationInput = parse(&req, &body, lang)?;
    let booth = booth_code(&input.booth, "booth", lang)?;
    let registration = registration_id(&input.registration, lang)?;
    run(&state, &req, &who, &body, &fair, StatusCode::CREATED, |p| {
        let registration = standing(p, &fair, &registration).ok_or_else(|| ApiError::not_found("registration"))?;
        Ok((
            FairCommand::Allocate {
                booth: booth.clone(),
                registration,
            },
            vec![booth.clone()],
        ))
    })
    .await
}

#[utoipa::path(delete, path = "/api/v1/fairs/{fair}/allocations/{booth}", tag = "allocations",
    params(("If-Match" = Option<String>, Header, description = "The fair's ETag the change is based on")),
    responses((status = 200, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 412, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn release(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (fair, booth) = path.into_inner();
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair);
    let booth = booth_code(&booth, "booth", lang)?;
    run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((
            FairCommand::Release {
                booth: booth.clone(),
                cause: ReleaseCause::Organizer,
            },
            vec![booth.clone()],
        ))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/allocations/move", tag = "allocations", request_body = MoveInput,
    params(("If-Match" = Option<String>, Header, description = "The fair's ETag the change is based on")),
    responses((status = 200, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 412, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn move_booth(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.into_inner());
    let input: MoveInput = parse(&req, &body, lang)?;
    let from = booth_code(&input.from, "from", lang);
    let to = booth_code(&input.to, "to", lang);
    let (from, to) = match (from, to) {
        (Ok(from), Ok(to)) => (from, to),
        (from, to) => {
            let mut fields = std::collections::BTreeMap::new();
            for err in [from.err(), to.err()].into_iter().flatten() {
                fields.extend(err.body.fields);
            }
            return Err(ApiError::invalid(fields, lang));
        }
    };
    run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((
            FairCommand::Move {
                from: from.clone(),
                to: to.clone(),
            },
            vec![from.clone(), to.clone()],
        ))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/booths/{booth}/block", tag = "booths", request_body = BlockInput,
    responses((status = 200, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn block(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (fair, booth) = path.into_inner();
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair);
    let booth = booth_code(&booth, "booth", lang)?;
    let reason = if body.0.is_empty() {
        None
    } else {
        let input: BlockInput = parse(&req, &body, lang)?;
        input
            .reason
            .map(|r| form_text(&r, BLOCK_REASON_MAX_CHARS))
            .filter(|r| !r.is_empty())
    };
    run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((
            FairCommand::Block {
                booth: booth.clone(),
                reason,
            },
            vec![booth.clone()],
        ))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/booths/{booth}/unblock", tag = "booths",
    responses((status = 200, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn unblock(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (fair, booth) = path.into_inner();
    let fair = FairId::new_unchecked(fair);
    let booth = booth_code(&booth, "booth", Lang::of(&req))?;
    run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((FairCommand::Unblock { booth: booth.clone() }, vec![booth.clone()]))
    })
    .await
}

pub fn parse<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &Body, lang: Lang) -> Result<T> {
    let value = json_body(req, body)?;
    serde_json::from_value(value).map_err(|err| {
        ApiError::malformed(match lang {
            Lang::Vi => format!("nội dung không đúng dạng: {err}"),
            Lang::En => format!("the body does not have the expected shape: {err}"),
        })
    })
}

/// One change to a booth, from the log.
#[derive(Serialize, ToSchema)]
pub struct BoothEvent {
    pub version: u64,
    pub at: DateTime<Utc>,
    /// `allocated`, `released`, `moved_in`, `moved_out`, `blocked`, `unblocked`, `defined`,
    /// `changed`, `retired`.
    pub event: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `organizer`, `system`, …
    pub by: String,
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/booths/{booth}/history", tag = "booths",
    responses((status = 200, body = Vec<BoothEvent>), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn history(state: Data<AppState>, _who: Organizer, path: Path<(String, String)>) -> Result<HttpResponse> {
    let (fair, booth) = path.into_inner();
    let fair = FairId::new_unchecked(fair);
    let booth = BoothCode::new_unchecked(booth);
    let events = booth_history(&state, &fair, &booth).await?;
    Ok(HttpResponse::Ok().json(events))
}

/// Every event of the fair's stream that concerns `booth`, oldest first.
pub async fn booth_history(state: &AppState, fair: &FairId, booth: &BoothCode) -> Result<Vec<BoothEvent>> {
    let stream = streams::fair(fair);
    let mut from = 1;
    let mut out = Vec::new();
    let mut seen_booth = false;
    loop {
        let batch = state.store.read_stream(&stream, from, 10_000).await?;
        let Some(last) = batch.last() else { break };
        from = last.version + 1;
        for recorded in &batch {
            let Ok(env) = hoicho_events::Envelope::decode(recorded) else {
                continue;
            };
            let (event, registration, detail): (&str, Option<RegistrationId>, Option<String>) = match &env.event {
                Event::BoothDefined(e) if &e.booth.code == booth => ("defined", None, None),
                Event::BoothChanged(e) if &e.booth.code == booth => ("changed", None, None),
                Event::BoothRetired(e) if &e.code == booth => ("retired", None, None),
                Event::BoothAllocated(e) if &e.booth == booth => ("allocated", Some(e.registration_id), None),
                Event::BoothReleased(e) if &e.booth == booth => (
                    "released",
                    Some(e.registration_id),
                    serde_json::to_value(e.cause)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned)),
                ),
                Event::BoothMoved(e) if &e.to == booth => {
                    ("moved_in", Some(e.registration_id), Some(format!("from {}", e.from)))
                }
                Event::BoothMoved(e) if &e.from == booth => {
                    ("moved_out", Some(e.registration_id), Some(format!("to {}", e.to)))
                }
                Event::BoothBlocked(e) if &e.booth == booth => ("blocked", None, e.reason.clone()),
                Event::BoothUnblocked(e) if &e.booth == booth => ("unblocked", None, None),
                _ => continue,
            };
            seen_booth = true;
            let by = match env.metadata.actor {
                hoicho_events::Actor::Organizer { .. } => "organizer",
                hoicho_events::Actor::Exhibitor { .. } => "exhibitor",
                hoicho_events::Actor::Public => "public",
                hoicho_events::Actor::System { .. } => "system",
            }
            .to_owned();
            out.push(BoothEvent {
                version: env.version,
                at: env.recorded_at,
                event: event.to_owned(),
                registration: registration.map(|r| r.to_string()),
                organization: None,
                detail,
                by,
            });
        }
    }
    if !seen_booth {
        return Err(ApiError::not_found("booth"));
    }
    let p = state.read();
    for e in &mut out {
        e.organization = e
            .registration
            .as_deref()
            .and_then(|r| r.parse().ok())
            .and_then(|r| p.registrations.get(&RegistrationId(r)))
            .map(|r| r.application.organization.clone());
    }
    Ok(out)
}
