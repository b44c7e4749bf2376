//! Applications (hồ sơ): exhibitors apply from the form or the API and follow theirs through
//! a private link; organizers review the queue, decide one by one or in bulk, and enter
//! applications for producers who phone them in.

pub mod announce;
pub mod api;
pub mod apply;
pub mod export;
pub mod form;
pub mod import;
pub mod input;
pub mod private;
pub mod queue;
pub mod resend;
pub mod review;
pub mod review_detail;

use actix_web::web::{self, ServiceConfig};

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut ServiceConfig) {
    cfg.service(
        web::resource("/fairs/{fair}/registrations")
            .route(web::post().to(api::apply))
            .route(web::get().to(queue::list)),
    )
    .route("/fairs/{fair}/registrations/bulk", web::post().to(queue::bulk))
    .service(
        web::resource("/registrations/{id}")
            .route(web::get().to(api::get))
            .route(web::patch().to(api::amend)),
    )
    .route("/registrations/{id}/withdraw", web::post().to(api::withdraw))
    .route("/registrations/{id}/access-link", web::post().to(api::reissue_link))
    .route("/registrations/{id}/approve", web::post().to(api::approve))
    .route("/registrations/{id}/reject", web::post().to(api::reject))
    .route("/registrations/{id}/waitlist", web::post().to(api::waitlist));
}

pub fn page_routes(cfg: &mut ServiceConfig) {
    apply::routes(cfg);
    private::routes(cfg);
    resend::routes(cfg);
    review::routes(cfg);
    cfg.route(
        "/organizer/fairs/{fair}/registrations.xlsx",
        web::get().to(export::export),
    )
    .service(
        web::resource("/organizer/fairs/{fair}/announce")
            .route(web::get().to(announce::form))
            .route(web::post().to(announce::submit)),
    )
    .service(
        web::resource("/organizer/fairs/{fair}/registrations/import")
            .route(web::get().to(import::form))
            .route(web::post().to(import::submit)),
    );
}
