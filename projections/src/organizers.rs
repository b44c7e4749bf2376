use std::collections::HashMap;

use hoicho_events::{Envelope, Event, OrganizerId};
use serde::{Deserialize, Serialize};

/// An organizer account as sign-in needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerAccount {
    pub id: OrganizerId,
    pub email: String,
    pub password_hash: String,
    pub token_hash: String,
    /// Sessions begun and not ended (digests of their ids), with when each began.
    pub sessions: HashMap<String, chrono::DateTime<chrono::Utc>>,
    /// When the account was added, and when it last signed in.
    pub added_at: chrono::DateTime<chrono::Utc>,
    pub last_sign_in: Option<chrono::DateTime<chrono::Utc>>,
    /// Revoked: kept for the log's history, found by neither email nor token.
    pub revoked: bool,
    /// An invitation to set the password not yet used: the digest of its link's token, and
    /// when it expires.
    pub invitation: Option<(String, chrono::DateTime<chrono::Utc>)>,
}

/// Organizer accounts, found by id, email or API-token hash.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organizers {
    pub by_id: HashMap<OrganizerId, OrganizerAccount>,
    by_email: HashMap<String, OrganizerId>,
    by_token_hash: HashMap<String, OrganizerId>,
}

impl Organizers {
    pub fn by_email(&self, email: &str) -> Option<&OrganizerAccount> {
        self.by_email
            .get(&email.to_lowercase())
            .and_then(|id| self.by_id.get(id))
    }

    pub fn by_token_hash(&self, token_hash: &str) -> Option<&OrganizerAccount> {
        self.by_token_hash.get(token_hash).and_then(|id| self.by_id.get(id))
    }

    /// The account an unused, unexpired invitation link (by its token's digest) is for.
    pub fn by_invitation(&self, link_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Option<&OrganizerAccount> {
        self.by_id.values().find(|a| {
            !a.revoked
                && a.invitation
                    .as_ref()
                    .is_some_and(|(hash, expires)| *expires > now && hash == link_hash)
        })
    }

    pub fn apply(&mut self, env: &Envelope) {
        match &env.event {
            Event::OrganizerAdded(e) => {
                self.by_email.insert(e.email.to_lowercase(), e.organizer_id);
                self.by_token_hash.insert(e.token_hash.clone(), e.organizer_id);
                self.by_id.insert(
                    e.organizer_id,
                    OrganizerAccount {
                        id: e.organizer_id,
                        email: e.email.clone(),
                        password_hash: e.password_hash.clone(),
                        token_hash: e.token_hash.clone(),
                        sessions: HashMap::new(),
                        added_at: env.recorded_at,
                        last_sign_in: None,
                        revoked: false,
                        invitation: None,
                    },
                );
            }
            Event::OrganizerTokenIssued(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    self.by_token_hash.remove(&account.token_hash);
                    account.token_hash = e.token_hash.clone();
                    self.by_token_hash.insert(e.token_hash.clone(), e.organizer_id);
                }
            }
            Event::OrganizerSignedIn(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    // Sessions past the longest a session may last are of no more use.
                    let oldest = env.recorded_at - chrono::Duration::hours(SESSION_HOURS);
                    account.sessions.retain(|_, began| *began > oldest);
                    account.sessions.insert(e.session.clone(), env.recorded_at);
                    account.last_sign_in = Some(env.recorded_at);
                }
            }
            Event::OrganizerSignedOut(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    account.sessions.remove(&e.session);
                }
            }
            Event::OrganizerPasswordChanged(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    account.password_hash = e.password_hash.clone();
                    account.invitation = None;
                }
            }
            Event::OrganizerInvited(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    account.invitation = Some((e.link_hash.clone(), e.expires_at));
                }
            }
            // Kept by id (the log's history names it), found by neither email nor token.
            Event::OrganizerRevoked(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    self.by_email.remove(&account.email.to_lowercase());
                    self.by_token_hash.remove(&account.token_hash);
                    account.sessions.clear();
                    account.revoked = true;
                    account.invitation = None;
                }
            }
            Event::OrganizerSessionsEnded(e) => {
                if let Some(account) = self.by_id.get_mut(&e.organizer_id) {
                    account.sessions.clear();
                }
            }
            _ => {}
        }
    }
}

/// The longest a session may last, from signing in, in hours.
pub const SESSION_HOURS: i64 = 12;
