//! A fair's commands, each on the fair's stream (`fair-{id}`): creating it, its details and
//! plan, its registration window, its rules, its books; and its booths (see
//! [`super::allocations`]), so one expected version guards them all.

use hoicho_events::{streams, FairId};

use super::execute::{execute_guarded, CommandContext, CommandError};
use super::{settled, Written};
use crate::app::AppState;
use crate::domain::fair::{decide, FairCommand, FairState};

/// Runs `command` on `fair`'s stream (`expected`: the version the client's `If-Match`
/// named) and waits until the projections hold it.
pub async fn run(
    state: &AppState,
    ctx: &CommandContext,
    fair: &FairId,
    expected: Option<u64>,
    command: &FairCommand,
) -> Result<Written, CommandError> {
    // An allocation commits only while the registrations it names stand as they were read.
    let guards = super::allocations::guards(&state.read(), fair, command)?;
    let stream = streams::fair(fair);
    let outcome =
        execute_guarded::<FairState, _>(&*state.store, &stream, ctx, expected, &guards, |s| decide(s, command)).await?;
    Ok(settled(state, outcome).await)
}

/// Creates `fair_id` as the next edition of `from`: its zones, booths (kinds, sizes, prices,
/// places), blocked booths with their reasons and allocation rules, in one change; none of
/// its applications, allocations or sales.
pub async fn copy(
    state: &AppState,
    ctx: &CommandContext,
    from: &FairId,
    fair_id: &FairId,
    details: hoicho_events::FairDetails,
) -> Result<Written, CommandError> {
    let command = {
        let p = state.read();
        let source = p
            .fairs
            .by_id
            .get(from)
            .ok_or(crate::domain::DomainError::NotFound("fair"))?;
        FairCommand::CreateCopy {
            fair_id: fair_id.clone(),
            details,
            from: from.clone(),
            zones: source.zones.values().cloned().collect(),
            booths: source.booths.values().map(|b| b.booth.clone()).collect(),
            blocked: source
                .booths
                .values()
                .filter(|b| b.status == hoicho_projections::BoothStatus::Blocked)
                .map(|b| (b.booth.code.clone(), b.blocked_reason.clone()))
                .collect(),
            rules: source.rules.clone(),
            floor: source.floor.clone(),
            fees: p.fees.of_fair(from).map(|f| {
                let mut rules = f.current().clone();
                // A fixed due date belongs to its edition; the copy counts days instead.
                if matches!(rules.due, hoicho_events::PaymentDue::On { .. }) {
                    rules.due = hoicho_events::PaymentDue::default();
                }
                Box::new((rules, f.account.clone()))
            }),
        }
    };
    run(state, ctx, fair_id, None, &command).await
}
