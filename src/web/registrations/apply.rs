//! The exhibitor's pages: the application form (phone first), and the private page behind
//! the access token where the application is followed, amended and withdrawn.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::Actor;
use hoicho_projections::FairView;

use crate::app::AppState;
use crate::domain::registration::By;
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::kit::error::ApiError;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_cookie, csrf_ok, csrf_token, not_found_page, Frame};
use crate::web::kit::write::form_mark;
use crate::web::registrations::api::context;
use crate::web::registrations::form::{
    anchor, form_errors, form_json, form_position, form_values, Problem, PRODUCER_ROWS, ROWS,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/apply", web::get().to(form))
        .route("/fairs/{fair}/apply", web::post().to(submit))
        .route(
            "/organizer/fairs/{fair}/registrations/new",
            web::get().to(on_behalf_form),
        )
        .route("/organizer/fairs/{fair}/registrations/new", web::post().to(submit));
}

/// Producer types that need a tax code (a household, one person or a delegation need not).
const TAX_CODE_REQUIRED: &[&str] = &["htx", "to_hop_tac", "doanh_nghiep"];

/// Producer types that may give a phone and no email.
const EMAIL_OPTIONAL: &[&str] = &["ho_kinh_doanh", "ca_nhan"];

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
pub struct ApplyPage {
    pub lang: Lang,
    pub signed_in: bool,
    pub switch_url: String,
    pub title: String,
    pub submit: String,
    pub action: String,
    pub fair_name: String,
    pub csrf: String,
    pub values: HashMap<String, String>,
    /// By the API's field names (`products[1].name`), in the form's row numbering.
    pub errors: BTreeMap<String, String>,
    pub rows: Vec<usize>,
    pub producer_rows: Vec<usize>,
    pub zones: Vec<(String, String)>,
    /// The provinces since 1/7/2025, for the browser's own suggestions (without script).
    pub provinces: Vec<String>,
    pub kinds: Vec<String>,
    pub producer_types: &'static [(&'static str, &'static str)],
    /// A delegation's producers are not delegations themselves.
    pub member_types: &'static [(&'static str, &'static str)],
    pub groups: &'static [(&'static str, &'static str)],
    /// Said above the form: why an organizer fills it in.
    pub notice: Option<String>,
    /// The fair takes no applications: its notice and the organizers' hotline (text, tel:)
    /// instead of the form.
    pub closed: Option<(String, String)>,
    /// Asked for on a phone-only public form: the amendment of an existing application.
    pub amend: bool,
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

    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    /// A field's `aria-invalid` and `aria-describedby` when it has a problem; `hint`, when
    /// given, is the id of the hint under it.
    fn aria(&self, field: &str, hint: &str) -> String {
        let error = self
            .errors
            .keys()
            .any(|k| k == field || k.strip_prefix(field).is_some_and(|rest| rest.starts_with('[')));
        let ids: Vec<String> = [
            (!hint.is_empty()).then(|| hint.to_owned()),
            error.then(|| format!("{}-error", anchor(field).unwrap_or_default())),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut out = String::new();
        if error {
            out.push_str(" aria-invalid=\"true\"");
        }
        if !ids.is_empty() {
            out.push_str(&format!(" aria-describedby=\"{}\"", ids.join(" ")));
        }
        out
    }

    /// A product row's field's `aria-*` attributes.
    fn paria(&self, row: &usize, field: &str) -> String {
        self.aria(&format!("products[{row}].{field}"), "")
    }

    /// A delegation row's field's `aria-*` attributes.
    fn raria(&self, row: &usize, field: &str) -> String {
        self.aria(&format!("producers[{row}].{field}"), "")
    }

    /// The problems in the order the form shows the fields, each linking to its field.
    fn problems(&self) -> Vec<Problem> {
        let mut problems: Vec<(&String, &String)> = self.errors.iter().collect();
        problems.sort_by_key(|(field, _)| form_position(field));
        problems
            .into_iter()
            .map(|(field, message)| Problem {
                label: if field == "form" {
                    String::new()
                } else {
                    self.label(field)
                },
                anchor: anchor(field),
                message: message.clone(),
            })
            .collect()
    }

    /// Product rows shown: those with something in them, at least one, and one more when
    /// "+ Thêm sản phẩm" was pressed.
    fn shown_products(&self) -> usize {
        self.shown("products", ROWS, 1)
    }

    /// Delegation rows shown: as for products, and at least two for a delegation.
    fn shown_producers(&self) -> usize {
        self.shown("producers", PRODUCER_ROWS, 2)
    }

    fn shown(&self, list: &str, max: usize, least: usize) -> usize {
        let filled = self
            .values
            .iter()
            .filter(|(k, v)| !v.trim().is_empty() && !k.ends_with(".group") && !k.ends_with(".producer_type"))
            .filter_map(|(k, _)| {
                k.strip_prefix(list)?
                    .strip_prefix('.')?
                    .split('.')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .map(|i| i + 1)
            .max()
            .unwrap_or(0);
        let errored = self
            .errors
            .keys()
            .filter_map(|k| {
                k.strip_prefix(list)?
                    .strip_prefix('[')?
                    .split(']')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .map(|i| i + 1)
            .max()
            .unwrap_or(0);
        let added = usize::from(self.v("add") == list);
        (filled.max(errored).max(least) + added).min(max)
    }

    /// Whether the delegation's section is shown: the type chosen is "Đoàn / đơn vị".
    fn delegation(&self) -> bool {
        self.is("producer_type", "doan")
    }

    fn tax_code_required(&self) -> bool {
        TAX_CODE_REQUIRED.contains(&self.v("producer_type")) || self.v("producer_type").is_empty()
    }

    fn email_required(&self) -> bool {
        !EMAIL_OPTIONAL.contains(&self.v("producer_type"))
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

pub fn page_for(fair: &FairView, frame: Frame, csrf: String, action: String, amend: bool) -> ApplyPage {
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
        provinces: crate::places::units()
            .provinces
            .iter()
            .map(|p| p.name.clone())
            .collect(),
        kinds,
        producer_types: PRODUCER_TYPES,
        member_types: &PRODUCER_TYPES[..PRODUCER_TYPES.len() - 1],
        groups: GROUPS,
        notice: None,
        closed: None,
        amend,
    }
}

/// The application form as an organizer fills it in for a producer who phones or walks in:
/// any time, open or closed, and the private link is theirs to pass on.
fn on_behalf_page(fair: &FairView, req: &HttpRequest, csrf: String) -> ApplyPage {
    let lang = Lang::of(req);
    let action = format!("/organizer/fairs/{}/registrations/new?lang={}", fair.id, lang.code());
    let mut page = page_for(fair, Frame::of(req), csrf, action, false);
    page.title = lang.t("apply.on_behalf_title").to_owned();
    page.notice = Some(lang.t("apply.on_behalf_notice").to_owned());
    page
}

async fn on_behalf_form(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    if crate::web::kit::extract::organizer_of(&req).is_none() {
        return crate::web::kit::page::to_login(&req);
    }
    let csrf = csrf_token(&req);
    let page = {
        let projections = state.read();
        let Some(view) = projections.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        on_behalf_page(view, &req, csrf.clone())
    };
    render_form(StatusCode::OK, page.lang, &page, &csrf)
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
            let phone = view.details.contact_phone.clone();
            page.closed = Some((phone.clone(), crate::web::kit::page::tel(&phone)));
        }
        page
    };
    render_form(StatusCode::OK, page.lang, &page, &csrf)
}

/// A form post counts as an idempotent request keyed by its CSRF token: a double tap on
/// "send" over a flaky connection makes one application, and both taps get its page.
fn form_context(actor: Actor, principal: &str, csrf: &str, fields: &[(String, String)]) -> CommandContext {
    let mut ctx = CommandContext::new(actor, chrono::Utc::now());
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ctx.idempotency = Some(form_mark(principal, format!("form:{csrf}"), &fields));
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
    let organizer = crate::web::kit::extract::organizer_of(&req);
    let on_behalf = req.path().starts_with("/organizer/");
    if on_behalf && organizer.is_none() {
        return crate::web::kit::page::to_login(&req);
    }
    let action = format!("/fairs/{fair}/apply?lang={}", lang.code());
    // The form again, with what was typed and what is wrong.
    let again = |status: StatusCode, errors: BTreeMap<String, String>, values: HashMap<String, String>| {
        let projections = state.read();
        match projections.fairs.get(&fair) {
            Some(view) => {
                let mut page = if on_behalf {
                    on_behalf_page(view, &req, csrf.clone())
                } else {
                    page_for(view, Frame::of(&req), csrf.clone(), action.clone(), false)
                };
                page.values = values;
                page.errors = errors;
                render_form(status, lang, &page, &csrf)
            }
            None => not_found_page(&req, "fair.not_found"),
        }
    };
    if !csrf_ok(&req, &submitted_csrf) {
        let errors = BTreeMap::from([("form".to_owned(), lang.t("login.expired").to_owned())]);
        return again(StatusCode::FORBIDDEN, errors, form_values(fields));
    }
    // "+ Thêm sản phẩm" / "+ Thêm cơ sở" without JavaScript: the form again, one row more,
    // nothing checked or written.
    if fields
        .iter()
        .any(|(k, v)| k == "add" && matches!(v.as_str(), "products" | "producers"))
    {
        return again(StatusCode::OK, BTreeMap::new(), form_values(fields));
    }
    if organizer.is_none() {
        if let Err(err) = crate::web::kit::limits::public_post(&req) {
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
        crate::web::registrations::input::parse(&value, &context(view), lang)
            .map(|a| (a, view.id.clone(), view.registration_open(chrono::Utc::now())))
    };
    let (application, fair_id, open) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_errors(&err, &rows, lang),
                form_values(fields),
            )
        }
    };
    let (actor, principal, by) = match &organizer {
        Some(o) => (o.actor(), o.principal(), By::Organizer),
        None => (Actor::Public, "public".to_owned(), By::Public),
    };
    let ctx = form_context(actor, &principal, &submitted_csrf, &fields);
    let token = crate::auth::access_token(&state.secret, &service::registrations::new_id(&ctx));
    let to_private = |token: &str| {
        // A fresh CSRF token: the next application from this phone is a new request.
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/r/{token}?submitted=1&lang={}", lang.code())))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .cookie(csrf_cookie(&crate::auth::random_token(24)))
            .finish()
    };
    if let Ok(Some(_)) = crate::web::kit::write::replay(&state, &ctx).await {
        return to_private(&token);
    }
    match service::registrations::submit(&state, &ctx, fair_id, application, by, open).await {
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
pub fn localized(err: &ApiError, lang: Lang) -> String {
    match err.body.code.as_str() {
        "registration_closed" => lang.t("apply.closed").to_owned(),
        _ => err.body.message.clone(),
    }
}
