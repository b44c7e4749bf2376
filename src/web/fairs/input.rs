//! Reading fair details and floor plans from requests (JSON, or CSV for booths).

use std::collections::{BTreeMap, BTreeSet};

use hoicho_events::{Booth, BoothCode, FairDetails, FairId, Floor, Hall, Shape, Zone, ZoneCode};
use serde_json::{Map, Number, Value};

use crate::i18n::Lang;
use crate::web::kit::error::ApiError;
use crate::web::kit::input::{overlay, Check};

pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";
const MAX_BOOTHS: usize = 20_000;
const MAX_ZONES: usize = 500;

const FAIR_FIELDS: &[&str] = &[
    "id",
    "name",
    "venue",
    "start_date",
    "end_date",
    "time_zone",
    "registration_opens_at",
    "registration_closes_at",
    "address",
    "description",
    "contact_phone",
    "contact_email",
];

/// The longest description of a fair, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 4_000;

/// A fair id: a slug of lowercase letters, digits and single hyphens, 3 to 64 long.
pub fn fair_id(check: &mut Check, obj: &Map<String, Value>) -> Option<FairId> {
    let id = check.text(obj, "", "id", 64, true)?;
    let ok = id.len() >= 3
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--");
    if ok {
        Some(FairId::new_unchecked(id))
    } else {
        check.fail2(
            "id",
            "gồm 3-64 chữ thường, chữ số và dấu gạch nối, ví dụ ocop-ha-tinh-2022",
            "must be 3-64 lowercase letters, digits and single hyphens, e.g. ocop-ha-tinh-2022",
        );
        None
    }
}

fn details(check: &mut Check, obj: &Map<String, Value>) -> Option<FairDetails> {
    let name = check.text(obj, "", "name", 200, true);
    let venue = check.text(obj, "", "venue", 300, true);
    let start_date = check.date(obj, "", "start_date");
    let end_date = check.date(obj, "", "end_date");
    let time_zone = match check.text(obj, "", "time_zone", 64, false) {
        None => Some(DEFAULT_TIME_ZONE.to_owned()),
        Some(tz) if tz.parse::<chrono_tz::Tz>().is_ok() => Some(tz),
        Some(_) => {
            check.fail2(
                "time_zone",
                "phải là múi giờ IANA, ví dụ Asia/Ho_Chi_Minh",
                "must be an IANA time zone such as Asia/Ho_Chi_Minh",
            );
            None
        }
    };
    let opens = check.instant(obj, "", "registration_opens_at");
    let closes = check.instant(obj, "", "registration_closes_at");
    let address = check.text(obj, "", "address", 300, false).unwrap_or_default();
    let description = check
        .paragraph(obj, "", "description", DESCRIPTION_MAX_CHARS)
        .unwrap_or_default();
    let contact_phone = check.phone(obj, "", "contact_phone").unwrap_or_default();
    let contact_email = check.email(obj, "", "contact_email", false).unwrap_or_default();
    if let (Some(s), Some(e)) = (start_date, end_date) {
        if e < s {
            check.fail2(
                "end_date",
                "không được trước ngày bắt đầu",
                "must not be before start_date",
            );
        } else if (e - s).num_days() > 366 {
            check.fail2(
                "end_date",
                "hội chợ kéo dài tối đa một năm",
                "a fair lasts at most a year",
            );
        }
    }
    if let (Some(o), Some(c)) = (opens, closes) {
        if c <= o {
            check.fail2(
                "registration_closes_at",
                "phải sau thời điểm mở đăng ký",
                "must be after registration_opens_at",
            );
        }
    }
    // Applications close by the end of the fair's last day, in its own time zone.
    if let (Some(c), Some(e), Some(tz)) = (
        closes,
        end_date,
        time_zone.as_deref().and_then(|tz| tz.parse::<chrono_tz::Tz>().ok()),
    ) {
        let last_moment = e
            .succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(tz).earliest());
        if last_moment.is_some_and(|end| c > end.with_timezone(&chrono::Utc)) {
            check.fail2(
                "registration_closes_at",
                "phải đóng trước khi hội chợ kết thúc",
                "must be no later than the end of the fair",
            );
        }
    }
    Some(FairDetails {
        name: name?,
        venue: venue?,
        start_date: start_date?,
        end_date: end_date?,
        time_zone: time_zone?,
        registration_opens_at: opens?,
        registration_closes_at: closes?,
        address,
        description,
        contact_phone,
        contact_email,
    })
}

/// A new fair: its id and details.
pub fn new_fair(body: &Value, lang: Lang) -> Result<(FairId, FairDetails), ApiError> {
    let mut check = Check::new(lang);
    let parsed = check
        .object(body, "", FAIR_FIELDS)
        .map(|obj| (fair_id(&mut check, obj), details(&mut check, obj)));
    check.finish()?;
    match parsed {
        Some((Some(id), Some(details))) => Ok((id, details)),
        _ => Err(ApiError::malformed("the fair could not be read")),
    }
}

/// Details from a form that sends every field (the organizer's settings page): an empty
/// field is an empty one, not one left as it was.
pub fn form_details(body: &Value, lang: Lang) -> Result<FairDetails, ApiError> {
    let mut check = Check::new(lang);
    let allowed: Vec<&str> = FAIR_FIELDS.iter().copied().filter(|f| *f != "id").collect();
    let parsed = check
        .object(body, "", &allowed)
        .and_then(|obj| details(&mut check, obj));
    check.finish()?;
    parsed.ok_or_else(|| ApiError::malformed("the fair could not be read"))
}

/// New details from `current` with the fields present in `body` replaced.
pub fn amended_details(current: &FairDetails, body: &Value, lang: Lang) -> Result<FairDetails, ApiError> {
    let mut check = Check::new(lang);
    let allowed: Vec<&str> = FAIR_FIELDS.iter().copied().filter(|f| *f != "id").collect();
    let Some(changes) = check.object(body, "", &allowed) else {
        return Err(check.into_error());
    };
    // Unknown fields are reported above; `details` reads only the known ones.
    let merged = overlay(current, changes).ok_or_else(ApiError::internal)?;
    let parsed = details(&mut check, &merged);
    check.finish()?;
    parsed.ok_or_else(|| ApiError::malformed("the fair could not be read"))
}

fn zone(check: &mut Check, value: &Value, path: &str) -> Option<Zone> {
    let obj = check.object(value, path, &["code", "name", "colour"])?;
    let code = check.code(obj, path, "code", 16);
    let name = check.text(obj, path, "name", 200, true);
    let colour = colour(check, obj, path);
    Some(Zone {
        code: ZoneCode::new_unchecked(code?),
        name: name?,
        colour,
    })
}

/// A colour written `#rrggbb`, lowercased.
pub fn colour(check: &mut Check, obj: &Map<String, Value>, path: &str) -> Option<String> {
    let s = check.text(obj, path, "colour", 7, false)?;
    let hex = s
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
    match hex {
        Some(_) => Some(s.to_lowercase()),
        None => {
            check.fail2(
                crate::web::kit::input::field(path, "colour"),
                "phải là mã màu dạng #rrggbb, ví dụ #2e7d32",
                "must be a colour written #rrggbb, e.g. #2e7d32",
            );
            None
        }
    }
}

const BOOTH_FIELDS: &[&str] = &[
    "code",
    "zone",
    "kind",
    "width_m",
    "depth_m",
    "price_vnd",
    "x",
    "y",
    "power",
];

fn booth(check: &mut Check, value: &Value, path: &str) -> Option<Booth> {
    let obj = check.object(value, path, BOOTH_FIELDS)?;
    let code = check.code(obj, path, "code", 16);
    let zone = check.code(obj, path, "zone", 16);
    let kind = check.code(obj, path, "kind", 32).map(|k| k.to_lowercase());
    let width = check.number(obj, path, "width_m", 0.5, 100.0, true);
    let depth = check.number(obj, path, "depth_m", 0.5, 100.0, true);
    let price = check.integer(obj, path, "price_vnd", 0, 1_000_000_000_000, true);
    let x = check.number(obj, path, "x", 0.0, 10_000.0, false).unwrap_or(0.0);
    let y = check.number(obj, path, "y", 0.0, 10_000.0, false).unwrap_or(0.0);
    let power = match obj.get("power") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            check.fail2(
                crate::web::kit::input::field(path, "power"),
                "phải là true/false (trong CSV: 1/0, có/không)",
                "must be true or false (in CSV: 1/0, yes/no)",
            );
            false
        }
    };
    Some(Booth {
        code: BoothCode::new_unchecked(code?),
        zone: ZoneCode::new_unchecked(zone?),
        kind: kind?,
        width_m: width?,
        depth_m: depth?,
        price_vnd: price?,
        x,
        y,
        power,
    })
}

/// The code a zone or booth object names, read loosely so the whole-plan checks still run
/// when other fields of the object are wrong.
fn loose(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Checks the plan as a whole: codes once each, every booth in a known zone.
fn whole_plan(check: &mut Check, zones: &[Value], booths: &[Value]) {
    let mut zone_codes = BTreeSet::new();
    for (i, zone) in zones.iter().enumerate() {
        if let Some(code) = loose(zone, "code") {
            if !zone_codes.insert(code.clone()) {
                check.fail2(
                    format!("zones[{i}].code"),
                    format!("khu {code} bị khai báo hai lần"),
                    format!("zone {code} is defined twice"),
                );
            }
        }
    }
    let mut booth_codes = BTreeSet::new();
    for (i, booth) in booths.iter().enumerate() {
        if let Some(code) = loose(booth, "code") {
            if !booth_codes.insert(code.to_uppercase()) {
                check.fail2(
                    format!("booths[{i}].code"),
                    format!("gian {code} bị khai báo hai lần"),
                    format!("booth {code} is defined twice"),
                );
            }
        }
        if let Some(zone) = loose(booth, "zone") {
            if !zone_codes.contains(&zone) {
                check.fail2(
                    format!("booths[{i}].zone"),
                    format!("khu {zone} không có trong sơ đồ"),
                    format!("zone {zone} is not in the plan"),
                );
            }
        }
    }
}

/// A plan as read: its zones, booths, and hall and shapes if the body named them.
pub type PlanParts = (Vec<Zone>, Vec<Booth>, Option<Floor>);

/// The kinds of plain shape a plan may show.
pub const SHAPE_KINDS: &[&str] = &["aisle", "entrance", "stage", "toilets", "label"];
const MAX_SHAPES: usize = 500;

/// The hall and shapes of a plan, when the body names either.
fn floor(check: &mut Check, obj: &Map<String, Value>) -> Option<Floor> {
    if !obj.contains_key("hall") && !obj.contains_key("shapes") {
        return None;
    }
    let hall = match obj.get("hall") {
        None | Some(Value::Null) => None,
        Some(value) => check.object(value, "hall", &["width_m", "depth_m"]).and_then(|h| {
            let width = check.number(h, "hall", "width_m", 1.0, 10_000.0, true);
            let depth = check.number(h, "hall", "depth_m", 1.0, 10_000.0, true);
            Some(Hall {
                width_m: width?,
                depth_m: depth?,
            })
        }),
    };
    let mut shapes = Vec::new();
    if obj.get("shapes").is_some_and(|v| !v.is_null()) {
        let values = check.array(obj, "", "shapes", MAX_SHAPES).cloned().unwrap_or_default();
        for (i, value) in values.iter().enumerate() {
            let path = format!("shapes[{i}]");
            let Some(s) = check.object(value, &path, &["kind", "label", "x", "y", "width_m", "depth_m"]) else {
                continue;
            };
            let kind = check.code(s, &path, "kind", 16).map(|k| k.to_lowercase());
            let kind = kind.filter(|k| {
                let known = SHAPE_KINDS.contains(&k.as_str());
                if !known {
                    check.fail2(
                        crate::web::kit::input::field(&path, "kind"),
                        format!("phải là một trong {}", SHAPE_KINDS.join(", ")),
                        format!("must be one of {}", SHAPE_KINDS.join(", ")),
                    );
                }
                known
            });
            let label = check.text(s, &path, "label", 60, false).unwrap_or_default();
            let x = check.number(s, &path, "x", 0.0, 10_000.0, true);
            let y = check.number(s, &path, "y", 0.0, 10_000.0, true);
            let width = check.number(s, &path, "width_m", 0.1, 10_000.0, true);
            let depth = check.number(s, &path, "depth_m", 0.1, 10_000.0, true);
            if let (Some(kind), Some(x), Some(y), Some(width_m), Some(depth_m)) = (kind, x, y, width, depth) {
                shapes.push(Shape {
                    kind,
                    label,
                    x,
                    y,
                    width_m,
                    depth_m,
                });
            }
        }
    }
    Some(Floor { hall, shapes })
}

/// A floor plan from JSON: `{"zones": [...], "booths": [...], "hall"?: {...}, "shapes"?: [...]}`.
/// The floor is `None` when the body names neither hall nor shapes (they stay as they are).
pub fn plan_from_json(body: &Value, lang: Lang) -> Result<PlanParts, ApiError> {
    let mut check = Check::new(lang);
    let Some(obj) = check.object(body, "", &["zones", "booths", "hall", "shapes"]) else {
        return Err(check.into_error());
    };
    let floor = floor(&mut check, obj);
    let zone_values = check.array(obj, "", "zones", MAX_ZONES).cloned().unwrap_or_default();
    let booth_values = check.array(obj, "", "booths", MAX_BOOTHS).cloned().unwrap_or_default();
    let zones: Vec<Zone> = zone_values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| zone(&mut check, v, &format!("zones[{i}]")))
        .collect();
    let booths: Vec<Booth> = booth_values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| booth(&mut check, v, &format!("booths[{i}]")))
        .collect();
    whole_plan(&mut check, &zone_values, &booth_values);
    check.finish()?;
    Ok((zones, booths, floor))
}

/// A floor plan from CSV with the booth columns (and an optional `zone_name`). Zones are
/// the booths' zones, named by `zone_name`, else by their current name, else their code.
/// Row `booths[i]` is data row i (file line i + 2). A `;` or tab separator and a BOM are
/// accepted, as spreadsheet programs write them.
pub fn plan_from_csv(
    body: &[u8],
    current_zones: &BTreeMap<ZoneCode, Zone>,
    lang: Lang,
) -> Result<(Vec<Zone>, Vec<Booth>), ApiError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| ApiError::malformed("the CSV must be UTF-8"))?;
    let first_line = text.lines().next().unwrap_or("");
    // Cells pasted from a spreadsheet arrive tab-separated.
    let delimiter = if first_line.contains('\t') {
        b'\t'
    } else if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::malformed(format!("the CSV header cannot be read: {e}")))?
        .clone();
    let mut check = Check::new(lang);
    for required in ["code", "zone", "kind", "width_m", "depth_m", "price_vnd"] {
        if !headers.iter().any(|h| h == required) {
            check.fail2(format!("columns.{required}"), "thiếu cột", "column is missing");
        }
    }
    check.finish()?;
    let mut booths = Vec::new();
    let mut booth_values = Vec::new();
    let mut zone_names: BTreeMap<ZoneCode, String> = BTreeMap::new();
    let mut check = Check::new(lang);
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_BOOTHS {
            check.fail2(
                "booths",
                format!("tối đa {MAX_BOOTHS} dòng"),
                format!("may hold at most {MAX_BOOTHS} rows"),
            );
            break;
        }
        let record = record.map_err(|e| ApiError::malformed(format!("CSV line {}: {e}", i + 2)))?;
        let mut obj = Map::new();
        for (header, field) in headers.iter().zip(record.iter()) {
            if field.is_empty() {
                continue;
            }
            obj.insert(header.to_owned(), csv_value(header, field));
        }
        let zone_name = obj.remove("zone_name").and_then(|v| v.as_str().map(str::to_owned));
        let value = Value::Object(obj);
        if let Some(b) = booth(&mut check, &value, &format!("booths[{i}]")) {
            if let Some(name) = zone_name {
                zone_names.insert(b.zone.clone(), name);
            }
            booths.push(b);
        }
        booth_values.push(value);
    }
    let codes: BTreeSet<ZoneCode> = booths.iter().map(|b| b.zone.clone()).collect();
    let zones: Vec<Zone> = codes
        .into_iter()
        .map(|code| {
            let name = zone_names
                .get(&code)
                .cloned()
                .or_else(|| current_zones.get(&code).map(|z| z.name.clone()))
                .unwrap_or_else(|| code.to_string());
            let colour = current_zones.get(&code).and_then(|z| z.colour.clone());
            Zone { code, name, colour }
        })
        .collect();
    let zone_values: Vec<Value> = zones
        .iter()
        .map(|z| serde_json::json!({"code": z.code.as_str()}))
        .collect();
    whole_plan(&mut check, &zone_values, &booth_values);
    check.finish()?;
    Ok((zones, booths))
}

/// A CSV cell as JSON: numbers for numeric columns where they read as numbers (a decimal
/// comma and thousands dots, as Vietnamese spreadsheets write them, are understood).
fn csv_value(header: &str, field: &str) -> Value {
    if header == "power" {
        let folded = hoicho_projections::fold(field);
        return match folded.as_str() {
            "1" | "true" | "yes" | "co" | "x" => Value::Bool(true),
            "0" | "false" | "no" | "khong" => Value::Bool(false),
            _ => Value::String(field.to_owned()),
        };
    }
    let numeric = matches!(header, "width_m" | "depth_m" | "price_vnd" | "x" | "y");
    if !numeric {
        return Value::String(field.to_owned());
    }
    if header == "price_vnd" {
        let grouped = field.split(['.', ' ', '\u{a0}']).collect::<Vec<_>>();
        let digits = if grouped.len() > 1
            && grouped[0].len() <= 3
            && grouped[1..].iter().all(|g| g.len() == 3)
            && grouped
                .iter()
                .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
        {
            grouped.concat()
        } else {
            field.to_owned()
        };
        if let Ok(n) = digits.parse::<i64>() {
            return Value::Number(n.into());
        }
    }
    let normalized = if field.contains(',') && !field.contains('.') {
        field.replace(',', ".")
    } else {
        field.to_owned()
    };
    normalized
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(field.to_owned()))
}
