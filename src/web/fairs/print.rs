//! Printable pages for move-in day, A4 with print CSS: the floor plan with booth codes and
//! holders on one landscape page, the exhibitors by zone, and a card per allocated booth
//! (A5: code, organization, products, OCOP stars, a QR code to the booth on the public plan)
//! for the staff to put up.

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_projections::{FairView, Projections};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::app::AppState;
use crate::i18n::{date_vn, Lang};
use crate::web::fairs::floor::{plan, Plan};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{not_found_page, render, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/print/{what}", web::get().to(print));
}

/// One exhibitor at one booth, as the lists and cards print it.
#[derive(Clone)]
struct Entry {
    booth: String,
    zone: String,
    organization: String,
    products: String,
    stars: String,
    /// The QR code (SVG) to the booth on the public plan; cards only.
    qr: String,
}

/// A zone with its exhibitors.
struct ZoneList {
    name: String,
    entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    what: &'static str,
    fair_id: String,
    fair_name: String,
    subtitle: String,
    plan: Option<Plan>,
    zones: Vec<ZoneList>,
    cards: Vec<Entry>,
}

impl PrintPage {
    /// The text key of this page's title (`""`) or hint (`"_hint"`).
    fn key(&self, suffix: &str) -> String {
        format!("print.{}{suffix}", self.what)
    }

    /// The printed plan's width on screen: 30 px a metre, so its smallest text (a holder's
    /// name) is 12 px; on paper it fills the page's width instead.
    fn screen_width(&self, plan: &Plan) -> u32 {
        let metres: f64 = plan
            .view_box
            .split_whitespace()
            .nth(2)
            .and_then(|w| w.parse().ok())
            .unwrap_or(40.0);
        (metres * 30.0).ceil() as u32
    }
}

/// The booth's place on the public plan as a QR code, drawn as SVG.
fn qr_svg(url: &str) -> String {
    match QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn entries(p: &Projections, fair: &FairView, base: &str, with_qr: bool) -> Vec<Entry> {
    fair.booths
        .values()
        .filter_map(|b| {
            let r = b.holder.and_then(|id| p.registrations.get(&id))?;
            let a = &r.application;
            let mut organization = a.organization.clone();
            if !a.producers.is_empty() {
                let names: Vec<&str> = a.producers.iter().map(|p| p.organization.as_str()).collect();
                organization = format!("{organization}: {}", names.join(", "));
            }
            let products: Vec<String> = r.all_products().map(|p| p.name.clone()).collect();
            let day = fair.details.start_date;
            let code = b.booth.code.to_string();
            Some(Entry {
                qr: if with_qr {
                    qr_svg(&format!("{base}/fairs/{}?booth={code}", fair.id))
                } else {
                    String::new()
                },
                booth: code,
                zone: b.booth.zone.to_string(),
                organization,
                products: products.join(", "),
                stars: r
                    .valid_stars_on(day)
                    .map(|s| "★".repeat(s as usize))
                    .unwrap_or_default(),
            })
        })
        .collect()
}

async fn print(state: Data<AppState>, req: HttpRequest, path: Path<(String, String)>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let (fair, what) = path.into_inner();
    let what = match what.as_str() {
        "plan" => "plan",
        "exhibitors" => "exhibitors",
        "cards" => "cards",
        _ => return not_found_page(&req, "print.not_found"),
    };
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let base = crate::web::kit::client::Client::of(&req).base_url();
    let page = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let d = &view.details;
        let all = entries(&p, view, &base, what == "cards");
        let zones = if what == "exhibitors" {
            view.zones
                .values()
                .map(|z| ZoneList {
                    name: format!("{} · {}", z.code, z.name),
                    entries: all.iter().filter(|e| e.zone == z.code.as_str()).cloned().collect(),
                })
                .filter(|z| !z.entries.is_empty())
                .collect()
        } else {
            Vec::new()
        };
        PrintPage {
            lang,
            signed_in,
            switch_url,
            what,
            fair_id: view.id.to_string(),
            fair_name: d.name.clone(),
            subtitle: format!("{} · {} – {}", d.venue, date_vn(d.start_date), date_vn(d.end_date)),
            plan: (what == "plan").then(|| plan(view, &p.registrations, lang, None)),
            zones,
            cards: if what == "cards" { all } else { Vec::new() },
        }
    };
    render(StatusCode::OK, lang, &page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_qr_code_is_an_svg() {
        let svg = super::qr_svg("http://127.0.0.1:8080/fairs/ocop-ha-tinh-2022?booth=A01");
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }
}
