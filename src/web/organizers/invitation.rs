//! Accepting an invitation (`/organizer/invitation/{token}`): the colleague invited chooses a
//! password through the one-time link and is signed in. The link works until it is used, a
//! newer invitation replaces it, the account is revoked, or 72 hours pass; after that the
//! page says so and writes nothing.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use hoicho_events::{Actor, OrganizerId};

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::kit::page::{csrf_ok, csrf_token, private, render_form, Frame};
use crate::web::organizers::team::PASSWORD_MIN_CHARS;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/invitation/{token}", web::get().to(page))
        .route("/organizer/invitation/{token}", web::post().to(accept));
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    csrf: String,
    /// Whose invitation it is; `None`: the link does not work.
    email: Option<String>,
    action: String,
    errors: BTreeMap<String, String>,
}

impl InvitationPage {
    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

/// The account a working link is for.
fn invited(state: &AppState, token: &str) -> Option<(OrganizerId, String)> {
    let digest = crate::auth::token_hash(token.trim());
    let p = state.read();
    p.organizers
        .by_invitation(&digest, Utc::now())
        .map(|a| (a.id, a.email.clone()))
}

fn respond(
    req: &HttpRequest,
    token: &str,
    email: Option<String>,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> HttpResponse {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let status = if email.is_none() { StatusCode::NOT_FOUND } else { status };
    let page = InvitationPage {
        lang,
        signed_in,
        switch_url,
        csrf: csrf_token(req),
        email,
        action: format!("/organizer/invitation/{token}?lang={}", lang.code()),
        errors,
    };
    // The link is a secret: no referrer leaves the page, nothing keeps it.
    private(render_form(status, lang, &page, &page.csrf))
}

async fn page(state: Data<AppState>, req: HttpRequest, token: Path<String>) -> HttpResponse {
    let email = invited(&state, &token).map(|(_, email)| email);
    respond(&req, &token, email, BTreeMap::new(), StatusCode::OK)
}

async fn accept(
    state: Data<AppState>,
    req: HttpRequest,
    token: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let lang = Lang::of(&req);
    let Some((id, email)) = invited(&state, &token) else {
        return respond(&req, &token, None, BTreeMap::new(), StatusCode::NOT_FOUND);
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let refuse = |field: &str, message: String, status: StatusCode| {
        let errors = BTreeMap::from([(field.to_owned(), message)]);
        respond(&req, &token, Some(email.clone()), errors, status)
    };
    if !csrf_ok(&req, &get("csrf")) {
        return refuse("form", lang.t("login.expired").to_owned(), StatusCode::FORBIDDEN);
    }
    let (new, again) = (get("new"), get("again"));
    if new.chars().count() < PASSWORD_MIN_CHARS {
        let message = lang.t("team.too_short").replace("{n}", &PASSWORD_MIN_CHARS.to_string());
        return refuse("new", message, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if new != again {
        return refuse(
            "again",
            lang.t("team.mismatch").to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let by = Actor::Organizer { organizer_id: id };
    let changed = crate::service::organizers::set_password(&*state.store, &email, Some(new), by).await;
    let Ok((_, position)) = changed else {
        return refuse(
            "form",
            lang.t("login.unavailable").to_owned(),
            StatusCode::SERVICE_UNAVAILABLE,
        );
    };
    crate::service::settle(&state, position).await;
    // The password set ends the invitation; the colleague is signed in, as after the form.
    match crate::web::organizers::login::start_session(&state, &req, id).await {
        Some(signed_in) => signed_in,
        None => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?lang={}", lang.code())))
            .finish(),
    }
}
