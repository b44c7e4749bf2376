//! Booths and who holds them. Allocations are commands of the fair's stream (ADR 007), run
//! through [`super::fairs::run`]; what they need from other streams — where a registration
//! stands, the proposal's inputs — is read here from the projections, once for every face.

use hoicho_events::{BoothCode, FairId, RegistrationId};
use hoicho_projections::{BoothStatus, FairView, Projections, RegistrationStatus};

use crate::domain::fair::Standing;
use crate::domain::proposal::{propose, Applicant, Slot};

/// Where `registration` stands for an allocation at `fair`, as the projections say.
pub fn standing(p: &Projections, fair: &FairId, registration: &RegistrationId) -> Option<Standing> {
    let view = p.registrations.get(registration)?;
    Some(Standing {
        registration_id: *registration,
        of_this_fair: &view.fair_id == fair,
        approved_booths: (view.status == RegistrationStatus::Approved).then_some(view.approved_booths),
    })
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
