//! Vietnam's administrative units for the address pickers (the application form's province →
//! commune choice) and for integrations: the provinces since 1 July 2025, and a province's
//! communes matching part of a name, with the districts their parts were in before the
//! reform. Public, read-only, the same for every fair.

use actix_web::web::{self, Path, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::kit::error::{ApiError, ErrorResponse, Result};
use crate::places::units;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/places/provinces", web::get().to(provinces))
        .route("/places/provinces/{province}/communes", web::get().to(communes));
}

#[derive(Serialize, ToSchema)]
pub struct ProvinceOut {
    /// The official code (two digits).
    code: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProvinceList {
    provinces: Vec<ProvinceOut>,
    /// Where the data comes from: the registry package, its version and date.
    source: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommuneOut {
    /// The official code (five digits).
    code: String,
    name: String,
    /// The districts, before the reform, its parts were in.
    legacy_districts: Vec<String>,
    /// When the name searched for was a commune's before the reform: that commune and its
    /// district ("Xã Đức Lạng, Huyện Đức Thọ").
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_before: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommuneList {
    communes: Vec<CommuneOut>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CommuneQuery {
    /// Part of the name, in any case, with or without diacritics ("duc lang").
    q: Option<String>,
    /// At most this many (default 20, at most 200).
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/places/provinces", tag = "places", responses((status = 200, body = ProvinceList)))]
pub async fn provinces() -> HttpResponse {
    let u = units();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .json(ProvinceList {
            provinces: u
                .provinces
                .iter()
                .map(|p| ProvinceOut {
                    code: p.code.clone(),
                    name: p.name.clone(),
                })
                .collect(),
            source: u.source.clone(),
        })
}

#[utoipa::path(get, path = "/api/v1/places/provinces/{province}/communes", tag = "places", params(CommuneQuery),
    responses((status = 200, body = CommuneList), (status = 404, body = ErrorResponse)))]
pub async fn communes(province: Path<String>, query: Query<CommuneQuery>) -> Result<HttpResponse> {
    let u = units();
    let province = u
        .province(&province)
        .or_else(|| u.province_named(&province))
        .ok_or_else(|| ApiError::not_found("province"))?;
    let limit = query.limit.unwrap_or(20).clamp(1, 200);
    let communes = u
        .search(&province.code, query.q.as_deref().unwrap_or(""), limit)
        .into_iter()
        .map(|m| CommuneOut {
            code: m.commune.code.clone(),
            name: m.commune.name.clone(),
            legacy_districts: u.legacy_districts(&m.commune.code),
            matched_before: m.before.map(|l| format!("{}, {}", l.commune, l.district)),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(CommuneList { communes }))
}
