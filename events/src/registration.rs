use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{BoothCode, FairId, ZoneCode};

/// An application for booths at a fair (stream `registration-{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegistrationId(pub Uuid);

impl std::fmt::Display for RegistrationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The legal form of a producer, as OCOP forms list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProducerType {
    /// Doanh nghiệp: an enterprise.
    DoanhNghiep,
    /// Hợp tác xã (HTX): a cooperative.
    Htx,
    /// Tổ hợp tác (THT): a cooperative group.
    ToHopTac,
    /// Hộ kinh doanh: a business household.
    HoKinhDoanh,
    /// Cá nhân: an individual.
    CaNhan,
    /// Đoàn / đơn vị: a delegation applying for several producers.
    Doan,
}

impl ProducerType {
    /// The type's code as the API and the forms write it (`ho_kinh_doanh`).
    pub fn code(self) -> &'static str {
        match self {
            ProducerType::DoanhNghiep => "doanh_nghiep",
            ProducerType::Htx => "htx",
            ProducerType::ToHopTac => "to_hop_tac",
            ProducerType::HoKinhDoanh => "ho_kinh_doanh",
            ProducerType::CaNhan => "ca_nhan",
            ProducerType::Doan => "doan",
        }
    }
}

/// Where a producer is: commune or ward and province, with the district it had before the
/// 2025 reorganisation when the applicant gives one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    pub commune: String,
    pub province: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_district: Option<String>,
}

/// A product offered at the fair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub name: String,
    /// OCOP product group of Decision 148/QĐ-TTg: `I` … `VI`.
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subgroup: Option<String>,
    /// OCOP stars 3–5; `None` for a product without a certificate.
    #[serde(default)]
    pub stars: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_expires: Option<NaiveDate>,
}

/// One producer within a delegation's application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Producer {
    pub organization: String,
    pub producer_type: ProducerType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    pub products: Vec<Product>,
}

/// What booths the applicant asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothRequest {
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<ZoneCode>,
    #[serde(default)]
    pub preferred_booths: Vec<BoothCode>,
    #[serde(default)]
    pub needs_power: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything an applicant says (DESIGN.md "Domain rules"), as checked when it came in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub organization: String,
    pub producer_type: ProducerType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    pub representative: String,
    /// A Vietnamese mobile number as `+84…`.
    pub phone: String,
    pub email: String,
    /// `vi` or `en`: the language of the exhibitor's pages and emails.
    pub language: String,
    pub address: Address,
    pub products: Vec<Product>,
    #[serde(default)]
    pub producers: Vec<Producer>,
    pub booth_request: BoothRequest,
}

/// An application arrived (from the exhibitor, or entered by an organizer). The private
/// access token is kept only as its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationSubmitted {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    pub application: Application,
    pub token_hash: String,
    pub submitted_at: DateTime<Utc>,
}

/// The application was replaced by an amended one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationAmended {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    pub application: Application,
}

/// The exhibitor (or an organizer for it) withdrew the application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationWithdrawn {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An organizer approved the application for a number of booths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationApproved {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    pub booths: u32,
}

/// An organizer rejected the application, saying why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationRejected {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    pub reason: String,
}

/// The exhibitor's private link was replaced (by the exhibitor or an organizer): the old one
/// stops working at once. `generation` counts the links, the first being 0; the server
/// derives the link from the id, the generation and its secret key (ADR 005).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessLinkReissued {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    pub token_hash: String,
    pub generation: u32,
}

/// Someone asked, on the fair's page, for the private link again by the application's email
/// or phone: the current link is emailed to the application's address (and only there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessLinkResent {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// An organizer put the application on the waiting list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationWaitlisted {
    pub registration_id: RegistrationId,
    pub fair_id: FairId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg(test)]
mod producer_type_tests {
    use super::ProducerType;

    #[test]
    fn a_types_code_is_its_serialized_name() {
        for t in [
            ProducerType::DoanhNghiep,
            ProducerType::Htx,
            ProducerType::ToHopTac,
            ProducerType::HoKinhDoanh,
            ProducerType::CaNhan,
            ProducerType::Doan,
        ] {
            assert_eq!(serde_json::to_value(t).unwrap(), t.code());
        }
    }
}
