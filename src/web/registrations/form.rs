//! The application form's fields and the API's JSON: the form read into the JSON the API
//! checks (empty rows left out), and the checks' problems read back onto the form's rows, a
//! field left empty asked for by its name.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::i18n::Lang;
use crate::web::kit::error::ApiError;

/// Product rows the form can carry; one is shown, "+ Thêm sản phẩm" shows the next.
pub const ROWS: usize = 10;

/// Producer rows the form can carry for a delegation, shown one more at a time.
pub const PRODUCER_ROWS: usize = 20;

/// The form's fields in the order it shows them: the list of problems follows it.
const FORM_ORDER: &[&str] = &[
    "form",
    "organization",
    "producer_type",
    "tax_code",
    "representative",
    "phone",
    "email",
    "address",
    "address.line",
    "address.commune",
    "address.province",
    "address.legacy_district",
    "products",
    "producers",
    "booth_request",
    "booth_request.count",
    "booth_request.zone",
    "booth_request.kind",
    "booth_request.preferred_booths",
    "booth_request.needs_power",
    "booth_request.note",
];

/// One problem in the list above the form: the field's label, the id of its input to link
/// to (none for the form as a whole), and what is wrong.
pub struct Problem {
    pub label: String,
    pub anchor: Option<String>,
    pub message: String,
}

/// Where a field sits in the form, for ordering the list of problems: the field's place in
/// [`FORM_ORDER`], then its row, then the row's field.
pub(super) fn form_position(field: &str) -> (usize, usize, String) {
    let (base, row, tail) = match field.split_once('[') {
        Some((list, rest)) => {
            let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
            (list, index.parse::<usize>().unwrap_or(0), tail.to_owned())
        }
        None => (field, 0, String::new()),
    };
    let place = FORM_ORDER.iter().position(|f| *f == base).unwrap_or(FORM_ORDER.len());
    let within = [
        ".organization",
        ".producer_type",
        ".tax_code",
        ".name",
        ".products[0].name",
        ".group",
        ".stars",
        ".certificate_no",
        ".products[0].certificate_no",
        ".certificate_expires",
        ".products[0].certificate_expires",
    ]
    .iter()
    .position(|t| *t == tail)
    .map_or(tail.clone(), |i| format!("{i:02}"));
    (place, row, within)
}

/// The id of the input a field's problem links to.
pub(super) fn anchor(field: &str) -> Option<String> {
    if matches!(field, "form" | "registration" | "language") {
        return None;
    }
    if field == "address" {
        return Some("address.commune".into());
    }
    if field == "booth_request" {
        return Some("booth_request.count".into());
    }
    if field.starts_with("booth_request.preferred_booths") {
        return Some("booth_request.preferred_booths".into());
    }
    let (list, rest) = match field.split_once('[') {
        Some(parts) => parts,
        None => return Some(field.to_owned()),
    };
    let (index, tail) = rest.split_once(']')?;
    let tail = tail.replace(".products[0].", ".product.");
    Some(format!("{list}.{index}{tail}"))
}

/// The form's fields as the API's JSON. Empty product rows are left out; the second value
/// maps the JSON's product indexes back to the form's rows.
pub fn form_json(fields: &[(String, String)], lang: Lang) -> (Value, Rows) {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut root = Map::new();
    for key in [
        "organization",
        "producer_type",
        "tax_code",
        "representative",
        "phone",
        "email",
    ] {
        if let Some(v) = get(key) {
            root.insert(key.into(), json!(v));
        }
    }
    root.insert("language".into(), json!(lang.code()));
    let mut address = Map::new();
    for key in ["line", "commune", "province", "legacy_district"] {
        if let Some(v) = get(&format!("address.{key}")) {
            address.insert(key.into(), json!(v));
        }
    }
    root.insert("address".into(), Value::Object(address));
    let mut products = Vec::new();
    let mut rows = Vec::new();
    for row in 0..ROWS {
        let field = |name: &str| get(&format!("products.{row}.{name}"));
        if field("name").is_none()
            && field("certificate_no").is_none()
            && field("certificate_expires").is_none()
            && field("stars").is_none()
        {
            continue;
        }
        let mut p = Map::new();
        for key in ["name", "group", "certificate_no", "certificate_expires"] {
            if let Some(v) = field(key) {
                p.insert(key.into(), json!(v));
            }
        }
        p.insert(
            "stars".into(),
            field("stars")
                .and_then(|s| s.parse::<u8>().ok())
                .map_or(Value::Null, |s| json!(s)),
        );
        products.push(Value::Object(p));
        rows.push(row);
    }
    root.insert("products".into(), Value::Array(products));
    let mut producers = Vec::new();
    let mut producer_rows = Vec::new();
    for row in 0..PRODUCER_ROWS {
        let field = |name: &str| get(&format!("producers.{row}.{name}"));
        if field("organization").is_none() && field("product.name").is_none() {
            continue;
        }
        let mut producer = Map::new();
        for key in ["organization", "producer_type", "tax_code"] {
            if let Some(v) = field(key) {
                producer.insert(key.into(), json!(v));
            }
        }
        let mut product = Map::new();
        for key in ["name", "group", "certificate_no", "certificate_expires"] {
            if let Some(v) = field(&format!("product.{key}")) {
                product.insert(key.into(), json!(v));
            }
        }
        let stars = field("product.stars").and_then(|s| s.parse::<u8>().ok());
        product.insert("stars".into(), stars.map_or(Value::Null, |s| json!(s)));
        producer.insert("products".into(), json!([Value::Object(product)]));
        producers.push(Value::Object(producer));
        producer_rows.push(row);
    }
    if get("producer_type") == Some("doan") || !producers.is_empty() {
        root.insert("producers".into(), Value::Array(producers));
    }
    let mut booth = Map::new();
    booth.insert(
        "count".into(),
        get("booth_request.count").map_or(Value::Null, |c| {
            c.parse::<i64>().map_or_else(|_| json!(c), |n| json!(n))
        }),
    );
    for key in ["kind", "zone", "note"] {
        if let Some(v) = get(&format!("booth_request.{key}")) {
            booth.insert(key.into(), json!(v));
        }
    }
    let preferred: Vec<&str> = get("booth_request.preferred_booths")
        .map(|v| v.split([',', ' ', ';']).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    booth.insert("preferred_booths".into(), json!(preferred));
    booth.insert(
        "needs_power".into(),
        json!(get("booth_request.needs_power") == Some("on")),
    );
    root.insert("booth_request".into(), Value::Object(booth));
    (
        Value::Object(root),
        Rows {
            products: rows,
            producers: producer_rows,
        },
    )
}

/// Which form row each JSON list item came from (empty rows are left out of the JSON).
pub struct Rows {
    products: Vec<usize>,
    producers: Vec<usize>,
}

/// "Vui lòng nhập …" with the field's own name, for a field the form left empty.
fn please_enter(field: &str, lang: Lang) -> String {
    let key = match field.rsplit('.').next().unwrap_or(field) {
        "name" => "field.product_name",
        "line" => "field.address_line",
        "count" => "field.booth_count",
        other => return named(&format!("field.{other}"), lang),
    };
    named(key, lang)
}

fn named(key: &str, lang: Lang) -> String {
    let label = lang.t(key);
    if label == key {
        return lang.t("form.please_fill").to_owned();
    }
    format!("{} {}", lang.t("form.please_enter"), crate::i18n::in_sentence(label))
}

/// The errors of a 422 with list indexes turned back into form rows, and a field left empty
/// asked for by its name.
pub fn form_errors(err: &ApiError, rows: &Rows, lang: Lang) -> BTreeMap<String, String> {
    let to_row = |field: &str, list: &str, rows: &[usize]| {
        let (index, tail) = field.strip_prefix(list)?.strip_prefix('[')?.split_once(']')?;
        let row = index
            .parse::<usize>()
            .ok()
            .and_then(|i| rows.get(i).copied())
            .unwrap_or(0);
        Some(format!("{list}[{row}]{tail}"))
    };
    err.body
        .fields
        .iter()
        .map(|(field, message)| {
            let message = if message == "bắt buộc" || message == "is required" {
                please_enter(field, lang)
            } else {
                message.clone()
            };
            let field = to_row(field, "products", &rows.products)
                .or_else(|| to_row(field, "producers", &rows.producers))
                .unwrap_or_else(|| field.clone());
            (field, message)
        })
        .collect()
}

/// The form's values as the form shows them back.
pub fn form_values(fields: Vec<(String, String)>) -> HashMap<String, String> {
    fields.into_iter().filter(|(k, _)| k != "csrf").collect()
}

#[cfg(test)]
mod please_enter_tests {
    use super::please_enter;
    use crate::i18n::Lang;

    #[test]
    fn an_empty_field_is_asked_for_by_its_name() {
        assert_eq!(please_enter("organization", Lang::Vi), "Vui lòng nhập tên chủ thể");
        assert_eq!(please_enter("products[0].name", Lang::Vi), "Vui lòng nhập tên sản phẩm");
        assert_eq!(please_enter("address.commune", Lang::Vi), "Vui lòng nhập xã, phường");
        assert_eq!(please_enter("phone", Lang::En), "Please enter mobile phone");
        assert_eq!(please_enter("something_else", Lang::Vi), "Vui lòng điền mục này");
    }
}
