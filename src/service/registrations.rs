//! An application's commands, each on its own stream (`registration-{id}`): submitted (by the
//! exhibitor or an organizer on its behalf), amended, decided, withdrawn.

use hoicho_events::{streams, Application, FairId, RegistrationId};

use super::execute::{execute, execute_new, CommandContext, CommandError};
use super::{settled, Written};
use crate::app::AppState;
use crate::domain::registration::{decide, By, RegistrationCommand, RegistrationState};

/// The id of a new registration: derived from the Idempotency-Key when there is one, so
/// racing copies of one request land in one stream.
pub fn new_id(ctx: &CommandContext) -> RegistrationId {
    RegistrationId(ctx.new_id("registration"))
}

/// Records a new application (from the API and the form alike) under a fresh id, decided
/// without reading the log first (a retried request finds its stream and runs as usual);
/// returns what was written and the exhibitor's access token.
pub async fn submit(
    state: &AppState,
    ctx: &CommandContext,
    fair_id: FairId,
    application: Application,
    by: By,
    registration_open: bool,
) -> Result<(Written, String), CommandError> {
    let registration_id = new_id(ctx);
    let token = crate::auth::access_token(&state.secret, &registration_id);
    let command = RegistrationCommand::Submit {
        registration_id,
        fair_id,
        application,
        token_hash: crate::auth::token_hash(&token),
        at: ctx.now,
        by,
        registration_open,
    };
    let stream = streams::registration(&registration_id);
    let outcome = execute_new::<RegistrationState, _>(&*state.store, &stream, ctx, |s| decide(s, &command)).await?;
    Ok((settled(state, outcome).await, token))
}

/// Any other command on the application (`expected`: the version `If-Match` named).
pub async fn run(
    state: &AppState,
    ctx: &CommandContext,
    id: &RegistrationId,
    expected: Option<u64>,
    command: &RegistrationCommand,
) -> Result<Written, CommandError> {
    let outcome = execute::<RegistrationState, _>(&*state.store, &streams::registration(id), ctx, expected, |s| {
        decide(s, command)
    })
    .await?;
    Ok(settled(state, outcome).await)
}

/// A new private link for application `id` in place of the current one, which stops working
/// at once; the new one is emailed. Returns what was written and the new access token.
pub async fn reissue_link(
    state: &AppState,
    ctx: &CommandContext,
    id: &RegistrationId,
) -> Result<(Written, String), CommandError> {
    let generation = state
        .read()
        .registrations
        .get(id)
        .map(|r| r.token_generation + 1)
        .ok_or(crate::domain::DomainError::NotFound("registration"))?;
    let token = crate::auth::access_token_at(&state.secret, id, generation);
    let command = RegistrationCommand::ReissueLink {
        token_hash: crate::auth::token_hash(&token),
        generation,
    };
    Ok((run(state, ctx, id, None, &command).await?, token))
}
