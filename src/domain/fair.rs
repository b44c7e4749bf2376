//! The fair aggregate (stream `fair-{id}`): details, floor plan, registration window, and
//! which registration holds which booth.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use hoicho_events::{
    AllocationRules, AllocationRulesSet, BooksClosed, BooksReopened, Booth, BoothAllocated, BoothBlocked, BoothCode,
    BoothMoved, BoothReleased, BoothUnblocked, Event, FairAmended, FairCreated, FairDetails, FairId, Floor, FloorDrawn,
    RegistrationClosed, RegistrationId, RegistrationOpened, ReleaseCause, Zone, ZoneCode,
};
use hoicho_events::{FeeRules, FeeRulesSet, PaymentAccount, PaymentAccountSet};

use super::floor_plan::plan_changes;
pub use super::floor_plan::plan_fingerprint;
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
    /// Who holds each allocated booth.
    pub holders: BTreeMap<BoothCode, RegistrationId>,
    /// Booths kept out of allocation.
    pub blocked: BTreeSet<BoothCode>,
    pub rules: AllocationRules,
    /// Sales tallies are frozen.
    pub books_closed: bool,
    /// The hall and the plain shapes around the booths.
    pub floor: Floor,
    pub fees: FeeRules,
    pub account: Option<PaymentAccount>,
}

impl FairState {
    /// The booths a registration holds, in code order.
    pub fn held_by(&self, registration: &RegistrationId) -> Vec<&BoothCode> {
        self.holders
            .iter()
            .filter(|(_, holder)| *holder == registration)
            .map(|(code, _)| code)
            .collect()
    }

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
                self.holders.remove(&e.code);
                self.blocked.remove(&e.code);
            }
            Event::RegistrationOpened(_) => self.registration_override = Some(true),
            Event::RegistrationClosed(_) => self.registration_override = Some(false),
            Event::BoothAllocated(e) => {
                self.holders.insert(e.booth.clone(), e.registration_id);
            }
            Event::BoothReleased(e) => {
                self.holders.remove(&e.booth);
            }
            Event::BoothMoved(e) => {
                self.holders.remove(&e.from);
                self.holders.insert(e.to.clone(), e.registration_id);
            }
            Event::BoothBlocked(e) => {
                self.blocked.insert(e.booth.clone());
            }
            Event::BoothUnblocked(e) => {
                self.blocked.remove(&e.booth);
            }
            Event::AllocationRulesSet(e) => self.rules = e.rules.clone(),
            Event::FeeRulesSet(e) => self.fees = e.rules.clone(),
            Event::PaymentAccountSet(e) => self.account = e.account.clone(),
            Event::BooksClosed(_) => self.books_closed = true,
            Event::BooksReopened(_) => self.books_closed = false,
            Event::FloorDrawn(e) => self.floor = e.floor.clone(),
            _ => {}
        }
    }
}

/// What the allocation rules need to know of a registration, read from the projections
/// when the command is made. The append carries a guard on the registration's stream at the
/// version this was read at (`service::allocations::guards`), so a withdrawal that commits
/// first refuses the allocation; the release policy frees the booths a registration held
/// before it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub registration_id: RegistrationId,
    /// Whether it belongs to this fair.
    pub of_this_fair: bool,
    /// Booths it is approved for; `None` unless approved.
    pub approved_booths: Option<u32>,
}

/// The longest reason for reopening closed books, in characters.
pub const REOPEN_REASON_MAX_CHARS: usize = 500;
/// The longest reason a blocked booth may carry, in characters.
pub const BLOCK_REASON_MAX_CHARS: usize = 500;

/// What an organizer can ask of a fair.
#[derive(Debug, Clone)]
pub enum FairCommand {
    Create {
        fair_id: FairId,
        details: FairDetails,
    },
    /// Replace the details. With `seen` (the [`fingerprint`] of the details the organizer's
    /// form showed), refused as `details_changed` when someone changed them meanwhile.
    Amend {
        details: FairDetails,
        seen: Option<String>,
    },
    /// Create a fair as the next edition of another: the plan, blocked booths and rules come
    /// along in the same change; applications and sales do not.
    CreateCopy {
        fair_id: FairId,
        details: FairDetails,
        from: FairId,
        zones: Vec<Zone>,
        booths: Vec<Booth>,
        blocked: Vec<(BoothCode, Option<String>)>,
        rules: AllocationRules,
        floor: Floor,
        /// The fee rules and receiving account, when the source has them.
        fees: Option<Box<(FeeRules, Option<PaymentAccount>)>>,
    },
    /// Replace the floor plan. The plan has been checked for duplicates and unknown zones.
    /// With `seen` (the [`plan_fingerprint`] of the plan the organizer started from),
    /// refused as `plan_changed` when someone changed the plan meanwhile.
    DefinePlan {
        zones: Vec<Zone>,
        booths: Vec<Booth>,
        /// The hall and shapes; `None` leaves them as they are.
        floor: Option<Floor>,
        seen: Option<String>,
    },
    OpenRegistration {
        at: DateTime<Utc>,
    },
    CloseRegistration {
        at: DateTime<Utc>,
    },
    /// Give a booth to an approved registration.
    Allocate {
        booth: BoothCode,
        registration: Standing,
    },
    /// Free a booth.
    Release {
        booth: BoothCode,
        cause: ReleaseCause,
    },
    /// Move whoever holds `from` to `to`.
    Move {
        from: BoothCode,
        to: BoothCode,
    },
    Block {
        booth: BoothCode,
        reason: Option<String>,
    },
    Unblock {
        booth: BoothCode,
    },
    /// Freeze the sales tallies.
    CloseBooks,
    /// Unfreeze them; the reason (at most [`REOPEN_REASON_MAX_CHARS`] characters) stays in
    /// the history.
    ReopenBooks {
        reason: String,
    },
    /// Set the fair's rules for the automatic proposal.
    SetRules {
        rules: AllocationRules,
    },
    /// Set the fair's fee and subsidy rules (checked by [`super::fees::check_rules`]).
    SetFees {
        rules: FeeRules,
    },
    /// Set or clear the account exhibitors transfer to.
    SetPaymentAccount {
        account: Option<PaymentAccount>,
    },
    /// Make these registrations' statements follow the current rules and prices.
    RecalculateFees {
        registrations: Vec<RegistrationId>,
    },
    /// Free, as one change, the booths of registrations that did not pay their fee by the
    /// due date (which those are, the organizer confirmed); booths no longer held are skipped.
    ReleaseUnpaid {
        booths: Vec<BoothCode>,
    },
    /// Allocate many booths as one change (an accepted proposal).
    AllocateAll {
        placements: Vec<(BoothCode, Standing)>,
    },
    /// Free the booths a registration may no longer hold: all of them when it is not
    /// approved, the newest beyond its approved count otherwise.
    ReleaseExcess {
        registration: Standing,
        cause: ReleaseCause,
    },
}

/// A short digest of a fair's details: what a form remembers of the details it showed, to
/// tell on saving whether someone changed them in between.
pub fn fingerprint(details: &FairDetails) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(details).unwrap_or_default();
    hex::encode(&Sha256::digest(json)[..12])
}

pub fn decide(state: &FairState, command: &FairCommand) -> Result<Vec<Event>, DomainError> {
    let fresh = |fair_id: &FairId| {
        if state.id.is_some() {
            Err(DomainError::conflict(
                "fair_exists",
                format!("a fair with id {fair_id} already exists"),
            ))
        } else {
            Ok(())
        }
    };
    if let FairCommand::Create { fair_id, details } = command {
        fresh(fair_id)?;
        return Ok(vec![Event::FairCreated(FairCreated {
            fair_id: fair_id.clone(),
            details: details.clone(),
            copied_from: None,
        })]);
    }
    if let FairCommand::CreateCopy {
        fair_id,
        details,
        from,
        zones,
        booths,
        blocked,
        rules,
        floor,
        fees,
    } = command
    {
        fresh(fair_id)?;
        let mut events = vec![Event::FairCreated(FairCreated {
            fair_id: fair_id.clone(),
            details: details.clone(),
            copied_from: Some(from.clone()),
        })];
        events.extend(plan_changes(&FairState::default(), fair_id, zones, booths));
        if floor != &Floor::default() {
            events.push(Event::FloorDrawn(FloorDrawn {
                fair_id: fair_id.clone(),
                floor: floor.clone(),
            }));
        }
        events.extend(blocked.iter().map(|(booth, reason)| {
            Event::BoothBlocked(BoothBlocked {
                fair_id: fair_id.clone(),
                booth: booth.clone(),
                reason: reason.clone(),
            })
        }));
        if rules != &AllocationRules::default() {
            events.push(Event::AllocationRulesSet(AllocationRulesSet {
                fair_id: fair_id.clone(),
                rules: rules.clone(),
            }));
        }
        if let Some((fees, account)) = fees.as_deref() {
            if fees != &FeeRules::default() {
                events.push(Event::FeeRulesSet(FeeRulesSet {
                    fair_id: fair_id.clone(),
                    rules: fees.clone(),
                }));
            }
            if account.is_some() {
                events.push(Event::PaymentAccountSet(PaymentAccountSet {
                    fair_id: fair_id.clone(),
                    account: account.clone(),
                }));
            }
        }
        return Ok(events);
    }
    let fair_id = state.id.clone().ok_or(DomainError::NotFound("fair"))?;
    Ok(match command {
        // Decided before this match.
        FairCommand::Create { .. } | FairCommand::CreateCopy { .. } => vec![],
        FairCommand::Amend { details, seen } => {
            let current = state.details.as_ref();
            if let (Some(seen), Some(current)) = (seen, current) {
                if &fingerprint(current) != seen && current != details {
                    return Err(DomainError::conflict(
                        "details_changed",
                        "the fair's details were changed by someone else after this form was opened",
                    ));
                }
            }
            if current == Some(details) {
                vec![]
            } else {
                vec![Event::FairAmended(FairAmended {
                    fair_id,
                    details: details.clone(),
                })]
            }
        }
        FairCommand::DefinePlan {
            zones,
            booths,
            floor,
            seen,
        } => {
            if let Some(seen) = seen {
                let current = plan_fingerprint(state.zones.values(), state.booths.values());
                if &current != seen && current != plan_fingerprint(zones.iter(), booths.iter()) {
                    return Err(DomainError::conflict(
                        "plan_changed",
                        "the floor plan was changed by someone else after this drawing was started",
                    ));
                }
            }
            let wanted: BTreeSet<&BoothCode> = booths.iter().map(|b| &b.code).collect();
            if let Some((code, holder)) = state.holders.iter().find(|(code, _)| !wanted.contains(code)) {
                return Err(DomainError::conflict(
                    "booth_taken",
                    format!("booth {code} is allocated to registration {holder}; release it before removing it from the plan"),
                ));
            }
            let mut events = plan_changes(state, &fair_id, zones, booths);
            if let Some(floor) = floor.as_ref().filter(|f| **f != state.floor) {
                events.push(Event::FloorDrawn(FloorDrawn {
                    fair_id,
                    floor: floor.clone(),
                }));
            }
            events
        }
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
        FairCommand::Allocate { booth, registration } => allocate(state, fair_id, booth, registration)?,
        FairCommand::Release { booth, cause } => {
            known_booth(state, booth)?;
            let Some(holder) = state.holders.get(booth) else {
                return Err(DomainError::conflict(
                    "booth_not_allocated",
                    format!("booth {booth} is not allocated"),
                ));
            };
            vec![Event::BoothReleased(BoothReleased {
                fair_id,
                booth: booth.clone(),
                registration_id: *holder,
                cause: *cause,
            })]
        }
        FairCommand::Move { from, to } => {
            known_booth(state, from)?;
            known_booth(state, to)?;
            let Some(holder) = state.holders.get(from) else {
                return Err(DomainError::conflict(
                    "booth_not_allocated",
                    format!("booth {from} is not allocated: nothing to move"),
                ));
            };
            if from == to {
                return Ok(vec![]);
            }
            free_for_allocation(state, to)?;
            vec![Event::BoothMoved(BoothMoved {
                fair_id,
                registration_id: *holder,
                from: from.clone(),
                to: to.clone(),
            })]
        }
        FairCommand::Block { booth, reason } => {
            known_booth(state, booth)?;
            if let Some(holder) = state.holders.get(booth) {
                return Err(DomainError::conflict(
                    "booth_taken",
                    format!("booth {booth} is allocated to registration {holder}; release it before blocking it"),
                ));
            }
            if state.blocked.contains(booth) {
                vec![]
            } else {
                vec![Event::BoothBlocked(BoothBlocked {
                    fair_id,
                    booth: booth.clone(),
                    reason: reason.clone(),
                })]
            }
        }
        FairCommand::Unblock { booth } => {
            known_booth(state, booth)?;
            if state.blocked.contains(booth) {
                vec![Event::BoothUnblocked(BoothUnblocked {
                    fair_id,
                    booth: booth.clone(),
                })]
            } else {
                vec![]
            }
        }
        FairCommand::CloseBooks => {
            if state.books_closed {
                vec![]
            } else {
                vec![Event::BooksClosed(BooksClosed { fair_id })]
            }
        }
        FairCommand::ReopenBooks { reason } => {
            if !state.books_closed {
                return Err(DomainError::conflict("books_open", "the books of this fair are open"));
            }
            vec![Event::BooksReopened(BooksReopened {
                fair_id,
                reason: reason.clone(),
            })]
        }
        FairCommand::SetRules { rules } => {
            for quota in &rules.zone_quotas {
                if !state.zones.contains_key(&quota.zone) {
                    return Err(DomainError::invalid(
                        "zone_quotas",
                        format!("zone {} is not on the floor plan", quota.zone),
                    ));
                }
            }
            if &state.rules == rules {
                vec![]
            } else {
                vec![Event::AllocationRulesSet(AllocationRulesSet {
                    fair_id,
                    rules: rules.clone(),
                })]
            }
        }
        FairCommand::SetFees { .. }
        | FairCommand::SetPaymentAccount { .. }
        | FairCommand::RecalculateFees { .. }
        | FairCommand::ReleaseUnpaid { .. } => super::fees::decide(state, fair_id, command)?,
        FairCommand::AllocateAll { placements } => {
            let mut next = state.clone();
            let mut events = Vec::new();
            for (booth, registration) in placements {
                for event in allocate(&next, fair_id.clone(), booth, registration)? {
                    next.apply(&event);
                    events.push(event);
                }
            }
            events
        }
        FairCommand::ReleaseExcess { registration, cause } => {
            let held = state.held_by(&registration.registration_id);
            let keep = registration.approved_booths.unwrap_or(0) as usize;
            // Keep the first `keep` booths in code order, so the outcome depends on the
            // log alone.
            held.into_iter()
                .skip(keep)
                .map(|booth| {
                    Event::BoothReleased(BoothReleased {
                        fair_id: fair_id.clone(),
                        booth: booth.clone(),
                        registration_id: registration.registration_id,
                        cause: *cause,
                    })
                })
                .collect()
        }
    })
}

fn known_booth(state: &FairState, booth: &BoothCode) -> Result<(), DomainError> {
    if state.booths.contains_key(booth) {
        Ok(())
    } else {
        Err(DomainError::NotFound("booth"))
    }
}

/// A booth that exists, is not blocked and nobody holds.
fn free_for_allocation(state: &FairState, booth: &BoothCode) -> Result<(), DomainError> {
    known_booth(state, booth)?;
    if state.blocked.contains(booth) {
        return Err(DomainError::conflict(
            "booth_blocked",
            format!("booth {booth} is blocked and cannot be allocated"),
        ));
    }
    if let Some(holder) = state.holders.get(booth) {
        return Err(DomainError::conflict(
            "booth_taken",
            format!("booth {booth} is already allocated to registration {holder}"),
        ));
    }
    Ok(())
}

fn allocate(
    state: &FairState,
    fair_id: FairId,
    booth: &BoothCode,
    registration: &Standing,
) -> Result<Vec<Event>, DomainError> {
    known_booth(state, booth)?;
    if !registration.of_this_fair {
        return Err(DomainError::NotFound("registration"));
    }
    if state.holders.get(booth) == Some(&registration.registration_id) {
        return Ok(vec![]);
    }
    free_for_allocation(state, booth)?;
    let Some(approved) = registration.approved_booths else {
        return Err(DomainError::conflict(
            "not_approved",
            format!(
                "registration {} is not approved; only approved registrations hold booths",
                registration.registration_id
            ),
        ));
    };
    let held = state.held_by(&registration.registration_id).len();
    if held >= approved as usize {
        return Err(DomainError::conflict(
            "over_approved_count",
            format!(
                "registration {} already holds {held} booth(s), as many as it is approved for ({approved})",
                registration.registration_id
            ),
        ));
    }
    Ok(vec![Event::BoothAllocated(BoothAllocated {
        fair_id,
        booth: booth.clone(),
        registration_id: registration.registration_id,
    })])
}

#[cfg(test)]
#[path = "fair_tests.rs"]
mod tests;
