//! A district office's Excel list of producers entered as applications: the organizer
//! uploads the sheet (XLSX or CSV), sees every row checked — ready, already entered, or
//! what is wrong by line and column — and confirms; the ready rows become applications
//! entered by the organizer, each exactly once however often the list is confirmed.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::{Application, FairId};
use hoicho_projections::{fold, FairView, Projections};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::domain::registration::By;
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, query_value, to_login, Frame};
use crate::web::kit::write::form_mark;
use crate::web::registrations::api::context;

/// The columns the list may have, by the field each fills: the first header (compared
/// without case or diacritics) naming one of its words wins.
const COLUMNS: &[(&str, &[&str])] = &[
    (
        "organization",
        &["ten chu the", "ten co so", "ten don vi", "chu the", "organization"],
    ),
    ("producer_type", &["loai hinh", "producer type", "producer_type"]),
    ("tax_code", &["ma so thue", "mst", "tax code", "tax_code"]),
    ("representative", &["nguoi dai dien", "dai dien", "representative"]),
    ("phone", &["dien thoai", "so dien thoai", "sdt", "phone"]),
    ("email", &["email", "thu dien tu"]),
    ("address.line", &["dia chi", "thon", "address"]),
    ("address.commune", &["xa", "phuong", "commune"]),
    ("address.province", &["tinh", "province"]),
    ("address.legacy_district", &["huyen", "district"]),
    ("product.name", &["san pham", "ten san pham", "product"]),
    ("product.group", &["nhom", "group"]),
    ("product.stars", &["hang sao", "sao", "stars"]),
    (
        "product.certificate_no",
        &["so giay chung nhan", "so gcn", "giay chung nhan", "certificate"],
    ),
    (
        "product.certificate_expires",
        &["han giay chung nhan", "han gcn", "ngay het han", "expires"],
    ),
    ("booth_request.count", &["so gian", "booths"]),
];

/// Which field a header names, if any.
fn column_field(header: &str) -> Option<&'static str> {
    let header = fold(header).trim().to_owned();
    // The most specific name first: "hạn giấy chứng nhận" before "giấy chứng nhận".
    let mut best: Option<(&'static str, usize)> = None;
    for (field, names) in COLUMNS {
        for name in *names {
            let hit =
                header == *name || header.starts_with(&format!("{name} ")) || header.starts_with(&format!("{name},"));
            if hit && best.is_none_or(|(_, len)| name.len() > len) {
                best = Some((field, name.len()));
            }
        }
    }
    best.map(|(field, _)| field)
}

/// "HTX", "Hợp tác xã", "Hộ kinh doanh", … or the API's code.
fn producer_type(text: &str) -> String {
    let t = fold(text);
    let code = match t.trim() {
        "htx" | "hop tac xa" => "htx",
        "tht" | "to hop tac" => "to_hop_tac",
        "hkd" | "ho kinh doanh" | "ho" | "ho gia dinh" => "ho_kinh_doanh",
        "dn" | "doanh nghiep" | "cong ty" => "doanh_nghiep",
        "ca nhan" => "ca_nhan",
        other => return other.replace(' ', "_"),
    };
    code.to_owned()
}

/// A date as an office writes it: 31/12/2027, 2027-12-31, or an Excel day number.
fn date(text: &str) -> String {
    let t = text.trim();
    if let Ok(serial) = t.parse::<f64>() {
        if (20_000.0..80_000.0).contains(&serial) {
            let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
            return (base + chrono::Duration::days(serial as i64)).to_string();
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y") {
        return d.to_string();
    }
    t.to_owned()
}

/// One row of the list, checked.
pub struct Row {
    /// The sheet's line number (the header is line 1).
    pub line: usize,
    pub organization: String,
    pub outcome: Outcome,
}

pub enum Outcome {
    Ready(Box<Application>),
    /// The same organization with the same phone is at the fair already.
    Entered,
    /// (column, problem)
    Problems(Vec<(String, String)>),
}

/// The list read and each row checked against the fair; or what is wrong with the whole.
pub fn read(csv_text: &str, p: &Projections, fair: &FairView, lang: Lang) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let fields: Vec<Option<&str>> = headers.iter().map(column_field).collect();
    for required in ["organization", "phone", "product.name"] {
        if !fields.contains(&Some(required)) {
            return Err(lang.t(&format!("import.needs.{required}")).to_owned());
        }
    }
    let known: Vec<(String, String)> = p
        .registrations
        .of_fair(&fair.id)
        .map(|r| (fold(&r.application.organization), r.application.phone.clone()))
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| e.to_string())?;
        let mut values: HashMap<&str, String> = HashMap::new();
        for (field, cell) in fields.iter().zip(record.iter()) {
            if let Some(field) = field {
                if !cell.trim().is_empty() {
                    values.entry(field).or_insert_with(|| cell.trim().to_owned());
                }
            }
        }
        if values.is_empty() {
            continue; // a blank line
        }
        let get = |k: &str| values.get(k).cloned();
        let mut root = Map::new();
        for key in ["organization", "tax_code", "representative", "phone", "email"] {
            if let Some(v) = get(key) {
                root.insert(key.into(), json!(v));
            }
        }
        // A household list often names no representative: the organization is the person.
        if get("representative").is_none() {
            if let Some(name) = get("organization") {
                root.insert("representative".into(), json!(name));
            }
        }
        root.insert(
            "producer_type".into(),
            json!(get("producer_type").map_or("ho_kinh_doanh".to_owned(), |t| producer_type(&t))),
        );
        root.insert("language".into(), json!("vi"));
        let mut address = Map::new();
        for key in ["line", "commune", "province", "legacy_district"] {
            if let Some(v) = get(&format!("address.{key}")) {
                address.insert(key.into(), json!(v));
            }
        }
        if !address.contains_key("province") {
            if let Some(province) = fair_province(fair) {
                address.insert("province".into(), json!(province));
            }
        }
        root.insert("address".into(), Value::Object(address));
        let mut product = Map::new();
        product.insert("name".into(), json!(get("product.name")));
        product.insert(
            "group".into(),
            json!(get("product.group").map_or("I".to_owned(), |g| g.to_uppercase())),
        );
        let stars = get("product.stars").map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>());
        product.insert(
            "stars".into(),
            stars
                .and_then(|s| s.parse::<u8>().ok())
                .map_or(Value::Null, |s| json!(s)),
        );
        if let Some(no) = get("product.certificate_no") {
            product.insert("certificate_no".into(), json!(no));
        }
        if let Some(exp) = get("product.certificate_expires") {
            product.insert("certificate_expires".into(), json!(date(&exp)));
        }
        root.insert("products".into(), json!([Value::Object(product)]));
        let count = get("booth_request.count").map_or(json!(1), |c| c.parse::<i64>().map_or(json!(c), |n| json!(n)));
        root.insert("booth_request".into(), json!({"count": count}));
        let organization = get("organization").unwrap_or_default();
        let outcome = match crate::web::registrations::input::parse(&Value::Object(root), &context(fair), lang) {
            Ok(application) => {
                let key = (fold(&application.organization), application.phone.clone());
                if known.contains(&key) {
                    Outcome::Entered
                } else {
                    Outcome::Ready(Box::new(application))
                }
            }
            Err(err) => {
                let mut problems: Vec<(String, String)> = err
                    .body
                    .fields
                    .iter()
                    .map(|(field, message)| (column_name(field, &headers, &fields, lang), message.clone()))
                    .collect();
                if problems.is_empty() {
                    problems.push((String::new(), err.body.message.clone()));
                }
                Outcome::Problems(problems)
            }
        };
        rows.push(Row {
            line,
            organization,
            outcome,
        });
    }
    Ok(rows)
}

/// The province a fair is held in, from its venue ("…, TP Hà Tĩnh" → none; only a venue
/// naming "tỉnh X" gives X). Most lists are of one province's producers and leave it out.
fn fair_province(fair: &FairView) -> Option<String> {
    let venue = &fair.details.venue;
    let folded = fold(venue);
    let at = folded.find("tinh ")?;
    // `fold` keeps one character per character, so the index maps back.
    let start = venue.char_indices().nth(folded[..at].chars().count() + 5)?.0;
    let name: String = venue[start..].split(',').next()?.trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// The sheet's own header for an application field, or the field's name.
fn column_name(field: &str, headers: &csv::StringRecord, fields: &[Option<&str>], lang: Lang) -> String {
    let wanted = match field.strip_prefix("products[0].") {
        Some(rest) => format!("product.{rest}"),
        None => field.to_owned(),
    };
    fields
        .iter()
        .position(|f| *f == Some(wanted.as_str()))
        .and_then(|i| headers.get(i))
        .map_or_else(
            || {
                let key = format!("field.{}", wanted.rsplit('.').next().unwrap_or(&wanted));
                match lang.t(&key) {
                    same if same == key => field.to_owned(),
                    label => label.to_owned(),
                }
            },
            str::to_owned,
        )
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    csv: String,
    message: Option<String>,
    /// (line, organization, status word, status class, details)
    rows: Vec<(usize, String, String, &'static str, String)>,
    ready: usize,
    done: Option<String>,
}

fn page(req: &HttpRequest, fair: &FairView) -> ImportPage {
    let frame = Frame::of(req);
    ImportPage {
        lang: frame.lang,
        signed_in: frame.signed_in,
        switch_url: frame.switch_url,
        fair_id: fair.id.to_string(),
        fair_name: fair.details.name.clone(),
        csrf: csrf_token(req),
        csv: String::new(),
        message: None,
        rows: Vec::new(),
        ready: 0,
        done: None,
    }
}

pub async fn form(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let p = state.read();
    let Some(view) = p.fairs.get(&fair) else {
        return not_found_page(&req, "fair.not_found");
    };
    let mut page = page(&req, view);
    page.done = query_value(&req, "entered").map(|n| page.lang.t("import.entered").replace("{n}", &n));
    drop(p);
    render_form(StatusCode::OK, page.lang, &page, &page.csrf)
}

pub async fn submit(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let csv_text = crate::spreadsheet::uploaded(&get("csv"), &get("xlsx"));
    let (checked, fair_id, open) = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let mut page = page(&req, view);
        let csv_text = match csv_text {
            Ok(text) => text,
            Err(problem) => {
                tracing::info!(error = %problem, "an imported list could not be read");
                page.message = Some(lang.t("plan.bad_workbook").to_owned());
                drop(p);
                return render_form(StatusCode::UNPROCESSABLE_ENTITY, page.lang, &page, &page.csrf);
            }
        };
        page.csv = csv_text.clone();
        if !csrf_ok(&req, &get("csrf")) {
            page.message = Some(lang.t("login.expired").to_owned());
            drop(p);
            return render_form(StatusCode::FORBIDDEN, page.lang, &page, &page.csrf);
        }
        if csv_text.trim().is_empty() {
            page.message = Some(lang.t("import.empty").to_owned());
            drop(p);
            return render_form(StatusCode::UNPROCESSABLE_ENTITY, page.lang, &page, &page.csrf);
        }
        let rows = match read(&csv_text, &p, view, lang) {
            Ok(rows) => rows,
            Err(problem) => {
                page.message = Some(problem);
                drop(p);
                return render_form(StatusCode::UNPROCESSABLE_ENTITY, page.lang, &page, &page.csrf);
            }
        };
        if get("action") != "confirm" {
            page.ready = rows.iter().filter(|r| matches!(r.outcome, Outcome::Ready(_))).count();
            page.rows = rows
                .iter()
                .map(|r| {
                    let (word, class, details) = match &r.outcome {
                        Outcome::Ready(a) => (
                            lang.t("import.ready"),
                            "approved",
                            format!("{} · {}", crate::i18n::phone_vn(&a.phone), a.products[0].name),
                        ),
                        Outcome::Entered => (lang.t("import.already"), "withdrawn", String::new()),
                        Outcome::Problems(problems) => (
                            lang.t("import.problem"),
                            "rejected",
                            problems
                                .iter()
                                .map(|(column, message)| {
                                    if column.is_empty() {
                                        message.clone()
                                    } else {
                                        format!("{column}: {message}")
                                    }
                                })
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                    };
                    (r.line, r.organization.clone(), word.to_owned(), class, details)
                })
                .collect();
            let status = if page.rows.iter().any(|r| r.3 == "rejected") {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            drop(p);
            return render_form(status, page.lang, &page, &page.csrf);
        }
        (rows, view.id.clone(), view.registration_open(chrono::Utc::now()))
    };
    let entered = enter(&state, &organizer, &fair_id, checked, open).await;
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!(
                "/organizer/fairs/{fair_id}/registrations/import?entered={entered}&lang={}",
                lang.code()
            ),
        ))
        .finish()
}

/// Enters the ready rows; each row's content keys its write, so confirming the same list
/// twice (or two organizers at once) enters it once. How many were entered now.
async fn enter(
    state: &AppState,
    organizer: &crate::web::kit::extract::Organizer,
    fair: &FairId,
    rows: Vec<Row>,
    open: bool,
) -> usize {
    let mut entered = 0;
    for row in rows {
        let Outcome::Ready(application) = row.outcome else {
            continue;
        };
        let mut ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
        let body = serde_json::to_string(&application).unwrap_or_default();
        let fields = [("application", body.as_str())];
        let mark = form_mark(&format!("fair:{fair}"), String::new(), &fields);
        ctx.idempotency = Some(hoicho_events::IdempotencyMark {
            key: format!("import:{fair}:{}", mark.request_hash),
            ..mark
        });
        if let Ok(Some(_)) = crate::web::kit::write::replay(state, &ctx).await {
            continue;
        }
        match service::registrations::submit(state, &ctx, fair.clone(), *application, By::Organizer, open).await {
            Ok(_) => entered += 1,
            Err(err) => tracing::info!(line = row.line, error = %err, "an imported row was not entered"),
        }
    }
    entered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_by_their_words_without_diacritics() {
        assert_eq!(column_field("Tên chủ thể"), Some("organization"));
        assert_eq!(column_field("Số điện thoại"), Some("phone"));
        assert_eq!(column_field("Hạn giấy chứng nhận"), Some("product.certificate_expires"));
        assert_eq!(column_field("Giấy chứng nhận"), Some("product.certificate_no"));
        assert_eq!(column_field("Xã, phường"), Some("address.commune"));
        assert_eq!(column_field("Huyện (cũ)"), Some("address.legacy_district"));
        assert_eq!(column_field("Ghi chú"), None);
    }

    #[test]
    fn types_and_dates_read_as_offices_write_them() {
        assert_eq!(producer_type("Hợp tác xã"), "htx");
        assert_eq!(producer_type("Hộ kinh doanh"), "ho_kinh_doanh");
        assert_eq!(date("31/12/2027"), "2027-12-31");
        assert_eq!(date("46752"), "2027-12-31");
        assert_eq!(date("2027-12-31"), "2027-12-31");
    }
}
