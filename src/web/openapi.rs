//! The OpenAPI 3 document, generated from the handlers and types themselves.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::allocations::{api as allocations, proposal};
use super::fairs::{api as fairs, directory};
use super::fees::api as fees;
use super::kit::error;
use super::registrations::{api as registrations, queue};
use super::results::{api as results, report};
use super::sales::api as sales;
use super::{audit, emails, places};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hoicho",
        description = "Trade fairs and their booths, as an event log.\n\n\
            Any POST may carry `Idempotency-Key`: a retry with the same key and body within 24 hours \
            returns the first response and writes nothing; the same key with another body is 422 \
            `idempotency_key_reused`. After 24 hours the key is forgotten and may name a new request \
            (the very same request sent again still writes nothing: its events' ids are derived from \
            the key and the body)."
    ),
    paths(
        fairs::list_fairs, fairs::create_fair, fairs::get_fair, fairs::amend_fair,
        fairs::list_booths, fairs::define_booths, fairs::open_registration, fairs::close_registration,
        registrations::apply, queue::list, queue::bulk, registrations::get, registrations::amend,
        registrations::withdraw, registrations::reissue_link, registrations::approve, registrations::reject, registrations::waitlist,
        audit::events, audit::stream, emails::list, emails::get, emails::retry,
        allocations::allocate, allocations::release, allocations::move_booth, allocations::block,
        allocations::unblock, allocations::history, proposal::proposal, proposal::accept_proposal,
        proposal::set_rules, directory::directory, sales::record, sales::void, sales::list,
        sales::close_books, sales::reopen_books, sales::revenue_handler,
        fees::get_fees, fees::put_fees, fees::put_account, fees::recalculate, fees::statements,
        fees::statement, fees::record_payment, fees::void_payment,
        places::provinces, places::communes,
        results::get_results, results::count_visitors, results::enter_agreement, results::enter_award,
        results::enter_side_event, results::write_notes, results::withdraw, report::get_report, report::get_docx,
    ),
    components(schemas(error::ErrorResponse, error::ErrorBody)),
    modifiers(&Bearer, &CommonErrors)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers any operation can give besides its own, listed on every operation they apply
/// to, so the document names every status a client can meet: 400 for a request HTTP itself
/// finds malformed (path, query, headers, JSON), 503 while the log cannot be reached or the
/// server is starting; 401 where a token is required; 413, 415 and 422 where a body is read;
/// 422 where a query is checked; 412 where `If-Match` is taken.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{HttpMethod, ParameterIn};
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorResponse")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(op) = operation else { continue };
                let params = op.parameters.as_deref().unwrap_or_default();
                let query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
                let if_match = params.iter().any(|p| p.name == "If-Match");
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let writes = method != HttpMethod::Get;
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description));
                };
                add(
                    "400",
                    "malformed_request: the path, query, headers or JSON are not well-formed",
                );
                add("503", "unavailable: the log cannot be reached, or hoicho is starting");
                if secured {
                    add("401", "unauthorized: no valid token");
                }
                if writes {
                    add("413", "payload_too_large: the body is over the limit");
                    add("415", "unsupported_media_type: the body is not JSON");
                    add("422", "invalid: fields named in error.fields");
                }
                if query {
                    add("422", "invalid: query parameters named in error.fields");
                }
                if if_match {
                    add("412", "precondition_failed: If-Match names another version");
                }
            }
        }
    }
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
