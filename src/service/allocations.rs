//! Booths and who holds them. Allocations are commands of the fair's stream (ADR 007), run
//! through [`super::fairs::run`]; what they need from other streams — where a registration
//! stands, the proposal's inputs — is read here from the projections, once for every face.

use hoicho_events::{streams, BoothCode, FairId, RegistrationId};
use hoicho_projections::{BoothStatus, FairView, Projections, RegistrationStatus};

use crate::domain::fair::{FairCommand, Standing};
use crate::domain::proposal::{propose, Applicant, Slot};
use crate::domain::DomainError;
use crate::store::{ExpectedVersion, Guard};

/// Where `registration` stands for an allocation at `fair`, as the projections say.
pub fn standing(p: &Projections, fair: &FairId, registration: &RegistrationId) -> Option<Standing> {
    let view = p.registrations.get(registration)?;
    Some(Standing {
        registration_id: *registration,
        of_this_fair: &view.fair_id == fair,
        approved_booths: (view.status == RegistrationStatus::Approved).then_some(view.approved_booths),
    })
}

/// The guards an allocation's append carries (ADR 007): each registration it gives booths
/// to, or whose booth it moves, at the version whose standing the command holds. A
/// withdrawal, rejection or waitlisting that commits first — projected yet or not — makes the
/// store refuse the allocation; a standing that no longer matches the projections is refused
/// before anything is tried.
pub fn guards(p: &Projections, fair: &FairId, command: &FairCommand) -> Result<Vec<Guard>, DomainError> {
    let mut named: Vec<(RegistrationId, Option<Standing>)> = Vec::new();
    match command {
        FairCommand::Allocate { registration, .. } => named.push((registration.registration_id, Some(*registration))),
        FairCommand::AllocateAll { placements } => {
            named.extend(placements.iter().map(|(_, s)| (s.registration_id, Some(*s))));
        }
        FairCommand::Move { from, .. } => {
            let holder = p
                .fairs
                .by_id
                .get(fair)
                .and_then(|f| f.booths.get(from))
                .and_then(|b| b.holder);
            if let Some(holder) = holder {
                let approved = p
                    .registrations
                    .get(&holder)
                    .is_some_and(|r| r.status == RegistrationStatus::Approved);
                if !approved {
                    return Err(DomainError::conflict(
                        "not_approved",
                        format!("the holder of booth {from} is no longer approved: its booths are being released"),
                    ));
                }
                named.push((holder, None));
            }
        }
        _ => {}
    }
    named.sort_by_key(|(id, _)| *id);
    named.dedup_by_key(|(id, _)| *id);
    let mut guards = Vec::with_capacity(named.len());
    for (id, held) in named {
        if let Some(held) = held {
            if standing(p, fair, &id) != Some(held) {
                return Err(DomainError::conflict(
                    "registration_changed",
                    format!("application {id} changed meanwhile; look at it again"),
                ));
            }
        }
        let version = p.registrations.get(&id).map_or(0, |r| r.version);
        guards.push(Guard {
            stream: streams::registration(&id),
            expected: if version == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(version)
            },
        });
    }
    Ok(guards)
}

/// The automatic proposal's inputs: the plan's booths and the fair's approved applications.
pub fn proposal_input(p: &Projections, fair: &FairView) -> (Vec<Slot>, Vec<Applicant>) {
    let slots = fair
        .booths
        .values()
        .map(|b| Slot {
            code: b.booth.code.clone(),
            zone: b.booth.zone.clone(),
            kind: b.booth.kind.clone(),
            x: b.booth.x,
            y: b.booth.y,
            holder: b.holder,
            blocked: b.status == BoothStatus::Blocked,
        })
        .collect();
    let opening = fair.details.start_date;
    let applicants = p
        .registrations
        .of_fair(&fair.id)
        .filter(|r| r.status == RegistrationStatus::Approved)
        // Booths taken back for an unpaid fee are not given again by a proposal.
        .filter(|r| p.fees.statement(&fair.id, &r.id).is_none_or(|s| !s.released_unpaid))
        .map(|r| {
            let a = &r.application;
            Applicant {
                id: r.id,
                approved: r.approved_booths,
                valid_stars: r.valid_stars_on(opening).unwrap_or(0),
                submitted: r.submitted_position,
                zone: a.booth_request.zone.clone(),
                kind: a.booth_request.kind.clone(),
                preferred: a.booth_request.preferred_booths.clone(),
                commune: a.address.commune.clone(),
                legacy_district: a.address.legacy_district.clone(),
                province: a.address.province.clone(),
            }
        })
        .collect();
    (slots, applicants)
}

/// The placements of the proposal for `fair` as it stands, each with its registration's
/// standing: what accepting the whole proposal allocates.
pub fn proposed_placements(p: &Projections, fair: &FairView) -> Vec<(BoothCode, Standing)> {
    let (slots, applicants) = proposal_input(p, fair);
    propose(&slots, &applicants, &fair.rules)
        .placements
        .into_iter()
        .filter_map(|pl| Some((pl.booth, standing(p, &fair.id, &pl.registration)?)))
        .collect()
}
