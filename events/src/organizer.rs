use serde::{Deserialize, Serialize};

use crate::OrganizerId;

/// An organizer account was created. Only hashes are kept: the password as an argon2id PHC
/// string, the API token as a SHA-256 hex digest (the token itself has 256 random bits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerAdded {
    pub organizer_id: OrganizerId,
    pub email: String,
    pub password_hash: String,
    pub token_hash: String,
}

/// A new API token replaced the organizer's previous one, which stops working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerTokenIssued {
    pub organizer_id: OrganizerId,
    pub token_hash: String,
}

/// An organizer signed in: a session began. `session` is the SHA-256 (hex) of the session's
/// random id; the id itself is only ever in the organizer's signed cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerSignedIn {
    pub organizer_id: OrganizerId,
    pub session: String,
}

/// One session ended: the organizer signed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerSignedOut {
    pub organizer_id: OrganizerId,
    pub session: String,
}

/// Every session the organizer had ended at once, on every instance sharing the log: signed
/// out everywhere, or a new API token issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerSessionsEnded {
    pub organizer_id: OrganizerId,
}

/// The organizer's password was replaced (its argon2id PHC string).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerPasswordChanged {
    pub organizer_id: OrganizerId,
    pub password_hash: String,
}

/// A colleague was invited to set the organizer's password through a one-time link, valid
/// until `expires_at`. `link_hash` is the SHA-256 (hex) of the link's random token; the token
/// itself is only ever in the email and on the inviting organizer's screen. A password set,
/// a new invitation, or a revocation ends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerInvited {
    pub organizer_id: OrganizerId,
    pub link_hash: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// The organizer may no longer sign in or use the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerRevoked {
    pub organizer_id: OrganizerId,
}
