//! Booth fees, public subsidies and payments.
//!
//! The fee rules and the receiving account are on the fair's stream (`fair-{id}`), beside the
//! booths whose prices they use. Payments are on a stream of their own a fair
//! (`payments-{fair}`), whose expected version numbers the receipts: no gap, no repeat.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{FairId, ProducerType, RegistrationId};

/// When a statement must be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PaymentDue {
    /// By a fixed date (in the fair's time zone).
    On { date: NaiveDate },
    /// Within N days of the first booth's allocation.
    DaysAfterAllocation { days: u32 },
}

impl Default for PaymentDue {
    fn default() -> Self {
        PaymentDue::DaysAfterAllocation { days: 7 }
    }
}

/// Who a subsidy rule is for. Every condition given must hold; none given: everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyCondition {
    /// The applicant's legal form is one of these (a delegation is `doan`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub producer_types: Vec<ProducerType>,
    /// At least this many OCOP stars on a product whose certificate is valid on the fair's
    /// first day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_stars: Option<u8>,
    /// The applicant's province is one of these (compared without diacritics or case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provinces: Vec<String>,
    /// The applicant's commune or ward, or the district it gave from before the 2025
    /// reorganisation, is one of these (compared without diacritics or case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub localities: Vec<String>,
}

/// One rule of a fair's public support for booth fees: who it is for, how much, how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyRule {
    /// What the statement and the settlement call it ("Hỗ trợ OCOP 3 sao trở lên").
    pub name: String,
    #[serde(default)]
    pub when: SubsidyCondition,
    /// The share of each supported booth's price paid by the programme, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_percent: Option<u8>,
    /// Or a fixed amount a supported booth, in đồng (at most its price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_vnd: Option<i64>,
    /// At most this many booths of one producer are supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_booths: Option<u32>,
    /// At most this much support for one producer, in đồng.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_vnd: Option<i64>,
}

/// A fair's fee rules: the subsidy rules in the order they are tried (the first that fits a
/// producer is its rule) and when statements fall due. Prices are the booths' own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRules {
    #[serde(default)]
    pub subsidies: Vec<SubsidyRule>,
    #[serde(default)]
    pub due: PaymentDue,
}

/// An organizer set the fair's fee rules. Statements already made keep the rules they were
/// made under until a [`FeesRecalculated`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeRulesSet {
    pub fair_id: FairId,
    pub rules: FeeRules,
}

/// The account exhibitors transfer their fees to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAccount {
    /// The bank's NAPAS BIN, six digits.
    pub bin: String,
    pub account_number: String,
    /// As the bank has it, in capitals without diacritics.
    pub account_name: String,
}

/// An organizer set (or cleared) the fair's receiving account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentAccountSet {
    pub fair_id: FairId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<PaymentAccount>,
}

/// An organizer confirmed that these statements follow the current rules and prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeesRecalculated {
    pub fair_id: FairId,
    pub registrations: Vec<RegistrationId>,
}

/// Money in (a payment) or out (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Payment,
    Refund,
}

/// How the money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Transfer,
    Cash,
}

/// A payment or a refund, with its receipt number (the n-th on the fair's payments stream).
/// Never changed: a mistake is voided and recorded again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentRecorded {
    pub payment_id: Uuid,
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    /// 1, 2, 3 … a fair, in the order recorded.
    pub receipt_no: u32,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    /// Whole đồng, > 0.
    pub amount_vnd: i64,
    pub paid_on: NaiveDate,
    /// The bank's transaction reference: the same one never counts twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_reference: Option<String>,
    /// Who paid, as the receipt names them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub payer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A payment recorded by mistake, with the reason. Its receipt number stays, marked void.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentVoided {
    pub payment_id: Uuid,
    pub fair_id: FairId,
    pub reason: String,
}

/// Which columns of a bank's statement export hold what, by their headers as the bank writes
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLayout {
    pub date: String,
    pub credit: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// An organizer chose the columns of a bank's statement (by the bank's BIN, or `""` for an
/// account not set); the next statement from that bank is read the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankLayoutSaved {
    pub bin: String,
    pub layout: BankLayout,
}
