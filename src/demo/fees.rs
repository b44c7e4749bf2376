//! The demo's fees: the 2022 fair's support as the province gave it (for up to two booths:
//! OCOP products of 4 stars or more fully supported, 3 stars half, every other producer 30%), a receiving
//! account, and payments in every state: paid by transfer, paid in cash, part paid, overpaid
//! and refunded, a payment voided, unpaid past the due date, fully supported.

use chrono::{Duration, NaiveDate, Utc};
use hoicho_events::{
    Actor, FairId, FeeRules, PaymentAccount, PaymentDue, PaymentKind, PaymentMethod, SubsidyCondition, SubsidyRule,
};

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::domain::payments::{NewPayment, PaymentsCommand};
use crate::service::{self, CommandContext};

fn rule(name: &str, min_stars: Option<u8>, rate: u8) -> SubsidyRule {
    SubsidyRule {
        name: name.into(),
        when: SubsidyCondition {
            min_stars,
            ..SubsidyCondition::default()
        },
        rate_percent: Some(rate),
        fixed_vnd: None,
        max_booths: Some(2),
        max_vnd: None,
    }
}

pub fn rules(due: PaymentDue) -> FeeRules {
    FeeRules {
        subsidies: vec![
            rule("Hỗ trợ 100% cho chủ thể có sản phẩm OCOP 4 sao trở lên", Some(4), 100),
            rule("Hỗ trợ 50% cho chủ thể có sản phẩm OCOP 3 sao", Some(3), 50),
            rule("Hỗ trợ 30% cho các chủ thể khác", None, 30),
        ],
        due,
    }
}

/// A made-up account at Agribank, in the demo only.
pub fn account() -> PaymentAccount {
    PaymentAccount {
        bin: "970405".into(),
        account_number: "3700205000001".into(),
        account_name: "BAN TO CHUC HOI CHO OCOP HA TINH".into(),
    }
}

/// Sets the fair's rules and account.
pub async fn set(state: &AppState, fair: &FairId, ctx: &CommandContext, due: PaymentDue) -> anyhow::Result<()> {
    service::fairs::run(state, ctx, fair, None, &FairCommand::SetFees { rules: rules(due) }).await?;
    let account = FairCommand::SetPaymentAccount {
        account: Some(account()),
    };
    service::fairs::run(state, ctx, fair, None, &account).await?;
    Ok(())
}

/// Records payments for the fair's statements that owe something: of every `of` of them, the
/// `paid` first pay in full; then one part pays, one overpays and is refunded, one pays and
/// has it voided; the rest owe. Dated from `first_day` on.
pub async fn pay(state: &AppState, fair: &FairId, first_day: NaiveDate, paid_share: usize) -> anyhow::Result<()> {
    let ctx = CommandContext::new(
        Actor::System {
            component: "demo".into(),
        },
        Utc::now(),
    );
    let owing: Vec<(hoicho_events::RegistrationId, i64, String)> = {
        let p = state.read();
        let Some(fees) = p.fees.of_fair(fair) else {
            return Ok(());
        };
        fees.statements
            .values()
            .filter(|s| s.outstanding_vnd() > 0)
            .map(|s| {
                let name = p
                    .registrations
                    .get(&s.registration_id)
                    .map(|r| r.application.representative.clone())
                    .unwrap_or_default();
                (s.registration_id, s.outstanding_vnd(), name)
            })
            .collect()
    };
    let paid = owing.len() * paid_share / 100;
    for (i, (id, due, payer)) in owing.iter().enumerate() {
        let day = first_day + Duration::days((i % 5) as i64);
        let payment = |kind, method, amount_vnd, reference: Option<String>| {
            PaymentsCommand::Record(NewPayment {
                payment_id: uuid::Uuid::now_v7(),
                kind,
                method,
                amount_vnd,
                paid_on: day,
                bank_reference: reference,
                payer: payer.clone(),
                note: None,
                confirmed: true,
            })
        };
        let reference = Some(format!("FT{}{:05}", day.format("%y%j"), i + 1));
        let mut commands = Vec::new();
        match i {
            i if i < paid => {
                let method = if i % 3 == 2 {
                    PaymentMethod::Cash
                } else {
                    PaymentMethod::Transfer
                };
                let reference = (method == PaymentMethod::Transfer).then_some(reference).flatten();
                commands.push(payment(PaymentKind::Payment, method, *due, reference));
            }
            i if i == paid => commands.push(payment(PaymentKind::Payment, PaymentMethod::Cash, due / 2, None)),
            i if i == paid + 1 => {
                commands.push(payment(
                    PaymentKind::Payment,
                    PaymentMethod::Transfer,
                    due + 500_000,
                    reference,
                ));
                commands.push(payment(PaymentKind::Refund, PaymentMethod::Cash, 500_000, None));
            }
            i if i == paid + 2 => commands.push(payment(PaymentKind::Payment, PaymentMethod::Cash, due * 2, None)),
            _ => {}
        }
        for command in commands {
            let situation = service::payments::situation(&state.read(), fair, id, Utc::now())?;
            let written = service::payments::run(state, &ctx, fair, &situation, &command).await?;
            // The doubled cash payment was a slip: voided, to be entered again.
            if i == paid + 2 {
                if let Some(hoicho_events::Event::PaymentRecorded(e)) = written.events.first() {
                    let void = PaymentsCommand::Void {
                        payment_id: e.payment_id,
                        reason: "Ghi nhầm số tiền".into(),
                    };
                    service::payments::run(state, &ctx, fair, &situation, &void).await?;
                }
            }
        }
    }
    Ok(())
}
