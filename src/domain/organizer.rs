//! Organizer accounts (stream `organizer-{id}`).

use hoicho_events::{
    Event, OrganizerAdded, OrganizerId, OrganizerSessionsEnded, OrganizerSignedIn, OrganizerSignedOut,
    OrganizerTokenIssued,
};

use super::{Aggregate, DomainError};

#[derive(Debug, Default, Clone)]
pub struct OrganizerState {
    pub id: Option<OrganizerId>,
}

impl Aggregate for OrganizerState {
    fn apply(&mut self, event: &Event) {
        if let Event::OrganizerAdded(e) = event {
            self.id = Some(e.organizer_id);
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

/// A new API token; the old one stops working, and so does every session: whoever had the
/// old credentials is out.
pub fn issue_token(state: &OrganizerState, token_hash: &str) -> Result<Vec<Event>, DomainError> {
    let organizer_id = state.id.ok_or(DomainError::NotFound("organizer"))?;
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
    let organizer_id = state.id.ok_or(DomainError::NotFound("organizer"))?;
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
