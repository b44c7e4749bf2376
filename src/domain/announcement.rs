//! An announcement to a group of a fair's exhibitors (stream `announcement-{fair}-{id}`):
//! written once, never changed; the outbox emails each recipient once.

use hoicho_events::{AnnouncementSent, Event, FairId, RegistrationId};
use uuid::Uuid;

use super::{Aggregate, DomainError};

/// The longest subject, in characters.
pub const SUBJECT_MAX_CHARS: usize = 200;
/// The longest message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 5000;

#[derive(Debug, Default)]
pub struct AnnouncementState {
    pub sent: bool,
}

impl Aggregate for AnnouncementState {
    fn apply(&mut self, event: &Event) {
        if let Event::AnnouncementSent(_) = event {
            self.sent = true;
        }
    }
}

/// What the organizer sends, and to whom.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub announcement_id: Uuid,
    pub fair_id: FairId,
    pub subject: String,
    pub message: String,
    pub recipients: Vec<RegistrationId>,
    pub audience: String,
}

pub fn decide(state: &AnnouncementState, a: &Announcement) -> Result<Vec<Event>, DomainError> {
    if state.sent {
        return Ok(vec![]); // the same announcement again: sent once
    }
    let mut problems = std::collections::BTreeMap::new();
    let subject_chars = a.subject.trim().chars().count();
    if subject_chars == 0 || subject_chars > SUBJECT_MAX_CHARS {
        problems.insert("subject".to_owned(), format!("1–{SUBJECT_MAX_CHARS} characters"));
    }
    let message_chars = a.message.trim().chars().count();
    if message_chars == 0 || message_chars > MESSAGE_MAX_CHARS {
        problems.insert("message".to_owned(), format!("1–{MESSAGE_MAX_CHARS} characters"));
    }
    if a.recipients.is_empty() {
        problems.insert("recipients".to_owned(), "nobody is in the group".to_owned());
    }
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems));
    }
    let mut recipients = a.recipients.clone();
    recipients.sort();
    recipients.dedup();
    Ok(vec![Event::AnnouncementSent(AnnouncementSent {
        announcement_id: a.announcement_id,
        fair_id: a.fair_id.clone(),
        subject: a.subject.trim().to_owned(),
        message: a.message.trim().to_owned(),
        recipients,
        audience: a.audience.clone(),
    })])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement(subject: &str, message: &str, recipients: Vec<RegistrationId>) -> Announcement {
        Announcement {
            announcement_id: Uuid::from_u128(1),
            fair_id: FairId::new_unchecked("f"),
            subject: subject.into(),
            message: message.into(),
            recipients,
            audience: "Đã duyệt".into(),
        }
    }

    #[test]
    fn an_announcement_needs_words_and_someone_and_goes_once() {
        let one = RegistrationId(Uuid::from_u128(7));
        let ok = announcement(" Dựng gian ", "Dựng gian từ 6 giờ sáng 20/01.", vec![one, one]);
        let events = decide(&AnnouncementState::default(), &ok).unwrap();
        let Event::AnnouncementSent(sent) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(
            (sent.subject.as_str(), sent.recipients.len()),
            ("Dựng gian", 1),
            "each recipient once"
        );
        assert!(decide(&AnnouncementState { sent: true }, &ok).unwrap().is_empty());
        let Err(DomainError::Invalid(problems)) = decide(&AnnouncementState::default(), &announcement("", " ", vec![]))
        else {
            panic!("accepted")
        };
        assert_eq!(
            problems.keys().collect::<Vec<_>>(),
            ["message", "recipients", "subject"]
        );
    }
}
