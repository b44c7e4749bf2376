use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use hoicho_events::{Actor, AgreementKind, CountMethod, Envelope, Event, FairId, RegistrationId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A day's visitors as last counted, and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitorCount {
    pub visitors: u32,
    pub method: CountMethod,
    pub source: String,
    pub actor: Actor,
    pub recorded_at: DateTime<Utc>,
    /// Counts of this day before this one (a correction replaces, never adds).
    pub replaced: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementView {
    pub id: Uuid,
    pub kind: AgreementKind,
    pub parties: String,
    pub exhibitors: Vec<RegistrationId>,
    pub products: String,
    pub value_vnd: Option<i64>,
    pub signed_on: NaiveDate,
    pub actor: Actor,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardView {
    pub id: Uuid,
    pub name: String,
    pub registration_id: RegistrationId,
    pub note: String,
    pub actor: Actor,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideEventView {
    pub id: Uuid,
    pub day: NaiveDate,
    pub title: String,
    pub participants: Option<u32>,
    pub note: String,
    pub actor: Actor,
    pub recorded_at: DateTime<Utc>,
}

/// One fair's results, in the order they were entered; withdrawn ones are gone.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairResults {
    pub visitors: BTreeMap<NaiveDate, VisitorCount>,
    pub agreements: Vec<AgreementView>,
    pub awards: Vec<AwardView>,
    pub side_events: Vec<SideEventView>,
    pub notes: String,
    /// The version of the fair's results stream.
    pub version: u64,
}

impl FairResults {
    /// Every visitor counted, all days.
    pub fn visitors_total(&self) -> u64 {
        self.visitors.values().map(|v| u64::from(v.visitors)).sum()
    }
}

/// Every fair's results.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub by_fair: HashMap<FairId, FairResults>,
}

impl Results {
    pub fn of_fair(&self, fair: &FairId) -> Option<&FairResults> {
        self.by_fair.get(fair)
    }

    pub fn apply(&mut self, env: &Envelope) {
        let actor = || env.metadata.actor.clone();
        let at = env.recorded_at;
        let fair = match &env.event {
            Event::VisitorsCounted(e) => &e.fair_id,
            Event::AgreementSigned(e) => &e.fair_id,
            Event::AwardGiven(e) => &e.fair_id,
            Event::SideEventHeld(e) => &e.fair_id,
            Event::ReportNotesWritten(e) => &e.fair_id,
            Event::ResultWithdrawn(e) => &e.fair_id,
            _ => return,
        };
        let results = self.by_fair.entry(fair.clone()).or_default();
        results.version = env.version;
        match &env.event {
            Event::VisitorsCounted(e) => {
                let replaced = results.visitors.get(&e.day).map_or(0, |v| v.replaced + 1);
                results.visitors.insert(
                    e.day,
                    VisitorCount {
                        visitors: e.visitors,
                        method: e.method,
                        source: e.source.clone(),
                        actor: actor(),
                        recorded_at: at,
                        replaced,
                    },
                );
            }
            Event::AgreementSigned(e) => results.agreements.push(AgreementView {
                id: e.agreement_id,
                kind: e.kind,
                parties: e.parties.clone(),
                exhibitors: e.exhibitors.clone(),
                products: e.products.clone(),
                value_vnd: e.value_vnd,
                signed_on: e.signed_on,
                actor: actor(),
                recorded_at: at,
            }),
            Event::AwardGiven(e) => results.awards.push(AwardView {
                id: e.award_id,
                name: e.name.clone(),
                registration_id: e.registration_id,
                note: e.note.clone(),
                actor: actor(),
                recorded_at: at,
            }),
            Event::SideEventHeld(e) => results.side_events.push(SideEventView {
                id: e.side_event_id,
                day: e.day,
                title: e.title.clone(),
                participants: e.participants,
                note: e.note.clone(),
                actor: actor(),
                recorded_at: at,
            }),
            Event::ReportNotesWritten(e) => results.notes = e.text.clone(),
            Event::ResultWithdrawn(e) => {
                results.agreements.retain(|a| a.id != e.id);
                results.awards.retain(|a| a.id != e.id);
                results.side_events.retain(|a| a.id != e.id);
            }
            _ => {}
        }
    }
}
