//! The public directory of a fair: who is at which booth, their products and OCOP stars,
//! searchable without diacritics. Public facts only: never phones, emails, tax codes or the
//! names of representatives, and the search reads only what it shows.

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::BoothCode;
use hoicho_projections::{fold, FairView, Projections, RegistrationView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::page::{not_found_page, render, Frame};

pub fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/directory", web::get().to(directory));
}

pub fn page_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/directory", web::get().to(directory_page));
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// Words to find in names, products and places; case and diacritics are ignored.
    q: Option<String>,
    /// The pages' language switch.
    #[allow(dead_code)]
    lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductOut {
    name: String,
    group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    stars: Option<u8>,
    /// For a delegation: the producer that makes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    producer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ExhibitorOut {
    organization: String,
    /// A delegation's producers, who share its booths.
    producers: Vec<String>,
    commune: String,
    province: String,
    booths: Vec<String>,
    zones: Vec<String>,
    products: Vec<ProductOut>,
    /// The best OCOP stars among its products.
    #[serde(skip_serializing_if = "Option::is_none")]
    stars: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryOut {
    fair: String,
    exhibitors: Vec<ExhibitorOut>,
}

/// Every registration holding a booth, with its booths, in booth order.
fn holders<'a>(p: &'a Projections, fair: &'a FairView) -> Vec<(&'a RegistrationView, Vec<&'a BoothCode>)> {
    let mut list: Vec<_> = fair
        .holdings
        .iter()
        .filter_map(|(id, booths)| Some((p.registrations.get(id)?, booths.iter().collect::<Vec<_>>())))
        .collect();
    list.sort_by(|a, b| a.1.first().cmp(&b.1.first()));
    list
}

/// The text the public search reads: what the directory shows, folded.
fn public_text(r: &RegistrationView) -> String {
    let a = &r.application;
    let mut parts: Vec<&str> = vec![&a.organization, &a.address.commune, &a.address.province];
    parts.extend(a.address.legacy_district.as_deref());
    for p in r.all_products() {
        parts.push(&p.name);
    }
    for producer in &a.producers {
        parts.push(&producer.organization);
    }
    fold(&parts.join(" | "))
}

fn exhibitors(p: &Projections, fair: &FairView, q: &str) -> Vec<ExhibitorOut> {
    let words: Vec<String> = fold(q).split_whitespace().map(str::to_owned).collect();
    holders(p, fair)
        .into_iter()
        .filter(|(r, _)| {
            if words.is_empty() {
                return true;
            }
            let text = public_text(r);
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .map(|(r, booths)| {
            let a = &r.application;
            let mut products: Vec<ProductOut> = a
                .products
                .iter()
                .map(|p| ProductOut {
                    name: p.name.clone(),
                    group: p.group.clone(),
                    stars: p.stars,
                    producer: None,
                })
                .collect();
            for producer in &a.producers {
                products.extend(producer.products.iter().map(|p| ProductOut {
                    name: p.name.clone(),
                    group: p.group.clone(),
                    stars: p.stars,
                    producer: Some(producer.organization.clone()),
                }));
            }
            let mut zones: Vec<String> = booths
                .iter()
                .filter_map(|b| fair.booths.get(*b).map(|v| v.booth.zone.to_string()))
                .collect();
            zones.dedup();
            ExhibitorOut {
                organization: a.organization.clone(),
                producers: a.producers.iter().map(|p| p.organization.clone()).collect(),
                commune: a.address.commune.clone(),
                province: a.address.province.clone(),
                booths: booths.iter().map(|b| b.to_string()).collect(),
                zones,
                stars: r.best_stars(),
                products,
            }
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/directory", tag = "booths", params(DirectoryQuery),
    responses((status = 200, body = DirectoryOut), (status = 404, body = ErrorResponse)))]
pub async fn directory(
    state: Data<AppState>,
    fair: Path<String>,
    query: Query<DirectoryQuery>,
) -> Result<HttpResponse> {
    let p = state.read();
    let view = p.fairs.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
    Ok(HttpResponse::Ok().json(DirectoryOut {
        fair: view.id.to_string(),
        exhibitors: exhibitors(&p, view, query.q.as_deref().unwrap_or("")),
    }))
}

#[derive(askama::Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    q: String,
    exhibitors: Vec<ExhibitorOut>,
}

impl DirectoryPage {
    fn stars(&self, stars: &Option<u8>) -> String {
        stars.map(|s| "★".repeat(s as usize)).unwrap_or_default()
    }
}

async fn directory_page(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    query: Query<DirectoryQuery>,
) -> HttpResponse {
    let frame = Frame::of(&req);
    let q = query.q.clone().unwrap_or_default();
    let page = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        DirectoryPage {
            lang: frame.lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            fair_id: view.id.to_string(),
            fair_name: view.details.name.clone(),
            exhibitors: exhibitors(&p, view, &q),
            q,
        }
    };
    render(StatusCode::OK, frame.lang, &page)
}
