//! Organizer accounts: adding one with its first password and API token, and replacing the
//! token. The credentials themselves (hashes, tokens) are [`crate::auth`]'s.

use chrono::Utc;
use hoicho_events::{streams, Actor, OrganizerAdded};

use super::execute::{execute, CommandContext, CommandError};
use crate::auth::{hash_password, organizer_id_for, random_token, token_hash};
use crate::domain::organizer::{self, OrganizerState};
use crate::store::EventStore;

/// A new organizer's credentials, shown once.
#[derive(Debug, serde::Serialize)]
pub struct NewOrganizer {
    pub email: String,
    pub password: String,
    pub token: String,
    #[serde(skip)]
    pub position: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AddOrganizerError {
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    #[error("an organizer with email {0} already exists")]
    Exists(String),
    #[error("there is no organizer with email {0}")]
    Unknown(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Command(CommandError),
}

/// The command-line tool, as the actor of what an operator does.
fn cli() -> Actor {
    Actor::System {
        component: "cli".into(),
    }
}

/// Argon2 is slow by design: off the async threads.
async fn hashed(password: &str) -> Result<String, AddOrganizerError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AddOrganizerError::Hash(e.to_string()))?
        .map_err(|e| AddOrganizerError::Hash(e.to_string()))
}

pub async fn add(store: &dyn EventStore, email: &str) -> Result<NewOrganizer, AddOrganizerError> {
    add_by(store, email, cli()).await
}

/// A new organizer with a first password and API token, shown once; `by` is who adds it.
pub async fn add_by(store: &dyn EventStore, email: &str, by: Actor) -> Result<NewOrganizer, AddOrganizerError> {
    let email = email.trim().to_lowercase();
    if !crate::domain::looks_like_email(&email) {
        return Err(AddOrganizerError::BadEmail(email));
    }
    let password = random_token(12);
    let token = random_token(32);
    let password_hash = hashed(&password).await?;
    let id = organizer_id_for(&email);
    let added = OrganizerAdded {
        organizer_id: id,
        email: email.clone(),
        password_hash,
        token_hash: token_hash(&token),
    };
    let ctx = CommandContext::new(by, Utc::now());
    let outcome = execute::<OrganizerState, _>(store, &streams::organizer(&id), &ctx, None, |state| {
        organizer::add(state, &added)
    })
    .await
    .map_err(|err| match err {
        CommandError::Domain(_) => AddOrganizerError::Exists(email.clone()),
        other => AddOrganizerError::Command(other),
    })?;
    Ok(NewOrganizer {
        email,
        password,
        token,
        position: outcome.position,
    })
}

/// How long an invitation's link may be used.
pub const INVITATION_HOURS: i64 = 72;

/// An invitation to set a password: its one-time link's token, shown once and emailed.
#[derive(Debug)]
pub struct Invitation {
    pub email: String,
    pub token: String,
    pub expires_at: chrono::DateTime<Utc>,
    pub position: u64,
}

/// Invites `email` to set a password through a one-time link valid for
/// [`INVITATION_HOURS`]: a new colleague's account is made with it, in the same append (its
/// password and API token random, known to no one); a colleague already on the team gets a
/// new link, and the one before stops working.
pub async fn invite_by(store: &dyn EventStore, email: &str, by: Actor) -> Result<Invitation, AddOrganizerError> {
    let email = email.trim().to_lowercase();
    if !crate::domain::looks_like_email(&email) {
        return Err(AddOrganizerError::BadEmail(email));
    }
    let id = organizer_id_for(&email);
    let added = OrganizerAdded {
        organizer_id: id,
        email: email.clone(),
        password_hash: hashed(&random_token(24)).await?,
        token_hash: token_hash(&random_token(32)),
    };
    let token = random_token(32);
    let digest = token_hash(&token);
    let now = Utc::now();
    let expires_at = now + chrono::Duration::hours(INVITATION_HOURS);
    let ctx = CommandContext::new(by, now);
    let outcome = execute::<OrganizerState, _>(store, &streams::organizer(&id), &ctx, None, |state| {
        let new = state.id.is_none().then_some(&added);
        organizer::invite(state, new, &digest, expires_at)
    })
    .await
    .map_err(|err| match err {
        CommandError::Domain(_) => AddOrganizerError::Unknown(email.clone()),
        other => AddOrganizerError::Command(other),
    })?;
    Ok(Invitation {
        email,
        token,
        expires_at,
        position: outcome.position,
    })
}

/// Runs `decide` on the stream of the organizer with `email`, as `by`; an unknown or
/// revoked organizer is [`AddOrganizerError::Unknown`].
async fn on_account(
    store: &dyn EventStore,
    email: &str,
    by: Actor,
    decide: impl Fn(&OrganizerState) -> Result<Vec<hoicho_events::Event>, crate::domain::DomainError>,
) -> Result<u64, AddOrganizerError> {
    let email = email.trim().to_lowercase();
    let id = organizer_id_for(&email);
    let ctx = CommandContext::new(by, Utc::now());
    let outcome = execute::<OrganizerState, _>(store, &streams::organizer(&id), &ctx, None, decide)
        .await
        .map_err(|err| match err {
            CommandError::Domain(_) => AddOrganizerError::Unknown(email.clone()),
            other => AddOrganizerError::Command(other),
        })?;
    Ok(outcome.position)
}

/// Replaces an organizer's API token (the old one stops working at once); returns the new
/// token, shown once.
pub async fn rotate_token(store: &dyn EventStore, email: &str) -> Result<(String, u64), AddOrganizerError> {
    rotate_token_by(store, email, cli()).await
}

/// [`rotate_token`], by `by`.
pub async fn rotate_token_by(
    store: &dyn EventStore,
    email: &str,
    by: Actor,
) -> Result<(String, u64), AddOrganizerError> {
    let token = random_token(32);
    let digest = token_hash(&token);
    let position = on_account(store, email, by, |state| organizer::issue_token(state, &digest)).await?;
    Ok((token, position))
}

/// A new password for the organizer with `email`, shown once; every session ends.
pub async fn change_password(store: &dyn EventStore, email: &str) -> Result<(String, u64), AddOrganizerError> {
    set_password(store, email, None, cli()).await
}

/// The organizer's password becomes `chosen` (or a random one, returned to show once), by
/// `by`; every session ends.
pub async fn set_password(
    store: &dyn EventStore,
    email: &str,
    chosen: Option<String>,
    by: Actor,
) -> Result<(String, u64), AddOrganizerError> {
    let password = chosen.unwrap_or_else(|| random_token(12));
    let hash = hashed(&password).await?;
    let position = on_account(store, email, by, |state| organizer::change_password(state, &hash)).await?;
    Ok((password, position))
}

/// The organizer with `email` can no longer sign in or use its token; every session ends.
pub async fn revoke(store: &dyn EventStore, email: &str) -> Result<u64, AddOrganizerError> {
    revoke_by(store, email, cli()).await
}

/// [`revoke`], by `by`.
pub async fn revoke_by(store: &dyn EventStore, email: &str, by: Actor) -> Result<u64, AddOrganizerError> {
    on_account(store, email, by, organizer::revoke).await
}

/// Runs `decide` on `organizer`'s stream for the organizer itself and waits until the
/// projections hold it.
async fn as_organizer(
    state: &crate::app::AppState,
    organizer: hoicho_events::OrganizerId,
    decide: impl Fn(&OrganizerState) -> Result<Vec<hoicho_events::Event>, crate::domain::DomainError>,
) -> Result<(), CommandError> {
    let ctx = CommandContext::new(
        Actor::Organizer {
            organizer_id: organizer,
        },
        Utc::now(),
    );
    let outcome =
        execute::<OrganizerState, _>(&*state.store, &streams::organizer(&organizer), &ctx, None, decide).await?;
    super::settle(state, outcome.position).await;
    Ok(())
}

/// A session begins for `organizer`: a fresh random id (the cookie carries it; the log keeps
/// its digest). Returns the id once the projections hold the session.
pub async fn sign_in(
    state: &crate::app::AppState,
    organizer: hoicho_events::OrganizerId,
) -> Result<String, CommandError> {
    let session = random_token(32);
    let digest = token_hash(&session);
    as_organizer(state, organizer, |s| organizer::sign_in(s, &digest)).await?;
    Ok(session)
}

/// The session `session` of `organizer` ends.
pub async fn sign_out(
    state: &crate::app::AppState,
    organizer: hoicho_events::OrganizerId,
    session: &str,
) -> Result<(), CommandError> {
    let digest = token_hash(session);
    as_organizer(state, organizer, |s| organizer::sign_out(s, &digest)).await
}

/// Every session of `organizer` ends, on every instance ("sign out everywhere").
pub async fn end_sessions(
    state: &crate::app::AppState,
    organizer: hoicho_events::OrganizerId,
) -> Result<(), CommandError> {
    as_organizer(state, organizer, organizer::end_sessions).await
}
