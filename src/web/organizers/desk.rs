//! The organizer's home: the fairs, with a way into each one's review, board, revenue and
//! emails.

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::fairs::pages::card;
use crate::web::fairs::pages::FairCard;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::csrf_token;
use crate::web::kit::page::render;
use crate::web::kit::page::with_csrf;
use crate::web::kit::page::Frame;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer", web::get().to(organizer_home));
}

#[derive(Template)]
#[template(path = "organizer.html")]
struct OrganizerPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    email: String,
    csrf: String,
    fairs: Vec<FairCard>,
}

async fn organizer_home(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?lang={}", Lang::of(&req).code())))
            .finish();
    };
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let fairs = state.read().fairs.by_id.values().map(card).collect();
    let csrf = csrf_token(&req);
    let response = render(
        StatusCode::OK,
        lang,
        &OrganizerPage {
            lang,
            signed_in,
            switch_url,
            email: organizer.email,
            csrf: csrf.clone(),
            fairs,
        },
    );
    with_csrf(response, &csrf)
}
