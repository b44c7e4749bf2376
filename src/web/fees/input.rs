//! Fee rules, the receiving account and payments as clients send them (JSON; the pages build
//! the same JSON from their forms), checked field by field in the client's language.

use chrono::NaiveDate;
use hoicho_events::{
    FeeRules, PaymentAccount, PaymentDue, PaymentKind, PaymentMethod, ProducerType, SubsidyCondition, SubsidyRule,
};
use serde_json::{Map, Value};

use crate::domain::fees::{
    ACCOUNT_NAME_MAX_CHARS, ACCOUNT_NUMBER_CHARS, MAX_CAP_BOOTHS, MAX_DUE_DAYS, MAX_RULES, MAX_SUBSIDY_VND,
    RULE_NAME_MAX_CHARS,
};
use crate::domain::payments::{MAX_PAYMENT_VND, NOTE_MAX_CHARS, PAYER_MAX_CHARS, REFERENCE_MAX_CHARS};
use crate::web::kit::input::{field, Check};

const TYPES: [ProducerType; 6] = [
    ProducerType::DoanhNghiep,
    ProducerType::Htx,
    ProducerType::ToHopTac,
    ProducerType::HoKinhDoanh,
    ProducerType::CaNhan,
    ProducerType::Doan,
];

fn producer_type(code: &str) -> Option<ProducerType> {
    TYPES.into_iter().find(|t| t.code() == code)
}

/// `{"subsidies": [...], "due": {...}}`.
pub fn fee_rules(check: &mut Check, value: &Value) -> Option<FeeRules> {
    let obj = check.object(value, "", &["subsidies", "due"])?;
    let mut subsidies = Vec::new();
    if let Some(items) = check.array(obj, "", "subsidies", MAX_RULES) {
        for (i, item) in items.iter().enumerate() {
            if let Some(rule) = subsidy_rule(check, item, &format!("subsidies[{i}]")) {
                subsidies.push(rule);
            }
        }
    }
    let due = match obj.get("due") {
        None | Some(Value::Null) => PaymentDue::default(),
        Some(due) => payment_due(check, due)?,
    };
    Some(FeeRules { subsidies, due })
}

fn payment_due(check: &mut Check, value: &Value) -> Option<PaymentDue> {
    let obj = check.object(value, "due", &["kind", "date", "days"])?;
    match obj.get("kind").and_then(Value::as_str) {
        Some("on") => check.date(obj, "due", "date").map(|date| PaymentDue::On { date }),
        Some("days_after_allocation") => check
            .integer(obj, "due", "days", 0, i64::from(MAX_DUE_DAYS), true)
            .map(|days| PaymentDue::DaysAfterAllocation { days: days as u32 }),
        _ => {
            check.fail2(
                "due.kind",
                "phải là \"on\" (một ngày) hoặc \"days_after_allocation\"",
                "must be \"on\" (a date) or \"days_after_allocation\"",
            );
            None
        }
    }
}

fn subsidy_rule(check: &mut Check, value: &Value, path: &str) -> Option<SubsidyRule> {
    let obj = check.object(
        value,
        path,
        &["name", "when", "rate_percent", "fixed_vnd", "max_booths", "max_vnd"],
    )?;
    let name = check.name(obj, path, "name", RULE_NAME_MAX_CHARS, true);
    let rate_percent = check.integer(obj, path, "rate_percent", 0, 100, false).map(|r| r as u8);
    let fixed_vnd = check.integer(obj, path, "fixed_vnd", 0, MAX_SUBSIDY_VND, false);
    let has = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
    match (has("rate_percent"), has("fixed_vnd")) {
        (true, true) => check.fail2(
            field(path, "fixed_vnd"),
            "chỉ nhập tỷ lệ hoặc số tiền cố định, không nhập cả hai",
            "give a rate or a fixed amount, not both",
        ),
        (false, false) => check.fail2(
            field(path, "rate_percent"),
            "vui lòng nhập tỷ lệ hỗ trợ (%) hoặc số tiền hỗ trợ mỗi gian",
            "give a rate (%) or a fixed amount a booth",
        ),
        _ => {}
    }
    let max_booths = check
        .integer(obj, path, "max_booths", 1, i64::from(MAX_CAP_BOOTHS), false)
        .map(|n| n as u32);
    let max_vnd = check.integer(obj, path, "max_vnd", 0, MAX_SUBSIDY_VND, false);
    let when = match obj.get("when") {
        None | Some(Value::Null) => SubsidyCondition::default(),
        Some(when) => condition(check, when, &field(path, "when"))?,
    };
    Some(SubsidyRule {
        name: name?,
        when,
        rate_percent,
        fixed_vnd,
        max_booths,
        max_vnd,
    })
}

fn condition(check: &mut Check, value: &Value, path: &str) -> Option<SubsidyCondition> {
    let obj = check.object(value, path, &["producer_types", "min_stars", "provinces", "localities"])?;
    let mut producer_types = Vec::new();
    if obj.contains_key("producer_types") {
        for (i, item) in check
            .array(obj, path, "producer_types", TYPES.len())?
            .iter()
            .enumerate()
        {
            match item.as_str().and_then(producer_type) {
                Some(t) if !producer_types.contains(&t) => producer_types.push(t),
                Some(_) => {}
                None => check.fail2(
                    format!("{path}.producer_types[{i}]"),
                    "không phải loại hình chủ thể",
                    "is not a producer type",
                ),
            }
        }
    }
    let min_stars = check.integer(obj, path, "min_stars", 3, 5, false).map(|s| s as u8);
    let provinces = places(check, obj, path, "provinces", 63);
    let localities = places(check, obj, path, "localities", 500);
    Some(SubsidyCondition {
        producer_types,
        min_stars,
        provinces,
        localities,
    })
}

/// A list of place names at `key`: each a name, at most `max` of them.
fn places(check: &mut Check, obj: &Map<String, Value>, path: &str, key: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    if !obj.contains_key(key) {
        return out;
    }
    let Some(items) = check.array(obj, path, key, max) else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let mut one = Map::new();
        one.insert("p".into(), item.clone());
        if let Some(p) = check.name(&one, "", "p", 100, true) {
            out.push(p);
        } else if let Some(problem) = check.errors.remove("p") {
            check.errors.insert(format!("{path}.{key}[{i}]"), problem);
        }
    }
    out
}

/// An account name as the bank has it: diacritics dropped, capitals.
pub fn account_name(text: &str) -> String {
    hoicho_projections::fold(text)
        .to_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `{"bin", "account_number", "account_name"}`; `null` clears it.
pub fn payment_account(check: &mut Check, value: &Value) -> Option<Option<PaymentAccount>> {
    if value.is_null() {
        return Some(None);
    }
    let obj = check.object(value, "", &["bin", "account_number", "account_name"])?;
    let bin = check.text(obj, "", "bin", 6, true);
    if let Some(bin) = &bin {
        if crate::domain::banks::name(bin).is_none() {
            check.fail2(
                "bin",
                format!("{bin} không phải mã BIN của một ngân hàng thành viên NAPAS 247"),
                format!("{bin} is not the BIN of a NAPAS 247 bank"),
            );
        }
    }
    let number = check
        .text(obj, "", "account_number", 40, true)
        .map(|n| n.replace([' ', '.', '-'], ""));
    if let Some(n) = &number {
        if !ACCOUNT_NUMBER_CHARS.contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
            check.fail2(
                "account_number",
                "số tài khoản gồm 6 đến 19 chữ số",
                "an account number is 6 to 19 digits",
            );
        }
    }
    let name = check
        .name(obj, "", "account_name", ACCOUNT_NAME_MAX_CHARS, true)
        .map(|n| account_name(&n));
    if let Some(n) = &name {
        if !n
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        {
            check.fail2(
                "account_name",
                "tên tài khoản chỉ gồm chữ cái, chữ số và khoảng trắng",
                "an account name holds only letters, digits and spaces",
            );
        }
    }
    if !check.errors.is_empty() {
        return None;
    }
    Some(Some(PaymentAccount {
        bin: bin?,
        account_number: number?,
        account_name: name?,
    }))
}

/// A payment as an organizer records it.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub registration_id: Option<uuid::Uuid>,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    pub amount_vnd: i64,
    pub paid_on: NaiveDate,
    pub bank_reference: Option<String>,
    pub payer: String,
    pub note: Option<String>,
    pub confirmed: bool,
}

/// `{"registration_id", "kind", "method", "amount_vnd", "paid_on", "bank_reference", "payer",
/// "note", "confirm"}`.
pub fn payment(check: &mut Check, value: &Value, needs_registration: bool) -> Option<PaymentInput> {
    let obj = check.object(
        value,
        "",
        &[
            "registration_id",
            "kind",
            "method",
            "amount_vnd",
            "paid_on",
            "bank_reference",
            "payer",
            "note",
            "confirm",
        ],
    )?;
    let registration_id = if needs_registration {
        let id = check.text(obj, "", "registration_id", 40, true);
        match id.as_deref().map(uuid::Uuid::parse_str) {
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => {
                check.fail2("registration_id", "không phải mã hồ sơ", "is not an application id");
                None
            }
            None => None,
        }
    } else {
        None
    };
    let kind = match obj.get("kind").and_then(Value::as_str) {
        None | Some("payment") => PaymentKind::Payment,
        Some("refund") => PaymentKind::Refund,
        Some(_) => {
            check.fail2(
                "kind",
                "phải là \"payment\" hoặc \"refund\"",
                "must be \"payment\" or \"refund\"",
            );
            PaymentKind::Payment
        }
    };
    let method = match obj.get("method").and_then(Value::as_str) {
        Some("transfer") => Some(PaymentMethod::Transfer),
        Some("cash") => Some(PaymentMethod::Cash),
        _ => {
            check.fail2(
                "method",
                "vui lòng chọn chuyển khoản hoặc tiền mặt",
                "must be \"transfer\" or \"cash\"",
            );
            None
        }
    };
    let amount = check.integer(obj, "", "amount_vnd", 1, MAX_PAYMENT_VND, true);
    let paid_on = check.date(obj, "", "paid_on");
    // Optional: an empty reference (a cash payment) is none at all.
    let has_reference = obj
        .get("bank_reference")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty());
    let bank_reference = if has_reference {
        check.code(obj, "", "bank_reference", REFERENCE_MAX_CHARS)
    } else {
        None
    };
    let payer = check.name(obj, "", "payer", PAYER_MAX_CHARS, false).unwrap_or_default();
    let note = check.text(obj, "", "note", NOTE_MAX_CHARS, false);
    let confirmed = obj.get("confirm").and_then(Value::as_bool).unwrap_or(false);
    if !check.errors.is_empty() {
        return None;
    }
    Some(PaymentInput {
        registration_id,
        kind,
        method: method?,
        amount_vnd: amount?,
        paid_on: paid_on?,
        bank_reference,
        payer,
        note,
        confirmed,
    })
}
