//! A bank's statement export read: its header found by the words banks use (or by the
//! columns an organizer chose for that bank), its credit lines with their amounts, dates and
//! references, each matched to a statement by payment code or by amount; and the payments
//! that confirming them records.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use hoicho_events::{BankLayout, FairId, PaymentKind, PaymentMethod, RegistrationId};
use hoicho_projections::{fold, FairFees, Projections};
use sha2::{Digest, Sha256};

use crate::domain::payments::NewPayment;
use crate::i18n::{date_vn, Lang};
use crate::service;

/// The columns a statement has, by the words banks head them with (compared without case or
/// diacritics; the most specific name wins).
const COLUMNS: &[(Column, &[&str])] = &[
    (
        Column::Date,
        &[
            "ngay giao dich",
            "ngay gd",
            "ngay hieu luc",
            "ngay hach toan",
            "ngay",
            "date",
            "transaction date",
        ],
    ),
    (
        Column::Credit,
        &[
            "so tien ghi co",
            "ghi co",
            "phat sinh co",
            "so tien co",
            "co",
            "credit",
            "so tien",
            "amount",
        ],
    ),
    (
        Column::Debit,
        &["so tien ghi no", "ghi no", "phat sinh no", "no", "debit"],
    ),
    (
        Column::Description,
        &[
            "noi dung",
            "dien giai",
            "mo ta",
            "noi dung giao dich",
            "description",
            "details",
        ],
    ),
    (
        Column::Reference,
        &[
            "so tham chieu",
            "ma giao dich",
            "so giao dich",
            "so but toan",
            "ma gd",
            "so ct",
            "reference",
            "transaction id",
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Date,
    Credit,
    Debit,
    Description,
    Reference,
}

fn column_of(header: &str) -> Option<Column> {
    let header = fold(header).trim().replace(['(', ')', ':'], " ");
    let header = header.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut best: Option<(Column, usize)> = None;
    for (column, names) in COLUMNS {
        for name in *names {
            let hit = header == *name || header.starts_with(&format!("{name} "));
            if hit && best.is_none_or(|(_, len)| name.len() > len) {
                best = Some((*column, name.len()));
            }
        }
    }
    best.map(|(c, _)| c)
}

/// An amount as banks write it: "1.500.000", "1,500,000.00", "1 500 000 VND", "+1500000".
pub fn bank_amount(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .trim_end_matches("VND")
        .trim_end_matches("VNĐ")
        .trim_end_matches('đ')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '+')
        .collect();
    if t.is_empty() {
        return None;
    }
    // Decimals of đồng (",00" or ".00") are dropped; what is left are thousands separators.
    let t = match t.rfind(['.', ',']) {
        Some(i) if t.len() - i <= 3 && t.len() - i >= 2 && t[i + 1..].bytes().all(|b| b == b'0') => &t[..i],
        _ => &t[..],
    };
    let digits: String = t.chars().filter(|c| *c != '.' && *c != ',').collect();
    digits.parse::<i64>().ok()
}

/// A day as banks write it: 21/01/2022, 21/01/2022 10:15:03, 2022-01-21, an Excel day number.
pub fn bank_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let first = t.split_whitespace().next().unwrap_or(t);
    if let Ok(serial) = first.parse::<f64>() {
        if (20_000.0..80_000.0).contains(&serial) {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
            return base.checked_add_signed(chrono::Duration::days(serial as i64));
        }
    }
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(first, f).ok())
}

/// What became of one line.
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    /// Its description names a statement's payment code.
    Code(RegistrationId),
    /// No code, but exactly one statement is waiting for this amount: to confirm by hand.
    Amount(RegistrationId),
    Unmatched,
    /// Its bank reference is recorded already.
    Recorded,
}

/// One credit line of the statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The file's line number (its first line is 1).
    pub line: usize,
    pub date: NaiveDate,
    pub amount_vnd: i64,
    pub description: String,
    pub reference: String,
    pub matched: Match,
}

/// The statement read: its credit lines and the lines it could not read, by number.
#[derive(Debug, Default)]
pub struct Statement {
    pub lines: Vec<Line>,
    pub problems: Vec<(usize, String)>,
}

/// The payment codes named in `description`, however the bank spaced or cut it.
fn codes_in(description: &str, fees: &FairFees) -> Option<RegistrationId> {
    let squeezed: String = fold(description)
        .to_uppercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let bytes = squeezed.as_bytes();
    (0..bytes.len().saturating_sub(7)).find_map(|i| {
        if &bytes[i..i + 2] != b"HC" {
            return None;
        }
        fees.by_code(&squeezed[i..i + 8]).map(|s| s.registration_id)
    })
}

/// Why a statement cannot be read: what to say, and the cells of the line that looks most like
/// its header, for the organizer to say which column is which.
#[derive(Debug)]
pub struct Unreadable {
    pub message: String,
    pub headers: Vec<String>,
}

/// Reads `csv_text` (the export, or a workbook's first sheet as CSV): finds the header line
/// (banks put the account's details above it; a layout the organizer chose for the bank
/// first), then every credit line, each matched against the fair's statements.
pub fn read(
    csv_text: &str,
    fees: &FairFees,
    layout: Option<&BankLayout>,
    today: NaiveDate,
    lang: Lang,
) -> Result<Statement, Unreadable> {
    let text = csv_text.trim_start_matches('\u{feff}');
    // The separator the first lines use most (the account's details above the header may use
    // none).
    let head: Vec<&str> = text.lines().take(30).collect();
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| head.iter().map(|l| l.bytes().filter(|b| b == d).count()).sum::<usize>())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut columns: Option<HashMap<&'static str, usize>> = None;
    let mut out = Statement::default();
    // Amounts waiting: the statements each outstanding amount could be.
    let mut by_amount: HashMap<i64, Vec<RegistrationId>> = HashMap::new();
    for s in fees.statements.values() {
        if s.outstanding_vnd() > 0 {
            by_amount
                .entry(s.outstanding_vnd())
                .or_default()
                .push(s.registration_id);
        }
    }
    let mut seen = BTreeSet::new();
    // The line with the most cells before a header is found: the header, most likely.
    let mut widest: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line() as usize);
                out.problems.push((line, err.to_string()));
                continue;
            }
        };
        // The file's own line number: the reader skips blank lines.
        let line = record.position().map_or(0, |p| p.line() as usize);
        let Some(cols) = &columns else {
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
            if cells.iter().filter(|c| !c.is_empty()).count() > widest.iter().filter(|c| !c.is_empty()).count() {
                widest = cells;
            }
            // The layout the organizer chose for this bank, by its headers, first.
            if let Some(layout) = layout {
                let at = |name: &str| record.iter().position(|c| fold(c.trim()) == fold(name.trim()));
                let mut found = HashMap::new();
                for (key, name) in [
                    ("date", Some(&layout.date)),
                    ("credit", Some(&layout.credit)),
                    ("description", Some(&layout.description)),
                    ("reference", layout.reference.as_ref()),
                ] {
                    if let Some(j) = name.and_then(|n| at(n)) {
                        found.insert(key, j);
                    }
                }
                if ["date", "credit", "description"].iter().all(|k| found.contains_key(k)) {
                    columns = Some(found);
                    continue;
                }
            }
            let mut found = HashMap::new();
            for (j, cell) in record.iter().enumerate() {
                let key = match column_of(cell) {
                    Some(Column::Date) => "date",
                    Some(Column::Credit) => "credit",
                    Some(Column::Debit) => "debit",
                    Some(Column::Description) => "description",
                    Some(Column::Reference) => "reference",
                    None => continue,
                };
                found.entry(key).or_insert(j);
            }
            if ["date", "credit", "description"].iter().all(|k| found.contains_key(k)) {
                columns = Some(found);
            }
            continue;
        };
        let cell = |k: &str| cols.get(k).and_then(|&j| record.get(j)).unwrap_or("").trim();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let credit = cell("credit");
        let Some(amount) = bank_amount(credit) else {
            // A debit line, or a total: only credits are payments.
            if credit.is_empty() || bank_amount(cell("debit")).is_some() {
                continue;
            }
            out.problems
                .push((line, say(lang, "số tiền không đọc được", "the amount cannot be read")));
            continue;
        };
        if amount <= 0 {
            continue;
        }
        let Some(date) = bank_date(cell("date")) else {
            out.problems.push((
                line,
                say(lang, "ngày không đọc được", "the date cannot be read") + &format!(": {:?}", cell("date")),
            ));
            continue;
        };
        if date > today {
            out.problems.push((
                line,
                say(lang, "ngày giao dịch chưa đến", "the date is in the future") + &format!(": {}", date_vn(date)),
            ));
            continue;
        }
        let description = cell("description").to_owned();
        let reference = match cell("reference") {
            "" => {
                // No reference: the line's own content keys it.
                let digest = Sha256::new()
                    .chain_update(date.to_string())
                    .chain_update([0])
                    .chain_update(amount.to_string())
                    .chain_update([0])
                    .chain_update(&description)
                    .finalize();
                format!("L{}", &hex::encode(digest)[..15])
            }
            r => r
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(64)
                .collect(),
        };
        if !seen.insert(reference.clone()) {
            out.problems.push((
                line,
                say(
                    lang,
                    "mã giao dịch lặp lại trong tệp",
                    "the reference appears twice in the file",
                ) + &format!(": {reference}"),
            ));
            continue;
        }
        let matched = if fees.bank_references.contains(&reference) {
            Match::Recorded
        } else if let Some(id) = codes_in(&description, fees) {
            Match::Code(id)
        } else {
            match by_amount.get(&amount).map(Vec::as_slice) {
                Some([only]) => Match::Amount(*only),
                _ => Match::Unmatched,
            }
        };
        out.lines.push(Line {
            line,
            date,
            amount_vnd: amount,
            description,
            reference,
            matched,
        });
    }
    if columns.is_none() {
        return Err(Unreadable {
            message: say(
                lang,
                "Không nhận ra bố cục sao kê: cần các cột ngày giao dịch, số tiền ghi có và nội dung. Hãy chọn cột bên dưới; lựa chọn được ghi nhớ cho ngân hàng này.",
                "The statement's layout is not recognised: it needs columns for the date, the credit and the description. Choose them below; the choice is remembered for this bank.",
            ),
            headers: widest.into_iter().filter(|c| !c.is_empty()).collect(),
        });
    }
    Ok(out)
}

fn say(lang: Lang, vi: &str, en: &str) -> String {
    match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The payments confirming `lines` records: those matched by code, and those matched by amount
/// whose line is in `ticked`. Each payment's id comes from the fair and the bank reference.
pub fn payments(
    p: &Projections,
    fair: &FairId,
    lines: &[Line],
    ticked: &BTreeSet<usize>,
) -> Vec<(crate::domain::payments::Situation, NewPayment)> {
    let now = Utc::now();
    lines
        .iter()
        .filter_map(|l| {
            let id = match l.matched {
                Match::Code(id) => id,
                Match::Amount(id) if ticked.contains(&l.line) => id,
                _ => return None,
            };
            let situation = service::payments::situation(p, fair, &id, now).ok()?;
            let digest = Sha256::new()
                .chain_update(fair.as_str())
                .chain_update([0])
                .chain_update(&l.reference)
                .finalize();
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            Some((
                situation,
                NewPayment {
                    payment_id: uuid::Builder::from_custom_bytes(bytes).into_uuid(),
                    kind: PaymentKind::Payment,
                    method: PaymentMethod::Transfer,
                    amount_vnd: l.amount_vnd,
                    paid_on: l.date,
                    bank_reference: Some(l.reference.clone()),
                    payer: String::new(),
                    note: Some(
                        l.description
                            .chars()
                            .take(crate::domain::payments::NOTE_MAX_CHARS)
                            .collect(),
                    ),
                    confirmed: true,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_read_as_banks_write_them() {
        for (text, amount) in [
            ("1.500.000", 1_500_000),
            ("1,500,000.00", 1_500_000),
            ("1 500 000 VND", 1_500_000),
            ("+2250000", 2_250_000),
            ("2.250.000,00", 2_250_000),
            ("750000", 750_000),
        ] {
            assert_eq!(bank_amount(text), Some(amount), "{text}");
        }
        assert_eq!(bank_amount("abc"), None);
        let day = NaiveDate::from_ymd_opt(2022, 1, 21);
        for text in ["21/01/2022", "21/01/2022 10:15:03", "2022-01-21", "44582"] {
            assert_eq!(bank_date(text), day, "{text}");
        }
    }

    #[test]
    fn headers_are_read_by_their_words() {
        assert_eq!(column_of("Ngày giao dịch"), Some(Column::Date));
        assert_eq!(column_of("Số tiền ghi có (VND)"), Some(Column::Credit));
        assert_eq!(column_of("Số tiền ghi nợ"), Some(Column::Debit));
        assert_eq!(column_of("Nội dung chi tiết"), Some(Column::Description));
        assert_eq!(column_of("Số tham chiếu"), Some(Column::Reference));
        assert_eq!(column_of("Số dư"), None);
    }
}
