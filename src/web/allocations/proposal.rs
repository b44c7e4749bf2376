//! The automatic allocation proposal over the API: drawn from the projections
//! ([`crate::service::allocations`]), accepted as one change of the fair's stream.

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::domain::proposal::{propose, propose_elsewhere, Proposal, Shortfall};
use crate::i18n::Lang;
use crate::service::allocations::proposal_input;
use crate::service::allocations::standing;
use crate::service::CommandError;
use crate::service::{self};
use crate::web::allocations::api::booth_code;
use crate::web::allocations::api::parse;
use crate::web::allocations::api::registration_id;
use crate::web::allocations::api::respond;
use crate::web::allocations::api::run;
use crate::web::allocations::api::AllocationInput;
use crate::web::allocations::api::AllocationOut;
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{json_body, write_context, Body, Organizer};
use crate::web::kit::write::replay;
use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::{BoothCode, FairId, RegistrationId};
use hoicho_projections::Projections;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---- the automatic proposal ----

#[derive(Serialize, ToSchema)]
pub struct PlacementOut {
    pub booth: String,
    pub zone: String,
    pub registration: String,
    pub organization: String,
    /// Why a booth outside the zone or kind asked for: the proposal was asked to place the
    /// rest elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnplacedOut {
    pub registration: String,
    pub organization: String,
    /// Booths it still needed.
    pub wanted: u32,
    /// Of those, how many the proposal found.
    pub placed: u32,
    /// `no_free_booth` or `zone_quota`, with its particulars.
    #[schema(value_type = Object)]
    pub reason: serde_json::Value,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    pub fair: String,
    /// The fair's version the proposal is based on: send it back to accept.
    pub version: u64,
    pub placements: Vec<PlacementOut>,
    pub unplaced: Vec<UnplacedOut>,
    /// Free booths left after the proposal.
    pub free_after: usize,
}

fn shortfall_message(reason: &Shortfall, lang: Lang) -> String {
    match (reason, lang) {
        (Shortfall::NoFreeBooth { zone, kind }, Lang::Vi) => format!(
            "Hết gian trống{}{}",
            kind.as_ref().map(|k| format!(" loại {k}")).unwrap_or_default(),
            zone.as_ref().map(|z| format!(" ở khu {z}")).unwrap_or_default()
        ),
        (Shortfall::NoFreeBooth { zone, kind }, Lang::En) => format!(
            "No free{} booth{}",
            kind.as_ref().map(|k| format!(" {k}")).unwrap_or_default(),
            zone.as_ref().map(|z| format!(" in zone {z}")).unwrap_or_default()
        ),
        (Shortfall::ZoneQuota { zone, name, max, .. }, Lang::Vi) => {
            format!("{name} đã có đủ {max} gian ở khu {zone} theo quy định của hội chợ")
        }
        (Shortfall::ZoneQuota { zone, name, max, .. }, Lang::En) => {
            format!("{name} already has the fair's quota of {max} booth(s) in zone {zone}")
        }
    }
}

/// Free booths by zone after `proposal`: "khu B (12), khu C (7)".
fn free_by_zone(slots: &[crate::domain::proposal::Slot], proposal: &Proposal) -> String {
    let mut by_zone: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for s in slots {
        let taken = s.holder.is_some() || s.blocked || proposal.placements.iter().any(|pl| pl.booth == s.code);
        if !taken {
            *by_zone.entry(s.zone.to_string()).or_default() += 1;
        }
    }
    by_zone
        .iter()
        .map(|(zone, n)| format!("{zone} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The proposal for `fair` as it stands now; with `elsewhere`, those short of booths because
/// their zone or kind is full get the rest wherever booths are free, each such booth saying so.
pub fn build_proposal(
    p: &Projections,
    fair: &hoicho_projections::FairView,
    lang: Lang,
    elsewhere: bool,
) -> ProposalOut {
    let (slots, applicants) = proposal_input(p, fair);
    let mut proposal = propose(&slots, &applicants, &fair.rules);
    let mut notes: std::collections::HashMap<BoothCode, String> = std::collections::HashMap::new();
    if elsewhere {
        let more = propose_elsewhere(&slots, &applicants, &fair.rules, &proposal);
        let moved: Vec<RegistrationId> = more.placements.iter().map(|pl| pl.registration).collect();
        for pl in &more.placements {
            let asked = proposal
                .unplaced
                .iter()
                .find(|u| u.registration == pl.registration)
                .map(|u| shortfall_message(&u.reason, lang))
                .unwrap_or_default();
            notes.insert(pl.booth.clone(), asked);
        }
        // Those helped now are short only of what the second pass could not find either.
        proposal.unplaced.retain(|u| {
            !moved.contains(&u.registration) || more.unplaced.iter().any(|m| m.registration == u.registration)
        });
        for u in &mut proposal.unplaced {
            if let Some(m) = more.unplaced.iter().find(|m| m.registration == u.registration) {
                *u = m.clone();
            }
        }
        proposal.placements.extend(more.placements);
    }
    let free_zones = free_by_zone(&slots, &proposal);
    let organization = |id: &RegistrationId| {
        p.registrations
            .get(id)
            .map(|r| r.application.organization.clone())
            .unwrap_or_default()
    };
    let free_now = slots.iter().filter(|s| s.holder.is_none() && !s.blocked).count();
    ProposalOut {
        fair: fair.id.to_string(),
        version: fair.version,
        free_after: free_now - proposal.placements.len(),
        placements: proposal
            .placements
            .iter()
            .map(|pl| PlacementOut {
                booth: pl.booth.to_string(),
                zone: fair
                    .booths
                    .get(&pl.booth)
                    .map(|b| b.booth.zone.to_string())
                    .unwrap_or_default(),
                registration: pl.registration.to_string(),
                organization: organization(&pl.registration),
                note: notes.get(&pl.booth).cloned(),
            })
            .collect(),
        unplaced: proposal
            .unplaced
            .iter()
            .map(|u| UnplacedOut {
                registration: u.registration.to_string(),
                organization: organization(&u.registration),
                wanted: u.wanted,
                placed: u.placed,
                reason: serde_json::to_value(&u.reason).unwrap_or_default(),
                message: match (&u.reason, free_zones.is_empty()) {
                    (Shortfall::NoFreeBooth { .. }, false) => format!(
                        "{}; {} {free_zones}",
                        shortfall_message(&u.reason, lang),
                        match lang {
                            Lang::Vi => "còn trống ở khu",
                            Lang::En => "free booths remain in zones",
                        }
                    ),
                    _ => shortfall_message(&u.reason, lang),
                },
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/allocations/proposal", tag = "allocations",
    params(("elsewhere" = Option<bool>, Query, description = "Place the rest of those whose zone or kind is full wherever booths are free")),
    responses((status = 200, body = ProposalOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn proposal(
    state: Data<AppState>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
) -> Result<HttpResponse> {
    let p = state.read();
    let view = p.fairs.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
    let elsewhere = matches!(
        crate::web::kit::page::query_value(&req, "elsewhere").as_deref(),
        Some("true" | "1")
    );
    Ok(HttpResponse::Ok().json(build_proposal(&p, view, Lang::of(&req), elsewhere)))
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptInput {
    /// The `version` the proposal came with.
    version: u64,
    placements: Vec<AllocationInput>,
}

fn floor_changed(lang: Lang) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "floor_changed",
        match lang {
            Lang::Vi => "sơ đồ gian hàng đã thay đổi từ khi lập đề xuất; hãy lập đề xuất mới",
            Lang::En => "the floor changed since the proposal was made; make a new one",
        },
    )
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/allocations/proposal/accept", tag = "allocations", request_body = AcceptInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "floor_changed, or a placement the rules refuse"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn accept_proposal(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.into_inner());
    let ctx = write_context(&req, who.actor(), &who.principal(), &body.0)?;
    let input: AcceptInput = parse(&req, &body, lang)?;
    let mut bad = std::collections::BTreeMap::new();
    let mut parsed = Vec::new();
    for (i, pl) in input.placements.iter().enumerate() {
        match (
            booth_code(&pl.booth, "booth", lang),
            registration_id(&pl.registration, lang),
        ) {
            (Ok(b), Ok(r)) => parsed.push((b, r)),
            (b, r) => {
                for err in [b.err(), r.err()].into_iter().flatten() {
                    for (field, problem) in err.body.fields {
                        bad.insert(format!("placements[{i}].{field}"), problem);
                    }
                }
            }
        }
    }
    if !bad.is_empty() {
        return Err(ApiError::invalid(bad, lang));
    }
    let touched: Vec<BoothCode> = parsed.iter().map(|(b, _)| b.clone()).collect();
    if let Some(first) = replay(&state, &ctx).await? {
        return Ok(respond(&state, StatusCode::CREATED, &fair, &first, &touched));
    }
    let placements = {
        let p = state.read();
        let view = p.fairs.by_id.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
        if view.version != input.version {
            return Err(floor_changed(lang));
        }
        let mut placements = Vec::new();
        for (booth, registration) in parsed {
            let standing = standing(&p, &fair, &registration).ok_or_else(|| ApiError::not_found("registration"))?;
            placements.push((booth, standing));
        }
        placements
    };
    let command = FairCommand::AllocateAll { placements };
    let written = service::fairs::run(&state, &ctx, &fair, Some(input.version), &command)
        .await
        .map_err(|err| match err {
            CommandError::PreconditionFailed { .. } => floor_changed(lang),
            other => ApiError::from(other),
        })?;
    Ok(respond(&state, StatusCode::CREATED, &fair, &written, &touched))
}

#[utoipa::path(put, path = "/api/v1/fairs/{fair}/allocation-rules", tag = "allocations", request_body = Object,
    responses((status = 200, body = AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn set_rules(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.into_inner());
    let rules: hoicho_events::AllocationRules = serde_json::from_value(json_body(&req, &body)?).map_err(|err| {
        ApiError::invalid(
            [(
                "zone_quotas".to_owned(),
                match lang {
                    Lang::Vi => {
                        format!("phải là danh sách {{zone, locality: commune|legacy_district|province, max}}: {err}")
                    }
                    Lang::En => {
                        format!("must be a list of {{zone, locality: commune|legacy_district|province, max}}: {err}")
                    }
                },
            )]
            .into(),
            lang,
        )
    })?;
    run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((FairCommand::SetRules { rules }, vec![]))
    })
    .await
}
