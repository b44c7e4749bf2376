//! Emails as the log sees them (stream `notification-{id}`): claimed by one process, then
//! attempted, and sent, deferred or failed. The content is rendered when it is sent, so
//! no private link ever enters the log.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{BoothCode, FairId, RegistrationId};

/// One email to one recipient, derived deterministically from what triggered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(pub Uuid);

impl NotificationId {
    /// The id of the email `template` sends to `recipient` because of `trigger` (an event id
    /// or the key of a scheduled mailing). Every process derives the same id, so the claim
    /// on its stream decides who sends it.
    ///
    /// When the trigger is a time-ordered event id (UUIDv7), the id starts with the same 48
    /// bits of time, so emails' streams are written in the order of the log rather than
    /// scattered over the log's stream index: each email's two appends then touch the pages
    /// the log is writing anyway (ADR 006). Claims made before carry a digest-only id; the
    /// projection matches those by what the claim carries.
    pub fn derive(trigger: &str, recipient: &str, template: Template) -> Self {
        let digest = Sha256::new()
            .chain_update(b"notification\0")
            .chain_update(trigger.as_bytes())
            .chain_update(b"\0")
            .chain_update(recipient.to_lowercase().as_bytes())
            .chain_update(b"\0")
            .chain_update(template.as_str().as_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        if let Ok(trigger) = Uuid::try_parse(trigger) {
            if trigger.get_version_num() == 7 {
                bytes[..6].copy_from_slice(&trigger.as_bytes()[..6]);
            }
        }
        NotificationId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
    }
}

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What an email says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// To the exhibitor: the application arrived; its private link.
    ApplicationReceived,
    /// To the exhibitor: approved for a number of booths.
    ApplicationApproved,
    /// To the exhibitor: rejected, with the reason.
    ApplicationRejected,
    /// To the exhibitor: on the waiting list.
    ApplicationWaitlisted,
    /// To the exhibitor: the withdrawal is recorded.
    ApplicationWithdrawn,
    /// To each organizer, once a day: the applications that arrived since the last digest.
    NewApplicationsDigest,
    /// To each approved exhibitor, the day before the fair opens.
    FairReminder,
    /// To the exhibitor: a booth is theirs.
    BoothAllocated,
    /// To the exhibitor: moved to another booth.
    BoothMoved,
    /// To the exhibitor: a booth was taken back by an organizer.
    BoothReleased,
    /// To an exhibitor holding a booth, in the evening of a fair day it has not reported.
    SalesReminder,
    /// To each exhibitor when the books close: its own sales.
    SalesSummary,
    /// To each organizer when the books close: the review, with the workbook attached.
    RevenueReport,
    /// To the exhibitor: its private link was replaced; the new one.
    AccessLinkReissued,
    /// To the exhibitor, who asked on the fair's page: its private link, again.
    AccessLinkResent,
    /// To each exhibitor of a group the organizers chose: their message.
    Announcement,
    /// To an exhibitor with booth fees still to pay, two days before they fall due.
    FeeReminder,
}

impl Template {
    pub const ALL: [Template; 17] = [
        Template::ApplicationReceived,
        Template::ApplicationApproved,
        Template::ApplicationRejected,
        Template::ApplicationWaitlisted,
        Template::ApplicationWithdrawn,
        Template::NewApplicationsDigest,
        Template::FairReminder,
        Template::BoothAllocated,
        Template::BoothMoved,
        Template::BoothReleased,
        Template::SalesReminder,
        Template::SalesSummary,
        Template::RevenueReport,
        Template::AccessLinkReissued,
        Template::AccessLinkResent,
        Template::Announcement,
        Template::FeeReminder,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Template::ApplicationReceived => "application_received",
            Template::ApplicationApproved => "application_approved",
            Template::ApplicationRejected => "application_rejected",
            Template::ApplicationWaitlisted => "application_waitlisted",
            Template::ApplicationWithdrawn => "application_withdrawn",
            Template::NewApplicationsDigest => "new_applications_digest",
            Template::FairReminder => "fair_reminder",
            Template::BoothAllocated => "booth_allocated",
            Template::BoothMoved => "booth_moved",
            Template::BoothReleased => "booth_released",
            Template::SalesReminder => "sales_reminder",
            Template::SalesSummary => "sales_summary",
            Template::RevenueReport => "revenue_report",
            Template::AccessLinkReissued => "access_link_reissued",
            Template::AccessLinkResent => "access_link_resent",
            Template::Announcement => "announcement",
            Template::FeeReminder => "fee_reminder",
        }
    }

    pub fn parse(s: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Who receives an email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub email: String,
    /// The display name; may be empty.
    #[serde(default)]
    pub name: String,
}

/// What the template needs beyond the registration and the fair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booths: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a digest: the applications it lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<RegistrationId>,
    /// For a booth email: the booth (where it moved to, for a move).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booth: Option<BoothCode>,
    /// For a move: the booth it left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_booth: Option<BoothCode>,
    /// For a scheduled email: the fair day (in the fair's zone) it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    /// For an announcement: its subject and message, as the organizer wrote them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The organizers wrote to a group of a fair's exhibitors (stream
/// `announcement-{fair}-{id}`): each recipient is emailed once through the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementSent {
    pub announcement_id: uuid::Uuid,
    pub fair_id: FairId,
    pub subject: String,
    pub message: String,
    /// The applications written to, chosen when it was sent.
    pub recipients: Vec<RegistrationId>,
    /// The group as the organizer chose it ("Đã duyệt · khu A"), for the log.
    pub audience: String,
}

/// A process took on an email (expected: no stream), and with it the email's first attempt
/// (`first_attempt`). Logs from before the claim carried its attempt have a
/// [`NotificationAttempted`] right after it instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationClaimed {
    pub notification_id: NotificationId,
    pub fair_id: FairId,
    pub template: Template,
    /// The event id, or the scheduled mailing's key, that called for it.
    pub trigger: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_id: Option<RegistrationId>,
    pub recipient: Recipient,
    /// `vi` or `en`.
    pub language: String,
    #[serde(default)]
    pub params: NotificationParams,
    /// The Message-ID header, the same on every attempt so mail systems fold repeats.
    pub message_id: String,
    /// When it became due.
    pub due_at: DateTime<Utc>,
    /// The attempt the claiming process starts with it: one event where there were two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt: Option<FirstAttempt>,
    /// The mail protocol of the hoicho that claimed it ([`MAIL_PROTOCOL`]; none: 1, from
    /// before claims named one). An older hoicho leaves a newer one's claims alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
}

/// How this hoicho claims and sends email: raised whenever what a claim means changes (how
/// an email's id is derived, what an attempt or a lease is), so that during a rolling upgrade
/// an older instance leaves the newer one's emails alone (ADR 023). 1: claims without the
/// field; 2: claims that name it.
pub const MAIL_PROTOCOL: u32 = 2;

impl NotificationClaimed {
    /// The protocol of the hoicho that made the claim.
    pub fn protocol(&self) -> u32 {
        self.protocol.unwrap_or(1)
    }
}

/// The first attempt, as a claim carries it: the same as a [`NotificationAttempted`] with
/// attempt 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstAttempt {
    pub instance: String,
    pub lease_until: DateTime<Utc>,
}

/// A process is sending it now; another may try again after `lease_until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationAttempted {
    pub notification_id: NotificationId,
    pub attempt: u32,
    pub instance: String,
    pub lease_until: DateTime<Utc>,
}

/// The mail server accepted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationSent {
    pub notification_id: NotificationId,
    pub attempt: u32,
    /// What the transport answered (the SMTP reply, or the file written).
    pub response: String,
}

/// The attempt failed in a way that may pass (server down, 4xx); try again at `retry_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationDeferred {
    pub notification_id: NotificationId,
    pub attempt: u32,
    pub error: String,
    pub retry_at: DateTime<Utc>,
}

/// Given up: a permanent refusal (5xx, a bad address) or too many attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationFailed {
    pub notification_id: NotificationId,
    pub attempt: u32,
    pub error: String,
}

/// An organizer asked for a failed email to be tried again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRetried {
    pub notification_id: NotificationId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_event_ids_follow_the_log_and_others_are_unchanged() {
        let recipient = "HTX@example.vn";
        let triggers: Vec<Uuid> = (0..50)
            .map(|ms| Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, 1_780_000_000 + ms, 0)))
            .collect();
        let ids: Vec<NotificationId> = triggers
            .iter()
            .map(|t| NotificationId::derive(&t.to_string(), recipient, Template::ApplicationReceived))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "in the triggers' order");
        let again = NotificationId::derive(
            &triggers[0].to_string(),
            "htx@example.vn",
            Template::ApplicationReceived,
        );
        assert_eq!(again, ids[0], "the same email, whatever the address's case");
        let other = NotificationId::derive(&triggers[0].to_string(), recipient, Template::ApplicationApproved);
        assert_ne!(other, ids[0], "another template, another email");
        assert_eq!(other.0.as_bytes()[..6], ids[0].0.as_bytes()[..6]);
        // A scheduled mailing's key is no event id: its id is the digest, as it always was.
        let digest = NotificationId::derive(
            "digest:ht2022:2026-01-20",
            "btc@hatinh.test",
            Template::NewApplicationsDigest,
        );
        assert_eq!(digest.0.to_string(), "550e2f75-974c-8d0d-96ac-07a785e41b7b");
    }
}
