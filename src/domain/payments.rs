//! A fair's payments and refunds (stream `payments-{fair}`): each gets the next receipt
//! number, decided against the stream as read and appended at its expected version, so two
//! organizers (or two instances) recording at once never share a number or leave a gap.
//! A payment is never changed: a mistake is voided with its reason and recorded again.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use hoicho_events::{Event, FairId, PaymentKind, PaymentMethod, PaymentRecorded, PaymentVoided, RegistrationId};
use uuid::Uuid;

use super::{Aggregate, DomainError};

/// The largest single payment or refund accepted: one billion đồng (a fair's biggest
/// statement is a few tens of millions).
pub const MAX_PAYMENT_VND: i64 = 1_000_000_000;
/// The longest reason a voided payment may carry, in characters.
pub const VOID_REASON_MAX_CHARS: usize = 500;
/// The longest bank reference, payer and note.
pub const REFERENCE_MAX_CHARS: usize = 64;
pub const PAYER_MAX_CHARS: usize = 200;
pub const NOTE_MAX_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub recorded: PaymentRecorded,
    pub voided: bool,
}

#[derive(Debug, Default, Clone)]
pub struct PaymentsState {
    /// Receipts issued so far (voided ones included): the next is `issued + 1`.
    pub issued: u32,
    pub payments: BTreeMap<Uuid, Payment>,
    /// Bank references of live payments.
    pub references: BTreeSet<String>,
}

impl Aggregate for PaymentsState {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::PaymentRecorded(e) => {
                self.issued = self.issued.max(e.receipt_no);
                if let Some(reference) = &e.bank_reference {
                    self.references.insert(reference.clone());
                }
                self.payments.insert(
                    e.payment_id,
                    Payment {
                        recorded: e.clone(),
                        voided: false,
                    },
                );
            }
            Event::PaymentVoided(e) => {
                if let Some(p) = self.payments.get_mut(&e.payment_id) {
                    p.voided = true;
                    if let Some(reference) = &p.recorded.bank_reference {
                        self.references.remove(reference);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What the rules know of the registration's statement when the command is made.
#[derive(Debug, Clone)]
pub struct Situation {
    pub fair_id: FairId,
    pub registration_id: RegistrationId,
    /// It holds booths now (a payment for released booths is refused).
    pub holds_booths: bool,
    /// Still to pay (negative: paid too much).
    pub outstanding_vnd: i64,
    /// Paid less refunded.
    pub net_paid_vnd: i64,
    /// Today, in the fair's time zone.
    pub today: NaiveDate,
}

/// A payment or refund as the organizer typed it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment {
    pub payment_id: Uuid,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    pub amount_vnd: i64,
    pub paid_on: NaiveDate,
    pub bank_reference: Option<String>,
    pub payer: String,
    pub note: Option<String>,
    /// The organizer saw the warning that it is more than the statement asks and confirmed.
    pub confirmed: bool,
}

#[derive(Debug, Clone)]
pub enum PaymentsCommand {
    Record(NewPayment),
    Void {
        payment_id: Uuid,
        reason: String,
    },
    /// Many payments at once (a bank statement confirmed), each for its own registration: the
    /// ones that can be recorded are, in order, with consecutive receipts; one already recorded
    /// (its id or its bank reference) or refused is left out.
    RecordAll(Vec<(Situation, NewPayment)>),
}

pub fn decide(
    state: &PaymentsState,
    situation: &Situation,
    command: &PaymentsCommand,
) -> Result<Vec<Event>, DomainError> {
    match command {
        PaymentsCommand::RecordAll(payments) => {
            let mut next = state.clone();
            let mut events = Vec::new();
            for (situation, payment) in payments {
                if next.payments.contains_key(&payment.payment_id) {
                    continue;
                }
                if let Ok(recorded) = decide(&next, situation, &PaymentsCommand::Record(payment.clone())) {
                    for event in recorded {
                        next.apply(&event);
                        events.push(event);
                    }
                }
            }
            Ok(events)
        }
        PaymentsCommand::Record(p) => {
            if let Some(existing) = state.payments.get(&p.payment_id) {
                let same = existing.recorded.amount_vnd == p.amount_vnd
                    && existing.recorded.registration_id == situation.registration_id;
                return if same {
                    Ok(vec![])
                } else {
                    Err(DomainError::conflict(
                        "payment_exists",
                        format!("payment {} already exists", p.payment_id),
                    ))
                };
            }
            if !(1..=MAX_PAYMENT_VND).contains(&p.amount_vnd) {
                return Err(DomainError::invalid(
                    "amount_vnd",
                    format!("must be a whole number of đồng from 1 to {MAX_PAYMENT_VND}"),
                ));
            }
            if p.paid_on > situation.today {
                return Err(DomainError::invalid("paid_on", "must not be after today"));
            }
            if let Some(reference) = &p.bank_reference {
                if state.references.contains(reference) {
                    return Err(DomainError::conflict(
                        "bank_reference_recorded",
                        format!("a payment with bank reference {reference} is recorded already"),
                    ));
                }
            }
            match p.kind {
                PaymentKind::Payment if !situation.holds_booths => {
                    return Err(DomainError::conflict(
                        "no_booths",
                        "this application holds no booth now: there is nothing to pay (record a refund instead)",
                    ));
                }
                PaymentKind::Payment if p.amount_vnd > situation.outstanding_vnd.max(0) && !p.confirmed => {
                    return Err(DomainError::conflict(
                        "more_than_due",
                        format!(
                            "{} đồng is more than the {} still to pay; confirm to record it as an overpayment",
                            p.amount_vnd,
                            situation.outstanding_vnd.max(0)
                        ),
                    ));
                }
                PaymentKind::Refund if p.amount_vnd > situation.net_paid_vnd.max(0) && !p.confirmed => {
                    return Err(DomainError::conflict(
                        "more_than_paid",
                        format!(
                            "{} đồng is more than the {} paid; confirm to refund it anyway",
                            p.amount_vnd,
                            situation.net_paid_vnd.max(0)
                        ),
                    ));
                }
                _ => {}
            }
            Ok(vec![Event::PaymentRecorded(PaymentRecorded {
                payment_id: p.payment_id,
                fair_id: situation.fair_id.clone(),
                registration_id: situation.registration_id,
                receipt_no: state.issued + 1,
                kind: p.kind,
                method: p.method,
                amount_vnd: p.amount_vnd,
                paid_on: p.paid_on,
                bank_reference: p.bank_reference.clone(),
                payer: p.payer.clone(),
                note: p.note.clone(),
            })])
        }
        PaymentsCommand::Void { payment_id, reason } => {
            let Some(payment) = state.payments.get(payment_id) else {
                return Err(DomainError::NotFound("payment"));
            };
            if payment.voided {
                return Ok(vec![]);
            }
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > VOID_REASON_MAX_CHARS {
                return Err(DomainError::invalid(
                    "reason",
                    format!("say why, in at most {VOID_REASON_MAX_CHARS} characters"),
                ));
            }
            Ok(vec![Event::PaymentVoided(PaymentVoided {
                payment_id: *payment_id,
                fair_id: situation.fair_id.clone(),
                reason: reason.to_owned(),
            })])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn situation(outstanding: i64) -> Situation {
        Situation {
            fair_id: FairId::new_unchecked("f"),
            registration_id: RegistrationId(Uuid::now_v7()),
            holds_booths: true,
            outstanding_vnd: outstanding,
            net_paid_vnd: 0,
            today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    fn payment(amount: i64, reference: Option<&str>) -> PaymentsCommand {
        PaymentsCommand::Record(NewPayment {
            payment_id: Uuid::now_v7(),
            kind: PaymentKind::Payment,
            method: PaymentMethod::Transfer,
            amount_vnd: amount,
            paid_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            bank_reference: reference.map(str::to_owned),
            payer: String::new(),
            note: None,
            confirmed: false,
        })
    }

    #[test]
    fn receipts_are_numbered_in_order_and_a_void_keeps_its_number() {
        let mut state = PaymentsState::default();
        let s = situation(3_000_000);
        for expected in 1..=3 {
            let events = decide(&state, &s, &payment(1_000_000, None)).unwrap();
            let Event::PaymentRecorded(e) = &events[0] else {
                panic!()
            };
            assert_eq!(e.receipt_no, expected);
            state.apply(&events[0]);
        }
        let first = *state.payments.keys().next().unwrap();
        let void = PaymentsCommand::Void {
            payment_id: first,
            reason: "nhầm".into(),
        };
        state.apply(&decide(&state, &s, &void).unwrap()[0]);
        let events = decide(&state, &s, &payment(1_000_000, None)).unwrap();
        let Event::PaymentRecorded(e) = &events[0] else {
            panic!()
        };
        assert_eq!(e.receipt_no, 4);
    }

    #[test]
    fn a_bank_reference_counts_once_until_its_payment_is_voided() {
        let mut state = PaymentsState::default();
        let s = situation(5_000_000);
        let events = decide(&state, &s, &payment(1_000_000, Some("FT2611"))).unwrap();
        state.apply(&events[0]);
        let err = decide(&state, &s, &payment(1_000_000, Some("FT2611"))).unwrap_err();
        assert!(matches!(
            err,
            DomainError::Conflict {
                code: "bank_reference_recorded",
                ..
            }
        ));
        let id = *state.payments.keys().next().unwrap();
        state.apply(
            &decide(
                &state,
                &s,
                &PaymentsCommand::Void {
                    payment_id: id,
                    reason: "sai".into(),
                },
            )
            .unwrap()[0],
        );
        assert!(decide(&state, &s, &payment(1_000_000, Some("FT2611"))).is_ok());
    }

    #[test]
    fn more_than_due_asks_for_confirmation_and_bad_amounts_are_refused() {
        let state = PaymentsState::default();
        let s = situation(1_500_000);
        let err = decide(&state, &s, &payment(2_000_000, None)).unwrap_err();
        assert!(matches!(
            err,
            DomainError::Conflict {
                code: "more_than_due",
                ..
            }
        ));
        let PaymentsCommand::Record(mut p) = payment(2_000_000, None) else {
            unreachable!()
        };
        p.confirmed = true;
        assert!(decide(&state, &s, &PaymentsCommand::Record(p)).is_ok());
        for bad in [0, -5, MAX_PAYMENT_VND + 1] {
            assert!(matches!(
                decide(&state, &s, &payment(bad, None)),
                Err(DomainError::Invalid(_))
            ));
        }
        let released = Situation {
            holds_booths: false,
            ..situation(0)
        };
        let err = decide(&state, &released, &payment(1_000, None)).unwrap_err();
        assert!(matches!(err, DomainError::Conflict { code: "no_booths", .. }));
    }
}
