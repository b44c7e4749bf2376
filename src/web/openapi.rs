//! The OpenAPI 3 document, generated from the handlers and types themselves.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::allocations::{api as allocations, proposal};
use super::fairs::{api as fairs, directory};
use super::kit::error;
use super::registrations::{api as registrations, queue};
use super::sales::api as sales;
use super::{audit, emails};

#[derive(OpenApi)]
#[openapi(
    info(title = "hoicho", description = "Trade fairs and their booths, as an event log."),
    paths(
        fairs::list_fairs, fairs::create_fair, fairs::get_fair, fairs::amend_fair,
        fairs::list_booths, fairs::define_booths, fairs::open_registration, fairs::close_registration,
        registrations::apply, queue::list, queue::bulk, registrations::get, registrations::amend,
        registrations::withdraw, registrations::approve, registrations::reject, registrations::waitlist,
        audit::events, audit::stream, emails::list, emails::get, emails::retry,
        allocations::allocate, allocations::release, allocations::move_booth, allocations::block,
        allocations::unblock, allocations::history, proposal::proposal, proposal::accept_proposal,
        proposal::set_rules, directory::directory, sales::record, sales::void, sales::list,
        sales::close_books, sales::reopen_books, sales::revenue_handler,
    ),
    components(schemas(error::ErrorResponse, error::ErrorBody)),
    modifiers(&Bearer)
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

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
