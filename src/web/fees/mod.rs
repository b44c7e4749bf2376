//! Booth fees, subsidies and payments: the fair's fee rules and receiving account, each
//! registration's statement with its VietQR code, payments and refunds with their numbered
//! receipts; the API and the organizers' pages side by side, and the statement card the
//! exhibitor's private page shows.

pub mod api;
pub mod bank;
pub mod bank_file;
pub mod input;
pub mod overdue;
pub mod payments;
pub mod printable;
pub mod receipt;
pub mod settings;
pub mod settlement;

use actix_web::web::{self, ServiceConfig};
use base64::Engine;
use chrono::{DateTime, Utc};
use hoicho_events::{FairId, PaymentKind, PaymentMethod, RegistrationId};
use hoicho_projections::{FairFees, Projections, Statement};

use crate::i18n::{date_vn, money_vnd, Lang};

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut ServiceConfig) {
    cfg.route("/fairs/{fair}/fees", web::get().to(api::get_fees))
        .route("/fairs/{fair}/fees", web::put().to(api::put_fees))
        .route("/fairs/{fair}/payment-account", web::put().to(api::put_account))
        .route("/fairs/{fair}/fees/recalculate", web::post().to(api::recalculate))
        .route("/fairs/{fair}/statements", web::get().to(api::statements))
        .route("/fairs/{fair}/payments", web::post().to(api::record_payment))
        .route(
            "/fairs/{fair}/payments/{payment}/void",
            web::post().to(api::void_payment),
        )
        .route("/registrations/{id}/statement", web::get().to(api::statement));
}

pub fn page_routes(cfg: &mut ServiceConfig) {
    settings::routes(cfg);
    bank::routes(cfg);
    overdue::routes(cfg);
    printable::routes(cfg);
    payments::routes(cfg);
    receipt::routes(cfg);
    cfg.route(
        "/organizer/fairs/{fair}/payments.xlsx",
        web::get().to(settlement::export),
    );
}

/// Where a statement stands, in words (never by colour alone).
pub fn standing(s: &Statement, today: chrono::NaiveDate) -> &'static str {
    let outstanding = s.outstanding_vnd();
    if s.lines.is_empty() && s.paid_vnd == s.refunded_vnd {
        "none"
    } else if outstanding < 0 {
        "overpaid"
    } else if outstanding == 0 && s.due_vnd == 0 && s.paid_vnd == 0 {
        "covered"
    } else if outstanding == 0 {
        "paid"
    } else if today > s.due_on {
        "overdue"
    } else if s.paid_vnd > s.refunded_vnd {
        "part_paid"
    } else {
        "unpaid"
    }
}

/// One booth of a statement, written out.
pub struct LineRow {
    pub booth: String,
    pub price: String,
    pub subsidy: String,
    pub due: String,
}

/// One payment or refund of a statement, written out.
pub struct ReceiptRow {
    pub receipt_no: u32,
    pub payment_id: String,
    pub refund: bool,
    pub amount: String,
    pub paid_on: String,
    pub method: String,
    pub reference: String,
    pub voided: Option<String>,
}

/// A statement as a page shows it: figures written the Vietnamese way, the QR code when the
/// fair has an account and something is left to pay.
pub struct StatementCard {
    pub standing: &'static str,
    pub standing_text: String,
    pub lines: Vec<LineRow>,
    pub rule: Option<String>,
    pub price: String,
    pub subsidy: String,
    pub due: String,
    pub due_vnd: i64,
    pub paid: String,
    pub refunded: Option<String>,
    pub outstanding: String,
    pub outstanding_vnd: i64,
    pub outstanding_words: String,
    pub due_on: String,
    pub payment_code: String,
    pub bank: Option<String>,
    pub account_number: String,
    pub account_name: String,
    /// `data:image/png;base64,…` of the VietQR code for what is left to pay, once
    /// [`StatementCard::drawn`].
    pub qr: Option<String>,
    pub qr_payload: String,
    pub receipts: Vec<ReceiptRow>,
}

/// The VietQR payload for what `statement` still asks, if the fair has an account.
pub fn qr_payload(fees: &FairFees, statement: &Statement) -> Option<String> {
    let account = fees.account.as_ref()?;
    let outstanding = statement.outstanding_vnd();
    (outstanding > 0).then(|| {
        crate::vietqr::payload(&crate::vietqr::Transfer {
            bin: &account.bin,
            account_number: &account.account_number,
            amount_vnd: Some(outstanding),
            description: &statement.transfer_description(),
        })
    })
}

impl StatementCard {
    /// The card with its VietQR code drawn: called once the projections' lock is let go, as
    /// drawing the image is the slowest part of the page.
    pub fn drawn(mut self) -> Self {
        self.qr = (!self.qr_payload.is_empty())
            .then(|| crate::vietqr::png(&self.qr_payload, 6))
            .flatten()
            .map(|png| {
                format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(png)
                )
            });
        self
    }
}

pub fn method_text(method: PaymentMethod, lang: Lang) -> &'static str {
    match method {
        PaymentMethod::Transfer => lang.t("fees.method.transfer"),
        PaymentMethod::Cash => lang.t("fees.method.cash"),
    }
}

pub fn card(
    p: &Projections,
    fair: &FairId,
    registration: &RegistrationId,
    now: DateTime<Utc>,
    lang: Lang,
) -> Option<StatementCard> {
    let fees = p.fees.of_fair(fair)?;
    let s = fees.statements.get(registration)?;
    let today = p.fairs.by_id.get(fair).map_or(now.date_naive(), |f| f.today(now));
    let standing = standing(s, today);
    let payload = qr_payload(fees, s);
    let account = fees.account.as_ref();
    Some(StatementCard {
        standing,
        standing_text: lang.t(&format!("fees.standing.{standing}")).to_owned(),
        lines: s
            .lines
            .iter()
            .map(|l| LineRow {
                booth: l.booth.to_string(),
                price: money_vnd(l.price_vnd),
                subsidy: money_vnd(l.subsidy_vnd),
                due: money_vnd(l.price_vnd - l.subsidy_vnd),
            })
            .collect(),
        rule: s.rule.as_ref().map(|(_, name)| name.clone()),
        price: money_vnd(s.price_vnd),
        subsidy: money_vnd(s.subsidy_vnd),
        due: money_vnd(s.due_vnd),
        due_vnd: s.due_vnd,
        paid: money_vnd(s.paid_vnd),
        refunded: (s.refunded_vnd > 0).then(|| money_vnd(s.refunded_vnd)),
        outstanding: money_vnd(s.outstanding_vnd().abs()),
        outstanding_vnd: s.outstanding_vnd(),
        outstanding_words: crate::i18n::amount_vnd_vi(s.outstanding_vnd().max(0)),
        due_on: date_vn(s.due_on),
        payment_code: s.payment_code.clone(),
        bank: account
            .and_then(|a| crate::domain::banks::name(&a.bin))
            .map(str::to_owned),
        account_number: account.map(|a| a.account_number.clone()).unwrap_or_default(),
        account_name: account.map(|a| a.account_name.clone()).unwrap_or_default(),
        qr: None,
        qr_payload: payload.unwrap_or_default(),
        receipts: s
            .receipts
            .iter()
            .filter_map(|no| fees.receipts.get(no))
            .map(|r| ReceiptRow {
                receipt_no: r.receipt_no,
                payment_id: r.payment_id.to_string(),
                refund: r.kind == PaymentKind::Refund,
                amount: money_vnd(r.amount_vnd),
                paid_on: date_vn(r.paid_on),
                method: method_text(r.method, lang).to_owned(),
                reference: r.bank_reference.clone().unwrap_or_default(),
                voided: r.voided.clone(),
            })
            .collect(),
    })
}
