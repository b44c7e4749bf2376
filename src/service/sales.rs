//! An exhibitor's sales at a fair, on a stream of its own (`sales-{fair}-{registration}`,
//! ADR 008): entries recorded without reading the past ones, voided against them.

use chrono::{DateTime, Utc};
use hoicho_events::{streams, FairId, RegistrationId};
use hoicho_projections::{Projections, RegistrationView};

use super::execute::{execute, execute_appending, CommandContext, CommandError};
use super::{settled, Written};
use crate::app::AppState;
use crate::domain::sales::{decide, SalesCommand, SalesState, Situation};

/// What the sales rules need from outside the sales stream, at `now`.
pub fn situation(p: &Projections, registration: &RegistrationView, now: DateTime<Utc>) -> Option<Situation> {
    let fair = p.fairs.by_id.get(&registration.fair_id)?;
    Some(Situation {
        fair_id: fair.id.clone(),
        registration_id: registration.id,
        first_day: fair.details.start_date,
        last_day: fair.details.end_date,
        today: fair.today(now),
        books_closed: fair.books_closed,
        holds_booth: !fair.held_by(&registration.id).is_empty(),
    })
}

/// Runs `command` on the exhibitor's sales stream and waits until the projections hold it.
pub async fn run(
    state: &AppState,
    ctx: &CommandContext,
    fair: &FairId,
    registration: &RegistrationId,
    situation: &Situation,
    command: &SalesCommand,
) -> Result<Written, CommandError> {
    let stream = streams::sales(fair, registration);
    let decision = |s: &SalesState| decide(s, situation, command);
    let outcome = match command {
        // A new entry stands alone: append it without reading the exhibitor's past entries.
        SalesCommand::Record { replace_day: None, .. } | SalesCommand::Remind { .. } => {
            execute_appending(&*state.store, &stream, ctx, decision).await?
        }
        // Replacing a day's entries reads them, and appends only if none came in between.
        SalesCommand::Record { .. } | SalesCommand::Void { .. } => {
            execute(&*state.store, &stream, ctx, None, decision).await?
        }
    };
    Ok(settled(state, outcome).await)
}
