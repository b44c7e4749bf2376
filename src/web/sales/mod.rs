//! Daily sales tallies: exhibitors record and void them from their phones (or organizers on
//! their behalf, or an integration through the API); organizers watch the day's takings,
//! read the revenue review and close the books.

pub mod api;
pub mod pages;
pub mod revenue;

use actix_web::web::ServiceConfig;

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut ServiceConfig) {
    api::routes(cfg);
}

pub fn page_routes(cfg: &mut ServiceConfig) {
    pages::routes(cfg);
    revenue::routes(cfg);
}
