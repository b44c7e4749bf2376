//! Daily sales tallies (stream `sales-{fair}-{registration}`, so exhibitors never contend)
//! and the closing of the books (on the fair's stream).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{FairId, RegistrationId};

/// One entry of a day's sales. Entries are never changed or deleted; a mistake is voided and
/// entered again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaleRecorded {
    pub entry_id: Uuid,
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    /// A fair day, in the fair's time zone.
    pub day: NaiveDate,
    /// Whole đồng, ≥ 0.
    pub amount_vnd: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions: Option<u32>,
    /// For a delegation: which of its producers sold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An entry was voided, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaleVoided {
    pub entry_id: Uuid,
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    pub reason: String,
}

/// An organizer asked, from the revenue page, to remind an exhibitor that has not reported
/// `day`: an email through the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesReminderRequested {
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    pub day: NaiveDate,
}

/// The organizer closed the books: tallies are frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BooksClosed {
    pub fair_id: FairId,
}

/// The organizer reopened the books, saying why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BooksReopened {
    pub fair_id: FairId,
    pub reason: String,
}
