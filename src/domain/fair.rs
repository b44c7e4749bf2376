//! The fair aggregate (stream `fair-{id}`): details, floor plan, registration window.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use hoicho_events::{
    Booth, BoothCode, BoothDefined, BoothRetired, Event, FairAmended, FairCreated, FairDetails, FairId,
    RegistrationClosed, RegistrationOpened, Zone, ZoneCode, ZoneDefined, ZoneRetired,
};

use super::{Aggregate, DomainError};

/// What the fair's decisions need to know.
#[derive(Debug, Default, Clone)]
pub struct FairState {
    pub id: Option<FairId>,
    pub details: Option<FairDetails>,
    pub zones: BTreeMap<ZoneCode, Zone>,
    pub booths: BTreeMap<BoothCode, Booth>,
    /// An organizer's explicit open (`true`) or close (`false`), overriding the window.
    pub registration_override: Option<bool>,
}

impl FairState {
    /// Whether exhibitors may apply at `now`.
    pub fn registration_open(&self, now: DateTime<Utc>) -> bool {
        match (self.registration_override, &self.details) {
            (Some(open), _) => open,
            (None, Some(d)) => d.registration_opens_at <= now && now < d.registration_closes_at,
            (None, None) => false,
        }
    }
}

impl Aggregate for FairState {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::FairCreated(e) => {
                self.id = Some(e.fair_id.clone());
                self.details = Some(e.details.clone());
            }
            Event::FairAmended(e) => self.details = Some(e.details.clone()),
            Event::ZoneDefined(e) | Event::ZoneChanged(e) => {
                self.zones.insert(e.zone.code.clone(), e.zone.clone());
            }
            Event::ZoneRetired(e) => {
                self.zones.remove(&e.code);
            }
            Event::BoothDefined(e) | Event::BoothChanged(e) => {
                self.booths.insert(e.booth.code.clone(), e.booth.clone());
            }
            Event::BoothRetired(e) => {
                self.booths.remove(&e.code);
            }
            Event::RegistrationOpened(_) => self.registration_override = Some(true),
            Event::RegistrationClosed(_) => self.registration_override = Some(false),
            _ => {}
        }
    }
}

/// What an organizer can ask of a fair.
#[derive(Debug, Clone)]
pub enum FairCommand {
    Create {
        fair_id: FairId,
        details: FairDetails,
    },
    Amend {
        details: FairDetails,
    },
    /// Replace the floor plan. The plan has been checked for duplicates and unknown zones.
    DefinePlan {
        zones: Vec<Zone>,
        booths: Vec<Booth>,
    },
    OpenRegistration {
        at: DateTime<Utc>,
    },
    CloseRegistration {
        at: DateTime<Utc>,
    },
}

pub fn decide(state: &FairState, command: &FairCommand) -> Result<Vec<Event>, DomainError> {
    if let FairCommand::Create { fair_id, details } = command {
        if state.id.is_some() {
            return Err(DomainError::conflict(
                "fair_exists",
                format!("a fair with id {fair_id} already exists"),
            ));
        }
        return Ok(vec![Event::FairCreated(FairCreated {
            fair_id: fair_id.clone(),
            details: details.clone(),
        })]);
    }
    let fair_id = state.id.clone().ok_or(DomainError::NotFound("fair"))?;
    Ok(match command {
        FairCommand::Create { .. } => unreachable_create(),
        FairCommand::Amend { details } => {
            if state.details.as_ref() == Some(details) {
                vec![]
            } else {
                vec![Event::FairAmended(FairAmended {
                    fair_id,
                    details: details.clone(),
                })]
            }
        }
        FairCommand::DefinePlan { zones, booths } => plan_changes(state, &fair_id, zones, booths),
        FairCommand::OpenRegistration { at } => {
            if state.registration_override == Some(true) {
                vec![]
            } else {
                vec![Event::RegistrationOpened(RegistrationOpened { fair_id, at: *at })]
            }
        }
        FairCommand::CloseRegistration { at } => {
            if state.registration_override == Some(false) {
                vec![]
            } else {
                vec![Event::RegistrationClosed(RegistrationClosed { fair_id, at: *at })]
            }
        }
    })
}

// `Create` returns before the match above; this keeps the match exhaustive without a panic.
fn unreachable_create() -> Vec<Event> {
    Vec::new()
}

/// The events that turn the current plan into the requested one: new zones first, then
/// booth changes, then zones that are gone, so every booth always has its zone.
fn plan_changes(state: &FairState, fair_id: &FairId, zones: &[Zone], booths: &[Booth]) -> Vec<Event> {
    let mut events = Vec::new();
    for zone in zones {
        match state.zones.get(&zone.code) {
            None => events.push(Event::ZoneDefined(ZoneDefined {
                fair_id: fair_id.clone(),
                zone: zone.clone(),
            })),
            Some(old) if old != zone => events.push(Event::ZoneChanged(ZoneDefined {
                fair_id: fair_id.clone(),
                zone: zone.clone(),
            })),
            Some(_) => {}
        }
    }
    let wanted: BTreeSet<&BoothCode> = booths.iter().map(|b| &b.code).collect();
    for code in state.booths.keys().filter(|code| !wanted.contains(code)) {
        events.push(Event::BoothRetired(BoothRetired {
            fair_id: fair_id.clone(),
            code: code.clone(),
        }));
    }
    for booth in booths {
        let defined = BoothDefined {
            fair_id: fair_id.clone(),
            booth: booth.clone(),
        };
        match state.booths.get(&booth.code) {
            None => events.push(Event::BoothDefined(defined)),
            Some(old) if old != booth => events.push(Event::BoothChanged(defined)),
            Some(_) => {}
        }
    }
    let wanted_zones: BTreeSet<&ZoneCode> = zones.iter().map(|z| &z.code).collect();
    for code in state.zones.keys().filter(|code| !wanted_zones.contains(code)) {
        events.push(Event::ZoneRetired(ZoneRetired {
            fair_id: fair_id.clone(),
            code: code.clone(),
        }));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn details() -> FairDetails {
        FairDetails {
            name: "Hội chợ".into(),
            venue: "Vincom".into(),
            start_date: NaiveDate::from_ymd_opt(2022, 1, 21).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2022, 1, 25).unwrap(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            registration_opens_at: "2021-12-20T01:00:00Z".parse().unwrap(),
            registration_closes_at: "2022-01-10T10:00:00Z".parse().unwrap(),
        }
    }

    fn booth(code: &str, zone: &str, price: i64) -> Booth {
        Booth {
            code: BoothCode::new_unchecked(code),
            zone: ZoneCode::new_unchecked(zone),
            kind: "standard".into(),
            width_m: 3.0,
            depth_m: 3.0,
            price_vnd: price,
            x: 0.0,
            y: 0.0,
        }
    }

    fn zone(code: &str) -> Zone {
        Zone {
            code: ZoneCode::new_unchecked(code),
            name: format!("Khu {code}"),
        }
    }

    /// given(events).when(command) → the state the events build, then the decision.
    fn given(events: &[Event]) -> FairState {
        let mut state = FairState::default();
        for e in events {
            state.apply(e);
        }
        state
    }

    fn created() -> Event {
        Event::FairCreated(FairCreated {
            fair_id: FairId::new_unchecked("f"),
            details: details(),
        })
    }

    #[test]
    fn creating_a_fair_twice_is_a_conflict() {
        let cmd = FairCommand::Create {
            fair_id: FairId::new_unchecked("f"),
            details: details(),
        };
        assert_eq!(decide(&given(&[]), &cmd).unwrap().len(), 1);
        assert!(matches!(
            decide(&given(&[created()]), &cmd),
            Err(DomainError::Conflict {
                code: "fair_exists",
                ..
            })
        ));
    }

    #[test]
    fn commands_on_a_missing_fair_are_not_found() {
        let cmd = FairCommand::OpenRegistration { at: Utc::now() };
        assert_eq!(decide(&given(&[]), &cmd), Err(DomainError::NotFound("fair")));
    }

    #[test]
    fn a_new_plan_is_the_difference_from_the_old_one() {
        let state = given(&[created()]);
        let first = FairCommand::DefinePlan {
            zones: vec![zone("A"), zone("B")],
            booths: vec![booth("A01", "A", 1), booth("A02", "A", 1), booth("B01", "B", 1)],
        };
        let events = decide(&state, &first).unwrap();
        let types: Vec<_> = events.iter().map(|e| e.event_type()).collect();
        assert_eq!(
            types,
            [
                "ZoneDefined",
                "ZoneDefined",
                "BoothDefined",
                "BoothDefined",
                "BoothDefined"
            ]
        );

        let mut history = vec![created()];
        history.extend(events);
        let state = given(&history);
        let second = FairCommand::DefinePlan {
            zones: vec![zone("A")],
            booths: vec![booth("A01", "A", 2), booth("A02", "A", 1)],
        };
        let types: Vec<_> = decide(&state, &second)
            .unwrap()
            .iter()
            .map(|e| e.event_type())
            .collect();
        assert_eq!(types, ["BoothRetired", "BoothChanged", "ZoneRetired"]);
        let same = FairCommand::DefinePlan {
            zones: vec![zone("A"), zone("B")],
            booths: vec![booth("A01", "A", 1), booth("A02", "A", 1), booth("B01", "B", 1)],
        };
        assert!(
            decide(&state, &same).unwrap().is_empty(),
            "the same plan changes nothing"
        );
    }

    #[test]
    fn registration_follows_the_window_until_an_organizer_overrides_it() {
        let state = given(&[created()]);
        assert!(!state.registration_open("2021-12-01T00:00:00Z".parse().unwrap()));
        assert!(state.registration_open("2021-12-25T00:00:00Z".parse().unwrap()));
        let closed = given(&[
            created(),
            Event::RegistrationClosed(RegistrationClosed {
                fair_id: FairId::new_unchecked("f"),
                at: Utc::now(),
            }),
        ]);
        assert!(!closed.registration_open("2021-12-25T00:00:00Z".parse().unwrap()));
        let reopen = decide(&closed, &FairCommand::OpenRegistration { at: Utc::now() }).unwrap();
        assert_eq!(reopen.len(), 1);
        let again = decide(&closed, &FairCommand::CloseRegistration { at: Utc::now() }).unwrap();
        assert!(again.is_empty(), "closing a closed fair writes nothing");
    }
}
