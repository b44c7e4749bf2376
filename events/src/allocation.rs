//! Booths given to registrations, on the fair's own stream (`fair-{id}`), so that one
//! expected version guards every booth of a fair: a booth is never given twice.

use serde::{Deserialize, Serialize};

use crate::{BoothCode, FairId, RegistrationId};

/// A booth went to an approved registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothAllocated {
    pub fair_id: FairId,
    pub booth: BoothCode,
    pub registration_id: RegistrationId,
}

/// Why a booth was freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseCause {
    /// An organizer released it.
    Organizer,
    /// The registration was withdrawn.
    Withdrawn,
    /// The registration was rejected (or is no longer approved).
    NotApproved,
    /// The registration now holds more booths than it is approved for.
    OverApproved,
    /// An organizer released it because its booth fee was not paid by the due date.
    Unpaid,
}

/// A booth was freed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothReleased {
    pub fair_id: FairId,
    pub booth: BoothCode,
    pub registration_id: RegistrationId,
    pub cause: ReleaseCause,
}

/// A registration moved from one booth to another, in one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothMoved {
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    pub from: BoothCode,
    pub to: BoothCode,
}

/// A booth is kept out of allocation (a pillar, the organizers' own stand, damage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothBlocked {
    pub fair_id: FairId,
    pub booth: BoothCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A blocked booth can be allocated again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothUnblocked {
    pub fair_id: FairId,
    pub booth: BoothCode,
}

/// Which part of an address a quota counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locality {
    Commune,
    /// The district before the 2025 reorganisation, where the applicant gave one.
    LegacyDistrict,
    Province,
}

/// At most `max` booths of `zone` for the exhibitors of any one locality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneQuota {
    pub zone: crate::ZoneCode,
    pub locality: Locality,
    pub max: u32,
}

/// The fair's own rules for the automatic proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationRules {
    #[serde(default)]
    pub zone_quotas: Vec<ZoneQuota>,
}

/// An organizer set the fair's allocation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationRulesSet {
    pub fair_id: FairId,
    pub rules: AllocationRules,
}
