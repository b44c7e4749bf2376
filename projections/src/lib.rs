//! Read models of hoicho, each a pure fold over envelopes: `apply(&mut self, &Envelope)`.
//!
//! No I/O and no business rules: a projection records what the log says happened.
//! Replaying the whole log into empty projections gives exactly the live state.
#![forbid(unsafe_code)]

mod fairs;
mod fees;
mod idempotency;
mod notifications;
mod organizers;
mod registrations;
mod results;
mod sales;
mod snapshot;

use hoicho_events::Envelope;
use serde::{Deserialize, Serialize};

pub use fairs::{BoothStatus, BoothView, FairView, Fairs};
pub use fees::{matching_rule, FairFees, FeeTotals, Fees, PaymentView, Statement, StatementLine};
pub use idempotency::{Idempotency, IdempotentWrite, RETENTION_HOURS};
pub use notifications::{NotificationStatus, NotificationView, Notifications, WantedNotification};
pub use organizers::{OrganizerAccount, Organizers, SESSION_HOURS};
pub use registrations::{fold, valid_stars, RegistrationStatus, RegistrationView, Registrations};
pub use results::{AgreementView, AwardView, FairResults, Results, SideEventView, VisitorCount};
pub use sales::{FairSales, RegistrationSales, SaleEntryView, Sales};
pub use snapshot::{DecodeError as SnapshotError, FINGERPRINT};

/// Every read model, at one log position.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projections {
    /// The position of the last event applied.
    pub position: u64,
    /// The id of the last event applied: with the position, it says which log the state is
    /// of (a snapshot is only read beside the log that has this event at this position).
    pub last_event: Option<uuid::Uuid>,
    /// How many events have been applied.
    pub events: u64,
    pub fairs: Fairs,
    pub organizers: Organizers,
    /// Kept in a section of its own in a snapshot, read on a second thread.
    #[serde(skip)]
    pub idempotency: Idempotency,
    pub registrations: Registrations,
    pub notifications: Notifications,
    pub sales: Sales,
    pub fees: Fees,
    pub results: Results,
}

impl Projections {
    pub fn apply(&mut self, envelope: &Envelope) {
        self.fairs.apply(envelope);
        self.organizers.apply(envelope);
        self.idempotency.apply(envelope);
        self.registrations.apply(envelope);
        self.notifications.apply(envelope);
        self.sales.apply(envelope);
        self.fees.apply(envelope, &self.fairs, &self.registrations);
        self.results.apply(envelope);
        self.position = envelope.position;
        self.last_event = Some(envelope.event_id);
        self.events += 1;
    }
}
