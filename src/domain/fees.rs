//! What a fair's fee rules and receiving account must be. The statements they make are a
//! projection (`hoicho_projections::Fees`): a pure fold, so a replay prices every booth as it
//! was priced.

use hoicho_events::{
    BoothReleased, Event, FairId, FeeRules, FeeRulesSet, FeesRecalculated, PaymentAccount, PaymentAccountSet,
    PaymentDue, ReleaseCause,
};

use super::fair::{FairCommand, FairState};

use super::{Aggregate, DomainError};

/// The most subsidy rules a fair may have.
pub const MAX_RULES: usize = 20;
/// The longest rule name, in characters.
pub const RULE_NAME_MAX_CHARS: usize = 120;
/// The most booths a rule can cap at, and the most days a statement can run.
pub const MAX_CAP_BOOTHS: u32 = 100;
pub const MAX_DUE_DAYS: u32 = 365;
/// The largest fixed subsidy or cap, in đồng.
pub const MAX_SUBSIDY_VND: i64 = 1_000_000_000;
/// Account numbers are digits, as NAPAS carries them.
pub const ACCOUNT_NUMBER_CHARS: std::ops::RangeInclusive<usize> = 6..=19;
pub const ACCOUNT_NAME_MAX_CHARS: usize = 50;

/// Refuses rules that could not price a booth: each field named.
pub fn check_rules(rules: &FeeRules) -> Result<(), DomainError> {
    if rules.subsidies.len() > MAX_RULES {
        return Err(DomainError::invalid("subsidies", format!("at most {MAX_RULES} rules")));
    }
    let mut problems = std::collections::BTreeMap::new();
    for (i, rule) in rules.subsidies.iter().enumerate() {
        let field = |f: &str| format!("subsidies[{i}].{f}");
        if rule.name.trim().is_empty() || rule.name.chars().count() > RULE_NAME_MAX_CHARS {
            problems.insert(field("name"), format!("1 to {RULE_NAME_MAX_CHARS} characters"));
        }
        match (rule.rate_percent, rule.fixed_vnd) {
            (Some(rate), None) if rate <= 100 => {}
            (None, Some(fixed)) if (0..=MAX_SUBSIDY_VND).contains(&fixed) => {}
            (Some(_), Some(_)) | (None, None) => {
                problems.insert(field("rate_percent"), "give a rate or a fixed amount, not both".into());
            }
            (Some(_), None) => {
                problems.insert(field("rate_percent"), "must be from 0 to 100".into());
            }
            (None, Some(_)) => {
                problems.insert(field("fixed_vnd"), format!("must be from 0 to {MAX_SUBSIDY_VND}"));
            }
        }
        if rule.max_booths.is_some_and(|m| !(1..=MAX_CAP_BOOTHS).contains(&m)) {
            problems.insert(field("max_booths"), format!("must be from 1 to {MAX_CAP_BOOTHS}"));
        }
        if rule.max_vnd.is_some_and(|m| !(0..=MAX_SUBSIDY_VND).contains(&m)) {
            problems.insert(field("max_vnd"), format!("must be from 0 to {MAX_SUBSIDY_VND}"));
        }
        if rule.when.min_stars.is_some_and(|s| !(3..=5).contains(&s)) {
            problems.insert(field("when.min_stars"), "must be 3, 4 or 5".into());
        }
    }
    if let PaymentDue::DaysAfterAllocation { days } = rules.due {
        if days > MAX_DUE_DAYS {
            problems.insert("due.days".into(), format!("at most {MAX_DUE_DAYS}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(problems))
    }
}

/// Refuses an account a VietQR code could not carry.
pub fn check_account(account: &PaymentAccount) -> Result<(), DomainError> {
    let mut problems = std::collections::BTreeMap::new();
    if super::banks::name(&account.bin).is_none() {
        problems.insert(
            "bin".into(),
            format!("{} is not the BIN of a NAPAS 247 bank", account.bin),
        );
    }
    let n = &account.account_number;
    if !ACCOUNT_NUMBER_CHARS.contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
        problems.insert("account_number".into(), "6 to 19 digits".into());
    }
    let name = &account.account_name;
    if name.is_empty()
        || name.len() > ACCOUNT_NAME_MAX_CHARS
        || !name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
    {
        problems.insert(
            "account_name".into(),
            format!("capital letters without diacritics, digits and spaces, at most {ACCOUNT_NAME_MAX_CHARS}"),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(problems))
    }
}

/// The fair's fee commands, decided on the fair's stream beside its booths.
pub fn decide(state: &FairState, fair_id: FairId, command: &FairCommand) -> Result<Vec<Event>, DomainError> {
    Ok(match command {
        FairCommand::SetFees { rules } => {
            check_rules(rules)?;
            if &state.fees == rules {
                vec![]
            } else {
                vec![Event::FeeRulesSet(FeeRulesSet {
                    fair_id,
                    rules: rules.clone(),
                })]
            }
        }
        FairCommand::SetPaymentAccount { account } => {
            if let Some(account) = account {
                check_account(account)?;
            }
            if &state.account == account {
                vec![]
            } else {
                vec![Event::PaymentAccountSet(PaymentAccountSet {
                    fair_id,
                    account: account.clone(),
                })]
            }
        }
        FairCommand::ReleaseUnpaid { booths } => booths
            .iter()
            .filter_map(|booth| {
                state.holders.get(booth).map(|holder| {
                    Event::BoothReleased(BoothReleased {
                        fair_id: fair_id.clone(),
                        booth: booth.clone(),
                        registration_id: *holder,
                        cause: ReleaseCause::Unpaid,
                    })
                })
            })
            .collect(),
        FairCommand::RecalculateFees { registrations } => {
            if registrations.is_empty() {
                vec![]
            } else {
                vec![Event::FeesRecalculated(FeesRecalculated {
                    fair_id,
                    registrations: registrations.clone(),
                })]
            }
        }
        _ => vec![],
    })
}

/// The statement layouts' stream: nothing to decide against, each choice stands alone.
#[derive(Debug, Default)]
pub struct BankLayouts;

impl Aggregate for BankLayouts {
    fn apply(&mut self, _: &hoicho_events::Event) {}
}
