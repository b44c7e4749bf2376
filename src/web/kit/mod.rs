//! What every capability's handlers share: the one error shape, the extractors (body,
//! caller, `If-Match`, command context), input checks, per-client limits, the organizer's
//! session, the answer to a retried write, and the page frame with its CSRF token.

pub mod client;
pub mod error;
pub mod extract;
pub mod input;
pub mod limits;
pub mod page;
pub mod session;
pub mod write;
