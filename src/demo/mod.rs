//! The demo: "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022", a past fair with everything
//! the revenue review needs, and its next edition a few weeks ahead with registration open,
//! loaded on first start of `serve --demo`, so a newcomer can try every flow at once.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use hoicho_events::{streams, Actor, Booth, BoothCode, FairDetails, FairId, Zone, ZoneCode};
use serde::{Deserialize, Serialize};

mod applications;
mod fees;
mod results;
mod sales;

use crate::app::AppState;
use crate::domain::fair::{FairCommand, FairState};
use crate::service::{self, CommandContext};

pub const FAIR_ID: &str = "ocop-ha-tinh-2022";
pub const ORGANIZER_EMAIL: &str = "bantochuc@hoicho.demo";

/// The demo organizer's credentials, kept in the data directory (readable by its owner
/// only) so they can be shown at every start.
#[derive(Serialize, Deserialize)]
struct DemoOrganizer {
    email: String,
    password: String,
    token: String,
    /// The private token of one demo application, to show an exhibitor's page.
    #[serde(default)]
    exhibitor_token: Option<String>,
    /// The same for the next edition: (fair id, token).
    #[serde(default)]
    next_exhibitor: Option<(String, String)>,
}

fn vn(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
    let tz: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;
    tz.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub fn details() -> FairDetails {
    FairDetails {
        name: "Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh 2022".into(),
        venue: "Quảng trường Vincom, TP Hà Tĩnh".into(),
        start_date: NaiveDate::from_ymd_opt(2022, 1, 21).unwrap_or_default(),
        end_date: NaiveDate::from_ymd_opt(2022, 1, 25).unwrap_or_default(),
        time_zone: "Asia/Ho_Chi_Minh".into(),
        registration_opens_at: vn(2021, 12, 20, 8),
        registration_closes_at: vn(2022, 1, 10, 17),
        address: "Đường Hà Huy Tập, TP Hà Tĩnh, tỉnh Hà Tĩnh".into(),
        description: "Hội chợ giới thiệu sản phẩm OCOP và đặc sản của các địa phương trong tỉnh.\n\
            Gian hàng tiêu chuẩn 3 × 3 m; chủ thể có sản phẩm OCOP được hỗ trợ theo quy định."
            .into(),
        contact_phone: "0239 3855 123".into(),
        contact_email: ORGANIZER_EMAIL.into(),
    }
}

fn booth(code: String, zone: &str, kind: &str, x: f64, y: f64) -> Booth {
    let (width_m, depth_m, price_vnd) = match kind {
        "double" => (3.0, 6.0, 6_000_000),
        "corner" => (3.0, 3.0, 3_500_000),
        _ => (3.0, 3.0, 3_000_000),
    };
    Booth {
        code: BoothCode::new_unchecked(code),
        zone: ZoneCode::new_unchecked(zone),
        kind: kind.into(),
        width_m,
        depth_m,
        price_vnd,
        x,
        y,
        // The food stands have outlets.
        power: zone == "D",
    }
}

/// 100 booths in four zones, laid out like the square: the 13 localities' stands in four
/// back-to-back rows, the provincial departments and fresh produce beside them, food along
/// the far side.
pub fn floor_plan() -> (Vec<Zone>, Vec<Booth>) {
    let zone = |code: &str, name: &str, colour: &str| Zone {
        code: ZoneCode::new_unchecked(code),
        name: name.into(),
        colour: Some(colour.into()),
    };
    let zones = vec![
        zone("A", "Khu các huyện, thị xã, thành phố", "#2e7d32"),
        zone("B", "Khu các sở, ban, ngành", "#1565c0"),
        zone("C", "Khu nông sản tươi", "#ef6c00"),
        zone("D", "Khu ẩm thực và đặc sản", "#6a1b9a"),
    ];
    let mut booths = Vec::new();
    let mut row = |prefix: &str, start: usize, count: usize, x0: f64, y: f64, corners: bool, kind: &str| {
        for i in 0..count {
            let kind = if corners && (i == 0 || i + 1 == count) {
                "corner"
            } else {
                kind
            };
            let step = 3.0;
            booths.push(booth(
                format!("{prefix}{:02}", start + i),
                prefix,
                kind,
                x0 + i as f64 * step,
                y,
            ));
        }
    };
    // Zone A: 4 rows of 13, back to back in pairs, a 4 m aisle between the pairs.
    row("A", 1, 13, 0.0, 0.0, true, "standard");
    row("A", 14, 13, 0.0, 3.0, true, "standard");
    row("A", 27, 13, 0.0, 10.0, true, "standard");
    row("A", 40, 13, 0.0, 13.0, true, "standard");
    // Zone B: 2 rows of 7.
    row("B", 1, 7, 45.0, 0.0, true, "standard");
    row("B", 8, 7, 45.0, 3.0, true, "standard");
    // Zone C: 2 rows of 8.
    row("C", 1, 8, 45.0, 10.0, true, "standard");
    row("C", 9, 8, 45.0, 13.0, true, "standard");
    // Zone D: a row of 10 standard booths and a row of 8 double ones.
    row("D", 1, 10, 0.0, 21.0, true, "standard");
    row("D", 11, 8, 0.0, 28.0, false, "double");
    (zones, booths)
}

/// Blocks the organizers' own stands and accepts the automatic proposal for every approved
/// application, as an organizer would on the first morning.
async fn allocate(state: &AppState, fair_id: &FairId, ctx: &CommandContext) -> anyhow::Result<()> {
    let _stream = streams::fair(fair_id);
    for (booth, reason) in [("A01", "Quầy thông tin của Ban tổ chức"), ("B01", "Quầy Ban tổ chức")] {
        let block = FairCommand::Block {
            booth: BoothCode::new_unchecked(booth),
            reason: Some(reason.into()),
        };
        service::fairs::run(state, ctx, fair_id, None, &block).await?;
    }
    state
        .wait_for(state.store.head().await?, std::time::Duration::from_secs(30))
        .await;
    let placements = {
        let p = state.read();
        let Some(fair) = p.fairs.by_id.get(fair_id) else {
            return Ok(());
        };
        service::allocations::proposed_placements(&p, fair)
    };
    let accept = FairCommand::AllocateAll { placements };
    service::fairs::run(state, ctx, fair_id, None, &accept).await?;
    Ok(())
}

/// The next edition, made as an organizer makes it: copied from 2022 (plan, prices, blocked
/// booths), four weeks after the day the demo is first loaded, with registration open now;
/// a few days of applications, some approved and given booths, some approved and waiting
/// for one, one waitlisted, the rest waiting for review. Returns one exhibitor's private
/// token, or `None` when it was there already.
async fn next_edition(state: &AppState, from: &FairId, ctx: &CommandContext) -> anyhow::Result<Option<String>> {
    let exists = state
        .read()
        .fairs
        .by_id
        .values()
        .any(|f| f.copied_from.as_ref() == Some(from));
    if exists {
        return Ok(None);
    }
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let now = Utc::now();
    let start = now.with_timezone(&tz).date_naive() + chrono::Duration::days(28);
    let year = chrono::Datelike::year(&start);
    let at = |day: NaiveDate, hour: u32| {
        tz.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now)
    };
    let details = FairDetails {
        name: format!("Hội chợ sản phẩm OCOP và đặc sản Hà Tĩnh {year}"),
        start_date: start,
        end_date: start + chrono::Duration::days(4),
        registration_opens_at: now - chrono::Duration::days(7),
        registration_closes_at: at(start - chrono::Duration::days(7), 17),
        ..details()
    };
    let fair_id = FairId::new_unchecked(format!("ocop-ha-tinh-{year}"));
    match service::fairs::copy(state, ctx, from, &fair_id, details).await {
        Ok(_) => {}
        Err(service::CommandError::Domain(crate::domain::DomainError::Conflict { .. })) => {
            tracing::warn!(fair = %fair_id, "a fair with the next edition's id exists; the demo leaves it as it is");
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    }
    let (approved, token) = applications::load_next(state, &fair_id, start, now).await?;
    state
        .wait_for(state.store.head().await?, std::time::Duration::from_secs(30))
        .await;
    // The first five approved get their booths; the other four wait on the board.
    let placements = {
        let p = state.read();
        let Some(fair) = p.fairs.by_id.get(&fair_id) else {
            return Ok(Some(token));
        };
        let first: std::collections::HashSet<_> = approved.iter().take(5).collect();
        service::allocations::proposed_placements(&p, fair)
            .into_iter()
            .filter(|(_, s)| first.contains(&s.registration_id))
            .collect::<Vec<_>>()
    };
    service::fairs::run(state, ctx, &fair_id, None, &FairCommand::AllocateAll { placements }).await?;
    state
        .wait_for(state.store.head().await?, std::time::Duration::from_secs(30))
        .await;
    let today = now.with_timezone(&tz).date_naive();
    fees::pay(state, &fair_id, today - chrono::Duration::days(5), 25).await?;
    tracing::info!(fair = %fair_id, "demo next edition loaded");
    Ok(Some(token))
}

/// Loads what the demo lacks: the fair, its floor plan, a demo organizer. Prints the
/// organizer's credentials.
pub async fn ensure(state: &AppState, data_dir: &Path) -> anyhow::Result<()> {
    let fair_id = FairId::new_unchecked(FAIR_ID);
    let ctx = CommandContext::new(
        Actor::System {
            component: "demo".into(),
        },
        Utc::now(),
    );
    let (_, version) = service::load::<FairState>(&*state.store, &streams::fair(&fair_id)).await?;
    if version == 0 {
        let create = FairCommand::Create {
            fair_id: fair_id.clone(),
            details: details(),
        };
        service::fairs::run(state, &ctx, &fair_id, None, &create).await?;
        let (zones, booths) = floor_plan();
        let plan = FairCommand::DefinePlan {
            zones,
            booths,
            floor: None,
            seen: None,
        };
        service::fairs::run(state, &ctx, &fair_id, None, &plan).await?;
        tracing::info!(fair = FAIR_ID, "demo fair created");
    }
    let registrations_loaded = {
        state
            .wait_for(state.store.head().await?, std::time::Duration::from_secs(30))
            .await;
        state.read().registrations.of_fair(&fair_id).next().is_some()
    };
    let exhibitor_token = if registrations_loaded {
        None
    } else {
        let token = applications::load(state, &fair_id, details().start_date).await?;
        tracing::info!(fair = FAIR_ID, "demo applications loaded");
        let due = NaiveDate::from_ymd_opt(2022, 1, 14).unwrap_or_default();
        fees::set(state, &fair_id, &ctx, hoicho_events::PaymentDue::On { date: due }).await?;
        allocate(state, &fair_id, &ctx).await?;
        tracing::info!(fair = FAIR_ID, "demo booths allocated");
        state
            .wait_for(state.store.head().await?, std::time::Duration::from_secs(30))
            .await;
        fees::pay(state, &fair_id, due - chrono::Duration::days(6), 85).await?;
        tracing::info!(fair = FAIR_ID, "demo booth fees paid");
        sales::load(state, &fair_id).await?;
        results::load(state, &fair_id, &ctx).await?;
        service::fairs::run(state, &ctx, &fair_id, None, &FairCommand::CloseBooks).await?;
        tracing::info!(fair = FAIR_ID, "demo sales loaded and the books closed");
        Some(token)
    };
    let next_token = next_edition(state, &fair_id, &ctx).await?;

    let path = data_dir.join("demo-organizer.json");
    let saved: Option<DemoOrganizer> = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let credentials = match saved {
        Some(saved) => saved,
        None => {
            let added = crate::service::organizers::add(&*state.store, ORGANIZER_EMAIL).await?;
            DemoOrganizer {
                email: added.email,
                password: added.password,
                token: added.token,
                exhibitor_token: None,
                next_exhibitor: None,
            }
        }
    };
    let next_fair = state
        .read()
        .fairs
        .by_id
        .values()
        .find(|f| f.copied_from.as_ref() == Some(&fair_id))
        .map(|f| f.id.to_string());
    let credentials = DemoOrganizer {
        exhibitor_token: exhibitor_token.or(credentials.exhibitor_token),
        next_exhibitor: next_token
            .zip(next_fair)
            .map(|(token, fair)| (fair, token))
            .or(credentials.next_exhibitor),
        ..credentials
    };
    crate::auth::write_private(&path, &serde_json::to_vec_pretty(&credentials)?)?;
    println!("Demo organizer / Ban tổ chức demo:");
    println!("  email:     {}", credentials.email);
    println!("  password:  {}", credentials.password);
    println!("  API token: {}", credentials.token);
    if let Some(token) = &credentials.exhibitor_token {
        println!("Demo exhibitor's private page / Trang riêng của một chủ thể ({FAIR_ID}): /r/{token}");
    }
    if let Some((fair, token)) = &credentials.next_exhibitor {
        println!("Demo exhibitor's private page / Trang riêng của một chủ thể ({fair}): /r/{token}");
    }
    Ok(())
}
