//! A fair's commands, each on the fair's stream (`fair-{id}`): creating it, its details and
//! plan, its registration window, its rules, its books; and its booths (see
//! [`super::allocations`]), so one expected version guards them all.

use hoicho_events::{streams, FairId};

use super::execute::{execute, CommandContext, CommandError};
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
    let outcome = execute::<FairState, _>(&*state.store, &streams::fair(fair), ctx, expected, |s| {
        decide(s, command)
    })
    .await?;
    Ok(settled(state, outcome).await)
}
