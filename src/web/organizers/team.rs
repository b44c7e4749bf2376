//! The organizers' team (`/organizer/team`): who is on it and when each last signed in; a
//! colleague invited (a one-time link by email, shown once here too), revoked (sessions and
//! token stop at once); one's own password changed and API token replaced. Every action is an
//! event of the organizer's stream with its actor; the `hoicho organizer` commands keep
//! working beside it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web::{self, Data, Form, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::Actor;

use crate::app::AppState;
use crate::i18n::{datetime_vn, Lang};
use crate::service::organizers::{self, AddOrganizerError};
use crate::web::kit::extract::{organizer_of, Organizer};
use crate::web::kit::page::{csrf_ok, csrf_token, private, render_form, see_other, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/team", web::get().to(team))
        .route("/organizer/team", web::post().to(act));
}

/// The shortest password an organizer may choose.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The zone the team page writes times in.
const TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

struct Member {
    email: String,
    last_sign_in: String,
    sessions: usize,
    me: bool,
    revoked: bool,
    /// Invited and never signed in: when the invitation expires (or that it has).
    invited: Option<String>,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    csrf: String,
    members: Vec<Member>,
    /// A secret to show once: (what it is, for whom, the secret).
    shown_once: Option<(String, String, String)>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
    add_email: String,
}

impl TeamPage {
    fn e(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

fn page_for(state: &AppState, req: &HttpRequest, me: &Organizer) -> TeamPage {
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(req);
    let p = state.read();
    let mut members: Vec<Member> = p
        .organizers
        .by_id
        .values()
        .map(|a| Member {
            email: a.email.clone(),
            last_sign_in: a
                .last_sign_in
                .map(|t| datetime_vn(t, TIME_ZONE))
                .unwrap_or_else(|| lang.t("team.never").to_owned()),
            sessions: a.sessions.len(),
            me: a.id == me.id,
            revoked: a.revoked,
            invited: (a.last_sign_in.is_none() && !a.revoked).then(|| match &a.invitation {
                Some((_, expires)) if *expires > chrono::Utc::now() => {
                    format!(
                        "{} {}",
                        lang.t("team.invitation_expires"),
                        datetime_vn(*expires, TIME_ZONE)
                    )
                }
                _ => lang.t("team.invitation_expired").to_owned(),
            }),
        })
        .collect();
    members.sort_by(|a, b| a.revoked.cmp(&b.revoked).then_with(|| a.email.cmp(&b.email)));
    TeamPage {
        lang,
        signed_in,
        switch_url,
        csrf: csrf_token(req),
        members,
        shown_once: None,
        errors: BTreeMap::new(),
        flash: None,
        add_email: String::new(),
    }
}

fn respond(page: TeamPage, status: StatusCode) -> HttpResponse {
    let response = render_form(status, page.lang, &page, &page.csrf);
    // A page showing a password or token once is kept by nothing.
    if page.shown_once.is_some() {
        private(response)
    } else {
        response
    }
}

async fn team(
    state: Data<AppState>,
    req: HttpRequest,
    query: Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let Some(me) = organizer_of(&req) else {
        return to_login(&req);
    };
    let mut page = page_for(&state, &req, &me);
    page.flash = query
        .get("done")
        .filter(|d| d.as_str() == "revoked")
        .map(|_| page.lang.t("team.flash.revoked").to_owned());
    respond(page, StatusCode::OK)
}

async fn act(
    state: Data<AppState>,
    mailer: Data<crate::mail::Mailer>,
    req: HttpRequest,
    form: Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let Some(me) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let by = Actor::Organizer { organizer_id: me.id };
    let refuse = |status: StatusCode, field: &str, message: String| {
        let mut page = page_for(&state, &req, &me);
        page.add_email = get("email");
        page.errors.insert(field.to_owned(), message);
        respond(page, status)
    };
    if !csrf_ok(&req, &get("csrf")) {
        return refuse(StatusCode::FORBIDDEN, "form", lang.t("login.expired").to_owned());
    }
    let unavailable = |err: AddOrganizerError| {
        tracing::error!(error = %err, "team change failed");
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "form",
            lang.t("login.unavailable").to_owned(),
        )
    };
    match get("action").as_str() {
        "add" => {
            let email = get("email").to_lowercase();
            if email.is_empty() {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "email",
                    lang.t("team.enter_email").to_owned(),
                );
            }
            // A colleague who has signed in is on the team: an invitation is for one who
            // has not (yet).
            let joined = state
                .read()
                .organizers
                .by_email(&email)
                .is_some_and(|a| a.last_sign_in.is_some());
            if joined {
                return refuse(StatusCode::CONFLICT, "email", lang.t("team.exists").to_owned());
            }
            match organizers::invite_by(&*state.store, &email, by).await {
                Ok(invited) => {
                    crate::service::settle(&state, invited.position).await;
                    let public_url = mailer.settings.public_url.trim_end_matches('/');
                    let link = format!(
                        "{public_url}/organizer/invitation/{}?lang={}",
                        invited.token,
                        lang.code()
                    );
                    let at = datetime_vn(invited.expires_at, TIME_ZONE);
                    let mail = crate::mail::invitation::InvitationMail {
                        to: &invited.email,
                        inviter: &me.email,
                        link: &link,
                        expires: &at,
                        lang,
                    };
                    let sent = crate::mail::invitation::send(&mailer, &mail).await;
                    let mut page = page_for(&state, &req, &me);
                    page.flash = Some(match sent {
                        Ok(()) => lang
                            .t("team.invitation_sent")
                            .replace("{email}", &invited.email)
                            .replace("{at}", &at),
                        Err(why) => {
                            tracing::warn!(error = %why, "an invitation email was not sent");
                            lang.t("team.invitation_not_sent")
                                .replace("{why}", &why)
                                .replace("{at}", &at)
                        }
                    });
                    page.shown_once = Some((lang.t("team.invitation_link").to_owned(), invited.email, link));
                    respond(page, StatusCode::OK)
                }
                Err(AddOrganizerError::Unknown(_)) => {
                    refuse(StatusCode::CONFLICT, "email", lang.t("team.exists").to_owned())
                }
                Err(AddOrganizerError::BadEmail(_)) => refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "email",
                    lang.t("team.bad_email").to_owned(),
                ),
                Err(AddOrganizerError::Exists(_)) => {
                    refuse(StatusCode::CONFLICT, "email", lang.t("team.exists").to_owned())
                }
                Err(err) => unavailable(err),
            }
        }
        "revoke" => {
            let email = get("email").to_lowercase();
            if email == me.email {
                return refuse(StatusCode::CONFLICT, "revoke", lang.t("team.not_yourself").to_owned());
            }
            if get("confirm") != "1" {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "revoke",
                    lang.t("team.confirm_first").to_owned(),
                );
            }
            match organizers::revoke_by(&*state.store, &email, by).await {
                Ok(position) => {
                    crate::service::settle(&state, position).await;
                    see_other(format!("/organizer/team?done=revoked&lang={}", lang.code()))
                }
                Err(AddOrganizerError::Unknown(_)) => {
                    refuse(StatusCode::NOT_FOUND, "revoke", lang.t("team.unknown").to_owned())
                }
                Err(err) => unavailable(err),
            }
        }
        "password" => {
            let (current, new, again) = (
                form.get("current").cloned().unwrap_or_default(),
                form.get("new").cloned().unwrap_or_default(),
                form.get("again").cloned().unwrap_or_default(),
            );
            let hash = state
                .read()
                .organizers
                .by_id
                .get(&me.id)
                .map(|a| a.password_hash.clone());
            let Some(hash) = hash else {
                return to_login(&req);
            };
            let right = web::block(move || crate::auth::verify_password(&hash, &current))
                .await
                .unwrap_or(false);
            if !right {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "current",
                    lang.t("team.wrong_password").to_owned(),
                );
            }
            if new.chars().count() < PASSWORD_MIN_CHARS {
                let message = lang.t("team.too_short").replace("{n}", &PASSWORD_MIN_CHARS.to_string());
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, "new", message);
            }
            if new != again {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "again",
                    lang.t("team.mismatch").to_owned(),
                );
            }
            match organizers::set_password(&*state.store, &me.email, Some(new), by).await {
                Ok((_, position)) => {
                    crate::service::settle(&state, position).await;
                    // Every session ended with the old password, this one too.
                    see_other(format!("/login?changed=1&lang={}", lang.code()))
                }
                Err(err) => unavailable(err),
            }
        }
        "token" => match organizers::rotate_token_by(&*state.store, &me.email, by).await {
            Ok((token, position)) => {
                crate::service::settle(&state, position).await;
                let mut page = page_for(&state, &req, &me);
                page.shown_once = Some((lang.t("team.new_token").to_owned(), me.email.clone(), token));
                respond(page, StatusCode::OK)
            }
            Err(err) => unavailable(err),
        },
        _ => refuse(
            StatusCode::BAD_REQUEST,
            "form",
            lang.t("fairform.unknown_action").to_owned(),
        ),
    }
}
