//! A fair's details as the organizer's form shows and sends them: `datetime-local` values in
//! the fair's zone, and the values a copy for the next edition starts from.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use hoicho_events::FairDetails;
use hoicho_projections::FairView;
use serde_json::{Map, Value};

use crate::domain::fair::fingerprint;

/// Every field the form sends to the fair's checks (the id only for a new fair).
const DETAIL_FIELDS: &[&str] = &[
    "name",
    "venue",
    "address",
    "description",
    "contact_phone",
    "contact_email",
    "start_date",
    "end_date",
    "time_zone",
    "registration_opens_at",
    "registration_closes_at",
];

/// `2027-01-10T17:00` in the fair's zone, as a `datetime-local` field shows it.
fn local_input(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        Err(_) => at.format("%Y-%m-%dT%H:%M").to_string(),
    }
}

/// The form's values for `details`.
pub fn values_of(details: &FairDetails) -> HashMap<String, String> {
    let tz = details.time_zone.as_str();
    HashMap::from([
        ("name".to_owned(), details.name.clone()),
        ("venue".to_owned(), details.venue.clone()),
        ("address".to_owned(), details.address.clone()),
        ("description".to_owned(), details.description.clone()),
        ("contact_phone".to_owned(), details.contact_phone.clone()),
        ("contact_email".to_owned(), details.contact_email.clone()),
        ("start_date".to_owned(), details.start_date.to_string()),
        ("end_date".to_owned(), details.end_date.to_string()),
        ("time_zone".to_owned(), details.time_zone.clone()),
        (
            "registration_opens_at".to_owned(),
            local_input(details.registration_opens_at, tz),
        ),
        (
            "registration_closes_at".to_owned(),
            local_input(details.registration_closes_at, tz),
        ),
        ("seen".to_owned(), fingerprint(details)),
    ])
}

/// `years` later, or the last day of that month when it has no such day (29 February).
fn years_on(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_add_months(chrono::Months::new(12 * years)).unwrap_or(day)
}

/// The next edition's id and name: the year in them moved on, where there is one.
fn next_edition(text: &str, year: i32, years: u32) -> String {
    let (this, next) = (year.to_string(), (year + years as i32).to_string());
    if text.contains(&this) {
        text.replace(&this, &next)
    } else {
        format!("{text} {next}")
    }
}

/// What a copy of `source` starts from: its details on the same days of the first year
/// still to come (a year on, for a fair copied while it runs or just after).
pub fn copy_values(source: &FairView, today: NaiveDate) -> HashMap<String, String> {
    let d = &source.details;
    let mut years = 1;
    while years < 100 && years_on(d.start_date, years) <= today {
        years += 1;
    }
    let shift = |t: DateTime<Utc>| t.checked_add_months(chrono::Months::new(12 * years)).unwrap_or(t);
    let year = d.start_date.year();
    let next = FairDetails {
        name: next_edition(&d.name, year, years),
        start_date: years_on(d.start_date, years),
        end_date: years_on(d.end_date, years),
        registration_opens_at: shift(d.registration_opens_at),
        registration_closes_at: shift(d.registration_closes_at),
        ..d.clone()
    };
    let mut values = values_of(&next);
    let id = next_edition(source.id.as_str(), year, years).replace(' ', "-");
    values.insert("id".into(), id);
    values.insert("from".into(), source.id.to_string());
    values.remove("seen");
    values
}

/// The form's fields as the fair's checks read them. A `datetime-local` value is read in the
/// zone the form names (Hà Nội's if it names none hoicho knows); one that cannot be read is
/// passed on as typed, so the check names it.
pub fn details_json(values: &HashMap<String, String>, with_id: bool) -> Value {
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let tz: chrono_tz::Tz = get("time_zone").parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let mut obj = Map::new();
    for key in DETAIL_FIELDS.iter().chain(with_id.then_some(&"id")) {
        let raw = get(key);
        let value = match *key {
            "registration_opens_at" | "registration_closes_at" => {
                let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
                    .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"));
                match local.ok().and_then(|l| l.and_local_timezone(tz).earliest()) {
                    Some(at) => at.with_timezone(&Utc).to_rfc3339(),
                    None => raw.to_owned(),
                }
            }
            _ => raw.to_owned(),
        };
        obj.insert((*key).to_owned(), Value::String(value));
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_edition_moves_the_year_on() {
        assert_eq!(next_edition("ocop-ha-tinh-2022", 2022, 5), "ocop-ha-tinh-2027");
        assert_eq!(next_edition("Hội chợ OCOP", 2022, 1), "Hội chợ OCOP 2023");
        let leap = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(years_on(leap, 1), NaiveDate::from_ymd_opt(2025, 2, 28).unwrap());
    }

    #[test]
    fn a_local_time_is_read_in_the_forms_zone() {
        let values = HashMap::from([
            ("time_zone".to_owned(), "Asia/Ho_Chi_Minh".to_owned()),
            ("registration_opens_at".to_owned(), "2027-01-10T08:00".to_owned()),
            ("registration_closes_at".to_owned(), "soon".to_owned()),
        ]);
        let json = details_json(&values, false);
        assert_eq!(json["registration_opens_at"], "2027-01-10T01:00:00+00:00");
        assert_eq!(json["registration_closes_at"], "soon");
    }
}
