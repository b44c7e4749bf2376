//! The organizers' queue of applications over the API: the list with its filters and
//! search, and decisions taken in bulk.

use crate::app::AppState;
use crate::domain::registration::{Decision, Verdict, REASON_MAX_CHARS};
use crate::i18n::Lang;
use crate::service::{self};
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{json_body, write_context, Body, Organizer};
use crate::web::kit::input::Check;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use futures_util::stream::{self, StreamExt};
use hoicho_events::{FairId, RegistrationId};
use hoicho_projections::{RegistrationStatus, RegistrationView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::ToSchema;

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
        producer_type: a.producer_type.code().to_owned(),
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
    let verdict = action.as_deref().and_then(Verdict::parse);
    let reason = check.text(
        &obj,
        "",
        "reason",
        REASON_MAX_CHARS,
        verdict.is_some_and(Verdict::needs_reason),
    );
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
    if action.is_some() && verdict.is_none() {
        check.fail2(
            "action",
            "phải là approve, reject hoặc waitlist",
            "must be approve, reject or waitlist",
        );
    }
    check.finish()?;
    let Some(verdict) = verdict else {
        return Err(ApiError::malformed("action is missing"));
    };
    let decision = Decision {
        verdict,
        booths: None,
        reason,
    };
    let base = write_context(&req, who.actor(), &who.principal(), &body.0)?;
    let take = |id: RegistrationId| {
        let (base, decision, state, fair) = (&base, &decision, &state, &fair);
        async move {
            let Some(requested) = booths_requested_in(state, fair, &id) else {
                return BulkResult {
                    id: id.to_string(),
                    status: 404,
                    error: Some("registration not found in this fair".into()),
                };
            };
            let command = decision.command(requested);
            // Each application is its own stream: with a key, each gets ids derived from it
            // and the registration, so a retried bulk request changes nothing twice.
            let mut ctx = base.clone();
            if let Some(mark) = &mut ctx.idempotency {
                mark.key = format!("{}#{}", mark.key, id);
            }
            match service::registrations::run(state, &ctx, &id, None, &command).await {
                Ok(_) => BulkResult {
                    id: id.to_string(),
                    status: 200,
                    error: None,
                },
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
