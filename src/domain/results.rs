//! What happened at a fair besides the sales (stream `results-{fair}`): visitors by day,
//! agreements, awards, side events, the report's notes. The input is checked against the fair
//! (its days, its exhibitors) where it enters; here, what the stream itself decides: the same
//! entry sent twice is written once, a correction replaces, a withdrawal names an entry.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use hoicho_events::{
    AgreementSigned, AwardGiven, CountMethod, Event, FairId, ReportNotesWritten, ResultWithdrawn, SideEventHeld,
    VisitorsCounted,
};
use uuid::Uuid;

use super::{Aggregate, DomainError};

/// A day's visitors above this need the organizer's confirmation: more than any provincial
/// OCOP fair reports (the large ones count 10,000–30,000 a day).
pub const UNUSUAL_VISITORS: u32 = 100_000;
/// A day's visitors above this are refused outright.
pub const MAX_VISITORS: u32 = 5_000_000;
/// The longest texts, in characters.
pub const SOURCE_MAX_CHARS: usize = 200;
pub const PARTIES_MAX_CHARS: usize = 500;
pub const TITLE_MAX_CHARS: usize = 300;
pub const NOTE_MAX_CHARS: usize = 1_000;
pub const NOTES_MAX_CHARS: usize = 10_000;
pub const REASON_MAX_CHARS: usize = 500;
/// The most exhibitors one agreement names.
pub const MAX_AGREEMENT_EXHIBITORS: usize = 500;
/// The largest value an agreement may state: a thousand billion đồng.
pub const MAX_AGREEMENT_VND: i64 = 1_000_000_000_000_000;

#[derive(Debug, Default, Clone)]
pub struct ResultsState {
    /// Every agreement, award and side event by id: its event, and whether it was withdrawn.
    entries: HashMap<Uuid, (Event, bool)>,
    visitors: BTreeMap<NaiveDate, (u32, CountMethod, String)>,
    notes: String,
}

impl Aggregate for ResultsState {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::VisitorsCounted(e) => {
                self.visitors.insert(e.day, (e.visitors, e.method, e.source.clone()));
            }
            Event::AgreementSigned(AgreementSigned { agreement_id: id, .. })
            | Event::AwardGiven(AwardGiven { award_id: id, .. })
            | Event::SideEventHeld(SideEventHeld { side_event_id: id, .. }) => {
                self.entries.insert(*id, (event.clone(), false));
            }
            Event::ReportNotesWritten(e) => self.notes = e.text.clone(),
            Event::ResultWithdrawn(e) => {
                if let Some(entry) = self.entries.get_mut(&e.id) {
                    entry.1 = true;
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone)]
pub enum ResultsCommand {
    CountVisitors(VisitorsCounted),
    /// An agreement, an award or a side event: the event as it will be written.
    Enter(Box<Event>),
    WriteNotes(String),
    Withdraw {
        id: Uuid,
        reason: String,
    },
}

fn id_of(event: &Event) -> Option<Uuid> {
    match event {
        Event::AgreementSigned(e) => Some(e.agreement_id),
        Event::AwardGiven(e) => Some(e.award_id),
        Event::SideEventHeld(e) => Some(e.side_event_id),
        _ => None,
    }
}

pub fn decide(state: &ResultsState, fair: &FairId, command: &ResultsCommand) -> Result<Vec<Event>, DomainError> {
    match command {
        ResultsCommand::CountVisitors(count) => {
            if count.visitors > MAX_VISITORS {
                return Err(DomainError::invalid("visitors", "out of range"));
            }
            let same = state.visitors.get(&count.day) == Some(&(count.visitors, count.method, count.source.clone()));
            Ok(if same {
                vec![]
            } else {
                vec![Event::VisitorsCounted(count.clone())]
            })
        }
        ResultsCommand::Enter(event) => {
            let Some(id) = id_of(event) else {
                return Err(DomainError::invalid("kind", "not an agreement, award or side event"));
            };
            match state.entries.get(&id) {
                Some((existing, _)) if existing == event.as_ref() => Ok(vec![]),
                Some(_) => Err(DomainError::conflict("result_exists", format!("{id} is another entry"))),
                None => Ok(vec![event.as_ref().clone()]),
            }
        }
        ResultsCommand::WriteNotes(text) => Ok(if *text == state.notes {
            vec![]
        } else {
            vec![Event::ReportNotesWritten(ReportNotesWritten {
                fair_id: fair.clone(),
                text: text.clone(),
            })]
        }),
        ResultsCommand::Withdraw { id, reason } => match state.entries.get(id) {
            None => Err(DomainError::NotFound("entry")),
            Some((_, true)) => Ok(vec![]),
            Some(_) if reason.trim().is_empty() => Err(DomainError::invalid("reason", "say why it is withdrawn")),
            Some(_) => Ok(vec![Event::ResultWithdrawn(ResultWithdrawn {
                fair_id: fair.clone(),
                id: *id,
                reason: reason.clone(),
            })]),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::RegistrationId;

    fn fair() -> FairId {
        FairId::new_unchecked("ocop-ha-tinh-2025")
    }

    fn fold(events: &[Event]) -> ResultsState {
        let mut state = ResultsState::default();
        for e in events {
            state.apply(e);
        }
        state
    }

    #[test]
    fn a_count_sent_twice_is_written_once_and_a_correction_replaces() {
        let count = VisitorsCounted {
            fair_id: fair(),
            day: NaiveDate::from_ymd_opt(2025, 1, 20).unwrap(),
            visitors: 4_200,
            method: CountMethod::Counter,
            source: "Cổng A".into(),
        };
        let first = decide(&fold(&[]), &fair(), &ResultsCommand::CountVisitors(count.clone())).unwrap();
        assert_eq!(first.len(), 1);
        let state = fold(&first);
        assert!(decide(&state, &fair(), &ResultsCommand::CountVisitors(count.clone()))
            .unwrap()
            .is_empty());
        let corrected = VisitorsCounted {
            visitors: 4_300,
            ..count
        };
        assert_eq!(
            decide(&state, &fair(), &ResultsCommand::CountVisitors(corrected))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn an_entry_is_withdrawn_once_with_a_reason_and_its_id_is_never_reused() {
        let award = Event::AwardGiven(AwardGiven {
            award_id: Uuid::now_v7(),
            fair_id: fair(),
            name: "Gian hàng đẹp nhất".into(),
            registration_id: RegistrationId(Uuid::now_v7()),
            note: String::new(),
        });
        let id = id_of(&award).unwrap();
        let mut log = decide(&fold(&[]), &fair(), &ResultsCommand::Enter(Box::new(award.clone()))).unwrap();
        let state = fold(&log);
        assert!(decide(&state, &fair(), &ResultsCommand::Enter(Box::new(award.clone())))
            .unwrap()
            .is_empty());
        let Event::AwardGiven(mut other) = award else {
            unreachable!()
        };
        other.name = "Sản phẩm được yêu thích".into();
        assert!(matches!(
            decide(
                &state,
                &fair(),
                &ResultsCommand::Enter(Box::new(Event::AwardGiven(other)))
            ),
            Err(DomainError::Conflict {
                code: "result_exists",
                ..
            })
        ));
        let no_reason = ResultsCommand::Withdraw { id, reason: " ".into() };
        assert!(matches!(
            decide(&state, &fair(), &no_reason),
            Err(DomainError::Invalid(_))
        ));
        let withdraw = ResultsCommand::Withdraw {
            id,
            reason: "nhập nhầm".into(),
        };
        log.extend(decide(&state, &fair(), &withdraw).unwrap());
        let state = fold(&log);
        assert!(decide(&state, &fair(), &withdraw).unwrap().is_empty());
        let unknown = ResultsCommand::Withdraw {
            id: Uuid::now_v7(),
            reason: "x".into(),
        };
        assert_eq!(decide(&state, &fair(), &unknown), Err(DomainError::NotFound("entry")));
    }
}
