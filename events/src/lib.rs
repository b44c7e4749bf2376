//! The vocabulary of hoicho: every event (named in the past tense), the ids and values they
//! carry, the envelope the log wraps them in, and the upcasting of old stored shapes.
//!
//! Nothing here does I/O. Deserializing a stored event never validates business rules:
//! validation happens where input enters the system, so an event written years ago by an
//! older hoicho always reads back.
#![forbid(unsafe_code)]

mod allocation;
mod codec;
mod envelope;
mod fair;
mod fees;
mod ids;
mod notification;
mod organizer;
mod registration;
mod results;
mod sales;

pub use allocation::{
    AllocationRules, AllocationRulesSet, BoothAllocated, BoothBlocked, BoothMoved, BoothReleased, BoothUnblocked,
    Locality, ReleaseCause, ZoneQuota,
};
pub use codec::{DecodeError, Event};
pub use envelope::{Actor, Envelope, EnvelopeHeader, IdempotencyMark, Metadata, NewEvent, RecordedEvent};
pub use fair::{
    Booth, BoothDefined, BoothRetired, FairAmended, FairCreated, FairDetails, Floor, FloorDrawn, Hall,
    RegistrationClosed, RegistrationOpened, Shape, Zone, ZoneDefined, ZoneRetired,
};
pub use fees::{
    BankLayout, BankLayoutSaved, FeeRules, FeeRulesSet, FeesRecalculated, PaymentAccount, PaymentAccountSet,
    PaymentDue, PaymentKind, PaymentMethod, PaymentRecorded, PaymentVoided, SubsidyCondition, SubsidyRule,
};
pub use ids::{BoothCode, FairId, OrganizerId, ZoneCode};
pub use notification::{
    AnnouncementSent, FirstAttempt, NotificationAttempted, NotificationClaimed, NotificationDeferred,
    NotificationFailed, NotificationId, NotificationParams, NotificationRetried, NotificationSent, Recipient, Template,
    MAIL_PROTOCOL,
};
pub use organizer::{
    OrganizerAdded, OrganizerInvited, OrganizerPasswordChanged, OrganizerRevoked, OrganizerSessionsEnded,
    OrganizerSignedIn, OrganizerSignedOut, OrganizerTokenIssued,
};
pub use registration::{
    AccessLinkReissued, AccessLinkResent, Address, Application, BoothRequest, Producer, ProducerType, Product,
    RegistrationAmended, RegistrationApproved, RegistrationId, RegistrationRejected, RegistrationSubmitted,
    RegistrationWaitlisted, RegistrationWithdrawn,
};
pub use results::{
    AgreementKind, AgreementSigned, AwardGiven, CountMethod, ReportNotesWritten, ResultWithdrawn, SideEventHeld,
    VisitorsCounted,
};
pub use sales::{BooksClosed, BooksReopened, SaleRecorded, SaleVoided, SalesReminderRequested};

/// Stream names, in one place so that every writer and reader agrees on them.
pub mod streams {
    use crate::{FairId, NotificationId, OrganizerId, RegistrationId};

    /// The stream of one fair: details, floor plan, registration window.
    pub fn fair(id: &FairId) -> String {
        format!("fair-{}", id.as_str())
    }

    /// The stream of one application's life.
    pub fn registration(id: &RegistrationId) -> String {
        format!("registration-{}", id.0)
    }

    /// The stream of one email: its claim, attempts and outcome.
    pub fn notification(id: &NotificationId) -> String {
        format!("notification-{}", id.0)
    }

    /// One exhibitor's sales at one fair.
    pub fn sales(fair: &FairId, registration: &RegistrationId) -> String {
        format!("sales-{}-{}", fair.as_str(), registration.0)
    }

    /// One announcement to a fair's exhibitors.
    pub fn announcement(fair: &FairId, id: &uuid::Uuid) -> String {
        format!("announcement-{}-{id}", fair.as_str())
    }

    /// A fair's payments and refunds: its version numbers the receipts.
    pub fn payments(fair: &FairId) -> String {
        format!("payments-{}", fair.as_str())
    }

    /// The statement layouts organizers chose, for every bank.
    pub fn bank_layouts() -> String {
        "bank-layouts".to_owned()
    }

    /// What happened at a fair besides the sales: visitors, agreements, awards, side events.
    pub fn results(fair: &FairId) -> String {
        format!("results-{}", fair.as_str())
    }

    /// The stream of one organizer account.
    pub fn organizer(id: &OrganizerId) -> String {
        format!("organizer-{}", id.0)
    }
}
