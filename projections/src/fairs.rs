use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use hoicho_events::{Booth, BoothCode, Envelope, Event, FairDetails, FairId, RegistrationId, Zone, ZoneCode};
use serde::{Deserialize, Serialize};

/// Whether a booth can be given to an exhibitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoothStatus {
    Available,
    Allocated,
    Blocked,
}

/// A booth as the floor plan shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoothView {
    #[serde(flatten)]
    pub booth: Booth,
    pub status: BoothStatus,
    /// Who holds it, when allocated.
    #[serde(skip)]
    pub holder: Option<RegistrationId>,
    /// Why it is blocked, when the organizer said.
    #[serde(skip)]
    pub blocked_reason: Option<String>,
}

/// A fair as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairView {
    pub id: FairId,
    #[serde(flatten)]
    pub details: FairDetails,
    /// The stream version, served as the ETag.
    pub version: u64,
    pub zones: BTreeMap<ZoneCode, Zone>,
    pub booths: BTreeMap<BoothCode, BoothView>,
    /// The fair's rules for the automatic allocation proposal.
    pub rules: hoicho_events::AllocationRules,
    /// Sales tallies are frozen.
    pub books_closed: bool,
    /// When the books were last closed, and by which event (for the emails that follow).
    pub books_closed_at: Option<(DateTime<Utc>, uuid::Uuid)>,
    /// `Some(true)`/`Some(false)` once an organizer opened or closed applications by hand.
    pub registration_override: Option<bool>,
    /// Who holds which booths: the index behind `held_by`, kept as allocations arrive.
    #[serde(skip)]
    pub holdings: BTreeMap<RegistrationId, BTreeSet<BoothCode>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the details were last set, and by whom (the "changed by X at hh:mm" a stale
    /// settings form is answered with).
    #[serde(skip)]
    pub details_changed: (DateTime<Utc>, Option<hoicho_events::Actor>),
    /// When the floor plan (zones, booths) last changed, and by whom.
    #[serde(skip)]
    pub plan_changed: Option<(DateTime<Utc>, hoicho_events::Actor)>,
    /// The hall and the plain shapes around the booths.
    pub floor: hoicho_events::Floor,
    /// The edition this fair was copied from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copied_from: Option<FairId>,
}

impl FairView {
    /// The fair's time zone, if it names one hoicho knows (fairs are checked on the way in).
    fn zone(&self) -> Option<chrono_tz::Tz> {
        self.details.time_zone.parse().ok()
    }

    /// The day it is at `now` in the fair's time zone: the one definition of "today" for
    /// sales, the review and the scheduled emails.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        match self.zone() {
            Some(tz) => now.with_timezone(&tz).date_naive(),
            None => now.date_naive(),
        }
    }

    /// `day` at `time` in the fair's zone, as an instant (the earlier one if the time is
    /// ambiguous, the next valid one if it falls in a gap).
    pub fn at(&self, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = day.and_time(time);
        match self.zone() {
            Some(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                chrono::LocalResult::None => tz
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc.from_utc_datetime(&local)),
            },
            None => Utc.from_utc_datetime(&local),
        }
    }

    /// Whether exhibitors may apply at `now`.
    pub fn registration_open(&self, now: DateTime<Utc>) -> bool {
        self.registration_override
            .unwrap_or(self.details.registration_opens_at <= now && now < self.details.registration_closes_at)
    }

    /// Booth counts by status.
    pub fn booth_counts(&self) -> BTreeMap<BoothStatus, usize> {
        let mut counts = BTreeMap::new();
        for booth in self.booths.values() {
            *counts.entry(booth.status).or_insert(0) += 1;
        }
        counts
    }
}

impl PartialOrd for BoothStatus {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BoothStatus {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// Every fair, by id.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fairs {
    pub by_id: BTreeMap<FairId, FairView>,
}

impl Fairs {
    pub fn get(&self, id: &str) -> Option<&FairView> {
        self.by_id.get(&FairId::new_unchecked(id))
    }

    pub fn apply(&mut self, env: &Envelope) {
        if let Event::FairCreated(e) = &env.event {
            self.by_id.insert(
                e.fair_id.clone(),
                FairView {
                    id: e.fair_id.clone(),
                    details: e.details.clone(),
                    version: env.version,
                    zones: BTreeMap::new(),
                    booths: BTreeMap::new(),
                    registration_override: None,
                    holdings: BTreeMap::new(),
                    rules: Default::default(),
                    books_closed: false,
                    books_closed_at: None,
                    created_at: env.recorded_at,
                    updated_at: env.recorded_at,
                    details_changed: (env.recorded_at, Some(env.metadata.actor.clone())),
                    copied_from: e.copied_from.clone(),
                    plan_changed: None,
                    floor: Default::default(),
                },
            );
            return;
        }
        let fair_id = match &env.event {
            Event::FairAmended(e) => &e.fair_id,
            Event::ZoneDefined(e) | Event::ZoneChanged(e) => &e.fair_id,
            Event::ZoneRetired(e) => &e.fair_id,
            Event::BoothDefined(e) | Event::BoothChanged(e) => &e.fair_id,
            Event::BoothRetired(e) => &e.fair_id,
            Event::RegistrationOpened(e) => &e.fair_id,
            Event::RegistrationClosed(e) => &e.fair_id,
            Event::BoothAllocated(e) => &e.fair_id,
            Event::BoothReleased(e) => &e.fair_id,
            Event::BoothMoved(e) => &e.fair_id,
            Event::BoothBlocked(e) => &e.fair_id,
            Event::BoothUnblocked(e) => &e.fair_id,
            Event::AllocationRulesSet(e) => &e.fair_id,
            Event::BooksClosed(e) => &e.fair_id,
            Event::BooksReopened(e) => &e.fair_id,
            Event::FloorDrawn(e) => &e.fair_id,
            // The fees' events are on the fair's stream too: its version moves with them.
            Event::FeeRulesSet(e) => &e.fair_id,
            Event::PaymentAccountSet(e) => &e.fair_id,
            Event::FeesRecalculated(e) => &e.fair_id,
            _ => return,
        };
        let Some(fair) = self.by_id.get_mut(fair_id) else {
            return;
        };
        fair.version = env.version;
        fair.updated_at = env.recorded_at;
        if matches!(
            env.event,
            Event::ZoneDefined(_)
                | Event::ZoneChanged(_)
                | Event::ZoneRetired(_)
                | Event::BoothDefined(_)
                | Event::BoothChanged(_)
                | Event::BoothRetired(_)
                | Event::FloorDrawn(_)
        ) {
            fair.plan_changed = Some((env.recorded_at, env.metadata.actor.clone()));
        }
        match &env.event {
            Event::FairAmended(e) => {
                fair.details = e.details.clone();
                fair.details_changed = (env.recorded_at, Some(env.metadata.actor.clone()));
            }
            Event::ZoneDefined(e) | Event::ZoneChanged(e) => {
                fair.zones.insert(e.zone.code.clone(), e.zone.clone());
            }
            Event::ZoneRetired(e) => {
                fair.zones.remove(&e.code);
            }
            Event::BoothDefined(e) | Event::BoothChanged(e) => match fair.booths.get_mut(&e.booth.code) {
                Some(view) => view.booth = e.booth.clone(),
                None => {
                    fair.booths.insert(
                        e.booth.code.clone(),
                        BoothView {
                            booth: e.booth.clone(),
                            status: BoothStatus::Available,
                            holder: None,
                            blocked_reason: None,
                        },
                    );
                }
            },
            Event::BoothRetired(e) => {
                if let Some(holder) = fair.booths.remove(&e.code).and_then(|b| b.holder) {
                    fair.let_go(&holder, &e.code);
                }
            }
            Event::RegistrationOpened(_) => fair.registration_override = Some(true),
            Event::RegistrationClosed(_) => fair.registration_override = Some(false),
            Event::BoothAllocated(e) => {
                if let Some(view) = fair.booths.get_mut(&e.booth) {
                    view.status = BoothStatus::Allocated;
                    view.holder = Some(e.registration_id);
                    fair.hold(e.registration_id, &e.booth);
                }
            }
            Event::BoothReleased(e) => {
                if let Some(view) = fair.booths.get_mut(&e.booth) {
                    view.status = BoothStatus::Available;
                    view.holder = None;
                    fair.let_go(&e.registration_id, &e.booth);
                }
            }
            Event::BoothMoved(e) => {
                if let Some(view) = fair.booths.get_mut(&e.from) {
                    view.status = BoothStatus::Available;
                    view.holder = None;
                    fair.let_go(&e.registration_id, &e.from);
                }
                if let Some(view) = fair.booths.get_mut(&e.to) {
                    view.status = BoothStatus::Allocated;
                    view.holder = Some(e.registration_id);
                    fair.hold(e.registration_id, &e.to);
                }
            }
            Event::BoothBlocked(e) => {
                if let Some(view) = fair.booths.get_mut(&e.booth) {
                    view.status = BoothStatus::Blocked;
                    view.blocked_reason = e.reason.clone();
                }
            }
            Event::BoothUnblocked(e) => {
                if let Some(view) = fair.booths.get_mut(&e.booth) {
                    view.status = BoothStatus::Available;
                    view.blocked_reason = None;
                }
            }
            Event::AllocationRulesSet(e) => fair.rules = e.rules.clone(),
            Event::BooksClosed(_) => {
                fair.books_closed = true;
                fair.books_closed_at = Some((env.recorded_at, env.event_id));
            }
            Event::BooksReopened(_) => {
                fair.books_closed = false;
                fair.books_closed_at = None;
            }
            Event::FloorDrawn(e) => fair.floor = e.floor.clone(),
            _ => {}
        }
    }
}

impl FairView {
    /// The booths a registration holds, in code order.
    pub fn held_by(&self, registration: &RegistrationId) -> Vec<&BoothCode> {
        self.holdings
            .get(registration)
            .map(|booths| booths.iter().collect())
            .unwrap_or_default()
    }

    fn hold(&mut self, registration: RegistrationId, booth: &BoothCode) {
        self.holdings.entry(registration).or_default().insert(booth.clone());
    }

    fn let_go(&mut self, registration: &RegistrationId, booth: &BoothCode) {
        if let Some(booths) = self.holdings.get_mut(registration) {
            booths.remove(booth);
            if booths.is_empty() {
                self.holdings.remove(registration);
            }
        }
    }
}
