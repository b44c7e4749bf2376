//! The revenue review of a fair, from the projections: the totals, every breakdown (day,
//! booth, zone, exhibitor, producer, product group, commune, former district, stars), the
//! reporting rate and the comparison with the previous fair; as CSV and as a workbook
//! ([`workbook`]), with SVG charts ([`charts`]) for the pages.

pub mod charts;
pub mod workbook;

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use hoicho_projections::{valid_stars, FairView, Projections};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{date_vn, Lang};
use crate::spreadsheet::cell;

pub use workbook::to_xlsx;

/// One line of a breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Line {
    pub key: String,
    pub label: String,
    pub amount_vnd: i64,
    /// Of the fair's total, 0–1.
    pub share: f64,
}

#[derive(Serialize, ToSchema)]
pub struct DayReporting {
    pub day: NaiveDate,
    /// Exhibitors holding a booth that recorded sales that day.
    pub reported: usize,
    pub rate: f64,
}

#[derive(Serialize, ToSchema)]
pub struct Comparison {
    pub fair: String,
    pub name: String,
    pub total_vnd: i64,
    pub difference_vnd: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Revenue {
    pub fair: String,
    pub name: String,
    pub books_closed: bool,
    pub total_vnd: i64,
    pub transactions: u64,
    /// Sales of OCOP-certified goods (3★ and above, certificate valid on opening day).
    pub ocop_vnd: i64,
    pub ocop_share: f64,
    pub booths: usize,
    pub booths_allocated: usize,
    pub occupancy: f64,
    /// Exhibitors holding a booth.
    pub exhibitors: usize,
    pub reporting: Vec<DayReporting>,
    pub by_day: Vec<Line>,
    pub by_booth: Vec<Line>,
    pub by_zone: Vec<Line>,
    pub by_exhibitor: Vec<Line>,
    pub by_producer: Vec<Line>,
    pub by_product_group: Vec<Line>,
    pub by_commune: Vec<Line>,
    pub by_legacy_district: Vec<Line>,
    pub by_stars: Vec<Line>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// The fair's days, and each exhibitor's takings on each: the workbook's exhibitor × day
    /// sheet (the JSON has them by breakdown already).
    #[serde(skip)]
    pub days: Vec<NaiveDate>,
    #[serde(skip)]
    pub exhibitor_days: Vec<ExhibitorDays>,
    /// The districts before the 2025 reform that each `by_commune` line's exhibitors gave or
    /// were mapped from: the comparison with an edition before the reform shows them.
    #[serde(skip)]
    pub commune_districts: BTreeMap<String, std::collections::BTreeSet<String>>,
}

/// One exhibitor's takings by fair day.
pub struct ExhibitorDays {
    pub booths: String,
    pub organization: String,
    pub zone: String,
    /// In the order of [`Revenue::days`].
    pub by_day: Vec<i64>,
    pub total_vnd: i64,
}

pub const BREAKDOWNS: [&str; 9] = [
    "day",
    "booth",
    "zone",
    "exhibitor",
    "producer",
    "product_group",
    "commune",
    "legacy_district",
    "stars",
];

impl Revenue {
    pub fn breakdown(&self, by: &str) -> &[Line] {
        match by {
            "day" => &self.by_day,
            "booth" => &self.by_booth,
            "zone" => &self.by_zone,
            "exhibitor" => &self.by_exhibitor,
            "producer" => &self.by_producer,
            "product_group" => &self.by_product_group,
            "commune" => &self.by_commune,
            "legacy_district" => &self.by_legacy_district,
            _ => &self.by_stars,
        }
    }
}

fn lines(map: BTreeMap<String, (String, i64)>, total: i64, sort_by_amount: bool) -> Vec<Line> {
    let mut lines: Vec<Line> = map
        .into_iter()
        .map(|(key, (label, amount))| Line {
            share: if total > 0 {
                (amount as f64 / total as f64 * 1000.0).round() / 1000.0
            } else {
                0.0
            },
            key,
            label,
            amount_vnd: amount,
        })
        .collect();
    if sort_by_amount {
        lines.sort_by(|a, b| b.amount_vnd.cmp(&a.amount_vnd).then(a.key.cmp(&b.key)));
    }
    lines
}

/// Where an application comes from, as the review groups it: (the commune now — its code as
/// the key, its name and province as the label — and the former district). Written text that
/// names no commune known keeps its own line, marked.
pub fn locality(a: &hoicho_events::Application, vi: bool) -> ((String, String), String) {
    let units = crate::places::units();
    let address = &a.address;
    let resolved = units.resolve(&address.province, &address.commune, address.legacy_district.as_deref());
    let written_district = address.legacy_district.clone().filter(|d| !d.trim().is_empty());
    match resolved.commune() {
        Some(now) => {
            let province = units.province(&now.province_code).map_or("", |p| p.name.as_str());
            let district = match (&resolved, written_district) {
                (crate::places::Resolution::Before { was, .. }, _) => was.district.clone(),
                (_, Some(d)) => d,
                _ => match units.legacy_districts(&now.code).as_slice() {
                    [only] => only.clone(),
                    _ => "—".into(),
                },
            };
            ((now.code.clone(), format!("{}, {province}", now.name)), district)
        }
        None => {
            let unknown = if vi {
                "chưa xác định được xã"
            } else {
                "not a known commune"
            };
            (
                (
                    format!(
                        "?{}|{}",
                        crate::places::fold(&address.commune),
                        crate::places::fold(&address.province)
                    ),
                    format!("{}, {} ({unknown})", address.commune, address.province),
                ),
                written_district.unwrap_or_else(|| "—".into()),
            )
        }
    }
}

/// The revenue review of `fair` from the projections: every figure from running totals, so
/// it costs the same with a thousand entries or a million.
pub fn revenue(p: &Projections, fair: &FairView, lang: Lang) -> Revenue {
    let vi = lang == Lang::Vi;
    let opening = fair.details.start_date;
    let sales = p.sales.of_fair(&fair.id);
    let total = sales.map_or(0, |s| s.total_vnd);
    type Acc = BTreeMap<String, (String, i64)>;
    let add = |acc: &mut Acc, key: String, label: String, amount: i64| {
        acc.entry(key).or_insert((label, 0)).1 += amount;
    };
    let (mut booth, mut zone, mut exhibitor, mut producer, mut group, mut commune, mut district, mut stars) = (
        Acc::new(),
        Acc::new(),
        Acc::new(),
        Acc::new(),
        Acc::new(),
        Acc::new(),
        Acc::new(),
        Acc::new(),
    );
    let mut ocop = 0i64;
    let mut transactions = 0u64;
    let no_stars = if vi { "Chưa có sao OCOP" } else { "No OCOP stars" };
    let days: Vec<NaiveDate> = fair
        .details
        .start_date
        .iter_days()
        .take_while(|d| *d <= fair.details.end_date)
        .collect();
    let mut exhibitor_days = Vec::new();
    let mut commune_districts = BTreeMap::new();
    for (id, s) in sales.into_iter().flat_map(|s| s.registrations.iter()) {
        if s.total_vnd == 0 && s.entries.is_empty() {
            continue;
        }
        transactions += s.transactions;
        let Some(r) = p.registrations.get(id) else { continue };
        let a = &r.application;
        let booths = fair.held_by(id);
        let booth_key = if booths.is_empty() {
            "—".to_owned()
        } else {
            booths.iter().map(|b| b.as_str()).collect::<Vec<_>>().join("+")
        };
        add(&mut booth, booth_key.clone(), booth_key.clone(), s.total_vnd);
        let zone_code = booths
            .first()
            .and_then(|b| fair.booths.get(*b))
            .map(|b| b.booth.zone.clone());
        let (zone_key, zone_label) = match &zone_code {
            Some(z) => (
                z.to_string(),
                fair.zones
                    .get(z)
                    .map_or_else(|| z.to_string(), |zone| format!("{z} — {}", zone.name)),
            ),
            None => ("—".into(), "—".into()),
        };
        exhibitor_days.push(ExhibitorDays {
            booths: booth_key.clone(),
            organization: a.organization.clone(),
            zone: zone_label.clone(),
            by_day: days.iter().map(|d| s.by_day.get(d).copied().unwrap_or(0)).collect(),
            total_vnd: s.total_vnd,
        });
        add(&mut zone, zone_key, zone_label, s.total_vnd);
        add(&mut exhibitor, r.id.to_string(), a.organization.clone(), s.total_vnd);
        // By the commune in force now (ADR 024): an address written with a former commune's
        // name, or without diacritics, counts with its commune now; one that names none
        // known keeps its own line, said so.
        let (place, district_name) = locality(a, vi);
        commune_districts
            .entry(place.0.clone())
            .or_insert_with(std::collections::BTreeSet::new)
            .insert(district_name.clone());
        add(&mut commune, place.0, place.1, s.total_vnd);
        add(
            &mut district,
            crate::places::fold(&district_name),
            district_name,
            s.total_vnd,
        );
        // Split into what each producer sold and the rest, attributed to the registration's
        // own products.
        let mut slices: Vec<(String, i64, Option<u8>, Option<String>)> = Vec::new();
        let mut rest = s.total_vnd;
        for (name, amount) in &s.by_producer {
            rest -= amount;
            let maker = a.producers.iter().find(|p| &p.organization == name);
            let products = maker.map(|m| m.products.as_slice()).unwrap_or(&[]);
            slices.push((
                name.clone(),
                *amount,
                valid_stars(products.iter(), opening),
                products.first().map(|p| p.group.clone()),
            ));
        }
        if rest != 0 || slices.is_empty() {
            let own: Vec<&hoicho_events::Product> = if a.products.is_empty() {
                r.all_products().collect()
            } else {
                a.products.iter().collect()
            };
            slices.push((
                a.organization.clone(),
                rest,
                valid_stars(own.iter().copied(), opening),
                own.first().map(|p| p.group.clone()),
            ));
        }
        for (name, amount, star, product_group) in slices {
            add(&mut producer, name.clone(), name, amount);
            let (key, label) = match star {
                Some(n) => (format!("{n}"), format!("{n} ★")),
                None => ("0".into(), no_stars.into()),
            };
            add(&mut stars, key, label, amount);
            if star.is_some_and(|n| n >= 3) {
                ocop += amount;
            }
            let g = product_group.unwrap_or_else(|| "—".into());
            add(&mut group, g.clone(), group_name(&g, vi), amount);
        }
    }
    let by_day: Acc = sales
        .map(|s| {
            s.by_day
                .iter()
                .map(|(day, amount)| (day.to_string(), (date_vn(*day), *amount)))
                .collect()
        })
        .unwrap_or_default();
    let exhibitors = fair.holdings.len();
    let today = fair.today(Utc::now());
    let reporting = fair
        .details
        .start_date
        .iter_days()
        .take_while(|d| *d <= fair.details.end_date && *d <= today)
        .map(|day| {
            let reported = fair
                .holdings
                .keys()
                .filter(|id| {
                    sales
                        .and_then(|s| s.registrations.get(id))
                        .and_then(|r| r.entries_by_day.get(&day))
                        .is_some_and(|n| *n > 0)
                })
                .count();
            DayReporting {
                day,
                reported,
                rate: if exhibitors > 0 {
                    (reported as f64 / exhibitors as f64 * 1000.0).round() / 1000.0
                } else {
                    0.0
                },
            }
        })
        .collect();
    let booths_allocated = fair.booths.values().filter(|b| b.holder.is_some()).count();
    // The latest fair that ended before this one began.
    let comparison = p
        .fairs
        .by_id
        .values()
        .filter(|f| f.details.end_date < fair.details.start_date)
        .max_by_key(|f| f.details.end_date)
        .map(|earlier| {
            let before = p.sales.of_fair(&earlier.id).map_or(0, |s| s.total_vnd);
            Comparison {
                fair: earlier.id.to_string(),
                name: earlier.details.name.clone(),
                total_vnd: before,
                difference_vnd: total - before,
            }
        });
    let share = |part: i64| {
        if total > 0 {
            (part as f64 / total as f64 * 1000.0).round() / 1000.0
        } else {
            0.0
        }
    };
    Revenue {
        fair: fair.id.to_string(),
        name: fair.details.name.clone(),
        books_closed: fair.books_closed,
        total_vnd: total,
        transactions,
        ocop_vnd: ocop,
        ocop_share: share(ocop),
        booths: fair.booths.len(),
        booths_allocated,
        occupancy: if fair.booths.is_empty() {
            0.0
        } else {
            (booths_allocated as f64 / fair.booths.len() as f64 * 1000.0).round() / 1000.0
        },
        exhibitors,
        reporting,
        by_day: lines(by_day, total, false),
        by_booth: lines(booth, total, true),
        by_zone: lines(zone, total, true),
        by_exhibitor: lines(exhibitor, total, true),
        by_producer: lines(producer, total, true),
        by_product_group: lines(group, total, true),
        by_commune: lines(commune, total, true),
        by_legacy_district: lines(district, total, true),
        by_stars: lines(stars, total, false),
        comparison,
        days,
        exhibitor_days: {
            exhibitor_days.sort_by(|a, b| a.booths.cmp(&b.booths).then(a.organization.cmp(&b.organization)));
            exhibitor_days
        },
        commune_districts,
    }
}

/// The OCOP product groups of Decision 148/QĐ-TTg.
pub fn group_name(code: &str, vi: bool) -> String {
    let (v, e) = match code {
        "I" => ("Thực phẩm", "Food"),
        "II" => ("Đồ uống", "Drinks"),
        "III" => (
            "Dược liệu và sản phẩm từ dược liệu",
            "Medicinal herbs and their products",
        ),
        "IV" => ("Thủ công mỹ nghệ", "Handicrafts"),
        "V" => ("Sinh vật cảnh", "Ornamental plants and animals"),
        "VI" => ("Dịch vụ du lịch cộng đồng", "Community tourism"),
        _ => return code.to_owned(),
    };
    format!("{code} — {}", if vi { v } else { e })
}

/// The report as CSV: UTF-8 with a byte-order mark so Excel reads the Vietnamese right, and
/// no text cell a spreadsheet would run as a formula.
///
/// With `excel_vi`, the layout Excel set to Vietnamese opens as columns: `;` between cells
/// and a decimal comma (that Excel reads `,` as the decimal separator, not between cells).
pub fn to_csv(
    report: &Revenue,
    by: Option<&str>,
    lang: Lang,
    excel_vi: bool,
) -> std::result::Result<Vec<u8>, csv::Error> {
    let vi = lang == Lang::Vi;
    let mut out = Vec::from("\u{feff}".as_bytes());
    let decimal = |text: String| if excel_vi { text.replace('.', ",") } else { text };
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if excel_vi { b';' } else { b',' })
            .from_writer(&mut out);
        w.write_record(if vi {
            ["bảng", "mã", "tên", "doanh thu (đồng)", "tỷ lệ"]
        } else {
            ["breakdown", "key", "label", "amount_vnd", "share"]
        })?;
        let breakdowns: Vec<&str> = match by {
            Some(by) => vec![by],
            None => BREAKDOWNS.to_vec(),
        };
        for b in breakdowns {
            for line in report.breakdown(b) {
                // Keys and labels are people's text (an organization's name): never a formula.
                w.write_record([
                    b,
                    &cell(&line.key),
                    &cell(&line.label),
                    &line.amount_vnd.to_string(),
                    &decimal(format!("{:.3}", line.share)),
                ])?;
            }
            w.write_record([
                b,
                "",
                if vi { "Tổng cộng" } else { "Total" },
                &report.total_vnd.to_string(),
                &decimal("1.000".to_owned()),
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::locality;

    fn application(address: serde_json::Value) -> hoicho_events::Application {
        serde_json::from_value(serde_json::json!({
            "organization": "HTX Chè Đức Lạng", "producer_type": "htx", "representative": "Nguyễn Văn An",
            "phone": "+84912345678", "email": "htx@example.vn", "language": "vi", "address": address,
            "products": [{"name": "Chè xanh", "group": "II", "stars": 3}], "booth_request": {"count": 1}
        }))
        .unwrap()
    }

    #[test]
    fn applications_count_with_the_commune_now_however_it_was_written() {
        // Three spellings of one place, the last its name before the reform: one line.
        let lines: Vec<_> = [
            serde_json::json!({"commune": "Xã Đức Đồng", "province": "Tỉnh Hà Tĩnh"}),
            serde_json::json!({"commune": "duc dong", "province": "ha tinh"}),
            serde_json::json!({"commune": "Đức Lạng", "province": "Hà Tĩnh", "legacy_district": "Đức Thọ"}),
        ]
        .into_iter()
        .map(|address| locality(&application(address), true))
        .collect();
        for (place, district) in &lines {
            assert_eq!(place.0, "18304");
            assert_eq!(place.1, "Xã Đức Đồng, Tỉnh Hà Tĩnh");
            assert!(crate::places::fold(district) == "duc tho", "{district}");
        }
        // A place no list has: its own line, said so.
        let (place, district) = locality(
            &application(serde_json::json!({"commune": "Xóm Núi", "province": "Hà Tĩnh"})),
            true,
        );
        assert!(place.0.starts_with('?'));
        assert_eq!(place.1, "Xóm Núi, Hà Tĩnh (chưa xác định được xã)");
        assert_eq!(district, "—");
    }
}
