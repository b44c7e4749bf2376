use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use hoicho_events::{Envelope, Event, FairId, RegistrationId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One entry as the exhibitor's page and the organizers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SaleEntryView {
    pub entry_id: Uuid,
    pub day: NaiveDate,
    pub amount_vnd: i64,
    pub transactions: Option<u32>,
    pub producer: Option<String>,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// The reason, once voided.
    pub voided: Option<String>,
    /// False for an entry that reached the log after the books closed (a race the decision
    /// could not see): it is kept, but never counted.
    pub counted: bool,
}

/// One exhibitor's sales at one fair, summed as they arrive.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationSales {
    #[serde(with = "crate::snapshot::sale_entries")]
    pub entries: Vec<SaleEntryView>,
    pub total_vnd: i64,
    pub transactions: u64,
    pub by_day: BTreeMap<NaiveDate, i64>,
    /// Live entries per day: a day with at least one has been reported.
    pub entries_by_day: BTreeMap<NaiveDate, u32>,
    pub by_producer: BTreeMap<String, i64>,
}

impl RegistrationSales {
    fn add(&mut self, entry: &SaleEntryView, sign: i64) {
        self.total_vnd += sign * entry.amount_vnd;
        self.transactions = self
            .transactions
            .saturating_add_signed(sign * i64::from(entry.transactions.unwrap_or(0)));
        *self.by_day.entry(entry.day).or_default() += sign * entry.amount_vnd;
        let count = self.entries_by_day.entry(entry.day).or_default();
        *count = count.saturating_add_signed(sign as i32);
        if let Some(producer) = &entry.producer {
            *self.by_producer.entry(producer.clone()).or_default() += sign * entry.amount_vnd;
        }
    }
}

/// A fair's sales: totals kept current, so a report never walks the entries.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairSales {
    pub total_vnd: i64,
    pub by_day: BTreeMap<NaiveDate, i64>,
    pub registrations: BTreeMap<RegistrationId, RegistrationSales>,
    /// Entries counted (voided ones included).
    pub entries: u64,
    pub books_closed: bool,
}

/// Every fair's sales.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sales {
    pub by_fair: HashMap<FairId, FairSales>,
}

impl Sales {
    pub fn of_fair(&self, fair: &FairId) -> Option<&FairSales> {
        self.by_fair.get(fair)
    }

    pub fn of(&self, fair: &FairId, registration: &RegistrationId) -> Option<&RegistrationSales> {
        self.by_fair.get(fair)?.registrations.get(registration)
    }

    pub fn apply(&mut self, env: &Envelope) {
        match &env.event {
            Event::SaleRecorded(e) => {
                let fair = self.by_fair.entry(e.fair_id.clone()).or_default();
                let entry = SaleEntryView {
                    entry_id: e.entry_id,
                    day: e.day,
                    amount_vnd: e.amount_vnd,
                    transactions: e.transactions,
                    producer: e.producer.clone(),
                    note: e.note.clone(),
                    recorded_at: env.recorded_at,
                    voided: None,
                    counted: !fair.books_closed,
                };
                let sales = fair.registrations.entry(e.registration_id).or_default();
                if entry.counted {
                    sales.add(&entry, 1);
                    fair.total_vnd += entry.amount_vnd;
                    *fair.by_day.entry(entry.day).or_default() += entry.amount_vnd;
                    fair.entries += 1;
                }
                sales.entries.push(entry);
            }
            Event::SaleVoided(e) => {
                let Some(fair) = self.by_fair.get_mut(&e.fair_id) else {
                    return;
                };
                if fair.books_closed {
                    return;
                }
                let Some(sales) = fair.registrations.get_mut(&e.registration_id) else {
                    return;
                };
                let Some(index) = sales
                    .entries
                    .iter()
                    .rposition(|x| x.entry_id == e.entry_id && x.voided.is_none())
                else {
                    return;
                };
                sales.entries[index].voided = Some(e.reason.clone());
                let entry = sales.entries[index].clone();
                if entry.counted {
                    sales.add(&entry, -1);
                    fair.total_vnd -= entry.amount_vnd;
                    *fair.by_day.entry(entry.day).or_default() -= entry.amount_vnd;
                }
            }
            Event::BooksClosed(e) => self.by_fair.entry(e.fair_id.clone()).or_default().books_closed = true,
            Event::BooksReopened(e) => self.by_fair.entry(e.fair_id.clone()).or_default().books_closed = false,
            _ => {}
        }
    }
}
