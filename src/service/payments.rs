//! A fair's payments and refunds, on the fair's payments stream (`payments-{fair}`): read,
//! decided and appended at its expected version, so every receipt number is issued once and
//! in order, however many organizers or instances record at the same moment.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use hoicho_events::{streams, FairId, PaymentKind, RegistrationId};
use hoicho_projections::Projections;

use super::execute::{execute, CommandContext, CommandError};
use super::{settled, Written};
use crate::app::AppState;
use crate::domain::payments::{decide, PaymentsCommand, PaymentsState, Situation};
use crate::domain::DomainError;

/// What the payment rules need from the projections: the registration's statement at `now`.
pub fn situation(
    p: &Projections,
    fair: &FairId,
    registration: &RegistrationId,
    now: DateTime<Utc>,
) -> Result<Situation, DomainError> {
    let view = p.fairs.by_id.get(fair).ok_or(DomainError::NotFound("fair"))?;
    let held = view.holdings.get(registration).is_some_and(|h| !h.is_empty());
    let statement = p.fees.statement(fair, registration);
    if statement.is_none() && p.registrations.get(registration).is_none_or(|r| &r.fair_id != fair) {
        return Err(DomainError::NotFound("registration"));
    }
    Ok(Situation {
        fair_id: fair.clone(),
        registration_id: *registration,
        holds_booths: held,
        outstanding_vnd: statement.map_or(0, |s| s.outstanding_vnd()),
        net_paid_vnd: statement.map_or(0, |s| s.paid_vnd - s.refunded_vnd),
        today: view.today(now),
    })
}

/// One lock a payments stream, in this process: its commands run one after another here, so
/// only writers in other instances can make a command decide again (a fair's payments are a
/// few a minute; the bank statement's many are one command).
fn lock_for(stream: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);
    let mut locks = LOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    locks.entry(stream.to_owned()).or_default().clone()
}

/// Runs `command` on the fair's payments stream and waits until the projections hold it.
pub async fn run(
    state: &AppState,
    ctx: &CommandContext,
    fair: &FairId,
    situation: &Situation,
    command: &PaymentsCommand,
) -> Result<Written, CommandError> {
    let stream = streams::payments(fair);
    let lock = lock_for(&stream);
    let _turn = lock.lock().await;
    let outcome = execute(&*state.store, &stream, ctx, None, |s: &PaymentsState| {
        decide(s, situation, command)
    })
    .await?;
    Ok(settled(state, outcome).await)
}

/// The registration a payment belongs to, by its id.
pub fn registration_of(p: &Projections, fair: &FairId, payment: &uuid::Uuid) -> Option<(RegistrationId, PaymentKind)> {
    p.fees
        .of_fair(fair)?
        .receipts
        .values()
        .find(|r| &r.payment_id == payment)
        .map(|r| (r.registration_id, r.kind))
}

/// Remembers how the statements of the bank with `bin` are laid out.
pub async fn save_layout(
    state: &AppState,
    ctx: &CommandContext,
    bin: &str,
    layout: hoicho_events::BankLayout,
) -> Result<Written, CommandError> {
    if state.read().fees.layouts.get(bin) == Some(&layout) {
        return Ok(Written {
            stream: streams::bank_layouts(),
            version: 0,
            position: state.read().position,
            events: vec![],
        });
    }
    let event = hoicho_events::Event::BankLayoutSaved(hoicho_events::BankLayoutSaved {
        bin: bin.to_owned(),
        layout,
    });
    let outcome = super::execute::execute_appending(
        &*state.store,
        &streams::bank_layouts(),
        ctx,
        |_: &crate::domain::fees::BankLayouts| Ok(vec![event.clone()]),
    )
    .await?;
    Ok(settled(state, outcome).await)
}
