//! Fees over the API: the fair's rules and account, its statements, one registration's
//! statement (its exhibitor or an organizer), payments recorded and voided.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use hoicho_events::{FairId, PaymentKind, PaymentMethod, RegistrationId};
use hoicho_projections::{FairFees, PaymentView, Statement};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::domain::payments::{NewPayment, PaymentsCommand, VOID_REASON_MAX_CHARS};
use crate::i18n::Lang;
use crate::service;
use crate::web::kit::error::{ApiError, ErrorResponse, Result};
use crate::web::kit::extract::{json_body, write_context, Body, Organizer};
use crate::web::kit::input::Check;
use crate::web::kit::write::replay;
use crate::web::registrations::api::{caller_for, parse_id};

fn fees_of<'a>(p: &'a hoicho_projections::Projections, fair: &FairId) -> Result<&'a FairFees> {
    p.fees.of_fair(fair).ok_or_else(|| ApiError::not_found("fair"))
}

fn fees_json(fees: &FairFees, version: u64) -> Value {
    json!({
        "rules": fees.current(),
        "rules_version": fees.current_version(),
        "account": fees.account,
        "version": version,
    })
}

fn kind(k: PaymentKind) -> &'static str {
    match k {
        PaymentKind::Payment => "payment",
        PaymentKind::Refund => "refund",
    }
}

fn method(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Transfer => "transfer",
        PaymentMethod::Cash => "cash",
    }
}

pub fn payment_json(p: &PaymentView) -> Value {
    json!({
        "payment_id": p.payment_id,
        "registration_id": p.registration_id,
        "receipt_no": p.receipt_no,
        "kind": kind(p.kind),
        "method": method(p.method),
        "amount_vnd": p.amount_vnd,
        "paid_on": p.paid_on,
        "bank_reference": p.bank_reference,
        "payer": p.payer,
        "note": p.note,
        "recorded_at": p.recorded_at,
        "voided": p.voided,
    })
}

pub fn statement_json(fees: &FairFees, s: &Statement, today: chrono::NaiveDate) -> Value {
    json!({
        "registration_id": s.registration_id,
        "payment_code": s.payment_code,
        "lines": s.lines.iter().map(|l| json!({
            "booth": l.booth, "price_vnd": l.price_vnd, "subsidy_vnd": l.subsidy_vnd,
            "due_vnd": l.price_vnd - l.subsidy_vnd,
        })).collect::<Vec<_>>(),
        "rule": s.rule.as_ref().map(|(_, name)| name),
        "rules_version": s.rules_version,
        "price_vnd": s.price_vnd,
        "subsidy_vnd": s.subsidy_vnd,
        "due_vnd": s.due_vnd,
        "due_on": s.due_on,
        "paid_vnd": s.paid_vnd,
        "refunded_vnd": s.refunded_vnd,
        "outstanding_vnd": s.outstanding_vnd(),
        "standing": super::standing(s, today),
        "vietqr": super::qr_payload(fees, s),
        "payments": s.receipts.iter().filter_map(|n| fees.receipts.get(n)).map(payment_json).collect::<Vec<_>>(),
    })
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/fees", tag = "fees",
    responses((status = 200, body = Object, description = "{rules: {subsidies, due}, rules_version, account, version}"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn get_fees(state: Data<AppState>, _who: Organizer, fair: Path<String>) -> Result<HttpResponse> {
    let p = state.read();
    let fair = FairId::new_unchecked(fair.as_str());
    let version = p.fairs.by_id.get(&fair).map(|f| f.version).unwrap_or_default();
    Ok(HttpResponse::Ok().json(fees_json(fees_of(&p, &fair)?, version)))
}

async fn on_fair(
    state: &AppState,
    req: &HttpRequest,
    who: &Organizer,
    body: &Body,
    fair: &FairId,
    command: FairCommand,
) -> Result<HttpResponse> {
    let ctx = write_context(req, who.actor(), &who.principal(), &body.0)?;
    if !state.read().fairs.by_id.contains_key(fair) {
        return Err(ApiError::not_found("fair"));
    }
    if replay(state, &ctx).await?.is_none() {
        service::fairs::run(state, &ctx, fair, crate::web::kit::extract::if_match(req)?, &command).await?;
    }
    let p = state.read();
    let version = p.fairs.by_id.get(fair).map(|f| f.version).unwrap_or_default();
    Ok(HttpResponse::Ok().json(fees_json(fees_of(&p, fair)?, version)))
}

#[utoipa::path(put, path = "/api/v1/fairs/{fair}/fees", tag = "fees",
    request_body(content = Object, description = "{subsidies: [{name, when?: {producer_types?, min_stars?, provinces?, localities?}, rate_percent? | fixed_vnd?, max_booths?, max_vnd?}], due?: {kind: on, date} | {kind: days_after_allocation, days}}; statements already made keep their rules until POST /fees/recalculate"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "contended"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn put_fees(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let mut check = Check::new(Lang::of(&req));
    let rules = super::input::fee_rules(&mut check, &json_body(&req, &body)?);
    check.finish()?;
    let rules = rules.ok_or_else(|| ApiError::malformed("the fee rules are not valid"))?;
    let fair = FairId::new_unchecked(fair.as_str());
    on_fair(&state, &req, &who, &body, &fair, FairCommand::SetFees { rules }).await
}

#[utoipa::path(put, path = "/api/v1/fairs/{fair}/payment-account", tag = "fees",
    request_body(content = Object, description = "{bin: NAPAS BIN, account_number: 6-19 digits, account_name} or null to clear it"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "contended"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn put_account(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let mut check = Check::new(Lang::of(&req));
    let account = super::input::payment_account(&mut check, &json_body(&req, &body)?);
    check.finish()?;
    let account = account.ok_or_else(|| ApiError::malformed("the account is not valid"))?;
    let fair = FairId::new_unchecked(fair.as_str());
    on_fair(
        &state,
        &req,
        &who,
        &body,
        &fair,
        FairCommand::SetPaymentAccount { account },
    )
    .await
}

/// Every statement made under older rules or prices follows the current ones.
#[utoipa::path(post, path = "/api/v1/fairs/{fair}/fees/recalculate", tag = "fees",
    request_body(content = Object, description = "{}: every statement made under older rules or prices follows the current ones"),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "contended")),
    security(("bearer" = [])))]
pub async fn recalculate(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let fair = FairId::new_unchecked(fair.as_str());
    let registrations = {
        let p = state.read();
        let view = p.fairs.by_id.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
        fees_of(&p, &fair)?
            .stale(view, &p.registrations)
            .iter()
            .map(|(s, _)| s.registration_id)
            .collect()
    };
    on_fair(
        &state,
        &req,
        &who,
        &body,
        &fair,
        FairCommand::RecalculateFees { registrations },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/fairs/{fair}/statements", tag = "fees",
    responses((status = 200, body = Object, description = "{statements: [...], totals}"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn statements(state: Data<AppState>, _who: Organizer, fair: Path<String>) -> Result<HttpResponse> {
    let p = state.read();
    let fair = FairId::new_unchecked(fair.as_str());
    let view = p.fairs.by_id.get(&fair).ok_or_else(|| ApiError::not_found("fair"))?;
    let fees = fees_of(&p, &fair)?;
    let today = view.today(Utc::now());
    let t = fees.totals();
    Ok(HttpResponse::Ok().json(json!({
        "statements": fees.statements.values().map(|s| statement_json(fees, s, today)).collect::<Vec<_>>(),
        "totals": {
            "price_vnd": t.price_vnd, "subsidy_vnd": t.subsidy_vnd, "due_vnd": t.due_vnd,
            "paid_vnd": t.paid_vnd, "refunded_vnd": t.refunded_vnd,
            "outstanding_vnd": t.outstanding_vnd, "overpaid_vnd": t.overpaid_vnd,
            "subsidy_by_rule": t.subsidy_by_rule,
        },
    })))
}

/// One registration's statement: its exhibitor (bearer token) or an organizer.
#[utoipa::path(get, path = "/api/v1/registrations/{id}/statement", tag = "fees",
    responses((status = 200, body = Object, description = "the booths with price and support, due, paid, outstanding, the VietQR payload, the payments"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn statement(state: Data<AppState>, req: HttpRequest, id: Path<String>) -> Result<HttpResponse> {
    let id = parse_id(&id)?;
    caller_for(&state, &req, id)?;
    let p = state.read();
    let view = p
        .registrations
        .get(&id)
        .ok_or_else(|| ApiError::not_found("registration"))?;
    let fair = p
        .fairs
        .by_id
        .get(&view.fair_id)
        .ok_or_else(|| ApiError::not_found("fair"))?;
    let fees = fees_of(&p, &view.fair_id)?;
    let s = fees
        .statements
        .get(&id)
        .ok_or_else(|| ApiError::not_found("statement"))?;
    Ok(HttpResponse::Ok().json(statement_json(fees, s, fair.today(Utc::now()))))
}

fn payment_response(state: &AppState, fair: &FairId, payment: &uuid::Uuid, status: StatusCode) -> Result<HttpResponse> {
    let p = state.read();
    let view = fees_of(&p, fair)?
        .receipts
        .values()
        .find(|r| &r.payment_id == payment)
        .ok_or_else(|| ApiError::not_found("payment"))?;
    Ok(HttpResponse::build(status).json(payment_json(view)))
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/payments", tag = "fees",
    request_body(content = Object, description = "{registration_id, kind?: payment|refund, method: transfer|cash, amount_vnd, paid_on: YYYY-MM-DD, bank_reference?, payer?, note?, confirm?: true to record more than is due}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Object, description = "the payment with its receipt_no"), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse, description = "bank_reference_recorded, more_than_due, more_than_paid, no_booths, payment_exists, contended"),
        (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn record_payment(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    fair: Path<String>,
    body: Body,
) -> Result<HttpResponse> {
    let fair = FairId::new_unchecked(fair.as_str());
    let mut check = Check::new(Lang::of(&req));
    let input = super::input::payment(&mut check, &json_body(&req, &body)?, true);
    check.finish()?;
    let input = input.ok_or_else(|| ApiError::malformed("the payment is not valid"))?;
    let registration = RegistrationId(
        input
            .registration_id
            .ok_or_else(|| ApiError::malformed("registration_id"))?,
    );
    let ctx = write_context(&req, who.actor(), &who.principal(), &body.0)?;
    let payment_id = ctx.new_id("payment");
    if let Some(first) = replay(&state, &ctx).await? {
        let id = first.events.iter().find_map(|e| match e {
            hoicho_events::Event::PaymentRecorded(p) => Some(p.payment_id),
            _ => None,
        });
        return payment_response(&state, &fair, &id.unwrap_or(payment_id), StatusCode::CREATED);
    }
    let situation = service::payments::situation(&state.read(), &fair, &registration, ctx.now)?;
    let command = PaymentsCommand::Record(NewPayment {
        payment_id,
        kind: input.kind,
        method: input.method,
        amount_vnd: input.amount_vnd,
        paid_on: input.paid_on,
        bank_reference: input.bank_reference,
        payer: input.payer,
        note: input.note,
        confirmed: input.confirmed,
    });
    service::payments::run(&state, &ctx, &fair, &situation, &command).await?;
    payment_response(&state, &fair, &payment_id, StatusCode::CREATED)
}

#[utoipa::path(post, path = "/api/v1/fairs/{fair}/payments/{payment}/void", tag = "fees",
    request_body(content = Object, description = "{reason}"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = Object), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse, description = "contended"), (status = 422, body = ErrorResponse)),
    security(("bearer" = [])))]
pub async fn void_payment(
    state: Data<AppState>,
    req: HttpRequest,
    who: Organizer,
    path: Path<(String, String)>,
    body: Body,
) -> Result<HttpResponse> {
    let (fair, payment) = path.into_inner();
    let fair = FairId::new_unchecked(fair.as_str());
    let payment = uuid::Uuid::parse_str(&payment).map_err(|_| ApiError::not_found("payment"))?;
    let mut check = Check::new(Lang::of(&req));
    let value = json_body(&req, &body)?;
    let reason = check
        .object(&value, "", &["reason"])
        .and_then(|obj| check_reason(&mut check, obj));
    check.finish()?;
    let (registration, _) = service::payments::registration_of(&state.read(), &fair, &payment)
        .ok_or_else(|| ApiError::not_found("payment"))?;
    let ctx = write_context(&req, who.actor(), &who.principal(), &body.0)?;
    if replay(&state, &ctx).await?.is_none() {
        let situation = service::payments::situation(&state.read(), &fair, &registration, ctx.now)?;
        let command = PaymentsCommand::Void {
            payment_id: payment,
            reason: reason.unwrap_or_default(),
        };
        service::payments::run(&state, &ctx, &fair, &situation, &command).await?;
    }
    payment_response(&state, &fair, &payment, StatusCode::OK)
}

fn check_reason(check: &mut Check, obj: &serde_json::Map<String, Value>) -> Option<String> {
    check.text(obj, "", "reason", VOID_REASON_MAX_CHARS, true)
}
