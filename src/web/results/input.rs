//! A fair's results as clients send them (JSON; the page builds the same JSON from its
//! forms), checked field by field in the client's language against the fair: its days, its
//! exhibitors.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use hoicho_events::{
    AgreementKind, AgreementSigned, AwardGiven, CountMethod, Event, FairId, RegistrationId, SideEventHeld,
    VisitorsCounted,
};
use hoicho_projections::FairView;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::results::{
    ResultsCommand, MAX_AGREEMENT_EXHIBITORS, MAX_AGREEMENT_VND, MAX_VISITORS, NOTES_MAX_CHARS, NOTE_MAX_CHARS,
    PARTIES_MAX_CHARS, REASON_MAX_CHARS, SOURCE_MAX_CHARS, TITLE_MAX_CHARS, UNUSUAL_VISITORS,
};
use crate::i18n::{date_vn, number_vn};
use crate::web::kit::input::Check;

/// What the checks need of the fair.
pub struct Fair {
    pub id: FairId,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub today: NaiveDate,
    /// Exhibitors holding a booth.
    pub exhibitors: BTreeSet<RegistrationId>,
}

impl Fair {
    pub fn of(view: &FairView, now: chrono::DateTime<chrono::Utc>) -> Fair {
        Fair {
            id: view.id.clone(),
            first_day: view.details.start_date,
            last_day: view.details.end_date,
            today: view.today(now),
            exhibitors: view
                .holdings
                .iter()
                .filter(|(_, b)| !b.is_empty())
                .map(|(r, _)| *r)
                .collect(),
        }
    }

    /// A day of the fair that has come.
    fn day(&self, check: &mut Check, obj: &Map<String, Value>, key: &str) -> Option<NaiveDate> {
        let day = check.date(obj, "", key)?;
        if day < self.first_day || day > self.last_day {
            let (from, to) = (date_vn(self.first_day), date_vn(self.last_day));
            check.fail2(
                key,
                format!("không phải ngày hội chợ (từ {from} đến {to})"),
                format!("is not a day of the fair ({from} to {to})"),
            );
            return None;
        }
        if day > self.today {
            check.fail2(key, "ngày này chưa đến", "that day has not come yet");
            return None;
        }
        Some(day)
    }

    /// An exhibitor holding a booth at this fair.
    fn exhibitor(&self, check: &mut Check, value: &Value, path: &str) -> Option<RegistrationId> {
        let Some(id) = value
            .as_str()
            .and_then(|s| Uuid::parse_str(s.trim()).ok())
            .map(RegistrationId)
        else {
            check.fail2(path, "phải là mã hồ sơ", "must be an application's id");
            return None;
        };
        if !self.exhibitors.contains(&id) {
            check.fail2(
                path,
                "không phải đơn vị có gian hàng ở hội chợ này",
                "is not an exhibitor holding a booth at this fair",
            );
            return None;
        }
        Some(id)
    }
}

/// The entry's own id, or `fresh`: a page sends its form's id, an integration its
/// `Idempotency-Key` (from which `fresh` is made), so that sending it twice enters it once.
fn id(check: &mut Check, obj: &Map<String, Value>, key: &str, fresh: Uuid) -> Uuid {
    match obj.get(key) {
        None | Some(Value::Null) => fresh,
        Some(v) => v.as_str().and_then(|s| Uuid::parse_str(s).ok()).unwrap_or_else(|| {
            check.fail2(key, "phải là một UUID", "must be a UUID");
            Uuid::nil()
        }),
    }
}

fn text(check: &mut Check, obj: &Map<String, Value>, key: &str, max: usize) -> String {
    check.text(obj, "", key, max, false).unwrap_or_default()
}

/// `{day, visitors, method: estimate|counter, source?, confirm?}`.
pub fn visitors(check: &mut Check, value: &Value, fair: &Fair) -> Option<ResultsCommand> {
    let obj = check.object(value, "", &["day", "visitors", "method", "source", "confirm"])?;
    let day = fair.day(check, obj, "day");
    let count = check.integer(obj, "", "visitors", 0, i64::from(MAX_VISITORS), true);
    let method = match obj.get("method").and_then(Value::as_str) {
        Some("estimate") => Some(CountMethod::Estimate),
        Some("counter") => Some(CountMethod::Counter),
        _ => {
            check.fail2(
                "method",
                "phải là \"estimate\" (ước tính) hoặc \"counter\" (số đếm)",
                "must be \"estimate\" or \"counter\"",
            );
            None
        }
    };
    let source = text(check, obj, "source", SOURCE_MAX_CHARS);
    let confirmed = obj.get("confirm").and_then(Value::as_bool).unwrap_or(false);
    if let Some(n) = count.filter(|n| *n > i64::from(UNUSUAL_VISITORS) && !confirmed) {
        let n = number_vn(n);
        check.fail2(
            "confirm",
            format!("{n} lượt khách một ngày là con số bất thường: kiểm tra lại, hoặc xác nhận nếu đúng"),
            format!("{n} visitors in a day is unusual: check it, or confirm it (confirm: true)"),
        );
    }
    Some(ResultsCommand::CountVisitors(VisitorsCounted {
        fair_id: fair.id.clone(),
        day: day?,
        visitors: u32::try_from(count?).ok()?,
        method: method?,
        source,
    }))
}

/// `{agreement_id?, kind: contract|memorandum, parties, exhibitors?: [id], products?,
/// value_vnd?, signed_on}`.
pub fn agreement(check: &mut Check, value: &Value, fair: &Fair, fresh: Uuid) -> Option<ResultsCommand> {
    let obj = check.object(
        value,
        "",
        &[
            "agreement_id",
            "kind",
            "parties",
            "exhibitors",
            "products",
            "value_vnd",
            "signed_on",
        ],
    )?;
    let agreement_id = id(check, obj, "agreement_id", fresh);
    let kind = match obj.get("kind").and_then(Value::as_str) {
        Some("contract") => Some(AgreementKind::Contract),
        Some("memorandum") => Some(AgreementKind::Memorandum),
        _ => {
            check.fail2(
                "kind",
                "phải là \"contract\" (hợp đồng) hoặc \"memorandum\" (biên bản ghi nhớ)",
                "must be \"contract\" or \"memorandum\"",
            );
            None
        }
    };
    let parties = check.text(obj, "", "parties", PARTIES_MAX_CHARS, true);
    let mut exhibitors = Vec::new();
    if obj.get("exhibitors").is_some_and(|v| !v.is_null()) {
        for (i, item) in check
            .array(obj, "", "exhibitors", MAX_AGREEMENT_EXHIBITORS)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(id) = fair.exhibitor(check, item, &format!("exhibitors[{i}]")) {
                if !exhibitors.contains(&id) {
                    exhibitors.push(id);
                }
            }
        }
    }
    let products = text(check, obj, "products", PARTIES_MAX_CHARS);
    let value_vnd = check.integer(obj, "", "value_vnd", 0, MAX_AGREEMENT_VND, false);
    let signed_on = fair.day(check, obj, "signed_on");
    Some(ResultsCommand::Enter(Box::new(Event::AgreementSigned(
        AgreementSigned {
            agreement_id,
            fair_id: fair.id.clone(),
            kind: kind?,
            parties: parties?,
            exhibitors,
            products,
            value_vnd,
            signed_on: signed_on?,
        },
    ))))
}

/// `{award_id?, name, registration_id, note?}`.
pub fn award(check: &mut Check, value: &Value, fair: &Fair, fresh: Uuid) -> Option<ResultsCommand> {
    let obj = check.object(value, "", &["award_id", "name", "registration_id", "note"])?;
    let award_id = id(check, obj, "award_id", fresh);
    let name = check.text(obj, "", "name", TITLE_MAX_CHARS, true);
    let registration = match obj.get("registration_id") {
        None | Some(Value::Null) => {
            check.fail2("registration_id", "vui lòng chọn đơn vị", "choose the exhibitor");
            None
        }
        Some(v) => fair.exhibitor(check, v, "registration_id"),
    };
    let note = text(check, obj, "note", NOTE_MAX_CHARS);
    Some(ResultsCommand::Enter(Box::new(Event::AwardGiven(AwardGiven {
        award_id,
        fair_id: fair.id.clone(),
        name: name?,
        registration_id: registration?,
        note,
    }))))
}

/// `{side_event_id?, day, title, participants?, note?}`.
pub fn side_event(check: &mut Check, value: &Value, fair: &Fair, fresh: Uuid) -> Option<ResultsCommand> {
    let obj = check.object(value, "", &["side_event_id", "day", "title", "participants", "note"])?;
    let side_event_id = id(check, obj, "side_event_id", fresh);
    let day = fair.day(check, obj, "day");
    let title = check.text(obj, "", "title", TITLE_MAX_CHARS, true);
    let participants = check
        .integer(obj, "", "participants", 0, i64::from(MAX_VISITORS), false)
        .map(|n| n as u32);
    let note = text(check, obj, "note", NOTE_MAX_CHARS);
    Some(ResultsCommand::Enter(Box::new(Event::SideEventHeld(SideEventHeld {
        side_event_id,
        fair_id: fair.id.clone(),
        day: day?,
        title: title?,
        participants,
        note,
    }))))
}

/// `{text}`: the report's notes, several lines.
pub fn notes(check: &mut Check, value: &Value) -> Option<ResultsCommand> {
    let obj = check.object(value, "", &["text"])?;
    if !obj.contains_key("text") {
        check.fail2("text", "bắt buộc", "is required");
        return None;
    }
    let text = check.paragraph(obj, "", "text", NOTES_MAX_CHARS).unwrap_or_default();
    Some(ResultsCommand::WriteNotes(text))
}

/// `{reason}`.
pub fn withdraw(check: &mut Check, value: &Value, id: Uuid) -> Option<ResultsCommand> {
    let obj = check.object(value, "", &["reason"])?;
    let reason = check.text(obj, "", "reason", REASON_MAX_CHARS, true)?;
    Some(ResultsCommand::Withdraw { id, reason })
}
