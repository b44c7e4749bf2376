//! What the emails say about booth fees still to pay: the facts a transfer needs and the
//! VietQR code, for the booth email and the fee reminder.

use crate::i18n::date_vn;

/// What a booth email says about the fees: the amount left, the due date, the account and the
/// transfer description, and the VietQR payload when the fair has an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFacts {
    pub outstanding_vnd: i64,
    pub due_on: chrono::NaiveDate,
    pub payment_code: String,
    pub bank: String,
    pub account_number: String,
    pub account_name: String,
    pub payload: Option<String>,
}

/// The content id of the VietQR image in a booth email.
pub const QR_CID: &str = "vietqr@hoicho";

/// A content id and what it tags: a VietQR payload, or an image's alternative text.
type Tagged = (String, String);

/// What a booth email or a fee reminder says about the fees still to pay: a paragraph, the
/// facts a transfer needs and the VietQR code as (content id, payload) with its
/// alternative text.
pub(super) fn payment_block(
    pay: &PaymentFacts,
    vi: bool,
    paragraphs: &mut Vec<String>,
    facts: &mut Vec<(String, String)>,
) -> (Option<Tagged>, Option<Tagged>) {
    if pay.outstanding_vnd <= 0 {
        return (None, None);
    }
    let amount = crate::i18n::money_vnd(pay.outstanding_vnd);
    let due = date_vn(pay.due_on);
    paragraphs.push(if vi {
        format!(
            "Phí gian hàng còn phải nộp: {amount}, hạn nộp {due}. Quét mã VietQR bằng ứng dụng ngân hàng, hoặc chuyển khoản với nội dung {}.",
            pay.payment_code
        )
    } else {
        format!(
            "Booth fee still to pay: {amount}, due by {due}. Scan the VietQR code with your banking app, or transfer with the description {}.",
            pay.payment_code
        )
    });
    facts.push((
        if vi { "Phí còn phải nộp" } else { "Fee to pay" }.into(),
        amount.clone(),
    ));
    facts.push((if vi { "Hạn nộp" } else { "Due by" }.into(), due));
    if !pay.account_number.is_empty() {
        facts.push((if vi { "Ngân hàng" } else { "Bank" }.into(), pay.bank.clone()));
        facts.push((
            if vi { "Số tài khoản" } else { "Account number" }.into(),
            pay.account_number.clone(),
        ));
        facts.push((
            if vi { "Tên tài khoản" } else { "Account name" }.into(),
            pay.account_name.clone(),
        ));
    }
    facts.push((
        if vi {
            "Nội dung chuyển khoản"
        } else {
            "Transfer description"
        }
        .into(),
        pay.payment_code.clone(),
    ));
    let Some(payload) = &pay.payload else {
        return (None, None);
    };
    let alt = if vi {
        format!("Mã VietQR chuyển {amount}, nội dung {}", pay.payment_code)
    } else {
        format!("VietQR code for {amount}, description {}", pay.payment_code)
    };
    (
        Some((QR_CID.to_owned(), payload.clone())),
        Some((QR_CID.to_owned(), alt)),
    )
}
