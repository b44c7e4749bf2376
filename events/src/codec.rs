use serde_json::Value;

use crate::allocation::*;
use crate::fair::*;
use crate::fees::*;
use crate::notification::*;
use crate::organizer::*;
use crate::registration::*;
use crate::results::*;
use crate::sales::*;

/// Why a stored event could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    #[error("{event_type} schema version {found} is newer than this hoicho knows ({known})")]
    TooNew { event_type: String, found: u32, known: u32 },
    #[error("{event_type} does not decode: {source}")]
    Invalid {
        event_type: String,
        source: serde_json::Error,
    },
}

macro_rules! events {
    ($($variant:ident($payload:ty) = $version:literal),+ $(,)?) => {
        /// Every change hoicho records, in its current shape.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Event {
            $(#[doc = concat!("See [`", stringify!($payload), "`].")] $variant($payload),)+
        }

        impl Event {
            /// The name stored with the event.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $(Event::$variant(_) => stringify!($variant),)+
                }
            }

            /// The current schema version of this event type.
            pub fn schema_version(&self) -> u32 {
                match self {
                    $(Event::$variant(_) => $version,)+
                }
            }

            /// `(event type, schema version, JSON data)` for the log.
            pub fn encode(&self) -> (&'static str, u32, String) {
                let data = match self {
                    // Serializing plain derived structs into a String cannot fail.
                    $(Event::$variant(e) => serde_json::to_string(e),)+
                };
                (self.event_type(), self.schema_version(), data.unwrap_or_else(|_| "{}".into()))
            }

            /// Reads a stored event, upcasting older schema versions to the current shape.
            pub fn decode(event_type: &str, schema_version: u32, data: &str) -> Result<Self, DecodeError> {
                let invalid = |source| DecodeError::Invalid { event_type: event_type.to_owned(), source };
                match event_type {
                    $(stringify!($variant) => {
                        if schema_version == $version {
                            serde_json::from_str(data).map(Event::$variant).map_err(invalid)
                        } else if schema_version > $version {
                            Err(DecodeError::TooNew { event_type: event_type.to_owned(), found: schema_version, known: $version })
                        } else {
                            let mut value: Value = serde_json::from_str(data).map_err(invalid)?;
                            for from in schema_version..$version {
                                value = upcast(event_type, from, value);
                            }
                            serde_json::from_value(value).map(Event::$variant).map_err(invalid)
                        }
                    })+
                    other => Err(DecodeError::UnknownType(other.to_owned())),
                }
            }
        }
    };
}

events! {
    FairCreated(FairCreated) = 1,
    FairAmended(FairAmended) = 1,
    ZoneDefined(ZoneDefined) = 1,
    ZoneChanged(ZoneDefined) = 1,
    ZoneRetired(ZoneRetired) = 1,
    BoothDefined(BoothDefined) = 2,
    BoothChanged(BoothDefined) = 2,
    BoothRetired(BoothRetired) = 1,
    RegistrationOpened(RegistrationOpened) = 1,
    RegistrationClosed(RegistrationClosed) = 1,
    OrganizerAdded(OrganizerAdded) = 1,
    OrganizerTokenIssued(OrganizerTokenIssued) = 1,
    RegistrationSubmitted(RegistrationSubmitted) = 1,
    RegistrationAmended(RegistrationAmended) = 1,
    RegistrationWithdrawn(RegistrationWithdrawn) = 1,
    RegistrationApproved(RegistrationApproved) = 1,
    RegistrationRejected(RegistrationRejected) = 1,
    RegistrationWaitlisted(RegistrationWaitlisted) = 1,
    NotificationClaimed(NotificationClaimed) = 1,
    NotificationAttempted(NotificationAttempted) = 1,
    NotificationSent(NotificationSent) = 1,
    NotificationDeferred(NotificationDeferred) = 1,
    NotificationFailed(NotificationFailed) = 1,
    NotificationRetried(NotificationRetried) = 1,
    BoothAllocated(BoothAllocated) = 1,
    BoothReleased(BoothReleased) = 1,
    BoothMoved(BoothMoved) = 1,
    BoothBlocked(BoothBlocked) = 1,
    BoothUnblocked(BoothUnblocked) = 1,
    AllocationRulesSet(AllocationRulesSet) = 1,
    SaleRecorded(SaleRecorded) = 1,
    SaleVoided(SaleVoided) = 1,
    BooksClosed(BooksClosed) = 1,
    BooksReopened(BooksReopened) = 1,
    AccessLinkReissued(AccessLinkReissued) = 1,
    OrganizerSignedIn(OrganizerSignedIn) = 1,
    OrganizerSignedOut(OrganizerSignedOut) = 1,
    OrganizerSessionsEnded(OrganizerSessionsEnded) = 1,
    OrganizerPasswordChanged(OrganizerPasswordChanged) = 1,
    OrganizerRevoked(OrganizerRevoked) = 1,
    FloorDrawn(FloorDrawn) = 1,
    OrganizerInvited(OrganizerInvited) = 1,
    AccessLinkResent(AccessLinkResent) = 1,
    SalesReminderRequested(SalesReminderRequested) = 1,
    AnnouncementSent(AnnouncementSent) = 1,
    FeeRulesSet(FeeRulesSet) = 1,
    PaymentAccountSet(PaymentAccountSet) = 1,
    FeesRecalculated(FeesRecalculated) = 1,
    PaymentRecorded(PaymentRecorded) = 1,
    PaymentVoided(PaymentVoided) = 1,
    BankLayoutSaved(BankLayoutSaved) = 1,
    VisitorsCounted(VisitorsCounted) = 1,
    AgreementSigned(AgreementSigned) = 1,
    AwardGiven(AwardGiven) = 1,
    SideEventHeld(SideEventHeld) = 1,
    ReportNotesWritten(ReportNotesWritten) = 1,
    ResultWithdrawn(ResultWithdrawn) = 1,
}

/// Turns the stored shape of `event_type` at version `from` into the shape of `from + 1`.
fn upcast(event_type: &str, from: u32, value: Value) -> Value {
    match (event_type, from) {
        ("BoothDefined" | "BoothChanged", 1) => booth_v1_to_v2(value),
        _ => value,
    }
}

/// v1: `{fair_id, code, zone, kind, size: "3x3", price_vnd}`, no position on the plan.
/// v2: `{fair_id, booth: {code, zone, kind, width_m, depth_m, price_vnd, x, y}}`.
fn booth_v1_to_v2(mut value: Value) -> Value {
    let Some(old) = value.as_object_mut() else {
        return value;
    };
    let (width, depth) = old
        .get("size")
        .and_then(Value::as_str)
        .and_then(|size| {
            let (w, d) = size.split_once(['x', 'X', '×'])?;
            Some((w.trim().parse::<f64>().ok()?, d.trim().parse::<f64>().ok()?))
        })
        .unwrap_or((3.0, 3.0));
    let take = |old: &mut serde_json::Map<String, Value>, key: &str| old.remove(key).unwrap_or(Value::Null);
    let booth = serde_json::json!({
        "code": take(old, "code"),
        "zone": take(old, "zone"),
        "kind": take(old, "kind"),
        "width_m": width,
        "depth_m": depth,
        "price_vnd": take(old, "price_vnd"),
        "x": 0.0,
        "y": 0.0,
    });
    serde_json::json!({ "fair_id": take(old, "fair_id"), "booth": booth })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_booth_written_as_raw_json_reads_as_the_current_shape() {
        let raw = r#"{"fair_id":"ocop-ha-tinh-2022","code":"A01","zone":"A","kind":"double","size":"3x6","price_vnd":6000000}"#;
        let event = Event::decode("BoothDefined", 1, raw).expect("v1 decodes");
        let Event::BoothDefined(defined) = event else {
            panic!("wrong variant: {event:?}");
        };
        assert_eq!(defined.fair_id.as_str(), "ocop-ha-tinh-2022");
        assert_eq!(defined.booth.code.as_str(), "A01");
        assert_eq!(defined.booth.kind, "double");
        assert_eq!((defined.booth.width_m, defined.booth.depth_m), (3.0, 6.0));
        assert_eq!(defined.booth.price_vnd, 6_000_000);
        assert_eq!((defined.booth.x, defined.booth.y), (0.0, 0.0));
    }

    #[test]
    fn the_current_shape_round_trips() {
        let event = Event::BoothRetired(BoothRetired {
            fair_id: crate::FairId::new_unchecked("f"),
            code: crate::BoothCode::new_unchecked("B2"),
        });
        let (event_type, version, data) = event.encode();
        assert_eq!(Event::decode(event_type, version, &data).unwrap(), event);
    }

    #[test]
    fn a_newer_schema_than_known_is_a_clear_error() {
        let err = Event::decode("BoothRetired", 9, "{}").unwrap_err();
        assert!(matches!(err, DecodeError::TooNew { found: 9, known: 1, .. }), "{err}");
    }

    #[test]
    fn an_unknown_type_is_a_clear_error() {
        assert!(matches!(
            Event::decode("Nope", 1, "{}"),
            Err(DecodeError::UnknownType(_))
        ));
    }
}
