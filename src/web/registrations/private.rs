//! The exhibitor's private page behind the access token (`/r/{token}`): the application
//! followed through its history, amended and withdrawn.

use crate::app::AppState;
use crate::domain::registration::{By, RegistrationCommand, REASON_MAX_CHARS};
use crate::i18n::{date_vn, datetime_vn, Lang};
use crate::service::{self, CommandContext};
use crate::web::kit::error::ApiError;
use crate::web::kit::input::form_text;
use crate::web::kit::page::private;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, Frame};
use crate::web::registrations::api::{context, history, registration_for_token, warnings_text, HistoryEntry};
use crate::web::registrations::apply::localized;
use crate::web::registrations::apply::page_for;
use crate::web::registrations::form::form_errors;
use crate::web::registrations::form::form_json;
use crate::web::registrations::form::form_values;
use crate::web::registrations::form::PRODUCER_ROWS;
use crate::web::registrations::form::ROWS;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::{Actor, Application, RegistrationId};
use std::collections::{BTreeMap, HashMap};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/r/{token}", web::get().to(mine))
        .route("/r/{token}/edit", web::get().to(edit_form))
        .route("/r/{token}/edit", web::post().to(edit))
        .route("/r/{token}/withdraw", web::post().to(withdraw))
        .route("/r/{token}/new-link", web::post().to(new_link));
}

#[derive(Template)]
#[template(path = "mine.html")]
struct MinePage {
    /// The private link whole, to copy or share.
    full_url: String,
    /// The organizers' phone, for an exhibitor without email who loses the link.
    hotline: String,
    hotline_tel: String,
    /// When applications close, in the fair's zone.
    closes: String,
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    just_submitted: bool,
    /// The page was just opened through a new private link.
    new_link: bool,
    /// Back from an amendment: "Đã lưu".
    saved: bool,
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
    /// The booth fees, once it has held a booth.
    statement: Option<crate::web::fees::StatementCard>,
    receipt_base: String,
    statement_url: String,
    /// The booths it holds, for the link to record sales.
    booths: String,
}

/// One product as the application pages list it.
pub fn product_line(p: &hoicho_events::Product, lang: Lang) -> String {
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
            new_link: req.query_string().contains("new_link=1"),
            saved: req.query_string().contains("saved=1"),
            private_url: format!("/r/{}", token.as_str()),
            full_url: format!(
                "{}/r/{}{}",
                crate::web::kit::page::public_base(&req),
                token.as_str(),
                if lang == Lang::En { "?lang=en" } else { "" }
            ),
            hotline: fair.map(|f| f.details.contact_phone.clone()).unwrap_or_default(),
            hotline_tel: fair
                .map(|f| crate::web::kit::page::tel(&f.details.contact_phone))
                .unwrap_or_default(),
            closes: fair
                .map(|f| crate::i18n::datetime_vn(f.details.registration_closes_at, &f.details.time_zone))
                .unwrap_or_default(),
            csrf: csrf.clone(),
            fair_name: fair.map(|f| f.details.name.clone()).unwrap_or_default(),
            organization: a.organization.clone(),
            status,
            status_text: lang.t(&format!("status.{status}")).to_owned(),
            approved_booths: view.approved_booths,
            reason: view.reason.clone(),
            warnings: warnings_text(a, fair, lang),
            representative: a.representative.clone(),
            phone: crate::i18n::phone_vn(&a.phone),
            email: a.email.clone(),
            address: address.join(", "),
            booth_request: booth_text(a, lang),
            products,
            history: history.iter().map(|h| history_line(h, zone, lang)).collect(),
            can_amend: status == "submitted",
            can_withdraw: matches!(status, "submitted" | "approved" | "waitlisted"),
            statement: crate::web::fees::card(&projections, &view.fair_id, &id, chrono::Utc::now(), lang),
            receipt_base: format!("/r/{}/receipts", token.as_str()),
            statement_url: format!("/r/{}/statement", token.as_str()),
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
    // The fees' VietQR code is drawn once the projections' lock is let go.
    let page = MinePage {
        statement: page.statement.map(crate::web::fees::StatementCard::drawn),
        ..page
    };
    private(render_form(StatusCode::OK, lang, &page, &csrf))
}

/// One step of an application's history, for people, in the fair's time zone.
pub fn history_line(h: &HistoryEntry, zone: &str, lang: Lang) -> String {
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
    if !h.changed.is_empty() {
        let fields: Vec<String> = h
            .changed
            .iter()
            .filter(|f| f.as_str() != "language")
            .map(|f| changed_label(f, lang))
            .collect();
        if !fields.is_empty() {
            line.push_str(&format!(": {} {}", lang.t("mine.changed"), fields.join(", ")));
        }
    }
    line
}

/// A changed field's name in a sentence ("số điện thoại", "sản phẩm tham gia").
fn changed_label(field: &str, lang: Lang) -> String {
    let key = match field {
        "address" => "apply.address".to_owned(),
        "products" => "apply.products".to_owned(),
        "producers" => "apply.producers".to_owned(),
        "booth_request" => "apply.booth".to_owned(),
        other => format!("field.{other}"),
    };
    match lang.t(&key) {
        label if label == key => field.to_owned(),
        label => crate::i18n::in_sentence(label),
    }
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
    put("producer_type", Some(a.producer_type.code().to_owned()));
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
    private(render_form(StatusCode::OK, page.lang, &page, &csrf))
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
    let add_row = fields
        .iter()
        .any(|(k, v)| k == "add" && matches!(v.as_str(), "products" | "producers"));
    let parsed = {
        let projections = state.read();
        let view = projections.registrations.get(&id);
        let fair = view.and_then(|v| projections.fairs.get(v.fair_id.as_str()));
        let Some(fair) = fair else {
            return private(not_found_page(&req, "mine.not_found"));
        };
        let checked = if add_row {
            // "+ Thêm sản phẩm" without JavaScript: the form again with a row more.
            Err(ApiError::new(StatusCode::OK, "add_row", ""))
        } else if csrf_ok(&req, &submitted_csrf) {
            crate::web::registrations::input::parse(&value, &context(fair), lang)
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
            page.errors = if add_row {
                BTreeMap::new()
            } else if err.body.fields.is_empty() {
                BTreeMap::from([("form".to_owned(), localized(&err, lang))])
            } else {
                form_errors(&err, &rows, lang)
            };
            page.values = form_values(fields.clone());
            private(render_form(err.status, lang, &page, &csrf))
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
    // The private page says what was done: "Đã lưu" after an amendment.
    let done = match command {
        RegistrationCommand::Amend { .. } => "saved=1&",
        _ => "",
    };
    match service::registrations::run(state, &ctx, &id, None, &command).await {
        Ok(_) => private(
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/r/{token}?{done}lang={}", lang.code())))
                .finish(),
        ),
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

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The exhibitor replaces its own link (it leaked, or was shared too widely): the old one
/// stops working at once, the new one opens the page and is emailed.
async fn new_link(state: Data<AppState>, req: HttpRequest, token: Path<String>, form: Form<CsrfForm>) -> HttpResponse {
    let Some(id) = registration_for_token(&state, &token) else {
        return private(not_found_page(&req, "mine.not_found"));
    };
    let lang = Lang::of(&req);
    let back = |token: &str, extra: &str| {
        private(
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/r/{token}?lang={}{extra}", lang.code())))
                .finish(),
        )
    };
    if !csrf_ok(&req, &form.csrf) {
        return back(&token, "");
    }
    let ctx = CommandContext::new(
        Actor::Exhibitor {
            registration_id: id.to_string(),
        },
        chrono::Utc::now(),
    );
    match service::registrations::reissue_link(&state, &ctx, &id).await {
        Ok((_, fresh)) => back(&fresh, "&new_link=1"),
        Err(err) => {
            let err = ApiError::from(err);
            private(
                HttpResponse::build(err.status)
                    .content_type("text/plain; charset=utf-8")
                    .body(localized(&err, lang)),
            )
        }
    }
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
    let reason = form_text(&form.reason, REASON_MAX_CHARS);
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
