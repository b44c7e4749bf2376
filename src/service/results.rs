//! A fair's results (visitors, agreements, awards, side events, notes) on the fair's results
//! stream (`results-{fair}`), read and appended at its expected version.

use hoicho_events::{streams, FairId};

use super::execute::{execute, CommandContext, CommandError};
use super::{settled, Written};
use crate::app::AppState;
use crate::domain::results::{decide, ResultsCommand, ResultsState};

/// Runs `command` on the fair's results stream and waits until the projections hold it.
pub async fn run(
    state: &AppState,
    ctx: &CommandContext,
    fair: &FairId,
    command: &ResultsCommand,
) -> Result<Written, CommandError> {
    let stream = streams::results(fair);
    let outcome = execute(&*state.store, &stream, ctx, None, |s: &ResultsState| {
        decide(s, fair, command)
    })
    .await?;
    Ok(settled(state, outcome).await)
}
