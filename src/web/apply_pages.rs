//! The exhibitor's pages: the application form (phone first), and the private page behind
//! the access token where the application is followed, amended and withdrawn.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::{streams, Actor, Application, IdempotencyMark, RegistrationId};
use hoicho_projections::FairView;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::i18n::{date_vn, datetime_vn, Lang};
use super::pages::{csrf_cookie, csrf_ok, csrf_token, not_found_page, render, with_csrf, Frame};
use super::registrations::{context, history, registration_for_token, warnings_text, HistoryEntry};
use crate::app::AppState;
use crate::domain::registration::{decide, By, RegistrationCommand, RegistrationState};
use crate::domain::{execute, CommandContext};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/apply", web::get().to(form))
        .route("/fairs/{fair}/apply", web::post().to(submit))
        .route("/r/{token}", web::get().to(mine))
        .route("/r/{token}/edit", web::get().to(edit_form))
        .route("/r/{token}/edit", web::post().to(edit))
        .route("/r/{token}/withdraw", web::post().to(withdraw));
}

/// Product rows the form offers.
const ROWS: usize = 3;

/// Producer rows the form offers a delegation.
const PRODUCER_ROWS: usize = 4;

const PRODUCER_TYPES: &[(&str, &str)] = &[
    ("htx", "pt.htx"),
    ("to_hop_tac", "pt.to_hop_tac"),
    ("ho_kinh_doanh", "pt.ho_kinh_doanh"),
    ("doanh_nghiep", "pt.doanh_nghiep"),
    ("ca_nhan", "pt.ca_nhan"),
    ("doan", "pt.doan"),
];

const GROUPS: &[(&str, &str)] = &[
    ("I", "group.I"),
    ("II", "group.II"),
    ("III", "group.III"),
    ("IV", "group.IV"),
    ("V", "group.V"),
    ("VI", "group.VI"),
];

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    title: String,
    submit: String,
    action: String,
    fair_name: String,
    csrf: String,
    values: HashMap<String, String>,
    /// By the API's field names (`products[1].name`), in the form's row numbering.
    errors: BTreeMap<String, String>,
    rows: Vec<usize>,
    producer_rows: Vec<usize>,
    zones: Vec<(String, String)>,
    kinds: Vec<String>,
    producer_types: &'static [(&'static str, &'static str)],
    /// A delegation's producers are not delegations themselves.
    member_types: &'static [(&'static str, &'static str)],
    groups: &'static [(&'static str, &'static str)],
}

impl ApplyPage {
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    fn pis(&self, row: &usize, field: &str, value: &str) -> bool {
        self.pv(row, field) == value
    }

    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    /// The first error of any field under `prefix` (a list's items).
    fn e_prefix(&self, prefix: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.as_str())
    }

    fn pv(&self, row: &usize, field: &str) -> &str {
        self.values
            .get(&format!("products.{row}.{field}"))
            .map_or("", String::as_str)
    }

    fn pe(&self, row: &usize, field: &str) -> Option<&str> {
        self.errors.get(&format!("products[{row}].{field}")).map(String::as_str)
    }

    /// A delegation's producer row: its value, error and selection.
    fn rv(&self, row: &usize, field: &str) -> &str {
        self.values
            .get(&format!("producers.{row}.{field}"))
            .map_or("", String::as_str)
    }

    fn re(&self, row: &usize, field: &str) -> Option<&str> {
        self.errors
            .get(&format!("producers[{row}].{field}"))
            .map(String::as_str)
    }

    fn ris(&self, row: &usize, field: &str, value: &str) -> bool {
        self.rv(row, field) == value
    }

    fn kind_name(&self, kind: &str) -> String {
        let key = format!("kind.{kind}");
        match self.lang.t(&key) {
            same if same == key => kind.to_owned(),
            text => text.to_owned(),
        }
    }

    /// A field's label for the list of problems at the top of the form.
    fn label(&self, field: &str) -> String {
        let (base, row) = match field.split_once('[') {
            Some((list, rest)) => {
                let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
                (format!("{list}{tail}"), index.parse::<usize>().ok())
            }
            None => (field.to_owned(), None),
        };
        let key = match base.as_str() {
            "address.commune" => "field.commune",
            "address.province" => "field.province",
            "address.line" => "field.address_line",
            "address.legacy_district" => "field.legacy_district",
            "products.name" => "field.product_name",
            "products.group" => "field.group",
            "products.stars" => "field.stars",
            "products.certificate_no" => "field.certificate_no",
            "products.certificate_expires" => "field.certificate_expires",
            "products" => "apply.products",
            "producers" => "apply.producers",
            "producers.organization" => "field.organization",
            "producers.tax_code" => "field.tax_code",
            "producers.producer_type" => "field.producer_type",
            "producers.products[0].name" => "field.product_name",
            "producers.products[0].certificate_no" => "field.certificate_no",
            "producers.products[0].certificate_expires" => "field.certificate_expires",
            "producers.products[0].stars" => "field.stars",
            "booth_request.count" => "field.booth_count",
            "booth_request.zone" => "field.zone",
            "booth_request.kind" => "field.kind",
            "booth_request.preferred_booths" => "field.preferred_booths",
            "booth_request.note" => "field.note",
            other => return self.field_label(other),
        };
        let label = self.lang.t(key).to_owned();
        match (base.split('.').next(), row) {
            (Some("products"), Some(i)) if base.contains('.') => {
                format!("{} {} — {label}", self.lang.t("apply.product"), i + 1)
            }
            (Some("producers"), Some(i)) if base.contains('.') => {
                format!("{} {} — {label}", self.lang.t("apply.producer_row"), i + 1)
            }
            _ => label,
        }
    }

    fn field_label(&self, field: &str) -> String {
        let key = format!("field.{field}");
        match self.lang.t(&key) {
            same if same == key => field.to_owned(),
            text => text.to_owned(),
        }
    }
}

fn page_for(fair: &FairView, frame: Frame, csrf: String, action: String, amend: bool) -> ApplyPage {
    let lang = frame.lang;
    let mut kinds: Vec<String> = fair.booths.values().map(|b| b.booth.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    ApplyPage {
        lang,
        signed_in: frame.signed_in,
        switch_url: frame.switch_url,
        title: lang
            .t(if amend { "apply.amend_title" } else { "apply.title" })
            .to_owned(),
        submit: lang
            .t(if amend { "apply.amend_submit" } else { "apply.submit" })
            .to_owned(),
        action,
        fair_name: fair.details.name.clone(),
        csrf,
        values: HashMap::from([("booth_request.count".to_owned(), "1".to_owned())]),
        errors: BTreeMap::new(),
        rows: (0..ROWS).collect(),
        producer_rows: (0..PRODUCER_ROWS).collect(),
        zones: fair
            .zones
            .values()
            .map(|z| (z.code.to_string(), z.name.clone()))
            .collect(),
        kinds,
        producer_types: PRODUCER_TYPES,
        member_types: &PRODUCER_TYPES[..PRODUCER_TYPES.len() - 1],
        groups: GROUPS,
    }
}

async fn form(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    let csrf = csrf_token(&req);
    let page = {
        let projections = state.read();
        let Some(view) = projections.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let mut page = page_for(
            view,
            Frame::of(&req),
            csrf.clone(),
            format!("/fairs/{fair}/apply?lang={}", Lang::of(&req).code()),
            false,
        );
        if !view.registration_open(chrono::Utc::now()) {
            page.errors
                .insert("registration".into(), page.lang.t("apply.closed").into());
        }
        page
    };
    with_csrf(render(StatusCode::OK, page.lang, &page), &csrf)
}

/// The form's fields as the API's JSON. Empty product rows are left out; the second value
/// maps the JSON's product indexes back to the form's rows.
fn form_json(fields: &[(String, String)], lang: Lang) -> (Value, Rows) {
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
struct Rows {
    products: Vec<usize>,
    producers: Vec<usize>,
}

/// The errors of a 422 with list indexes turned back into form rows.
fn form_errors(err: &ApiError, rows: &Rows) -> BTreeMap<String, String> {
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
            let field = to_row(field, "products", &rows.products)
                .or_else(|| to_row(field, "producers", &rows.producers))
                .unwrap_or_else(|| field.clone());
            (field, message.clone())
        })
        .collect()
}

/// The form's values as the form shows them back.
fn form_values(fields: Vec<(String, String)>) -> HashMap<String, String> {
    fields.into_iter().filter(|(k, _)| k != "csrf").collect()
}

/// A form post counts as an idempotent request keyed by its CSRF token: a double tap on
/// "send" over a flaky connection makes one application, and both taps get its page.
fn form_context(actor: Actor, principal: &str, csrf: &str, fields: &[(String, String)]) -> CommandContext {
    let mut ctx = CommandContext::new(actor, chrono::Utc::now());
    let mut hash = Sha256::new();
    for (k, v) in fields.iter().filter(|(k, _)| k != "csrf") {
        hash.update(k.as_bytes());
        hash.update([0]);
        hash.update(v.as_bytes());
        hash.update([0]);
    }
    ctx.idempotency = Some(IdempotencyMark {
        principal: principal.to_owned(),
        key: format!("form:{csrf}"),
        request_hash: hex::encode(hash.finalize()),
    });
    ctx
}

async fn submit(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    fields: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let fields = fields.into_inner();
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let submitted_csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let csrf = csrf_token(&req);
    let organizer = super::extract::organizer_of(&req);
    let action = format!("/fairs/{fair}/apply?lang={}", lang.code());
    // The form again, with what was typed and what is wrong.
    let again = |status: StatusCode, errors: BTreeMap<String, String>, values: HashMap<String, String>| {
        let projections = state.read();
        match projections.fairs.get(&fair) {
            Some(view) => {
                let mut page = page_for(view, Frame::of(&req), csrf.clone(), action.clone(), false);
                page.values = values;
                page.errors = errors;
                with_csrf(render(status, lang, &page), &csrf)
            }
            None => not_found_page(&req, "fair.not_found"),
        }
    };
    if !csrf_ok(&req, &submitted_csrf) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())]);
        return again(StatusCode::FORBIDDEN, errors, form_values(fields));
    }
    if organizer.is_none() {
        if let Err(err) = super::limits::public_post(&req) {
            return again(
                err.status,
                BTreeMap::from([("form".to_owned(), err.body.message)]),
                form_values(fields),
            );
        }
    }
    let (value, rows) = form_json(&fields, lang);
    let parsed = {
        let projections = state.read();
        let Some(view) = projections.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        super::application::parse(&value, &context(view), lang)
            .map(|a| (a, view.id.clone(), view.registration_open(chrono::Utc::now())))
    };
    let (application, fair_id, open) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_errors(&err, &rows),
                form_values(fields),
            )
        }
    };
    let (actor, principal, by) = match &organizer {
        Some(o) => (o.actor(), o.principal(), By::Organizer),
        None => (Actor::Public, "public".to_owned(), By::Public),
    };
    let ctx = form_context(actor, &principal, &submitted_csrf, &fields);
    let token = crate::auth::access_token(&state.secret, &super::registrations::new_registration_id(&ctx));
    let to_private = |token: &str| {
        // A fresh CSRF token: the next application from this phone is a new request.
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/r/{token}?submitted=1&lang={}", lang.code())))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .cookie(csrf_cookie(&crate::auth::random_token(24)))
            .finish()
    };
    if let Ok(Some(_)) = super::write::replay(&state, &ctx).await {
        return to_private(&token);
    }
    match super::registrations::submit(&state, &ctx, fair_id, application, by, open).await {
        Ok((_, token)) => to_private(&token),
        Err(err) => {
            let err = ApiError::from(err);
            again(
                err.status,
                BTreeMap::from([("form".to_owned(), localized(&err, lang))]),
                form_values(fields),
            )
        }
    }
}

/// A domain error's message for people, in their language where hoicho knows it.
fn localized(err: &ApiError, lang: Lang) -> String {
    match err.body.code.as_str() {
        "registration_closed" => lang.t("apply.closed").to_owned(),
        _ => err.body.message.clone(),
    }
}

#[derive(Template)]
#[template(path = "mine.html")]
struct MinePage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    just_submitted: bool,
    private_url: String,
    csrf: String,
    fair_name: String,
    organization: String,
    status: &'static str,
    status_text: String,
    approved_booths: u32,
    reason: Option<String>,
    warnings: Vec<String>,
    representative: String,
    phone: String,
    email: String,
    address: String,
    booth_request: String,
    products: Vec<String>,
    history: Vec<String>,
    can_amend: bool,
    can_withdraw: bool,
    /// The booths it holds, for the link to record sales.
    booths: String,
}

/// Marks a page reached through a private link: no referrer leaves it, nothing caches it,
/// and a search engine that is handed the link (pasted into a public post, say) keeps it out
/// of its results.
pub(super) fn private(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

/// One product as the application pages list it.
pub(super) fn product_line(p: &hoicho_events::Product, lang: Lang) -> String {
    let mut line = format!("{} — {} {}", p.name, lang.t("field.group"), p.group);
    match p.stars {
        Some(stars) => {
            line.push_str(&format!(" · {stars} ★"));
            if let (Some(no), Some(exp)) = (&p.certificate_no, p.certificate_expires) {
                line.push_str(&format!(" · {no} ({})", date_vn(exp)));
            }
        }
        None => line.push_str(&format!(" · {}", lang.t("stars.none"))),
    }
    line
}

async fn mine(state: Data<AppState>, req: HttpRequest, token: Path<String>) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let history = history(&state, id).await.unwrap_or_default();
    let csrf = csrf_token(&req);
    let page = {
        let projections = state.read();
        let Some(view) = projections.registrations.get(&id) else {
            return private(not_found_page(&req, "mine.not_found"));
        };
        let fair = projections.fairs.get(view.fair_id.as_str());
        let zone = fair.map_or("UTC", |f| f.details.time_zone.as_str());
        let a = &view.application;
        let status = view.status.as_str();
        let mut address: Vec<&str> = Vec::new();
        address.extend(a.address.line.as_deref());
        address.push(&a.address.commune);
        address.extend(a.address.legacy_district.as_deref());
        address.push(&a.address.province);
        let mut products: Vec<String> = a.products.iter().map(|p| product_line(p, lang)).collect();
        for producer in &a.producers {
            products.extend(
                producer
                    .products
                    .iter()
                    .map(|p| format!("{}: {}", producer.organization, product_line(p, lang))),
            );
        }
        MinePage {
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            just_submitted: req.query_string().contains("submitted=1"),
            private_url: format!("/r/{}", token.as_str()),
            csrf: csrf.clone(),
            fair_name: fair.map(|f| f.details.name.clone()).unwrap_or_default(),
            organization: a.organization.clone(),
            status,
            status_text: lang.t(&format!("status.{status}")).to_owned(),
            approved_booths: view.approved_booths,
            reason: view.reason.clone(),
            warnings: warnings_text(a, fair, lang),
            representative: a.representative.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
            address: address.join(", "),
            booth_request: booth_text(a, lang),
            products,
            history: history.iter().map(|h| history_line(h, zone, lang)).collect(),
            can_amend: status == "submitted",
            can_withdraw: matches!(status, "submitted" | "approved" | "waitlisted"),
            booths: fair
                .map(|f| {
                    f.held_by(&id)
                        .iter()
                        .map(|b| b.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        }
    };
    private(with_csrf(render(StatusCode::OK, lang, &page), &csrf))
}

/// One step of an application's history, for people, in the fair's time zone.
pub(super) fn history_line(h: &HistoryEntry, zone: &str, lang: Lang) -> String {
    let mut line = format!(
        "{} — {} ({})",
        datetime_vn(h.at, zone),
        lang.t(&format!("ev.{}", h.event)),
        lang.t(&format!("by.{}", h.by))
    );
    if let Some(booths) = h.booths {
        line.push_str(&format!(": {booths} {}", lang.t("fair.booth_count")));
    }
    if let Some(reason) = &h.reason {
        line.push_str(&format!(": {reason}"));
    }
    line
}

fn booth_text(a: &Application, lang: Lang) -> String {
    let r = &a.booth_request;
    let mut text = format!("{}", r.count);
    if let Some(zone) = &r.zone {
        text.push_str(&format!(" · {} {zone}", lang.t("booth.zone")));
    }
    if let Some(kind) = &r.kind {
        text.push_str(&format!(" · {kind}"));
    }
    if !r.preferred_booths.is_empty() {
        let codes: Vec<&str> = r.preferred_booths.iter().map(|b| b.as_str()).collect();
        text.push_str(&format!(" · {}", codes.join(", ")));
    }
    if r.needs_power {
        text.push_str(&format!(" · {}", lang.t("field.needs_power")));
    }
    text
}

/// The form values that show an application for amending.
fn values_of(a: &Application) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.insert(k.to_owned(), val);
        }
    };
    put("organization", Some(a.organization.clone()));
    put(
        "producer_type",
        serde_json::to_value(a.producer_type)
            .ok()
            .and_then(|t| t.as_str().map(str::to_owned)),
    );
    put("tax_code", a.tax_code.clone());
    put("representative", Some(a.representative.clone()));
    put("phone", Some(a.phone.clone()));
    put("email", Some(a.email.clone()));
    put("address.line", a.address.line.clone());
    put("address.commune", Some(a.address.commune.clone()));
    put("address.province", Some(a.address.province.clone()));
    put("address.legacy_district", a.address.legacy_district.clone());
    for (i, p) in a.products.iter().take(ROWS).enumerate() {
        put(&format!("products.{i}.name"), Some(p.name.clone()));
        put(&format!("products.{i}.group"), Some(p.group.clone()));
        put(&format!("products.{i}.stars"), p.stars.map(|s| s.to_string()));
        put(&format!("products.{i}.certificate_no"), p.certificate_no.clone());
        put(
            &format!("products.{i}.certificate_expires"),
            p.certificate_expires.map(|d| d.to_string()),
        );
    }
    for (j, producer) in a.producers.iter().take(PRODUCER_ROWS).enumerate() {
        put(
            &format!("producers.{j}.organization"),
            Some(producer.organization.clone()),
        );
        put(
            &format!("producers.{j}.producer_type"),
            serde_json::to_value(producer.producer_type)
                .ok()
                .and_then(|t| t.as_str().map(str::to_owned)),
        );
        put(&format!("producers.{j}.tax_code"), producer.tax_code.clone());
        if let Some(p) = producer.products.first() {
            put(&format!("producers.{j}.product.name"), Some(p.name.clone()));
            put(&format!("producers.{j}.product.group"), Some(p.group.clone()));
            put(&format!("producers.{j}.product.stars"), p.stars.map(|s| s.to_string()));
            put(
                &format!("producers.{j}.product.certificate_no"),
                p.certificate_no.clone(),
            );
            put(
                &format!("producers.{j}.product.certificate_expires"),
                p.certificate_expires.map(|d| d.to_string()),
            );
        }
    }
    let r = &a.booth_request;
    put("booth_request.count", Some(r.count.to_string()));
    put("booth_request.zone", r.zone.as_ref().map(|z| z.to_string()));
    put("booth_request.kind", r.kind.clone());
    put(
        "booth_request.preferred_booths",
        Some(
            r.preferred_booths
                .iter()
                .map(|b| b.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    );
    put("booth_request.needs_power", r.needs_power.then(|| "on".to_owned()));
    put("booth_request.note", r.note.clone());
    v
}

async fn edit_form(state: Data<AppState>, req: HttpRequest, token: Path<String>) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let csrf = csrf_token(&req);
    let page = {
        let projections = state.read();
        let view = projections.registrations.get(&id);
        let fair = view.and_then(|v| projections.fairs.get(v.fair_id.as_str()));
        let (Some(view), Some(fair)) = (view, fair) else {
            return private(not_found_page(&req, "mine.not_found"));
        };
        let mut page = page_for(
            fair,
            Frame::of(&req),
            csrf.clone(),
            format!("/r/{}/edit", token.as_str()),
            true,
        );
        page.values = values_of(&view.application);
        page
    };
    private(with_csrf(render(StatusCode::OK, page.lang, &page), &csrf))
}

async fn edit(
    state: Data<AppState>,
    req: HttpRequest,
    token: Path<String>,
    fields: Form<Vec<(String, String)>>,
) -> HttpResponse {
    let fields = fields.into_inner();
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let lang = Lang::of(&req);
    let csrf = csrf_token(&req);
    let submitted_csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (value, rows) = form_json(&fields, lang);
    let parsed = {
        let projections = state.read();
        let view = projections.registrations.get(&id);
        let fair = view.and_then(|v| projections.fairs.get(v.fair_id.as_str()));
        let Some(fair) = fair else {
            return private(not_found_page(&req, "mine.not_found"));
        };
        let checked = if csrf_ok(&req, &submitted_csrf) {
            super::application::parse(&value, &context(fair), lang)
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", lang.t("login.expired")))
        };
        checked.map_err(|err| {
            let mut page = page_for(
                fair,
                Frame::of(&req),
                csrf.clone(),
                format!("/r/{}/edit", token.as_str()),
                true,
            );
            page.errors = if err.body.fields.is_empty() {
                BTreeMap::from([("form".to_owned(), localized(&err, lang))])
            } else {
                form_errors(&err, &rows)
            };
            page.values = form_values(fields.clone());
            private(with_csrf(render(err.status, lang, &page), &csrf))
        })
    };
    let application = match parsed {
        Ok(application) => application,
        Err(page) => return page,
    };
    let ctx = CommandContext::new(
        Actor::Exhibitor {
            registration_id: id.to_string(),
        },
        chrono::Utc::now(),
    );
    let command = RegistrationCommand::Amend {
        application,
        by: By::Exhibitor,
    };
    finish_change(&state, &req, &token, id, ctx, command, lang).await
}

async fn finish_change(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    id: RegistrationId,
    ctx: CommandContext,
    command: RegistrationCommand,
    lang: Lang,
) -> HttpResponse {
    match execute::<RegistrationState, _>(&*state.store, &streams::registration(&id), &ctx, None, |s| {
        decide(s, &command)
    })
    .await
    {
        Ok(done) => {
            state.wait_for(done.position, std::time::Duration::from_secs(5)).await;
            private(
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/r/{token}?lang={}", lang.code())))
                    .finish(),
            )
        }
        Err(err) => {
            let err = ApiError::from(err);
            let _ = req;
            private(
                HttpResponse::build(err.status)
                    .content_type("text/plain; charset=utf-8")
                    .body(localized(&err, lang)),
            )
        }
    }
}

#[derive(serde::Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

async fn withdraw(
    state: Data<AppState>,
    req: HttpRequest,
    token: Path<String>,
    form: Form<WithdrawForm>,
) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let lang = Lang::of(&req);
    if !csrf_ok(&req, &form.csrf) || form.confirm != "yes" {
        return private(
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/r/{}?lang={}", token.as_str(), lang.code())))
                .finish(),
        );
    }
    let reason: String = form
        .reason
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect();
    let ctx = CommandContext::new(
        Actor::Exhibitor {
            registration_id: id.to_string(),
        },
        chrono::Utc::now(),
    );
    let command = RegistrationCommand::Withdraw {
        reason: (!reason.is_empty()).then_some(reason),
    };
    finish_change(&state, &req, &token, id, ctx, command, lang).await
}
