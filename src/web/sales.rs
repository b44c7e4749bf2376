//! Daily sales tallies (exhibitors through their private link, organizers on their behalf),
//! the closing of the books, and the revenue review with its breakdowns and CSV export.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use hoicho_events::{streams, FairId, RegistrationId};
use hoicho_projections::{FairView, Projections, RegistrationView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{ApiError, ErrorResponse, Result};
use super::extract::{json_body, write_context, Body, Organizer};
use super::i18n::{date_vn, Lang};
use super::input::Check;
use super::registrations::{caller_for, optional_json, parse_id, Caller};
use super::write::{replay, settle, Written};
use crate::app::AppState;
use crate::domain::execute;
use crate::domain::execute::execute_appending;
use crate::domain::fair::FairCommand;
use crate::domain::sales::{decide, SalesCommand, SalesState, Situation, MAX_ENTRY_VND};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/registrations/{id}/sales")
            .route(web::post().to(record))
            .route(web::get().to(list)),
    )
    .route("/registrations/{id}/sales/{entry}/void", web::post().to(void))
    .route("/fairs/{fair}/books/close", web::post().to(close_books))
    .route("/fairs/{fair}/books/reopen", web::post().to(reopen_books))
    .route("/fairs/{fair}/revenue", web::get().to(revenue_handler));
}

/// Today in the fair's time zone.
pub fn fair_today(fair: &FairView) -> NaiveDate {
    match fair.details.time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => Utc::now().with_timezone(&tz).date_naive(),
        Err(_) => Utc::now().date_naive(),
    }
}

/// What the sales rules need from outside the sales stream.
pub fn situation(p: &Projections, registration: &RegistrationView) -> Option<Situation> {
    let fair = p.fairs.by_id.get(&registration.fair_id)?;
    Some(Situation {
        fair_id: fair.id.clone(),
        registration_id: registration.id,
        first_day: fair.details.start_date,
        last_day: fair.details.end_date,
        today: fair_today(fair),
        books_closed: fair.books_closed,
        holds_booth: !fair.held_by(&registration.id).is_empty(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct Recorded {
    entry_id: String,
    position: u64,
    /// The exhibitor's total after the entry.
    total_vnd: i64,
}

fn recorded_response(state: &AppState, w: &Written, fair: &FairId, registration: &RegistrationId) -> HttpResponse {
    let entry = w.events.iter().find_map(|e| match e {
        hoicho_events::Event::SaleRecorded(r) => Some(r.entry_id.to_string()),
        hoicho_events::Event::SaleVoided(v) => Some(v.entry_id.to_string()),
        _ => None,
    });
    let total = state.read().sales.of(fair, registration).map_or(0, |s| s.total_vnd);
    HttpResponse::Created().json(Recorded {
        entry_id: entry.unwrap_or_default(),
        position: w.position,
        total_vnd: total,
    })
}

/// The checked fields of a sales entry.
pub struct EntryInput {
    pub day: NaiveDate,
    pub amount_vnd: i64,
    pub transactions: Option<u32>,
    pub producer: Option<String>,
    pub note: Option<String>,
}

/// Checks an entry's fields, naming every bad one: the day within the fair and come, the
/// amount a whole number of đồng, the producer one of the delegation's.
pub fn parse_entry(
    value: &serde_json::Value,
    registration: &RegistrationView,
    situation: &Situation,
    lang: Lang,
) -> Result<EntryInput> {
    let mut check = Check::new(lang);
    let obj = check.object(value, "", &["day", "amount_vnd", "transactions", "producer", "note"]);
    let Some(obj) = obj else {
        check.finish()?;
        return Err(ApiError::internal());
    };
    let day = check.date(obj, "", "day");
    if let Some(day) = day {
        if day < situation.first_day || day > situation.last_day {
            check.fail2(
                "day",
                format!(
                    "không phải ngày hội chợ ({} – {})",
                    date_vn(situation.first_day),
                    date_vn(situation.last_day)
                ),
                format!(
                    "is not a day of the fair ({} – {})",
                    date_vn(situation.first_day),
                    date_vn(situation.last_day)
                ),
            );
        } else if day > situation.today {
            check.fail2("day", "ngày này chưa đến", "that day has not come yet");
        }
    }
    let amount = check.integer(obj, "", "amount_vnd", 0, MAX_ENTRY_VND, true);
    let transactions = check
        .integer(obj, "", "transactions", 0, 1_000_000, false)
        .map(|n| n as u32);
    let producer = check.text(obj, "", "producer", 200, false);
    if let Some(name) = &producer {
        let known = registration
            .application
            .producers
            .iter()
            .any(|p| &p.organization == name);
        if !known {
            check.fail2(
                "producer",
                "không phải chủ thể trong đoàn của đơn này",
                "is not one of this delegation's producers",
            );
        }
    }
    let note = check.text(obj, "", "note", 500, false);
    check.finish()?;
    match (day, amount) {
        (Some(day), Some(amount_vnd)) => Ok(EntryInput {
            day,
            amount_vnd,
            transactions,
            producer,
            note,
        }),
        _ => Err(ApiError::internal()),
    }
}

/// Runs a sales command for `caller` and answers with the entry.
async fn sales_write(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: RegistrationId,
    body: &Body,
    command: impl FnOnce(&crate::domain::CommandContext, &RegistrationView, &Situation) -> Result<SalesCommand>,
) -> Result<HttpResponse> {
    let ctx = write_context(req, caller.actor(), &caller.principal(), &body.0)?;
    let (fair, situation, command) = {
        let p = state.read();
        let registration = p
            .registrations
            .get(&id)
            .ok_or_else(|| ApiError::not_found("registration"))?;
        let situation = situation(&p, registration).ok_or_else(|| ApiError::not_found("fair"))?;
        (
            registration.fair_id.clone(),
            situation.clone(),
            command(&ctx, registration, &situation),
        )
    };
    if let Some(first) = replay(state, &ctx).await? {
        return Ok(recorded_response(state, &first, &fair, &id));
    }
    let command = command?;
    let stream = streams::sales(&fair, &id);
    let decision = |s: &SalesState| decide(s, &situation, &command);
    let outcome = match &command {
        // A new entry stands alone: append it without reading the exhibitor's past entries.
        SalesCommand::Record { .. } => execute_appending(&*state.store, &stream, &ctx, decision).await?,
        SalesCommand::Void { .. } => execute(&*state.store, &stream, &ctx, None, decision).await?,
    };
    let written = settle(state, outcome).await;
    Ok(recorded_response(state, &written, &fair, &id))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/sales", tag = "sales",
    request_body(content = Object, description = "{day: YYYY-MM-DD, amount_vnd: whole đồng, transactions?, producer?, note?}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Recorded), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "books_closed, no_booth"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn record(state: Data<AppState>, req: HttpRequest, id: Path<String>, body: Body) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    let lang = Lang::of(&req);
    let value = json_body(&req, &body)?;
    sales_write(&state, &req, &caller, id, &body, |ctx, registration, situation| {
        let input = parse_entry(&value, registration, situation, lang)?;
        Ok(SalesCommand::Record {
            entry_id: ctx.new_id("sale"),
            day: input.day,
            amount_vnd: input.amount_vnd,
            transactions: input.transactions,
            producer: input.producer,
            note: input.note,
        })
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/sales/{entry}/void", tag = "sales",
    request_body(content = Object, description = "{reason}"),
    responses((status = 201, body = Recorded), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "books_closed, already_voided"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn void(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (id, entry) = path.into_inner();
    let id = parse_id(&id)?;
    let caller = caller_for(&state, &req, id)?;
    let entry: Uuid = entry.parse().map_err(|_| ApiError::not_found("entry"))?;
    let lang = Lang::of(&req);
    let value = optional_json(&req, &body)?;
    sales_write(&state, &req, &caller, id, &body, |_, _, _| {
        let mut check = Check::new(lang);
        let reason = check
            .object(&value, "", &["reason"])
            .and_then(|o| check.text(o, "", "reason", 500, true));
        check.finish()?;
        Ok(SalesCommand::Void {
            entry_id: entry,
            reason: reason.unwrap_or_default(),
        })
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    entry_id: String,
    day: NaiveDate,
    amount_vnd: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    transactions: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    producer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    recorded_at: chrono::DateTime<Utc>,
    /// Why it was voided; absent for a live entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    voided: Option<String>,
    /// False for an entry that arrived after the books closed (kept, never counted).
    counted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DayTotal {
    day: NaiveDate,
    amount_vnd: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SalesOut {
    registration: String,
    total_vnd: i64,
    transactions: u64,
    by_day: Vec<DayTotal>,
    entries: Vec<EntryOut>,
    books_closed: bool,
}

impl SalesOut {
    pub fn total_vnd_value(&self) -> i64 {
        self.total_vnd
    }
}

pub fn sales_out(p: &Projections, registration: &RegistrationView) -> SalesOut {
    let sales = p.sales.of(&registration.fair_id, &registration.id);
    let books_closed = p.fairs.by_id.get(&registration.fair_id).is_some_and(|f| f.books_closed);
    SalesOut {
        registration: registration.id.to_string(),
        total_vnd: sales.map_or(0, |s| s.total_vnd),
        transactions: sales.map_or(0, |s| s.transactions),
        by_day: sales
            .map(|s| {
                s.by_day
                    .iter()
                    .map(|(day, amount)| DayTotal {
                        day: *day,
                        amount_vnd: *amount,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        entries: sales
            .map(|s| {
                s.entries
                    .iter()
                    .map(|e| EntryOut {
                        entry_id: e.entry_id.to_string(),
                        day: e.day,
                        amount_vnd: e.amount_vnd,
                        transactions: e.transactions,
                        producer: e.producer.clone(),
                        note: e.note.clone(),
                        recorded_at: e.recorded_at,
                        voided: e.voided.clone(),
                        counted: e.counted,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        books_closed,
    }
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}/sales", tag = "sales",
    responses((status = 200, body = SalesOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn list(state: Data<AppState>, req: HttpRequest, id: Path<String>) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    caller_for(&state, &req, id)?;
    let p = state.read();
    let registration = p
        .registrations
        .get(&id)
        .ok_or_else(|| ApiError::not_found("registration"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .json(sales_out(&p, registration)))
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/books/close", tag = "sales",
    responses((status = 200, body = super::allocations::AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn close_books(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let fair = FairId::new_unchecked(fair.into_inner());
    super::allocations::run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((FairCommand::CloseBooks, vec![]))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/books/reopen", tag = "sales",
    request_body(content = Object, description = "{reason}"),
    responses((status = 200, body = super::allocations::AllocationOut), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn reopen_books(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let fair = FairId::new_unchecked(fair.into_inner());
    let value = optional_json(&req, &body)?;
    let mut check = Check::new(lang);
    let reason = check
        .object(&value, "", &["reason"])
        .and_then(|o| check.text(o, "", "reason", 500, true));
    check.finish()?;
    let reason = reason.unwrap_or_default();
    super::allocations::run(&state, &req, &who, &body, &fair, StatusCode::OK, |_| {
        Ok((FairCommand::ReopenBooks { reason }, vec![]))
    })
    .await
}

// ---- the revenue review ----

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

/// The best OCOP stars among `products` whose certificate is valid on `day`.
fn valid_stars<'a>(products: impl Iterator<Item = &'a hoicho_events::Product>, day: NaiveDate) -> Option<u8> {
    products
        .filter(|p| p.certificate_expires.is_some_and(|e| e >= day))
        .filter_map(|p| p.stars)
        .max()
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
        add(&mut booth, booth_key.clone(), booth_key, s.total_vnd);
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
        add(&mut zone, zone_key, zone_label, s.total_vnd);
        add(&mut exhibitor, r.id.to_string(), a.organization.clone(), s.total_vnd);
        add(
            &mut commune,
            a.address.commune.clone(),
            format!("{}, {}", a.address.commune, a.address.province),
            s.total_vnd,
        );
        let district_name = a.address.legacy_district.clone().unwrap_or_else(|| "—".into());
        add(&mut district, district_name.clone(), district_name, s.total_vnd);
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
    let today = fair_today(fair);
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
    }
}

/// The OCOP product groups of Decision 148/QĐ-TTg.
fn group_name(code: &str, vi: bool) -> String {
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

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RevenueQuery {
    /// One breakdown: `day`, `booth`, `zone`, `exhibitor`, `producer`, `product_group`,
    /// `commune`, `legacy_district`, `stars`. Without it, all of them.
    by: Option<String>,
    /// `json` (default), `csv` (UTF-8 with BOM, for Excel) or `xlsx` (a sheet per breakdown).
    format: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/revenue", tag = "sales", params(RevenueQuery),
    responses((status = 200, body = Revenue), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn revenue_handler(
    state: Data<AppState>,
    req: HttpRequest,
    _who: Organizer,
    fair: Path<String>,
    query: Query<RevenueQuery>,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let mut check = Check::new(lang);
    let by = query.by.as_deref().filter(|b| !b.is_empty());
    if let Some(by) = by {
        if !BREAKDOWNS.contains(&by) {
            check.fail2(
                "by",
                format!("phải là một trong {}", BREAKDOWNS.join(", ")),
                format!("must be one of {}", BREAKDOWNS.join(", ")),
            );
        }
    }
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        check.fail2("format", "phải là json, csv hoặc xlsx", "must be json, csv or xlsx");
    }
    check.finish()?;
    let report = {
        let p = state.read();
        let view = p.fairs.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
        revenue(&p, view, lang)
    };
    if format == "xlsx" {
        let bytes = super::report::to_xlsx(&report, lang).map_err(|err| {
            tracing::error!(error = %err, "the workbook could not be written");
            ApiError::internal()
        })?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"doanh-thu-{}.xlsx\"", report.fair),
            ))
            .body(bytes));
    }
    if format == "csv" {
        let csv = to_csv(&report, by, lang).map_err(|_| ApiError::internal())?;
        let name = match by {
            Some(by) => format!("doanh-thu-{}-{by}.csv", report.fair),
            None => format!("doanh-thu-{}.csv", report.fair),
        };
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
            .body(csv));
    }
    match by {
        Some(by) => Ok(HttpResponse::Ok().json(serde_json::json!({
            "fair": report.fair,
            "by": by,
            "total_vnd": report.total_vnd,
            "lines": report.breakdown(by),
        }))),
        None => Ok(HttpResponse::Ok().json(report)),
    }
}

/// The report as CSV: UTF-8 with a byte-order mark so Excel reads the Vietnamese right.
pub fn to_csv(report: &Revenue, by: Option<&str>, lang: Lang) -> std::result::Result<Vec<u8>, csv::Error> {
    let vi = lang == Lang::Vi;
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
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
                w.write_record([
                    b,
                    &line.key,
                    &line.label,
                    &line.amount_vnd.to_string(),
                    &format!("{:.3}", line.share),
                ])?;
            }
            w.write_record([
                b,
                "",
                if vi { "Tổng cộng" } else { "Total" },
                &report.total_vnd.to_string(),
                "1.000",
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}
