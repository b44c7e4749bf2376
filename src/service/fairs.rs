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
