//! Organizer accounts (stream `organizer-{id}`).

use hoicho_events::{
    Event, OrganizerAdded, OrganizerId, OrganizerInvited, OrganizerPasswordChanged, OrganizerRevoked,
    OrganizerSessionsEnded, OrganizerSignedIn, OrganizerSignedOut, OrganizerTokenIssued,
};

use super::{Aggregate, DomainError};

#[derive(Debug, Default, Clone)]
pub struct OrganizerState {
    pub id: Option<OrganizerId>,
    pub revoked: bool,
}

impl Aggregate for OrganizerState {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::OrganizerAdded(e) => self.id = Some(e.organizer_id),
            Event::OrganizerRevoked(_) => self.revoked = true,
            _ => {}
        }
    }
}

pub fn add(state: &OrganizerState, added: &OrganizerAdded) -> Result<Vec<Event>, DomainError> {
    if state.id.is_some() {
        return Err(DomainError::conflict(
            "organizer_exists",
            "this organizer already exists",
        ));
    }
    Ok(vec![Event::OrganizerAdded(added.clone())])
}

/// The organizer, if it exists and is not revoked.
fn active(state: &OrganizerState) -> Result<OrganizerId, DomainError> {
    match state.id {
        Some(_) if state.revoked => Err(DomainError::conflict("organizer_revoked", "this organizer was revoked")),
        Some(id) => Ok(id),
        None => Err(DomainError::NotFound("organizer")),
    }
}

/// A new password; every session ends.
pub fn change_password(state: &OrganizerState, password_hash: &str) -> Result<Vec<Event>, DomainError> {
    let organizer_id = active(state)?;
    Ok(vec![
        Event::OrganizerPasswordChanged(OrganizerPasswordChanged {
            organizer_id,
            password_hash: password_hash.to_owned(),
        }),
        Event::OrganizerSessionsEnded(OrganizerSessionsEnded { organizer_id }),
    ])
}

/// A one-time link to set the password, for a new colleague (`added`: the account made with
/// it, in the same append) or one already on the team.
pub fn invite(
    state: &OrganizerState,
    added: Option<&OrganizerAdded>,
    link_hash: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Event>, DomainError> {
    let mut events = Vec::new();
    let organizer_id = match added {
        Some(added) => {
            events.extend(add(state, added)?);
            added.organizer_id
        }
        None => active(state)?,
    };
    events.push(Event::OrganizerInvited(OrganizerInvited {
        organizer_id,
        link_hash: link_hash.to_owned(),
        expires_at,
    }));
    Ok(events)
}

/// The organizer is out: no sign-in, no API token, every session ended.
pub fn revoke(state: &OrganizerState) -> Result<Vec<Event>, DomainError> {
    let organizer_id = active(state)?;
    Ok(vec![
        Event::OrganizerRevoked(OrganizerRevoked { organizer_id }),
        Event::OrganizerSessionsEnded(OrganizerSessionsEnded { organizer_id }),
    ])
}

/// A new API token; the old one stops working, and so does every session: whoever had the
/// old credentials is out.
pub fn issue_token(state: &OrganizerState, token_hash: &str) -> Result<Vec<Event>, DomainError> {
    let organizer_id = active(state)?;
    Ok(vec![
        Event::OrganizerTokenIssued(OrganizerTokenIssued {
            organizer_id,
            token_hash: token_hash.to_owned(),
        }),
        Event::OrganizerSessionsEnded(OrganizerSessionsEnded { organizer_id }),
    ])
}

/// A session begins (`session`: the digest of its random id).
pub fn sign_in(state: &OrganizerState, session: &str) -> Result<Vec<Event>, DomainError> {
    let organizer_id = active(state)?;
    Ok(vec![Event::OrganizerSignedIn(OrganizerSignedIn {
        organizer_id,
        session: session.to_owned(),
    })])
}

/// The session ends.
pub fn sign_out(state: &OrganizerState, session: &str) -> Result<Vec<Event>, DomainError> {
    let organizer_id = state.id.ok_or(DomainError::NotFound("organizer"))?;
    Ok(vec![Event::OrganizerSignedOut(OrganizerSignedOut {
        organizer_id,
        session: session.to_owned(),
    })])
}

/// Every session ends ("sign out everywhere").
pub fn end_sessions(state: &OrganizerState) -> Result<Vec<Event>, DomainError> {
    let organizer_id = state.id.ok_or(DomainError::NotFound("organizer"))?;
    Ok(vec![Event::OrganizerSessionsEnded(OrganizerSessionsEnded {
        organizer_id,
    })])
}
