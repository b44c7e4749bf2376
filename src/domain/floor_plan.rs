//! A fair's floor plan as the fair aggregate changes it: the events that turn one plan into
//! another, and the digest a page keeps of the plan it showed.

use std::collections::BTreeSet;

use hoicho_events::{
    Booth, BoothCode, BoothDefined, BoothRetired, Event, FairId, Zone, ZoneCode, ZoneDefined, ZoneRetired,
};

use super::fair::FairState;

/// A short digest of a floor plan (its zones and booths, in code order): what the plan
/// page remembers of the plan it showed.
pub fn plan_fingerprint<'a>(zones: impl Iterator<Item = &'a Zone>, booths: impl Iterator<Item = &'a Booth>) -> String {
    use sha2::{Digest, Sha256};
    let mut zones: Vec<&Zone> = zones.collect();
    zones.sort_by(|a, b| a.code.cmp(&b.code));
    let mut booths: Vec<&Booth> = booths.collect();
    booths.sort_by(|a, b| a.code.cmp(&b.code));
    let json = serde_json::to_vec(&(zones, booths)).unwrap_or_default();
    hex::encode(&Sha256::digest(json)[..12])
}

/// The events that turn the current plan into the requested one: new zones first, then
/// booth changes, then zones that are gone, so every booth always has its zone.
pub(super) fn plan_changes(state: &FairState, fair_id: &FairId, zones: &[Zone], booths: &[Booth]) -> Vec<Event> {
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
