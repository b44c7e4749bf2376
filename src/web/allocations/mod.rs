//! Booths and who holds them: allocate, release, move, block over the API; the automatic
//! proposal; and the organizers' allocation board, where the same is done by tapping.

pub mod api;
pub mod board;
pub mod proposal;
pub mod rules;

use actix_web::web::{self, ServiceConfig};

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut ServiceConfig) {
    cfg.route("/fairs/{fair}/allocations", web::post().to(api::allocate))
        .route("/fairs/{fair}/allocations/move", web::post().to(api::move_booth))
        .route("/fairs/{fair}/allocations/proposal", web::post().to(proposal::proposal))
        .route(
            "/fairs/{fair}/allocations/proposal/accept",
            web::post().to(proposal::accept_proposal),
        )
        .route("/fairs/{fair}/allocation-rules", web::put().to(proposal::set_rules))
        .route("/fairs/{fair}/allocations/{booth}", web::delete().to(api::release))
        .route("/fairs/{fair}/booths/{booth}/block", web::post().to(api::block))
        .route("/fairs/{fair}/booths/{booth}/unblock", web::post().to(api::unblock))
        .route("/fairs/{fair}/booths/{booth}/history", web::get().to(api::history));
}

pub fn page_routes(cfg: &mut ServiceConfig) {
    board::routes(cfg);
    rules::routes(cfg);
}
