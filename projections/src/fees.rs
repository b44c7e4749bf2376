//! Booth fees: each registration's statement (its booths' prices, the subsidy and the rule
//! that gave it, what is due and by when, what it has paid) and each fair's payments.
//!
//! A statement is made under the fee rules in force when its registration first got a booth
//! and keeps them (and its booths' prices) until an organizer confirms a recalculation
//! ([`hoicho_events::FeesRecalculated`]): a change of rules is never applied silently. Booths
//! allocated, moved or released change its lines at once, priced as the booth is then.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use hoicho_events::{
    BoothCode, Envelope, Event, FairId, FeeRules, PaymentAccount, PaymentDue, PaymentKind, PaymentMethod,
    RegistrationId, SubsidyRule,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{fold, FairView, Fairs, RegistrationView, Registrations};

/// One booth on a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub booth: BoothCode,
    pub price_vnd: i64,
    pub subsidy_vnd: i64,
}

/// A payment or refund as the statement and the receipts show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    pub payment_id: Uuid,
    pub registration_id: RegistrationId,
    pub receipt_no: u32,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    pub amount_vnd: i64,
    pub paid_on: NaiveDate,
    pub bank_reference: Option<String>,
    pub payer: String,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// The reason, once voided.
    pub voided: Option<String>,
}

/// What one registration owes for its booths and what it has paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub registration_id: RegistrationId,
    /// For the transfer description: `HC` and six letters or digits, unique in the fair.
    pub payment_code: String,
    pub lines: Vec<StatementLine>,
    /// Which of the fair's fee rules (0: none set yet, 1: the first set, …) it is made under.
    pub rules_version: usize,
    /// The subsidy rule that applies (its index in those rules) and its name.
    pub rule: Option<(usize, String)>,
    /// The day (fair's time zone) it first got a booth.
    pub first_allocated: NaiveDate,
    pub due_on: NaiveDate,
    pub price_vnd: i64,
    pub subsidy_vnd: i64,
    /// Price less subsidy: what the exhibitor pays.
    pub due_vnd: i64,
    /// Live payments, summed.
    pub paid_vnd: i64,
    /// Live refunds, summed.
    pub refunded_vnd: i64,
    /// Receipt numbers of its payments and refunds, in order.
    pub receipts: Vec<u32>,
    /// Its booths were released because the fee was not paid in time: a proposal gives it
    /// none until an organizer allocates one by hand.
    pub released_unpaid: bool,
}

impl Statement {
    /// It holds booths, owes for them, and `today` is past its due date.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.lines.is_empty() && self.outstanding_vnd() > 0 && today > self.due_on
    }

    /// What is still to pay (negative: paid too much, a refund is owed).
    pub fn outstanding_vnd(&self) -> i64 {
        self.due_vnd - self.paid_vnd + self.refunded_vnd
    }

    /// The transfer description the QR code carries.
    pub fn transfer_description(&self) -> String {
        self.payment_code.clone()
    }
}

/// A fair's fees: its rules as they changed, its account, its statements and payments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FairFees {
    /// Every version of the rules, oldest first; `[0]` is the default (no subsidy).
    pub versions: Vec<FeeRules>,
    pub account: Option<PaymentAccount>,
    pub statements: BTreeMap<RegistrationId, Statement>,
    /// Every payment and refund by receipt number.
    pub receipts: BTreeMap<u32, PaymentView>,
    /// Live payments' bank references: the same one never counts twice.
    pub bank_references: BTreeSet<String>,
    codes: HashMap<String, RegistrationId>,
}

impl FairFees {
    /// The rules in force now.
    pub fn current(&self) -> &FeeRules {
        self.versions.last().expect("versions start with the default")
    }

    pub fn current_version(&self) -> usize {
        self.versions.len() - 1
    }

    /// The registration a payment code names.
    pub fn by_code(&self, code: &str) -> Option<&Statement> {
        self.statements.get(self.codes.get(code)?)
    }

    /// Statements made under older rules than the current ones, or with a booth's price
    /// changed since: what a recalculation would change.
    pub fn stale(&self, fair: &FairView, registrations: &Registrations) -> Vec<(&Statement, Statement)> {
        self.statements
            .values()
            .filter_map(|s| {
                let fresh = self.recalculated(s, fair, registrations.get(&s.registration_id))?;
                (fresh.lines != s.lines || fresh.rule != s.rule || fresh.due_on != s.due_on).then_some((s, fresh))
            })
            .collect()
    }

    /// `statement` made again under the current rules and prices.
    pub fn recalculated(
        &self,
        statement: &Statement,
        fair: &FairView,
        registration: Option<&RegistrationView>,
    ) -> Option<Statement> {
        let mut fresh = statement.clone();
        fresh.rules_version = self.current_version();
        fresh.rule = registration.and_then(|r| matching_rule(self.current(), r, fair));
        for line in &mut fresh.lines {
            line.price_vnd = fair.booths.get(&line.booth)?.booth.price_vnd;
        }
        price(&mut fresh, self.current());
        Some(fresh)
    }

    /// Totals for the accounts: due, collected, refunded, outstanding, subsidies.
    pub fn totals(&self) -> FeeTotals {
        let mut t = FeeTotals::default();
        for s in self.statements.values() {
            t.price_vnd += s.price_vnd;
            t.subsidy_vnd += s.subsidy_vnd;
            t.due_vnd += s.due_vnd;
            t.paid_vnd += s.paid_vnd;
            t.refunded_vnd += s.refunded_vnd;
            t.outstanding_vnd += s.outstanding_vnd().max(0);
            t.overpaid_vnd += (-s.outstanding_vnd()).max(0);
            if let Some((_, name)) = &s.rule {
                if s.subsidy_vnd > 0 {
                    *t.subsidy_by_rule.entry(name.clone()).or_default() += s.subsidy_vnd;
                }
            }
        }
        t
    }

    fn code_for(&mut self, registration: &RegistrationId) -> String {
        const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let bytes = registration.0.as_bytes();
        // The last 8 bytes are random in every UUID hoicho makes (v4, v7, v8).
        let mut bits = u64::from_be_bytes(bytes[8..16].try_into().unwrap_or([0; 8]));
        for _ in 0..8 {
            let code: String = (0..6)
                .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
                .collect();
            let code = format!("HC{code}");
            if !self.codes.contains_key(&code) {
                self.codes.insert(code.clone(), *registration);
                return code;
            }
            bits = bits.rotate_right(7) ^ 0x9E37_79B9_7F4A_7C15;
        }
        let code = format!("HC{:06}", self.codes.len());
        self.codes.insert(code.clone(), *registration);
        code
    }
}

/// A fair's money in one view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeeTotals {
    pub price_vnd: i64,
    pub subsidy_vnd: i64,
    pub due_vnd: i64,
    pub paid_vnd: i64,
    pub refunded_vnd: i64,
    pub outstanding_vnd: i64,
    pub overpaid_vnd: i64,
    pub subsidy_by_rule: BTreeMap<String, i64>,
}

/// The first subsidy rule of `rules` that fits `registration` at `fair`.
pub fn matching_rule(rules: &FeeRules, registration: &RegistrationView, fair: &FairView) -> Option<(usize, String)> {
    let stars = registration.valid_stars_on(fair.details.start_date);
    let address = &registration.application.address;
    let province = fold(&address.province);
    let places: Vec<String> = std::iter::once(&address.commune)
        .chain(address.legacy_district.as_ref())
        .map(|p| fold(p))
        .collect();
    rules
        .subsidies
        .iter()
        .position(|rule| {
            let w = &rule.when;
            (w.producer_types.is_empty() || w.producer_types.contains(&registration.application.producer_type))
                && w.min_stars.is_none_or(|min| stars.is_some_and(|s| s >= min))
                && (w.provinces.is_empty() || w.provinces.iter().any(|p| fold(p) == province))
                && (w.localities.is_empty() || w.localities.iter().any(|l| places.contains(&fold(l))))
        })
        .map(|i| (i, rules.subsidies[i].name.clone()))
}

/// The subsidy of one booth under `rule`, before the per-producer caps.
fn booth_subsidy(rule: &SubsidyRule, price: i64) -> i64 {
    let price = price.max(0);
    match (rule.rate_percent, rule.fixed_vnd) {
        (Some(rate), _) => price * i64::from(rate.min(100)) / 100,
        (None, Some(fixed)) => fixed.clamp(0, price),
        (None, None) => 0,
    }
}

/// Fills in a statement's subsidies, totals and due date from its lines and rule.
fn price(s: &mut Statement, rules: &FeeRules) {
    let rule = s.rule.as_ref().and_then(|(i, _)| rules.subsidies.get(*i));
    let mut left = rule.and_then(|r| r.max_vnd).unwrap_or(i64::MAX);
    for (i, line) in s.lines.iter_mut().enumerate() {
        line.subsidy_vnd = match rule {
            Some(rule) if rule.max_booths.is_none_or(|max| (i as u64) < u64::from(max)) => {
                let subsidy = booth_subsidy(rule, line.price_vnd).min(left.max(0));
                left -= subsidy;
                subsidy
            }
            _ => 0,
        };
    }
    s.price_vnd = s.lines.iter().map(|l| l.price_vnd).sum();
    s.subsidy_vnd = s.lines.iter().map(|l| l.subsidy_vnd).sum();
    s.due_vnd = s.price_vnd - s.subsidy_vnd;
    s.due_on = match rules.due {
        PaymentDue::On { date } => date,
        PaymentDue::DaysAfterAllocation { days } => s
            .first_allocated
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(s.first_allocated),
    };
}

/// Every fair's fees.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fees {
    pub by_fair: BTreeMap<FairId, FairFees>,
    /// The statement layouts organizers chose, by bank BIN.
    pub layouts: BTreeMap<String, hoicho_events::BankLayout>,
}

impl Fees {
    pub fn of_fair(&self, fair: &FairId) -> Option<&FairFees> {
        self.by_fair.get(fair)
    }

    pub fn statement(&self, fair: &FairId, registration: &RegistrationId) -> Option<&Statement> {
        self.by_fair.get(fair)?.statements.get(registration)
    }

    fn fair_mut(&mut self, fair: &FairId) -> &mut FairFees {
        self.by_fair.entry(fair.clone()).or_insert_with(|| FairFees {
            versions: vec![FeeRules::default()],
            ..FairFees::default()
        })
    }

    /// Applies one event; `fairs` and `registrations` have applied it already.
    pub fn apply(&mut self, env: &Envelope, fairs: &Fairs, registrations: &Registrations) {
        match &env.event {
            Event::FeeRulesSet(e) => self.fair_mut(&e.fair_id).versions.push(e.rules.clone()),
            Event::BankLayoutSaved(e) => {
                self.layouts.insert(e.bin.clone(), e.layout.clone());
            }
            Event::PaymentAccountSet(e) => self.fair_mut(&e.fair_id).account = e.account.clone(),
            Event::FairCreated(e) => {
                self.fair_mut(&e.fair_id);
            }
            Event::BoothAllocated(e) => {
                self.follow_booths(&e.fair_id, &e.registration_id, env, fairs, registrations);
                if let Some(s) = self.fair_mut(&e.fair_id).statements.get_mut(&e.registration_id) {
                    s.released_unpaid = false;
                }
            }
            Event::BoothReleased(e) => {
                self.follow_booths(&e.fair_id, &e.registration_id, env, fairs, registrations);
                if e.cause == hoicho_events::ReleaseCause::Unpaid {
                    if let Some(s) = self.fair_mut(&e.fair_id).statements.get_mut(&e.registration_id) {
                        s.released_unpaid = true;
                    }
                }
            }
            Event::BoothMoved(e) => {
                let Some(fair) = fairs.by_id.get(&e.fair_id) else {
                    return;
                };
                let fees = self.fair_mut(&e.fair_id);
                let rules = fees.versions.clone();
                if let Some(s) = fees.statements.get_mut(&e.registration_id) {
                    if let Some(line) = s.lines.iter_mut().find(|l| l.booth == e.from) {
                        line.booth = e.to.clone();
                        line.price_vnd = fair.booths.get(&e.to).map_or(0, |b| b.booth.price_vnd);
                    }
                    price(s, &rules[s.rules_version.min(rules.len() - 1)]);
                }
            }
            Event::FeesRecalculated(e) => {
                let Some(fair) = fairs.by_id.get(&e.fair_id) else {
                    return;
                };
                let fees = self.fair_mut(&e.fair_id);
                for id in &e.registrations {
                    let Some(s) = fees.statements.get(id) else { continue };
                    if let Some(fresh) = fees.recalculated(s, fair, registrations.get(id)) {
                        fees.statements.insert(*id, fresh);
                    }
                }
            }
            Event::PaymentRecorded(e) => {
                let day = fairs
                    .by_id
                    .get(&e.fair_id)
                    .map_or(env.recorded_at.date_naive(), |f| f.today(env.recorded_at));
                let fees = self.fair_mut(&e.fair_id);
                let statement = fees.ensure(&e.registration_id, day);
                match e.kind {
                    PaymentKind::Payment => statement.paid_vnd += e.amount_vnd,
                    PaymentKind::Refund => statement.refunded_vnd += e.amount_vnd,
                }
                statement.receipts.push(e.receipt_no);
                if let Some(reference) = &e.bank_reference {
                    fees.bank_references.insert(reference.clone());
                }
                fees.receipts.insert(
                    e.receipt_no,
                    PaymentView {
                        payment_id: e.payment_id,
                        registration_id: e.registration_id,
                        receipt_no: e.receipt_no,
                        kind: e.kind,
                        method: e.method,
                        amount_vnd: e.amount_vnd,
                        paid_on: e.paid_on,
                        bank_reference: e.bank_reference.clone(),
                        payer: e.payer.clone(),
                        note: e.note.clone(),
                        recorded_at: env.recorded_at,
                        voided: None,
                    },
                );
            }
            Event::PaymentVoided(e) => {
                let fees = self.fair_mut(&e.fair_id);
                let Some(payment) = fees
                    .receipts
                    .values_mut()
                    .find(|p| p.payment_id == e.payment_id && p.voided.is_none())
                else {
                    return;
                };
                payment.voided = Some(e.reason.clone());
                let payment = payment.clone();
                if let Some(reference) = &payment.bank_reference {
                    fees.bank_references.remove(reference);
                }
                if let Some(s) = fees.statements.get_mut(&payment.registration_id) {
                    match payment.kind {
                        PaymentKind::Payment => s.paid_vnd -= payment.amount_vnd,
                        PaymentKind::Refund => s.refunded_vnd -= payment.amount_vnd,
                    }
                }
            }
            _ => {}
        }
    }

    /// The registration's lines follow the booths it holds now.
    fn follow_booths(
        &mut self,
        fair_id: &FairId,
        registration: &RegistrationId,
        env: &Envelope,
        fairs: &Fairs,
        registrations: &Registrations,
    ) {
        let Some(fair) = fairs.by_id.get(fair_id) else { return };
        let held: BTreeSet<&BoothCode> = fair
            .holdings
            .get(registration)
            .map(|h| h.iter().collect())
            .unwrap_or_default();
        let fees = self.fair_mut(fair_id);
        if !fees.statements.contains_key(registration) && held.is_empty() {
            return;
        }
        let version = fees.current_version();
        let rule = registrations
            .get(registration)
            .and_then(|r| matching_rule(fees.current(), r, fair));
        let today = fair.today(env.recorded_at);
        let statement = fees.ensure(registration, today);
        // A first booth (or the first after losing them all) is priced under today's rules.
        if statement.lines.is_empty() {
            statement.rules_version = version;
            statement.rule = rule;
            statement.first_allocated = today;
        }
        statement.lines.retain(|l| held.contains(&l.booth));
        for booth in held {
            if !statement.lines.iter().any(|l| &l.booth == booth) {
                statement.lines.push(StatementLine {
                    booth: booth.clone(),
                    price_vnd: fair.booths.get(booth).map_or(0, |b| b.booth.price_vnd),
                    subsidy_vnd: 0,
                });
            }
        }
        let pinned = statement.rules_version.min(fees.versions.len() - 1);
        let rules = fees.versions[pinned].clone();
        let statement = fees.statements.get_mut(registration).expect("ensured above");
        price(statement, &rules);
    }
}

impl FairFees {
    /// The registration's statement, begun (empty, under the current rules) if it had none.
    fn ensure(&mut self, registration: &RegistrationId, today: NaiveDate) -> &mut Statement {
        if !self.statements.contains_key(registration) {
            let payment_code = self.code_for(registration);
            let version = self.current_version();
            let mut statement = Statement {
                registration_id: *registration,
                payment_code,
                lines: Vec::new(),
                rules_version: version,
                rule: None,
                first_allocated: today,
                due_on: today,
                price_vnd: 0,
                subsidy_vnd: 0,
                due_vnd: 0,
                paid_vnd: 0,
                refunded_vnd: 0,
                receipts: Vec::new(),
                released_unpaid: false,
            };
            price(&mut statement, &self.versions[version]);
            self.statements.insert(*registration, statement);
        }
        self.statements.get_mut(registration).expect("inserted above")
    }
}
