//! Five days of plausible sales for the demo fair: a few million to tens of millions of đồng
//! per booth and day, more in the food zone, weekend peaks, a few corrections and a few days
//! nobody reported.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use hoicho_events::{Actor, FairId};

use super::applications::{vn, Rng};
use crate::app::AppState;
use crate::domain::sales::SalesCommand;
use crate::service::{self, CommandContext};

/// Typical takings of a booth in a zone on a weekday, in thousands of đồng: (low, high).
fn range(zone: &str) -> (usize, usize) {
    match zone {
        "D" => (6_000, 28_000),
        "C" => (2_500, 9_000),
        "B" => (1_500, 6_000),
        _ => (3_000, 14_000),
    }
}

pub async fn load(state: &AppState, fair_id: &FairId) -> anyhow::Result<()> {
    let mut rng = Rng(0x5a1e_5da7_a0c0_ffee);
    let plan: Vec<(crate::domain::sales::Situation, String, Vec<String>)> = {
        let p = state.read();
        let Some(fair) = p.fairs.by_id.get(fair_id) else {
            return Ok(());
        };
        let mut holders: Vec<_> = p
            .registrations
            .of_fair(fair_id)
            .filter_map(|r| {
                let booths = fair.held_by(&r.id);
                let zone = booths.first().and_then(|b| fair.booths.get(*b))?.booth.zone.to_string();
                let mut situation = service::sales::situation(&p, r, chrono::Utc::now())?;
                // The demo fair is in the past; its days have all come.
                situation.today = situation.last_day;
                let producers = r.application.producers.iter().map(|p| p.organization.clone()).collect();
                Some((situation, zone, producers))
            })
            .collect();
        holders.sort_by_key(|(s, _, _)| s.registration_id);
        holders
    };
    for (situation, zone, producers) in plan {
        let (low, high) = range(&zone);
        let registration = situation.registration_id;
        let actor = Actor::Exhibitor {
            registration_id: situation.registration_id.to_string(),
        };
        let mut day: NaiveDate = situation.first_day;
        while day <= situation.last_day {
            if rng.chance(6) {
                day += Duration::days(1);
                continue; // forgot to report
            }
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            let thousands = low + rng.below(high - low);
            let mut amount = (thousands as i64) * 1000;
            if weekend {
                amount = amount * 3 / 2;
            }
            amount = amount / 10_000 * 10_000;
            let at = vn(day.year(), day.month(), day.day(), 20, rng.below(60) as u32);
            let ctx = CommandContext::new(actor.clone(), at);
            let producer = (!producers.is_empty()).then(|| producers[rng.below(producers.len())].clone());
            let record = |amount: i64| SalesCommand::Record {
                entry_id: uuid::Uuid::now_v7(),
                day,
                amount_vnd: amount,
                transactions: Some((amount / 85_000).max(1) as u32),
                producer: producer.clone(),
                note: None,
                replace_day: None,
            };
            if rng.chance(3) {
                // A slip of the thumb: ten times too much, voided and entered again.
                let wrong = record(amount * 10);
                let done = service::sales::run(state, &ctx, fair_id, &registration, &situation, &wrong).await?;
                let entry_id = done.events.iter().find_map(|e| match e {
                    hoicho_events::Event::SaleRecorded(r) => Some(r.entry_id),
                    _ => None,
                });
                if let Some(entry_id) = entry_id {
                    let void = SalesCommand::Void {
                        entry_id,
                        reason: "Nhập thừa một chữ số 0".into(),
                    };
                    service::sales::run(state, &ctx, fair_id, &registration, &situation, &void).await?;
                }
            }
            let right = record(amount);
            service::sales::run(state, &ctx, fair_id, &registration, &situation, &right).await?;
            day += Duration::days(1);
        }
    }
    Ok(())
}
