//! Organizer accounts (stream `organizer-{id}`).

use hoicho_events::{Event, OrganizerAdded, OrganizerId, OrganizerTokenIssued};

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

pub fn issue_token(state: &OrganizerState, token_hash: &str) -> Result<Vec<Event>, DomainError> {
    let organizer_id = state.id.ok_or(DomainError::NotFound("organizer"))?;
    Ok(vec![Event::OrganizerTokenIssued(OrganizerTokenIssued {
        organizer_id,
        token_hash: token_hash.to_owned(),
    })])
}
