//! The organizers' own pages: signing in and out, the desk they start from, and the team.

pub mod desk;
pub mod invitation;
pub mod login;
pub mod team;

use actix_web::web::ServiceConfig;

pub fn page_routes(cfg: &mut ServiceConfig) {
    login::routes(cfg);
    desk::routes(cfg);
    team::routes(cfg);
    invitation::routes(cfg);
}
