//! The post-fair report ("báo cáo kết quả hội chợ"): participation, products, visitors, the
//! revenue review with every breakdown, the comparison with an earlier edition (localities
//! by their commune since the 2025 reform, the district before it beside), agreements,
//! awards, side events, notes, and what is still missing. Made from the projections and
//! [`crate::revenue::revenue`] itself, so its numbers are the review's; drawn as a page, a
//! printable A4 page and a Word document ([`docx`]).

pub mod blocks;
pub mod docx;

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use hoicho_events::{AgreementKind, CountMethod};
use hoicho_projections::{valid_stars, FairView, Projections};
use serde::Serialize;

use crate::i18n::{date_vn, Lang};
use crate::revenue::{revenue, Line, Revenue};

/// How many of something, and their share of the whole.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visitors {
    pub day: NaiveDate,
    pub visitors: u32,
    pub method: CountMethod,
    pub source: String,
}

/// One locality in both editions, by its commune now.
#[derive(Debug, Clone, Serialize)]
pub struct LocalityChange {
    pub key: String,
    pub label: String,
    /// The districts the earlier edition's exhibitors from there gave (before the reform).
    pub districts_before: Vec<String>,
    pub before_vnd: i64,
    pub now_vnd: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edition {
    pub fair: String,
    pub name: String,
    pub start_date: NaiveDate,
    pub total_vnd: i64,
    pub exhibitors: usize,
    pub visitors: u64,
    pub localities: Vec<LocalityChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub kind: AgreementKind,
    pub parties: String,
    pub exhibitors: Vec<String>,
    pub products: String,
    pub value_vnd: Option<i64>,
    pub signed_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Award {
    pub name: String,
    pub exhibitor: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideEvent {
    pub day: NaiveDate,
    pub title: String,
    pub participants: Option<u32>,
    pub note: String,
}

#[derive(Serialize)]
pub struct Report {
    pub fair: String,
    pub name: String,
    pub venue: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub made_on: NaiveDate,
    /// Any sales recorded at all: without, the revenue tables are empty and the report says so.
    pub sales_recorded: bool,
    /// Exhibitors holding a booth.
    pub exhibitors: usize,
    pub by_province: Vec<Count>,
    pub by_producer_type: Vec<Count>,
    pub products: u64,
    /// Products with 3★ or more on a certificate valid on the first day.
    pub ocop_products: u64,
    pub products_by_group: Vec<Count>,
    pub products_by_stars: Vec<Count>,
    pub visitors: Vec<Visitors>,
    pub visitors_total: u64,
    /// The revenue review, whole: every figure of the report's revenue tables is one of it.
    pub revenue: Revenue,
    pub top_exhibitors: Vec<Line>,
    pub previous: Option<Edition>,
    pub agreements: Vec<Agreement>,
    pub contracts: usize,
    pub memoranda: usize,
    pub agreements_value_vnd: i64,
    pub awards: Vec<Award>,
    pub side_events: Vec<SideEvent>,
    pub notes: String,
    /// What the report cannot say yet, in the reader's language.
    pub missing: Vec<String>,
}

/// How many exhibitors the report lists as its top.
pub const TOP: usize = 10;

fn counts(map: BTreeMap<String, (String, u64)>, sort: bool) -> Vec<Count> {
    let total: u64 = map.values().map(|(_, n)| n).sum();
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(key, (label, count))| Count {
            key,
            label,
            count,
            share: if total > 0 {
                (count as f64 / total as f64 * 1000.0).round() / 1000.0
            } else {
                0.0
            },
        })
        .collect();
    if sort {
        out.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    }
    out
}

/// The fairs an edition may be compared with: those that ended before `fair` began, the
/// latest first.
pub fn earlier_editions<'a>(p: &'a Projections, fair: &FairView) -> Vec<&'a FairView> {
    let mut earlier: Vec<&FairView> = p
        .fairs
        .by_id
        .values()
        .filter(|f| f.details.end_date < fair.details.start_date)
        .collect();
    earlier.sort_by(|a, b| b.details.end_date.cmp(&a.details.end_date).then(a.id.cmp(&b.id)));
    earlier
}

/// The report of `fair`, compared with `previous` (the latest earlier edition if `None`;
/// none if `Some("")`).
pub fn report(p: &Projections, fair: &FairView, previous: Option<&str>, lang: Lang) -> Report {
    let vi = lang == Lang::Vi;
    let say = |v: String, e: String| if vi { v } else { e };
    let review = revenue(p, fair, lang);
    let opening = fair.details.start_date;
    let units = crate::places::units();
    // Participation and products: every exhibitor holding a booth.
    let (mut provinces, mut types, mut groups, mut stars) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let (mut products, mut ocop_products) = (0u64, 0u64);
    let bump = |map: &mut BTreeMap<String, (String, u64)>, key: String, label: String| {
        map.entry(key).or_insert((label, 0)).1 += 1;
    };
    for id in fair.holdings.iter().filter(|(_, b)| !b.is_empty()).map(|(id, _)| id) {
        let Some(r) = p.registrations.get(id) else { continue };
        let a = &r.application;
        let (key, label) = match units.province_named(&a.address.province) {
            Some(province) => (province.code.clone(), province.name.clone()),
            None => (
                format!("?{}", crate::places::fold(&a.address.province)),
                a.address.province.clone(),
            ),
        };
        bump(&mut provinces, key, label);
        let code = a.producer_type.code();
        bump(&mut types, code.to_owned(), lang.t(&format!("pt.{code}")).to_owned());
        for product in r.all_products() {
            products += 1;
            bump(
                &mut groups,
                product.group.clone(),
                crate::revenue::group_name(&product.group, vi),
            );
            match valid_stars(std::iter::once(product), opening) {
                Some(n) => {
                    if n >= 3 {
                        ocop_products += 1;
                    }
                    bump(&mut stars, n.to_string(), format!("{n} ★"));
                }
                None => bump(
                    &mut stars,
                    "0".into(),
                    say("Chưa có sao OCOP".into(), "No OCOP stars".into()),
                ),
            }
        }
    }
    let results = p.results.of_fair(&fair.id);
    let visitors: Vec<Visitors> = results
        .map(|r| {
            r.visitors
                .iter()
                .map(|(day, v)| Visitors {
                    day: *day,
                    visitors: v.visitors,
                    method: v.method,
                    source: v.source.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let organization = |id: &hoicho_events::RegistrationId| {
        p.registrations
            .get(id)
            .map(|r| r.application.organization.clone())
            .unwrap_or_default()
    };
    let agreements: Vec<Agreement> = results
        .map(|r| {
            r.agreements
                .iter()
                .map(|a| Agreement {
                    kind: a.kind,
                    parties: a.parties.clone(),
                    exhibitors: a.exhibitors.iter().map(organization).collect(),
                    products: a.products.clone(),
                    value_vnd: a.value_vnd,
                    signed_on: a.signed_on,
                })
                .collect()
        })
        .unwrap_or_default();
    // The earlier edition, by the commune each locality is in now.
    let chosen = match previous {
        Some("") => None,
        Some(id) => p.fairs.get(id).filter(|f| f.details.end_date < fair.details.start_date),
        None => earlier_editions(p, fair).first().copied(),
    };
    let previous = chosen.map(|before| {
        let old = revenue(p, before, lang);
        let mut localities: BTreeMap<String, LocalityChange> = BTreeMap::new();
        for (line, now) in old
            .by_commune
            .iter()
            .map(|l| (l, false))
            .chain(review.by_commune.iter().map(|l| (l, true)))
        {
            let entry = localities.entry(line.key.clone()).or_insert_with(|| LocalityChange {
                key: line.key.clone(),
                label: line.label.clone(),
                districts_before: old
                    .commune_districts
                    .get(&line.key)
                    .map(|d| d.iter().filter(|d| d.as_str() != "—").cloned().collect())
                    .unwrap_or_default(),
                before_vnd: 0,
                now_vnd: 0,
            });
            if now {
                entry.now_vnd += line.amount_vnd;
            } else {
                entry.before_vnd += line.amount_vnd;
            }
        }
        let mut localities: Vec<LocalityChange> = localities.into_values().collect();
        localities.sort_by(|a, b| {
            b.now_vnd
                .cmp(&a.now_vnd)
                .then(b.before_vnd.cmp(&a.before_vnd))
                .then(a.key.cmp(&b.key))
        });
        Edition {
            fair: before.id.to_string(),
            name: before.details.name.clone(),
            start_date: before.details.start_date,
            total_vnd: old.total_vnd,
            exhibitors: old.exhibitors,
            visitors: p.results.of_fair(&before.id).map_or(0, |r| r.visitors_total()),
            localities,
        }
    });
    let missing = missing(p, fair, &review, &visitors, lang);
    let visitors_total = visitors.iter().map(|v| u64::from(v.visitors)).sum();
    Report {
        fair: fair.id.to_string(),
        name: fair.details.name.clone(),
        venue: fair.details.venue.clone(),
        start_date: fair.details.start_date,
        end_date: fair.details.end_date,
        made_on: fair.today(Utc::now()),
        sales_recorded: p.sales.of_fair(&fair.id).is_some_and(|s| s.entries > 0),
        exhibitors: review.exhibitors,
        by_province: counts(provinces, true),
        by_producer_type: counts(types, true),
        products,
        ocop_products,
        products_by_group: counts(groups, false),
        products_by_stars: counts(stars, false),
        visitors_total,
        visitors,
        top_exhibitors: review.by_exhibitor.iter().take(TOP).cloned().collect(),
        previous,
        contracts: agreements.iter().filter(|a| a.kind == AgreementKind::Contract).count(),
        memoranda: agreements
            .iter()
            .filter(|a| a.kind == AgreementKind::Memorandum)
            .count(),
        agreements_value_vnd: agreements.iter().filter_map(|a| a.value_vnd).sum(),
        agreements,
        awards: results
            .map(|r| {
                r.awards
                    .iter()
                    .map(|a| Award {
                        name: a.name.clone(),
                        exhibitor: organization(&a.registration_id),
                        note: a.note.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        side_events: results
            .map(|r| {
                r.side_events
                    .iter()
                    .map(|e| SideEvent {
                        day: e.day,
                        title: e.title.clone(),
                        participants: e.participants,
                        note: e.note.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        notes: results.map(|r| r.notes.clone()).unwrap_or_default(),
        missing,
        revenue: review,
    }
}

/// `24/01`: a fair day as a report names it.
pub fn day_month(day: NaiveDate) -> String {
    day.format("%d/%m").to_string()
}

/// What the report cannot say yet: sales not recorded, days an exhibitor did not report,
/// days without a visitor count, addresses that name no commune, books still open.
fn missing(p: &Projections, fair: &FairView, review: &Revenue, visitors: &[Visitors], lang: Lang) -> Vec<String> {
    let vi = lang == Lang::Vi;
    let mut out = Vec::new();
    let today = fair.today(Utc::now());
    if today < fair.details.start_date {
        out.push(if vi {
            format!(
                "Hội chợ chưa bắt đầu (khai mạc ngày {}).",
                date_vn(fair.details.start_date)
            )
        } else {
            format!(
                "The fair has not begun (it opens on {}).",
                date_vn(fair.details.start_date)
            )
        });
    }
    if p.sales.of_fair(&fair.id).is_none_or(|s| s.entries == 0) {
        out.push(if vi {
            "Chưa có doanh thu nào được ghi nhận: các bảng doanh thu còn trống.".to_owned()
        } else {
            "No sales have been recorded: the revenue tables are empty.".to_owned()
        });
    }
    for day in &review.reporting {
        let not = review.exhibitors.saturating_sub(day.reported);
        if not > 0 {
            out.push(if vi {
                format!("{not} đơn vị chưa báo cáo doanh thu ngày {}.", day_month(day.day))
            } else {
                format!("{not} exhibitor(s) have not reported {}.", day_month(day.day))
            });
        }
    }
    let uncounted: Vec<String> = fair
        .details
        .start_date
        .iter_days()
        .take_while(|d| *d <= fair.details.end_date && *d <= today)
        .filter(|d| !visitors.iter().any(|v| v.day == *d))
        .map(day_month)
        .collect();
    if !uncounted.is_empty() {
        out.push(if vi {
            format!("Chưa nhập lượt khách ngày {}.", uncounted.join(", "))
        } else {
            format!("No visitor count for {}.", uncounted.join(", "))
        });
    }
    let unresolved = review.by_commune.iter().filter(|l| l.key.starts_with('?')).count();
    if unresolved > 0 {
        out.push(if vi {
            format!("{unresolved} địa chỉ chưa xác định được xã, phường: doanh thu theo địa phương tính riêng.")
        } else {
            format!("{unresolved} address(es) name no known commune: they have lines of their own.")
        });
    }
    if !fair.books_closed && today >= fair.details.start_date {
        out.push(if vi {
            "Sổ doanh thu chưa khóa: số liệu còn có thể thay đổi.".to_owned()
        } else {
            "The books are not closed: the figures may still change.".to_owned()
        });
    }
    out
}
