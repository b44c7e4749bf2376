//! Fairs: their details and floor plans over the API, the public pages (the list of fairs,
//! a fair with its plan drawn as SVG) and the public directory of who is at which booth.

pub mod api;
pub mod directory;
pub mod editor;
pub mod floor;
pub mod form_values;
pub mod history;
pub mod input;
pub mod pages;
pub mod planning;
pub mod print;
pub mod settings;

use actix_web::web::ServiceConfig;

/// Routes under `/api/v1`.
pub fn api_routes(cfg: &mut ServiceConfig) {
    api::routes(cfg);
    directory::api_routes(cfg);
}

pub fn page_routes(cfg: &mut ServiceConfig) {
    pages::routes(cfg);
    settings::routes(cfg);
    planning::routes(cfg);
    editor::routes(cfg);
    history::routes(cfg);
    print::routes(cfg);
    directory::page_routes(cfg);
}
