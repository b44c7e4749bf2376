use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{BoothCode, FairId, ZoneCode};

/// What an organizer says about a fair: the parts that can be amended later.
///
/// The address, description and contacts came later: events without them read as empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FairDetails {
    pub name: String,
    pub venue: String,
    /// First fair day, in the fair's time zone.
    pub start_date: NaiveDate,
    /// Last fair day (inclusive), in the fair's time zone.
    pub end_date: NaiveDate,
    /// An IANA zone name such as `Asia/Ho_Chi_Minh`.
    pub time_zone: String,
    pub registration_opens_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    /// The street address of the venue.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// What exhibitors are told about the fair on its page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The organizers' hotline, shown to exhibitors.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_email: String,
}

/// A fair was created. The first event of stream `fair-{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairCreated {
    pub fair_id: FairId,
    pub details: FairDetails,
    /// The earlier edition this one was copied from (its plan, kinds, prices and rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<FairId>,
}

/// A fair's details were replaced by new ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairAmended {
    pub fair_id: FairId,
    pub details: FairDetails,
}

/// A zone of the floor plan (e.g. "Khu các địa phương").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub code: ZoneCode,
    pub name: String,
    /// The zone's colour on the plan, `#rrggbb`; none: the plan's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

/// A zone was added to the plan (`ZoneDefined`) or its name changed (`ZoneChanged`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneDefined {
    pub fair_id: FairId,
    pub zone: Zone,
}

/// A zone left the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneRetired {
    pub fair_id: FairId,
    pub code: ZoneCode,
}

/// A booth on the floor plan. Sizes and positions are metres; `x`, `y` from the plan's
/// top-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booth {
    pub code: BoothCode,
    pub zone: ZoneCode,
    /// `standard`, `corner`, `double`, or a kind the organizer names.
    pub kind: String,
    pub width_m: f64,
    pub depth_m: f64,
    pub price_vnd: i64,
    pub x: f64,
    pub y: f64,
    /// It has an electric outlet (cold drinks, a fridge, a rice cooker).
    #[serde(default, skip_serializing_if = "is_false")]
    pub power: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A booth was added to the plan (`BoothDefined`) or changed in place (`BoothChanged`).
///
/// Schema v1 carried a `size` string such as `"3x3"` and no position; it is upcast to v2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothDefined {
    pub fair_id: FairId,
    pub booth: Booth,
}

/// A booth left the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothRetired {
    pub fair_id: FairId,
    pub code: BoothCode,
}

/// The hall the plan is drawn in, in metres from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hall {
    pub width_m: f64,
    pub depth_m: f64,
}

/// A plain shape on the plan that is not a booth: an aisle, the entrance, the stage, the
/// toilets, or a free label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// `aisle`, `entrance`, `stage`, `toilets` or `label`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub width_m: f64,
    pub depth_m: f64,
}

/// What the plan shows besides its booths.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hall: Option<Hall>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shapes: Vec<Shape>,
}

/// The hall and the plain shapes of a fair's plan were replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorDrawn {
    pub fair_id: FairId,
    pub floor: Floor,
}

/// An organizer opened applications, whatever the planned window says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationOpened {
    pub fair_id: FairId,
    pub at: DateTime<Utc>,
}

/// An organizer closed applications, whatever the planned window says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationClosed {
    pub fair_id: FairId,
    pub at: DateTime<Utc>,
}
