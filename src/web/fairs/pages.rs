//! The public pages of fairs: the list of fairs and one fair with its floor plan.

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_projections::FairView;

use crate::app::AppState;
use crate::i18n::{date_vn, datetime_vn, Lang};
use crate::web::fairs::floor::plan_of;
use crate::web::fairs::floor::Plan;
use crate::web::kit::page::not_found_page;
use crate::web::kit::page::query_value;
use crate::web::kit::page::render;
use crate::web::kit::page::Frame;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/fairs/{fair}", web::get().to(fair_page))
        .route("/static/{file}", web::get().to(crate::web::kit::page::asset));
}

pub struct FairCard {
    pub id: String,
    pub name: String,
    pub venue: String,
    pub dates: String,
    pub booths: usize,
}

pub fn card(fair: &FairView) -> FairCard {
    FairCard {
        id: fair.id.to_string(),
        name: fair.details.name.clone(),
        venue: fair.details.venue.clone(),
        dates: format!(
            "{} – {}",
            date_vn(fair.details.start_date),
            date_vn(fair.details.end_date)
        ),
        booths: fair.booths.len(),
    }
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fairs: Vec<FairCard>,
}

async fn index(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let mut fairs: Vec<FairCard> = state.read().fairs.by_id.values().map(card).collect();
    fairs.sort_by(|a, b| b.dates.cmp(&a.dates));
    render(
        StatusCode::OK,
        lang,
        &IndexPage {
            lang,
            signed_in,
            switch_url,
            fairs,
        },
    )
}

struct FairInfo {
    id: String,
    name: String,
    venue: String,
    dates: String,
    window: String,
    registration_open: bool,
    address: String,
    description: String,
    contact_phone: String,
    /// The phone's digits (and a leading `+`), for a `tel:` link.
    contact_tel: String,
    contact_email: String,
}

#[derive(Template)]
#[template(path = "fair.html")]
struct FairPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair: FairInfo,
    plan: Plan,
    /// The zone tabs: (label, link, shown now); empty for a plan of one zone.
    zone_tabs: Vec<(String, String, bool)>,
}

async fn fair_page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    // `?booth=A01` (the link in a booth email) picks a booth out on the plan.
    let selected = query_value(&req, "booth");
    // `?zone=A`: that zone alone, for a phone.
    let zone = query_value(&req, "zone").filter(|z| !z.is_empty());
    let page = {
        let projections = state.read();
        projections.fairs.get(&fair).map(|view| {
            let d = &view.details;
            let zone = zone.filter(|z| view.zones.keys().any(|k| k.as_str() == z));
            let tab = |code: Option<&str>| {
                let mut href = format!("/fairs/{}?lang={}", view.id, lang.code());
                if let Some(code) = code {
                    href.push_str(&format!("&zone={code}"));
                }
                href.push_str("#plan");
                href
            };
            let zone_tabs: Vec<(String, String, bool)> = if view.zones.len() > 1 {
                std::iter::once((lang.t("fair.all_zones").to_owned(), tab(None), zone.is_none()))
                    .chain(view.zones.values().map(|z| {
                        (
                            format!("{} · {}", z.code, z.name),
                            tab(Some(z.code.as_str())),
                            zone.as_deref() == Some(z.code.as_str()),
                        )
                    }))
                    .collect()
            } else {
                Vec::new()
            };
            FairPage {
                lang,
                signed_in,
                switch_url: switch_url.clone(),
                fair: FairInfo {
                    id: view.id.to_string(),
                    name: d.name.clone(),
                    venue: d.venue.clone(),
                    dates: format!("{} – {}", date_vn(d.start_date), date_vn(d.end_date)),
                    window: format!(
                        "{} – {}",
                        datetime_vn(d.registration_opens_at, &d.time_zone),
                        datetime_vn(d.registration_closes_at, &d.time_zone)
                    ),
                    registration_open: view.registration_open(Utc::now()),
                    address: d.address.clone(),
                    description: d.description.clone(),
                    contact_phone: d.contact_phone.clone(),
                    contact_tel: crate::web::kit::page::tel(&d.contact_phone),
                    contact_email: d.contact_email.clone(),
                },
                plan: plan_of(
                    view,
                    &projections.registrations,
                    lang,
                    selected.as_deref(),
                    zone.as_deref(),
                ),
                zone_tabs,
            }
        })
    };
    match page {
        Some(page) => render(StatusCode::OK, lang, &page),
        None => not_found_page(&req, "fair.not_found"),
    }
}
