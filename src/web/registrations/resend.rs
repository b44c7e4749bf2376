//! "Mất đường dẫn riêng?" (`/fairs/{fair}/resend-link`): an exhibitor who lost the private
//! link gives the email or phone the application gave, and the link is emailed again — to the
//! application's own address only. The answer is the same whether an application matched or
//! not, so the page tells no one who applied; an application is sent its link at most once in
//! ten minutes, and the page counts against the public writes' limit per address.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::Actor;

use crate::app::AppState;
use crate::domain::registration::RegistrationCommand;
use crate::i18n::Lang;
use crate::service::CommandContext;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, render_form, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fairs/{fair}/resend-link", web::get().to(page))
        .route("/fairs/{fair}/resend-link", web::post().to(resend));
}

#[derive(Template)]
#[template(path = "resend.html")]
struct ResendPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    csrf: String,
    fair_id: String,
    fair_name: String,
    hotline: String,
    hotline_tel: String,
    contact: String,
    error: Option<String>,
    done: bool,
}

fn respond(
    req: &HttpRequest,
    state: &AppState,
    fair: &str,
    fill: impl FnOnce(&mut ResendPage),
    status: StatusCode,
) -> HttpResponse {
    let Some((name, hotline)) = state
        .read()
        .fairs
        .get(fair)
        .map(|f| (f.details.name.clone(), f.details.contact_phone.clone()))
    else {
        return not_found_page(req, "fair.not_found");
    };
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let mut page = ResendPage {
        lang,
        signed_in,
        switch_url,
        csrf: csrf_token(req),
        fair_id: fair.to_owned(),
        fair_name: name,
        hotline_tel: crate::web::kit::page::tel(&hotline),
        hotline,
        contact: String::new(),
        error: None,
        done: false,
    };
    fill(&mut page);
    render_form(status, lang, &page, &page.csrf)
}

async fn page(state: Data<AppState>, req: HttpRequest, fair: Path<String>) -> HttpResponse {
    respond(&req, &state, &fair, |_| {}, StatusCode::OK)
}

async fn resend(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let contact = form.get("contact").map(|c| c.trim().to_owned()).unwrap_or_default();
    let refuse = |status: StatusCode, key: &str| {
        let message = lang.t(key).to_owned();
        respond(
            &req,
            &state,
            &fair,
            |page| {
                page.contact = contact.clone();
                page.error = Some(message);
            },
            status,
        )
    };
    if !csrf_ok(&req, form.get("csrf").map(String::as_str).unwrap_or_default()) {
        return refuse(StatusCode::FORBIDDEN, "login.expired");
    }
    if contact.is_empty() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "resend.enter");
    }
    if crate::web::kit::limits::public_post(&req).is_err() {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "resend.too_many");
    }
    let email = contact.to_lowercase();
    // Applications keep their phone as the form reads one: `+84` and nine digits.
    let phone = crate::web::registrations::input::mobile_phone(&contact);
    let matched: Vec<_> = {
        let p = state.read();
        let Some(view) = p.fairs.get(fair.as_str()) else {
            return not_found_page(&req, "fair.not_found");
        };
        p.registrations
            .of_fair(&view.id)
            .filter(|r| !r.application.email.is_empty())
            .filter(|r| {
                r.application.email.to_lowercase() == email || phone.as_deref() == Some(r.application.phone.as_str())
            })
            .map(|r| r.id)
            .collect()
    };
    for id in matched {
        let ctx = CommandContext::new(Actor::Public, Utc::now());
        let command = RegistrationCommand::ResendLink { at: ctx.now };
        // Sent a moment ago, or the log unreachable: the answer is the same either way.
        if let Err(err) = crate::service::registrations::run(&state, &ctx, &id, None, &command).await {
            tracing::info!(error = %err, "a private link was not sent again");
        }
    }
    respond(
        &req,
        &state,
        &fair,
        |page| {
            page.done = true;
        },
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_compare_by_their_digits() {
        use crate::web::registrations::input::mobile_phone as phone_key;
        assert_eq!(phone_key("0392 111 222"), phone_key("+84 392.111.222"));
        assert_ne!(phone_key("0392 111 222"), phone_key("0392 111 223"));
        assert_eq!(phone_key("12"), None);
    }
}
