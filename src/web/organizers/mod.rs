//! The organizers' own pages: signing in and out, and the desk they start from.

pub mod desk;
pub mod login;

use actix_web::web::ServiceConfig;

pub fn page_routes(cfg: &mut ServiceConfig) {
    login::routes(cfg);
    desk::routes(cfg);
}
