//! What happened at a fair besides the sales, entered by organizers after each day (visitors,
//! agreements, awards, side events, notes), and the post-fair report made of it and the
//! revenue review: a page, a printable A4 page and a Word document.

pub mod api;
pub mod input;
pub mod pages;
pub mod report;

use actix_web::web::ServiceConfig;

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut ServiceConfig) {
    api::routes(cfg);
    report::api_routes(cfg);
}

pub fn page_routes(cfg: &mut ServiceConfig) {
    pages::routes(cfg);
    report::routes(cfg);
}
