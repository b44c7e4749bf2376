//! A fair's floor plan as the pages draw it (SVG): zones, booths with their status and
//! holder, for the public fair page and the organizers' board alike.

use std::collections::{BTreeMap, HashMap};

use hoicho_projections::{BoothStatus, FairView};

use crate::i18n::{metres, money_vnd, Lang};

pub struct ZoneBox {
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

pub struct BoothBox {
    pub code: String,
    pub zone: String,
    pub zone_name: String,
    pub kind: String,
    pub size: String,
    pub price: String,
    pub status: &'static str,
    pub status_text: String,
    pub title: String,
    /// Who is there: the organization, and a delegation's producers.
    pub exhibitor: String,
    /// What they sell, with OCOP stars.
    pub products: String,
    pub selected: bool,
    /// It has an electric outlet.
    pub power: bool,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub cx: f64,
    pub cy: f64,
}

/// A plain shape on the plan (an aisle, the entrance, the stage, toilets, a label).
pub struct ShapeBox {
    pub kind: String,
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub cx: f64,
    pub cy: f64,
}

/// The floor plan in plan metres: the SVG's viewBox is the booths' extent plus a margin.
pub struct Plan {
    pub view_box: String,
    /// The width the plan is drawn at, at least: 16 px a metre, so a booth's code (0.75 m)
    /// reads at 12 px and a 3 m booth is 48 px to tap; a wider plan scrolls in its frame.
    pub min_width_px: u32,
    pub zones: Vec<ZoneBox>,
    pub booths: Vec<BoothBox>,
    /// The hall's outline, when the plan has one: (width, depth).
    pub hall: Option<(f64, f64)>,
    pub shapes: Vec<ShapeBox>,
    pub available: usize,
    pub allocated: usize,
    pub blocked: usize,
    /// When the fair's last day ends (milliseconds since the epoch): the live plan stops
    /// asking for changes after it.
    pub live_until_ms: i64,
    /// The statuses in the page's words, for the live plan to write as text, not only colour.
    pub words: String,
}

fn status_key(status: BoothStatus) -> &'static str {
    match status {
        BoothStatus::Available => "available",
        BoothStatus::Allocated => "allocated",
        BoothStatus::Blocked => "blocked",
    }
}

/// Who holds a booth and what they sell, as the public may see it.
fn exhibitor_of(
    registrations: &hoicho_projections::Registrations,
    view: &hoicho_projections::BoothView,
) -> (String, String) {
    let Some(r) = view.holder.and_then(|id| registrations.get(&id)) else {
        return (String::new(), String::new());
    };
    let a = &r.application;
    let mut exhibitor = a.organization.clone();
    if !a.producers.is_empty() {
        let producers: Vec<&str> = a.producers.iter().map(|p| p.organization.as_str()).collect();
        exhibitor = format!("{exhibitor}: {}", producers.join(", "));
    }
    let products: Vec<String> = r
        .all_products()
        .map(|p| match p.stars {
            Some(stars) => format!("{} {}", p.name, "★".repeat(stars as usize)),
            None => p.name.clone(),
        })
        .collect();
    (exhibitor, products.join(", "))
}

/// The least scale a plan is drawn at on screen.
const PX_PER_METRE: f64 = 16.0;

pub fn plan(
    fair: &FairView,
    registrations: &hoicho_projections::Registrations,
    lang: Lang,
    selected: Option<&str>,
) -> Plan {
    plan_of(fair, registrations, lang, selected, None)
}

/// The plan, or one zone of it (`only`): that zone's booths drawn alone, framed tight, for a
/// phone to show a zone at a legible size without scrolling the whole hall.
pub fn plan_of(
    fair: &FairView,
    registrations: &hoicho_projections::Registrations,
    lang: Lang,
    selected: Option<&str>,
    only: Option<&str>,
) -> Plan {
    let margin = 1.5;
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut extents: BTreeMap<&str, (f64, f64, f64, f64)> = BTreeMap::new();
    let mut booths = Vec::with_capacity(fair.booths.len());
    let mut counts: HashMap<BoothStatus, usize> = HashMap::new();
    for view in fair.booths.values() {
        let b = &view.booth;
        if only.is_some_and(|zone| b.zone.as_str() != zone) {
            continue;
        }
        *counts.entry(view.status).or_insert(0) += 1;
        min_x = min_x.min(b.x);
        min_y = min_y.min(b.y);
        max_x = max_x.max(b.x + b.width_m);
        max_y = max_y.max(b.y + b.depth_m);
        let e = extents
            .entry(b.zone.as_str())
            .or_insert((f64::MAX, f64::MAX, f64::MIN, f64::MIN));
        *e = (
            e.0.min(b.x),
            e.1.min(b.y),
            e.2.max(b.x + b.width_m),
            e.3.max(b.y + b.depth_m),
        );
        let zone_name = fair
            .zones
            .get(&b.zone)
            .map_or_else(|| b.zone.to_string(), |z| z.name.clone());
        let kind_key = format!("kind.{}", b.kind);
        let kind = match lang.t(&kind_key) {
            same if same == kind_key => b.kind.clone(),
            text => text.to_owned(),
        };
        let size = format!("{} × {} m", metres(b.width_m), metres(b.depth_m));
        let status = status_key(view.status);
        let status_text = lang.t(&format!("status.{status}")).to_owned();
        let (exhibitor, products) = exhibitor_of(registrations, view);
        let title = if exhibitor.is_empty() {
            format!("{} · {} · {} · {}", b.code, zone_name, size, status_text)
        } else {
            format!("{} · {} · {}", b.code, exhibitor, products)
        };
        booths.push(BoothBox {
            title,
            exhibitor,
            products,
            selected: selected == Some(b.code.as_str()),
            power: b.power,
            code: b.code.to_string(),
            zone: b.zone.to_string(),
            zone_name,
            kind,
            size,
            price: money_vnd(b.price_vnd),
            status,
            status_text,
            x: b.x,
            y: b.y,
            width: b.width_m,
            height: b.depth_m,
            cx: b.x + b.width_m / 2.0,
            cy: b.y + b.depth_m / 2.0,
        });
    }
    let zones = extents
        .into_iter()
        .map(|(code, (x0, y0, x1, y1))| {
            let label = fair
                .zones
                .get(&hoicho_events::ZoneCode::new_unchecked(code))
                .map_or_else(|| code.to_owned(), |z| format!("{} · {}", z.code, z.name));
            ZoneBox {
                label,
                x: x0 - 0.3,
                y: y0 - 0.3,
                width: x1 - x0 + 0.6,
                height: y1 - y0 + 0.6,
            }
        })
        .collect();
    let hall = fair
        .floor
        .hall
        .filter(|_| only.is_none())
        .map(|h| (h.width_m, h.depth_m));
    let shapes: Vec<ShapeBox> = fair
        .floor
        .shapes
        .iter()
        .filter(|_| only.is_none())
        .map(|s| {
            let label = match s.label.as_str() {
                "" => lang.t(&format!("shape.{}", s.kind)).to_owned(),
                text => text.to_owned(),
            };
            ShapeBox {
                kind: s.kind.clone(),
                label,
                x: s.x,
                y: s.y,
                width: s.width_m,
                height: s.depth_m,
                cx: s.x + s.width_m / 2.0,
                cy: s.y + s.depth_m / 2.0,
            }
        })
        .collect();
    if booths.is_empty() && hall.is_none() && shapes.is_empty() {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 10.0, 10.0);
    }
    if let Some((w, d)) = hall {
        (min_x, min_y, max_x, max_y) = (min_x.min(0.0), min_y.min(0.0), max_x.max(w), max_y.max(d));
    }
    for s in &shapes {
        (min_x, min_y, max_x, max_y) = (
            min_x.min(s.x),
            min_y.min(s.y),
            max_x.max(s.x + s.width),
            max_y.max(s.y + s.height),
        );
    }
    let width_m = max_x - min_x + 2.0 * margin;
    Plan {
        min_width_px: (width_m * PX_PER_METRE).ceil().clamp(640.0, 20_000.0) as u32,
        view_box: format!(
            "{} {} {} {}",
            min_x - margin,
            min_y - margin - 0.8,
            max_x - min_x + 2.0 * margin,
            max_y - min_y + 2.0 * margin + 0.8
        ),
        zones,
        booths,
        hall,
        shapes,
        available: counts.get(&BoothStatus::Available).copied().unwrap_or(0),
        allocated: counts.get(&BoothStatus::Allocated).copied().unwrap_or(0),
        blocked: counts.get(&BoothStatus::Blocked).copied().unwrap_or(0),
        live_until_ms: fair
            .at(
                fair.details.end_date.succ_opt().unwrap_or(fair.details.end_date),
                chrono::NaiveTime::MIN,
            )
            .timestamp_millis(),
        words: serde_json::json!({
            "available": lang.t("status.available"),
            "allocated": lang.t("status.allocated"),
            "blocked": lang.t("status.blocked"),
        })
        .to_string(),
    }
}
