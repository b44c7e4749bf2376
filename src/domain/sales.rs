//! One exhibitor's sales at one fair (stream `sales-{fair}-{registration}`): entries recorded
//! and voided, never changed. What the rules need from other streams (the fair's days and
//! books, whether the registration holds a booth) arrives in the command.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hoicho_events::{Event, FairId, RegistrationId, SaleRecorded, SaleVoided, SalesReminderRequested};
use uuid::Uuid;

use super::{Aggregate, DomainError};

/// Largest single entry accepted: ten billion đồng. The biggest provincial fairs report
/// about that much for the whole fair.
pub const MAX_ENTRY_VND: i64 = 10_000_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub day: NaiveDate,
    pub amount_vnd: i64,
    pub voided: bool,
    pub recorded: SaleRecorded,
}

#[derive(Debug, Default, Clone)]
pub struct SalesState {
    pub entries: BTreeMap<Uuid, Entry>,
}

impl Aggregate for SalesState {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::SaleRecorded(e) => {
                self.entries.insert(
                    e.entry_id,
                    Entry {
                        day: e.day,
                        amount_vnd: e.amount_vnd,
                        voided: false,
                        recorded: e.clone(),
                    },
                );
            }
            Event::SaleVoided(e) => {
                if let Some(entry) = self.entries.get_mut(&e.entry_id) {
                    entry.voided = true;
                }
            }
            _ => {}
        }
    }
}

/// What the rules know of the world outside this stream when the command is made.
#[derive(Debug, Clone)]
pub struct Situation {
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Today in the fair's time zone.
    pub today: NaiveDate,
    pub books_closed: bool,
    pub holds_booth: bool,
}

/// The longest reason a voided entry may carry, in characters.
pub const VOID_REASON_MAX_CHARS: usize = 500;

#[derive(Debug, Clone)]
pub enum SalesCommand {
    Record {
        entry_id: Uuid,
        day: NaiveDate,
        amount_vnd: i64,
        transactions: Option<u32>,
        producer: Option<String>,
        note: Option<String>,
        /// The amount is the day's whole total: every live entry of `day` is voided with this
        /// reason in the same append, so re-typing a day's total corrects it instead of
        /// doubling it.
        replace_day: Option<String>,
    },
    Void {
        entry_id: Uuid,
        reason: String,
    },
    /// An organizer's reminder to report `day`, by email.
    Remind {
        day: NaiveDate,
    },
}

pub fn decide(state: &SalesState, situation: &Situation, command: &SalesCommand) -> Result<Vec<Event>, DomainError> {
    if situation.books_closed {
        return Err(DomainError::conflict(
            "books_closed",
            "the books of this fair are closed; sales can no longer be recorded or voided",
        ));
    }
    match command {
        SalesCommand::Record {
            entry_id,
            day,
            amount_vnd,
            transactions,
            producer,
            note,
            replace_day,
        } => {
            if let Some(existing) = state.entries.get(entry_id) {
                return if existing.day == *day && existing.amount_vnd == *amount_vnd {
                    Ok(vec![])
                } else {
                    Err(DomainError::conflict(
                        "entry_exists",
                        format!("entry {entry_id} already exists"),
                    ))
                };
            }
            if !situation.holds_booth {
                return Err(DomainError::conflict(
                    "no_booth",
                    "only an exhibitor holding a booth records sales",
                ));
            }
            if *day < situation.first_day || *day > situation.last_day {
                return Err(DomainError::invalid("day", "not a day of the fair"));
            }
            if *day > situation.today {
                return Err(DomainError::invalid("day", "that day has not come yet"));
            }
            if !(0..=MAX_ENTRY_VND).contains(amount_vnd) {
                return Err(DomainError::invalid("amount_vnd", "out of range"));
            }
            let mut events: Vec<Event> = match replace_day {
                Some(reason) => state
                    .entries
                    .iter()
                    .filter(|(_, e)| e.day == *day && !e.voided)
                    .map(|(id, _)| {
                        Event::SaleVoided(SaleVoided {
                            entry_id: *id,
                            fair_id: situation.fair_id.clone(),
                            registration_id: situation.registration_id,
                            reason: reason.clone(),
                        })
                    })
                    .collect(),
                None => Vec::new(),
            };
            events.push(Event::SaleRecorded(SaleRecorded {
                entry_id: *entry_id,
                fair_id: situation.fair_id.clone(),
                registration_id: situation.registration_id,
                day: *day,
                amount_vnd: *amount_vnd,
                transactions: *transactions,
                producer: producer.clone(),
                note: note.clone(),
            }));
            Ok(events)
        }
        SalesCommand::Remind { day } => {
            if !situation.holds_booth {
                return Err(DomainError::conflict(
                    "no_booth",
                    "only an exhibitor holding a booth reports sales",
                ));
            }
            if *day < situation.first_day || *day > situation.last_day || *day > situation.today {
                return Err(DomainError::invalid("day", "not a fair day that has come"));
            }
            Ok(vec![Event::SalesReminderRequested(SalesReminderRequested {
                fair_id: situation.fair_id.clone(),
                registration_id: situation.registration_id,
                day: *day,
            })])
        }
        SalesCommand::Void { entry_id, reason } => {
            let entry = state.entries.get(entry_id).ok_or(DomainError::NotFound("entry"))?;
            if entry.voided {
                return Err(DomainError::conflict("already_voided", "this entry was voided already"));
            }
            Ok(vec![Event::SaleVoided(SaleVoided {
                entry_id: *entry_id,
                fair_id: situation.fair_id.clone(),
                registration_id: situation.registration_id,
                reason: reason.clone(),
            })])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn situation() -> Situation {
        Situation {
            fair_id: FairId::new_unchecked("f"),
            registration_id: RegistrationId(Uuid::from_u128(1)),
            first_day: NaiveDate::from_ymd_opt(2022, 1, 21).unwrap(),
            last_day: NaiveDate::from_ymd_opt(2022, 1, 25).unwrap(),
            today: NaiveDate::from_ymd_opt(2022, 1, 23).unwrap(),
            books_closed: false,
            holds_booth: true,
        }
    }

    fn record(day: u32, amount: i64) -> SalesCommand {
        SalesCommand::Record {
            entry_id: Uuid::from_u128(day as u128 * 1000 + amount as u128 % 1000),
            day: NaiveDate::from_ymd_opt(2022, 1, day).unwrap(),
            amount_vnd: amount,
            transactions: None,
            producer: None,
            note: None,
            replace_day: None,
        }
    }

    fn refusal(state: &SalesState, situation: &Situation, command: &SalesCommand) -> String {
        match decide(state, situation, command) {
            Err(DomainError::Conflict { code, .. }) => code.to_owned(),
            Err(DomainError::Invalid(fields)) => fields.keys().next().cloned().unwrap_or_default(),
            Err(DomainError::NotFound(what)) => what.to_owned(),
            Ok(events) => panic!("accepted: {events:?}"),
        }
    }

    #[test]
    fn entries_are_for_fair_days_that_have_come_while_the_books_are_open() {
        let state = SalesState::default();
        assert_eq!(decide(&state, &situation(), &record(22, 3_500_000)).unwrap().len(), 1);
        assert_eq!(refusal(&state, &situation(), &record(24, 1)), "day", "tomorrow");
        assert_eq!(refusal(&state, &situation(), &record(20, 1)), "day", "before the fair");
        assert_eq!(refusal(&state, &situation(), &record(22, -5)), "amount_vnd");
        assert_eq!(
            refusal(&state, &situation(), &record(22, MAX_ENTRY_VND + 1)),
            "amount_vnd"
        );
        let closed = Situation {
            books_closed: true,
            ..situation()
        };
        assert_eq!(refusal(&state, &closed, &record(22, 1)), "books_closed");
        let no_booth = Situation {
            holds_booth: false,
            ..situation()
        };
        assert_eq!(refusal(&state, &no_booth, &record(22, 1)), "no_booth");
    }

    #[test]
    fn a_void_needs_a_live_entry() {
        let mut state = SalesState::default();
        let command = record(22, 1_000_000);
        for e in decide(&state, &situation(), &command).unwrap() {
            state.apply(&e);
        }
        let SalesCommand::Record { entry_id, .. } = command else {
            unreachable!()
        };
        let void = SalesCommand::Void {
            entry_id,
            reason: "Nhập nhầm".into(),
        };
        let voided = decide(&state, &situation(), &void).unwrap();
        for e in &voided {
            state.apply(e);
        }
        assert_eq!(refusal(&state, &situation(), &void), "already_voided");
        let missing = SalesCommand::Void {
            entry_id: Uuid::from_u128(42),
            reason: "x".into(),
        };
        assert_eq!(refusal(&state, &situation(), &missing), "entry");
    }

    #[test]
    fn a_days_total_replaces_the_live_entries_of_that_day_only() {
        let mut state = SalesState::default();
        for command in [record(22, 1_000_100), record(22, 2_000_200), record(23, 500_000)] {
            for e in decide(&state, &situation(), &command).unwrap() {
                state.apply(&e);
            }
        }
        let SalesCommand::Record { entry_id, .. } = record(22, 2_000_200) else {
            unreachable!()
        };
        let void = SalesCommand::Void {
            entry_id,
            reason: "x".into(),
        };
        for e in decide(&state, &situation(), &void).unwrap() {
            state.apply(&e);
        }
        let replace = SalesCommand::Record {
            entry_id: Uuid::from_u128(99),
            day: NaiveDate::from_ymd_opt(2022, 1, 22).unwrap(),
            amount_vnd: 3_500_000,
            transactions: None,
            producer: None,
            note: None,
            replace_day: Some("Sửa tổng ngày".into()),
        };
        let events = decide(&state, &situation(), &replace).unwrap();
        let voided: Vec<Uuid> = events
            .iter()
            .filter_map(|e| match e {
                Event::SaleVoided(v) => Some(v.entry_id),
                _ => None,
            })
            .collect();
        assert_eq!(
            voided,
            vec![Uuid::from_u128(22 * 1000 + 100)],
            "the live entry of the 22nd, not the voided one nor the 23rd's"
        );
        assert!(matches!(events.last(), Some(Event::SaleRecorded(r)) if r.amount_vnd == 3_500_000));
        for e in &events {
            state.apply(e);
        }
        let live: i64 = state
            .entries
            .values()
            .filter(|e| !e.voided && e.day == NaiveDate::from_ymd_opt(2022, 1, 22).unwrap())
            .map(|e| e.amount_vnd)
            .sum();
        assert_eq!(live, 3_500_000);
    }
}
