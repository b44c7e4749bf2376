//! What happened at a fair besides the sales, as organizers enter it for the report: visitors
//! by day, contracts and memoranda signed, awards, side events and notes. On a stream of
//! their own a fair (`results-{fair}`), so entering them never contends with allocation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{FairId, RegistrationId};

/// How a day's visitors were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountMethod {
    /// Somebody's estimate (the security team's, the organizers').
    Estimate,
    /// A reading of a counter (turnstile, ticket stubs, a clicker).
    Counter,
}

/// The visitors (lượt khách) of one fair day. A later count of the same day replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitorsCounted {
    pub fair_id: FairId,
    pub day: NaiveDate,
    pub visitors: u32,
    pub method: CountMethod,
    /// Who or what gave the figure ("Đội bảo vệ cổng chính", "máy đếm cổng A").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// A contract or a memorandum of understanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    Contract,
    Memorandum,
}

/// A contract or memorandum signed at the fair: between whom, which exhibitors of the fair it
/// binds, for which products, worth how much if it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementSigned {
    pub agreement_id: Uuid,
    pub fair_id: FairId,
    pub kind: AgreementKind,
    /// The parties as the document names them ("Siêu thị Co.op Mart Hà Tĩnh và 25 chủ thể
    /// OCOP").
    pub parties: String,
    /// The fair's exhibitors it binds (none: a party not exhibiting, e.g. two departments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exhibitors: Vec<RegistrationId>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub products: String,
    /// Whole đồng, when the document gives a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_vnd: Option<i64>,
    pub signed_on: NaiveDate,
}

/// An award given at the fair to one of its exhibitors ("Gian hàng đẹp nhất").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardGiven {
    pub award_id: Uuid,
    pub fair_id: FairId,
    pub name: String,
    pub registration_id: RegistrationId,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A trade-connection meeting, a workshop, a contest held beside the fair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideEventHeld {
    pub side_event_id: Uuid,
    pub fair_id: FairId,
    pub day: NaiveDate,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The organizers' notes for the report, as a whole (each replaces the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportNotesWritten {
    pub fair_id: FairId,
    pub text: String,
}

/// An agreement, award or side event entered by mistake, with the reason: it leaves the
/// report, and stays in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultWithdrawn {
    pub fair_id: FairId,
    pub id: Uuid,
    pub reason: String,
}
