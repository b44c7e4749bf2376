//! One application's life (stream `registration-{id}`): submitted, amended, decided,
//! withdrawn.

use chrono::{DateTime, Utc};
use hoicho_events::{
    Application, Event, FairId, RegistrationAmended, RegistrationApproved, RegistrationId, RegistrationRejected,
    RegistrationSubmitted, RegistrationWaitlisted, RegistrationWithdrawn,
};
use hoicho_projections::RegistrationStatus as Status;

use super::{Aggregate, DomainError};

#[derive(Debug, Default, Clone)]
pub struct RegistrationState {
    pub id: Option<RegistrationId>,
    pub fair_id: Option<FairId>,
    pub status: Option<Status>,
    pub approved_booths: u32,
    pub application: Option<Application>,
    /// The current private link's number.
    pub link_generation: u32,
    /// When the link was last sent again on request.
    pub last_resent: Option<chrono::DateTime<chrono::Utc>>,
}

impl Aggregate for RegistrationState {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::RegistrationSubmitted(e) => {
                self.id = Some(e.registration_id);
                self.fair_id = Some(e.fair_id.clone());
                self.status = Some(Status::Submitted);
                self.application = Some(e.application.clone());
            }
            Event::RegistrationAmended(e) => self.application = Some(e.application.clone()),
            Event::RegistrationWithdrawn(_) => {
                self.status = Some(Status::Withdrawn);
                self.approved_booths = 0;
            }
            Event::RegistrationApproved(e) => {
                self.status = Some(Status::Approved);
                self.approved_booths = e.booths;
            }
            Event::RegistrationRejected(_) => {
                self.status = Some(Status::Rejected);
                self.approved_booths = 0;
            }
            Event::RegistrationWaitlisted(_) => {
                self.status = Some(Status::Waitlisted);
                self.approved_booths = 0;
            }
            Event::AccessLinkReissued(e) => self.link_generation = e.generation,
            Event::AccessLinkResent(e) => self.last_resent = Some(e.at),
            _ => {}
        }
    }
}

/// Who asks: organizers may do more than the exhibitor itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Organizer,
    Exhibitor,
    Public,
}

/// The longest reason or note a decision or a withdrawal may carry, in characters.
pub const REASON_MAX_CHARS: usize = 1000;
/// The most booths one application may be approved for.
pub const MAX_APPROVED_BOOTHS: u32 = 20;

/// What an organizer decides on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
    Waitlist,
}

impl Verdict {
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "approve" => Some(Verdict::Approve),
            "reject" => Some(Verdict::Reject),
            "waitlist" => Some(Verdict::Waitlist),
            _ => None,
        }
    }

    /// A rejection says why; the others may.
    pub fn needs_reason(self) -> bool {
        self == Verdict::Reject
    }
}

/// An organizer's decision, as every face takes it (one application or many, from the API
/// or the review pages): the verdict, the booths to approve (the application's own request
/// when none is given) and the reason or note. The reason's length and the booth count are
/// checked where the input is read, against [`REASON_MAX_CHARS`] and
/// [`MAX_APPROVED_BOOTHS`].
#[derive(Debug, Clone)]
pub struct Decision {
    pub verdict: Verdict,
    pub booths: Option<u32>,
    pub reason: Option<String>,
}

impl Decision {
    /// The command for an application that asked for `requested` booths.
    pub fn command(&self, requested: u32) -> RegistrationCommand {
        match self.verdict {
            Verdict::Approve => RegistrationCommand::Approve {
                booths: self.booths.unwrap_or(requested),
            },
            Verdict::Reject => RegistrationCommand::Reject {
                reason: self.reason.clone().unwrap_or_default(),
            },
            Verdict::Waitlist => RegistrationCommand::Waitlist {
                note: self.reason.clone(),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub enum RegistrationCommand {
    /// `registration_open`: whether the fair takes applications at `at` (looked up first).
    Submit {
        registration_id: RegistrationId,
        fair_id: FairId,
        application: Application,
        token_hash: String,
        at: DateTime<Utc>,
        by: By,
        registration_open: bool,
    },
    Amend {
        application: Application,
        by: By,
    },
    Withdraw {
        reason: Option<String>,
    },
    Approve {
        booths: u32,
    },
    Reject {
        reason: String,
    },
    Waitlist {
        note: Option<String>,
    },
    /// A new private link replaces the current one: `generation` is the next one's number.
    ReissueLink {
        token_hash: String,
        generation: u32,
    },
    /// The current link, emailed again on request; at most once in [`RESEND_MINUTES`], so
    /// the page cannot be used to flood an exhibitor's mailbox.
    ResendLink {
        at: chrono::DateTime<chrono::Utc>,
    },
}

/// How often the private link may be sent again on request.
pub const RESEND_MINUTES: i64 = 10;

fn final_state(status: Status) -> DomainError {
    DomainError::conflict(
        "registration_final",
        match status {
            Status::Withdrawn => "this application was withdrawn",
            _ => "this application was rejected",
        },
    )
}

pub fn decide(state: &RegistrationState, command: &RegistrationCommand) -> Result<Vec<Event>, DomainError> {
    if let RegistrationCommand::Submit {
        registration_id,
        fair_id,
        application,
        token_hash,
        at,
        by,
        registration_open,
    } = command
    {
        if state.id.is_some() {
            return Err(DomainError::conflict(
                "registration_exists",
                "this application already exists",
            ));
        }
        if *by != By::Organizer && !registration_open {
            return Err(DomainError::conflict(
                "registration_closed",
                "applications for this fair are closed; the organizers can still enter one for you",
            ));
        }
        return Ok(vec![Event::RegistrationSubmitted(RegistrationSubmitted {
            registration_id: *registration_id,
            fair_id: fair_id.clone(),
            application: application.clone(),
            token_hash: token_hash.clone(),
            submitted_at: *at,
        })]);
    }
    let (Some(registration_id), Some(fair_id), Some(status)) = (state.id, state.fair_id.clone(), state.status) else {
        return Err(DomainError::NotFound("registration"));
    };
    let done = matches!(status, Status::Withdrawn | Status::Rejected);
    Ok(match command {
        RegistrationCommand::Submit { .. } => Vec::new(),
        // Whatever the application's state: a leaked link is closed even after it ended.
        RegistrationCommand::ReissueLink { token_hash, generation } => {
            if *generation != state.link_generation + 1 {
                return Err(DomainError::conflict(
                    "link_changed",
                    "the private link was replaced meanwhile; look again",
                ));
            }
            vec![Event::AccessLinkReissued(hoicho_events::AccessLinkReissued {
                registration_id,
                fair_id,
                token_hash: token_hash.clone(),
                generation: *generation,
            })]
        }
        RegistrationCommand::ResendLink { at } => {
            if state
                .last_resent
                .is_some_and(|last| *at - last < chrono::Duration::minutes(RESEND_MINUTES))
            {
                return Err(DomainError::conflict(
                    "resent_recently",
                    "the link was sent again a moment ago",
                ));
            }
            vec![Event::AccessLinkResent(hoicho_events::AccessLinkResent {
                registration_id,
                fair_id,
                at: *at,
            })]
        }
        RegistrationCommand::Amend { application, by } => {
            if done {
                return Err(final_state(status));
            }
            if *by != By::Organizer && status != Status::Submitted {
                return Err(DomainError::conflict(
                    "already_decided",
                    "this application has been decided; ask the organizers to change it",
                ));
            }
            if state.application.as_ref() == Some(application) {
                vec![]
            } else {
                vec![Event::RegistrationAmended(RegistrationAmended {
                    registration_id,
                    fair_id,
                    application: application.clone(),
                })]
            }
        }
        RegistrationCommand::Withdraw { reason } => match status {
            Status::Withdrawn => vec![],
            Status::Rejected => return Err(final_state(status)),
            _ => vec![Event::RegistrationWithdrawn(RegistrationWithdrawn {
                registration_id,
                fair_id,
                reason: reason.clone(),
            })],
        },
        RegistrationCommand::Approve { booths } => {
            if done {
                return Err(final_state(status));
            }
            if status == Status::Approved && state.approved_booths == *booths {
                vec![]
            } else {
                vec![Event::RegistrationApproved(RegistrationApproved {
                    registration_id,
                    fair_id,
                    booths: *booths,
                })]
            }
        }
        RegistrationCommand::Reject { reason } => match status {
            Status::Rejected => vec![],
            Status::Withdrawn => return Err(final_state(status)),
            _ => vec![Event::RegistrationRejected(RegistrationRejected {
                registration_id,
                fair_id,
                reason: reason.clone(),
            })],
        },
        RegistrationCommand::Waitlist { note } => match status {
            Status::Waitlisted => vec![],
            Status::Withdrawn | Status::Rejected => return Err(final_state(status)),
            _ => vec![Event::RegistrationWaitlisted(RegistrationWaitlisted {
                registration_id,
                fair_id,
                note: note.clone(),
            })],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::{Address, BoothRequest, ProducerType};

    fn application() -> Application {
        Application {
            organization: "HTX Nông nghiệp Sơn Kim".into(),
            producer_type: ProducerType::Htx,
            tax_code: Some("3001234567".into()),
            representative: "Nguyễn Văn An".into(),
            phone: "+84912345678".into(),
            email: "htx@example.vn".into(),
            language: "vi".into(),
            address: Address {
                line: None,
                commune: "Sơn Kim 1".into(),
                province: "Hà Tĩnh".into(),
                legacy_district: None,
            },
            products: vec![],
            producers: vec![],
            booth_request: BoothRequest {
                count: 1,
                kind: None,
                zone: None,
                preferred_booths: vec![],
                needs_power: false,
                note: None,
            },
        }
    }

    fn submit(by: By, open: bool) -> RegistrationCommand {
        RegistrationCommand::Submit {
            registration_id: RegistrationId(uuid::Uuid::nil()),
            fair_id: FairId::new_unchecked("f"),
            application: application(),
            token_hash: "h".into(),
            at: Utc::now(),
            by,
            registration_open: open,
        }
    }

    fn given(commands: &[RegistrationCommand]) -> RegistrationState {
        let mut state = RegistrationState::default();
        for c in commands {
            for e in decide(&state, c).expect("given commands succeed") {
                state.apply(&e);
            }
        }
        state
    }

    #[test]
    fn the_public_applies_only_while_registration_is_open_organizers_always() {
        let closed = decide(&RegistrationState::default(), &submit(By::Public, false));
        assert!(matches!(
            closed,
            Err(DomainError::Conflict {
                code: "registration_closed",
                ..
            })
        ));
        assert_eq!(
            decide(&RegistrationState::default(), &submit(By::Organizer, false))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            decide(&RegistrationState::default(), &submit(By::Public, true))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn an_exhibitor_amends_until_decided_an_organizer_after() {
        let mut changed = application();
        changed.organization = "HTX Sơn Kim".into();
        let amend = |by| RegistrationCommand::Amend {
            application: changed.clone(),
            by,
        };
        let submitted = given(&[submit(By::Public, true)]);
        assert_eq!(decide(&submitted, &amend(By::Exhibitor)).unwrap().len(), 1);
        let approved = given(&[submit(By::Public, true), RegistrationCommand::Approve { booths: 2 }]);
        assert!(matches!(
            decide(&approved, &amend(By::Exhibitor)),
            Err(DomainError::Conflict {
                code: "already_decided",
                ..
            })
        ));
        assert_eq!(decide(&approved, &amend(By::Organizer)).unwrap().len(), 1);
    }

    #[test]
    fn a_waitlisted_application_can_be_approved_later_and_rejection_is_final() {
        let waitlisted = given(&[submit(By::Public, true), RegistrationCommand::Waitlist { note: None }]);
        let approved = decide(&waitlisted, &RegistrationCommand::Approve { booths: 1 }).unwrap();
        assert!(matches!(
            approved[0],
            Event::RegistrationApproved(RegistrationApproved { booths: 1, .. })
        ));
        let rejected = given(&[
            submit(By::Public, true),
            RegistrationCommand::Reject {
                reason: "Thiếu giấy tờ".into(),
            },
        ]);
        assert!(decide(&rejected, &RegistrationCommand::Approve { booths: 1 }).is_err());
        assert!(decide(&rejected, &RegistrationCommand::Withdraw { reason: None }).is_err());
        assert!(decide(&rejected, &RegistrationCommand::Reject { reason: "x".into() })
            .unwrap()
            .is_empty());
    }

    #[test]
    fn withdrawing_twice_records_once() {
        let withdrawn = given(&[submit(By::Public, true), RegistrationCommand::Withdraw { reason: None }]);
        assert!(decide(&withdrawn, &RegistrationCommand::Withdraw { reason: None })
            .unwrap()
            .is_empty());
        assert!(decide(&withdrawn, &RegistrationCommand::Approve { booths: 1 }).is_err());
    }
}
