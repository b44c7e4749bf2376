//! The automatic allocation proposal (DESIGN.md "Domain rules"): a pure function of the floor
//! plan and the approved registrations, so the same log always gives the same proposal. It
//! changes nothing; an organizer accepts it as one change.
//!
//! Order: OCOP stars with a certificate valid on the fair's first day (most first), then the
//! order applications arrived. Each registration gets its preferred booths where they are
//! free, otherwise booths of the zone and kind it asked for; a registration with more than
//! one booth (a delegation above all) gets them next to each other, nearest to the first.
//! Booths already held stay where they are. The fair's zone quotas by locality are kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use hoicho_events::{AllocationRules, BoothCode, Locality, RegistrationId, ZoneCode};
use serde::Serialize;

/// A booth as the proposal sees it.
#[derive(Debug, Clone)]
pub struct Slot {
    pub code: BoothCode,
    pub zone: ZoneCode,
    pub kind: String,
    pub x: f64,
    pub y: f64,
    pub holder: Option<RegistrationId>,
    pub blocked: bool,
}

/// An approved registration as the proposal sees it.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub id: RegistrationId,
    /// Booths it is approved for.
    pub approved: u32,
    /// Its best OCOP stars with a certificate valid when the fair opens (0: none).
    pub valid_stars: u8,
    /// Its position in the log: the order applications arrived.
    pub submitted: u64,
    pub zone: Option<ZoneCode>,
    pub kind: Option<String>,
    pub preferred: Vec<BoothCode>,
    /// Its commune, legacy district and province, for zone quotas.
    pub commune: String,
    pub legacy_district: Option<String>,
    pub province: String,
}

impl Applicant {
    fn locality(&self, which: Locality) -> Option<&str> {
        match which {
            Locality::Commune => Some(&self.commune),
            Locality::LegacyDistrict => self.legacy_district.as_deref(),
            Locality::Province => Some(&self.province),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub booth: BoothCode,
    pub registration: RegistrationId,
}

/// Why a registration did not get all its booths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Shortfall {
    /// No free booth of the zone and kind it asked for.
    NoFreeBooth {
        zone: Option<ZoneCode>,
        kind: Option<String>,
    },
    /// Free booths remain, but its locality has its quota of that zone.
    ZoneQuota {
        zone: ZoneCode,
        locality: Locality,
        name: String,
        max: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unplaced {
    pub registration: RegistrationId,
    pub wanted: u32,
    pub placed: u32,
    pub reason: Shortfall,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub placements: Vec<Placement>,
    pub unplaced: Vec<Unplaced>,
}

struct Quotas<'a> {
    rules: &'a AllocationRules,
    used: HashMap<(ZoneCode, Locality, String), u32>,
}

impl Quotas<'_> {
    /// The first quota that `applicant` would exceed by taking a booth of `zone`.
    fn blocking(&self, applicant: &Applicant, zone: &ZoneCode) -> Option<Shortfall> {
        self.rules.zone_quotas.iter().filter(|q| &q.zone == zone).find_map(|q| {
            let name = applicant.locality(q.locality)?;
            let used = self
                .used
                .get(&(zone.clone(), q.locality, name.to_owned()))
                .copied()
                .unwrap_or(0);
            (used >= q.max).then(|| Shortfall::ZoneQuota {
                zone: zone.clone(),
                locality: q.locality,
                name: name.to_owned(),
                max: q.max,
            })
        })
    }

    fn count(&mut self, applicant: &Applicant, zone: &ZoneCode) {
        for q in self.rules.zone_quotas.iter().filter(|q| &q.zone == zone) {
            if let Some(name) = applicant.locality(q.locality) {
                *self
                    .used
                    .entry((zone.clone(), q.locality, name.to_owned()))
                    .or_default() += 1;
            }
        }
    }
}

/// The proposal for `booths` and `applicants` under `rules`.
pub fn propose(booths: &[Slot], applicants: &[Applicant], rules: &AllocationRules) -> Proposal {
    let slots: BTreeMap<&BoothCode, &Slot> = booths.iter().map(|s| (&s.code, s)).collect();
    let mut free: BTreeSet<&BoothCode> = booths
        .iter()
        .filter(|s| s.holder.is_none() && !s.blocked)
        .map(|s| &s.code)
        .collect();
    // Free booths by (zone, kind), the common request, for a quick first pick.
    let mut by_zone_kind: BTreeMap<(&ZoneCode, &str), BTreeSet<&BoothCode>> = BTreeMap::new();
    for code in &free {
        let s = slots[code];
        by_zone_kind.entry((&s.zone, s.kind.as_str())).or_default().insert(code);
    }
    let mut held: HashMap<RegistrationId, Vec<&BoothCode>> = HashMap::new();
    for s in booths {
        if let Some(holder) = s.holder {
            held.entry(holder).or_default().push(&s.code);
        }
    }
    let mut quotas = Quotas {
        rules,
        used: HashMap::new(),
    };
    for a in applicants {
        for code in held.get(&a.id).into_iter().flatten() {
            quotas.count(a, &slots[code].zone);
        }
    }

    let mut order: Vec<&Applicant> = applicants.iter().collect();
    order.sort_by(|a, b| {
        b.valid_stars
            .cmp(&a.valid_stars)
            .then(a.submitted.cmp(&b.submitted))
            .then(a.id.cmp(&b.id))
    });

    let mut proposal = Proposal::default();
    for a in order {
        let mut group: Vec<&BoothCode> = held.get(&a.id).cloned().unwrap_or_default();
        let have = group.len() as u32;
        if have >= a.approved {
            continue;
        }
        let mut placed = 0;
        for _ in have..a.approved {
            let pick = pick(a, &group, &slots, &free, &by_zone_kind, &quotas);
            match pick {
                Ok(code) => {
                    let s = slots[code];
                    free.remove(code);
                    if let Some(set) = by_zone_kind.get_mut(&(&s.zone, s.kind.as_str())) {
                        set.remove(code);
                    }
                    quotas.count(a, &s.zone);
                    group.push(code);
                    placed += 1;
                    proposal.placements.push(Placement {
                        booth: code.clone(),
                        registration: a.id,
                    });
                }
                Err(reason) => {
                    proposal.unplaced.push(Unplaced {
                        registration: a.id,
                        wanted: a.approved - have,
                        placed,
                        reason,
                    });
                    break;
                }
            }
        }
    }
    proposal
}

/// A second pass for the applicants `first` left short because no booth of their zone or
/// kind was free: the rest of their booths wherever booths are free (zone quotas still
/// apply), `first`'s placements taken as made. The organizer asks for it, seeing why.
pub fn propose_elsewhere(
    booths: &[Slot],
    applicants: &[Applicant],
    rules: &AllocationRules,
    first: &Proposal,
) -> Proposal {
    let short: Vec<(&Applicant, u32)> = first
        .unplaced
        .iter()
        .filter(|u| matches!(&u.reason, Shortfall::NoFreeBooth { zone, kind } if zone.is_some() || kind.is_some()))
        .filter_map(|u| Some((applicants.iter().find(|a| a.id == u.registration)?, u.wanted - u.placed)))
        .collect();
    let placed: HashMap<&BoothCode, RegistrationId> =
        first.placements.iter().map(|pl| (&pl.booth, pl.registration)).collect();
    // The booths a short applicant holds or was given are taken, but not an anchor: the rest
    // starts afresh wherever booths are free, and keeps together there.
    let slots: Vec<Slot> = booths
        .iter()
        .map(|s| {
            let holder = s.holder.or_else(|| placed.get(&s.code).copied());
            match holder {
                Some(h) if short.iter().any(|(a, _)| a.id == h) => Slot {
                    holder: None,
                    blocked: true,
                    ..s.clone()
                },
                _ => Slot { holder, ..s.clone() },
            }
        })
        .collect();
    let rest: Vec<Applicant> = short
        .into_iter()
        .map(|(a, need)| Applicant {
            approved: need,
            zone: None,
            kind: None,
            preferred: Vec::new(),
            ..a.clone()
        })
        .collect();
    propose(&slots, &rest, rules)
}

/// The booth `a` should get next, or why there is none.
fn pick<'a>(
    a: &Applicant,
    group: &[&BoothCode],
    slots: &BTreeMap<&BoothCode, &Slot>,
    free: &BTreeSet<&'a BoothCode>,
    by_zone_kind: &BTreeMap<(&ZoneCode, &str), BTreeSet<&'a BoothCode>>,
    quotas: &Quotas,
) -> Result<&'a BoothCode, Shortfall> {
    let mut quota_hit = None;
    let mut allowed = |code: &BoothCode| match quotas.blocking(a, &slots[code].zone) {
        None => true,
        Some(reason) => {
            quota_hit.get_or_insert(reason);
            false
        }
    };
    // Preferred booths first, where free.
    for wanted in &a.preferred {
        if let Some(code) = free.get(wanted) {
            if allowed(code) {
                return Ok(code);
            }
        }
    }
    let fits = |code: &BoothCode| {
        let s = slots[code];
        a.zone.as_ref().is_none_or(|z| &s.zone == z) && a.kind.as_ref().is_none_or(|k| &s.kind == k)
    };
    let anchor = group.first().map(|code| slots[code]);
    match (anchor, &a.zone, &a.kind) {
        // The common case: the first booth of the zone and kind asked for, in code order.
        (None, Some(zone), Some(kind)) => {
            if let Some(set) = by_zone_kind.get(&(zone, kind.as_str())) {
                if let Some(code) = set.iter().find(|c| allowed(c)) {
                    return Ok(code);
                }
            }
        }
        (None, _, _) => {
            if let Some(code) = free.iter().filter(|c| fits(c)).find(|c| allowed(c)) {
                return Ok(code);
            }
        }
        // Next to the booths it already has: the nearest free one that fits.
        (Some(anchor), _, _) => {
            let distance = |code: &BoothCode| {
                let s = slots[code];
                (s.x - anchor.x).powi(2) + (s.y - anchor.y).powi(2)
            };
            let nearest = free
                .iter()
                .filter(|c| fits(c) && (a.zone.is_some() || slots[**c].zone == anchor.zone))
                .filter(|c| allowed(c))
                .min_by(|x, y| distance(x).total_cmp(&distance(y)).then(x.cmp(y)));
            if let Some(code) = nearest {
                return Ok(code);
            }
        }
    }
    Err(quota_hit.unwrap_or(Shortfall::NoFreeBooth {
        zone: a.zone.clone(),
        kind: a.kind.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::ZoneQuota;

    fn slot(code: &str, zone: &str, kind: &str, x: f64) -> Slot {
        Slot {
            code: BoothCode::new_unchecked(code),
            zone: ZoneCode::new_unchecked(zone),
            kind: kind.into(),
            x,
            y: 0.0,
            holder: None,
            blocked: false,
        }
    }

    fn applicant(n: u128, stars: u8, submitted: u64, approved: u32) -> Applicant {
        Applicant {
            id: RegistrationId(uuid::Uuid::from_u128(n)),
            approved,
            valid_stars: stars,
            submitted,
            zone: Some(ZoneCode::new_unchecked("A")),
            kind: Some("standard".into()),
            preferred: vec![],
            commune: format!("Xã {n}"),
            legacy_district: None,
            province: "Hà Tĩnh".into(),
        }
    }

    fn booths_of(p: &Proposal, n: u128) -> Vec<String> {
        p.placements
            .iter()
            .filter(|pl| pl.registration.0 == uuid::Uuid::from_u128(n))
            .map(|pl| pl.booth.to_string())
            .collect()
    }

    #[test]
    fn stars_first_then_arrival_and_the_rest_unplaced_with_a_reason() {
        let booths = [slot("A01", "A", "standard", 0.0), slot("A02", "A", "standard", 3.0)];
        let applicants = [applicant(1, 0, 1, 1), applicant(2, 4, 3, 1), applicant(3, 3, 2, 1)];
        let p = propose(&booths, &applicants, &AllocationRules::default());
        assert_eq!(booths_of(&p, 2), ["A01"]);
        assert_eq!(booths_of(&p, 3), ["A02"]);
        assert_eq!(p.unplaced.len(), 1);
        assert_eq!(p.unplaced[0].registration.0, uuid::Uuid::from_u128(1));
        assert!(matches!(p.unplaced[0].reason, Shortfall::NoFreeBooth { .. }));
        assert_eq!(
            p,
            propose(&booths, &applicants, &AllocationRules::default()),
            "deterministic"
        );
    }

    #[test]
    fn preferred_booths_held_booths_and_neighbours() {
        let mut booths = vec![
            slot("A01", "A", "standard", 0.0),
            slot("A02", "A", "standard", 3.0),
            slot("A03", "A", "standard", 6.0),
            slot("A04", "A", "standard", 9.0),
            slot("A05", "A", "standard", 12.0),
        ];
        booths[3].holder = Some(RegistrationId(uuid::Uuid::from_u128(2)));
        let mut picky = applicant(1, 5, 1, 1);
        picky.preferred = vec![BoothCode::new_unchecked("A04"), BoothCode::new_unchecked("A03")];
        let delegation = applicant(2, 3, 2, 3);
        let p = propose(&booths, &[picky, delegation], &AllocationRules::default());
        assert_eq!(booths_of(&p, 1), ["A03"], "A04 is taken, A03 is the next wish");
        assert_eq!(
            booths_of(&p, 2),
            ["A05", "A02"],
            "beside the booth it holds, nearest first"
        );
    }

    #[test]
    fn zone_quotas_by_locality_hold() {
        let booths = [
            slot("A01", "A", "standard", 0.0),
            slot("A02", "A", "standard", 3.0),
            slot("A03", "A", "standard", 6.0),
        ];
        let mut applicants = vec![applicant(1, 0, 1, 1), applicant(2, 0, 2, 1), applicant(3, 0, 3, 1)];
        for a in &mut applicants[..2] {
            a.commune = "Sơn Kim 1".into();
        }
        let rules = AllocationRules {
            zone_quotas: vec![ZoneQuota {
                zone: ZoneCode::new_unchecked("A"),
                locality: Locality::Commune,
                max: 1,
            }],
        };
        let p = propose(&booths, &applicants, &rules);
        assert_eq!(p.placements.len(), 2);
        assert_eq!(booths_of(&p, 2), Vec::<String>::new());
        assert!(matches!(
            &p.unplaced[0].reason,
            Shortfall::ZoneQuota { name, max: 1, .. } if name == "Sơn Kim 1"
        ));
    }

    #[test]
    fn the_rest_goes_to_other_zones_only_when_asked_and_after_the_zone_asked_for() {
        let booths = [
            slot("A01", "A", "standard", 0.0),
            slot("B01", "B", "standard", 0.0),
            slot("B02", "B", "standard", 3.0),
        ];
        let applicants = [applicant(1, 0, 1, 3)];
        let first = propose(&booths, &applicants, &AllocationRules::default());
        assert_eq!(booths_of(&first, 1), ["A01"]);
        assert_eq!(first.unplaced.len(), 1, "zone A has one free booth");
        let second = propose_elsewhere(&booths, &applicants, &AllocationRules::default(), &first);
        assert_eq!(
            booths_of(&second, 1),
            ["B01", "B02"],
            "the two it still needs, side by side"
        );
        assert!(second.unplaced.is_empty());
        let none = propose_elsewhere(&booths, &applicants, &AllocationRules::default(), &second);
        assert!(none.placements.is_empty(), "nobody short, nothing more");
    }
}
