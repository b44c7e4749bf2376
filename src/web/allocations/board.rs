//! The organizers' allocation board: the floor plan, the approved applications still short of
//! booths, and one booth's panel (allocate, release, move, block). Pick an application, tap a
//! booth, confirm. Works without JavaScript; with it, the plan follows changes made
//! elsewhere without a reload. The automatic proposal is drawn on the same plan, to accept as
//! one change or to discard.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use hoicho_events::{BoothCode, FairId, RegistrationId, ReleaseCause};
use hoicho_projections::{BoothStatus, Projections, RegistrationStatus};

use crate::app::AppState;
use crate::domain::fair::{FairCommand, BLOCK_REASON_MAX_CHARS};
use crate::i18n::{datetime_vn, Lang};
use crate::service::allocations::standing;
use crate::service::CommandContext;
use crate::web::allocations::api::command_on_fair;
use crate::web::allocations::proposal::build_proposal;
use crate::web::fairs::floor::{plan, Plan};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::{organizer_of, Organizer};
use crate::web::kit::input::form_text;
use crate::web::kit::page::render_form;
use crate::web::kit::page::{csrf_ok, csrf_token, not_found_page, to_login, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/board", web::get().to(board))
        .route("/organizer/fairs/{fair}/board", web::post().to(act));
}

/// An approved application, as the board lists it.
struct Wanting {
    id: String,
    organization: String,
    held: Vec<String>,
    approved: u32,
    zone: String,
    kind: String,
    stars: String,
    selected: bool,
}

/// The panel of the booth the organizer tapped.
struct Panel {
    code: String,
    zone_name: String,
    size: String,
    status: &'static str,
    status_text: String,
    exhibitor: String,
    products: String,
    blocked_reason: String,
    history: Vec<String>,
    /// Where a held booth's holder may move to.
    free_booths: Vec<String>,
}

struct ProposalView {
    version: u64,
    json: String,
    /// (organization, booth, why outside the zone asked for, or "")
    placements: Vec<(String, String, String)>,
    unplaced: Vec<(String, String)>,
    /// Some are short because their zone or kind is full: the rest can go elsewhere.
    can_go_elsewhere: bool,
    elsewhere: bool,
}

/// The application picked, said above the plan while booths are tapped for it.
struct Picked {
    organization: String,
    /// Booths it still needs.
    need: u32,
    zone: String,
    kind: String,
}

#[derive(askama::Template)]
#[template(path = "board.html")]
struct BoardPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    csrf: String,
    plan: Plan,
    version: u64,
    wanting: Vec<Wanting>,
    placed: Vec<Wanting>,
    selected_registration: String,
    panel: Option<Panel>,
    proposal: Option<ProposalView>,
    /// Booths the proposal would fill: code → organization.
    proposed: HashMap<String, String>,
    flash: Option<String>,
    error: Option<String>,
    picked: Option<Picked>,
    /// Free booths that fit the picked application's zone and kind.
    fits: std::collections::HashSet<String>,
    /// Said in the panel when the tapped booth is not of the zone or kind the picked
    /// application asked for.
    mismatch: Option<String>,
    /// Booths whose holder has not paid its fee by the due date.
    unpaid: std::collections::HashSet<String>,
}

impl BoardPage {
    fn fits(&self, code: &str) -> bool {
        self.fits.contains(code)
    }

    fn unpaid(&self, code: &str) -> bool {
        self.unpaid.contains(code)
    }

    fn picked_text(&self) -> String {
        let Some(p) = &self.picked else { return String::new() };
        let mut need = self.lang.t("board.picked_need").replace("{n}", &p.need.to_string());
        if !p.zone.is_empty() {
            need.push_str(&format!(" {} {}", self.lang.t("board.in_zone"), p.zone));
        }
        if !p.kind.is_empty() {
            need.push_str(&format!(" · {}", p.kind));
        }
        format!("{}: {}, {need}", self.lang.t("board.picked"), p.organization)
    }

    fn proposed_for(&self, code: &str) -> &str {
        self.proposed.get(code).map(String::as_str).unwrap_or("")
    }

    fn link(&self, booth: &str) -> String {
        let mut url = format!(
            "/organizer/fairs/{}/board?lang={}&booth={booth}",
            self.fair_id,
            self.lang.code()
        );
        if !self.selected_registration.is_empty() {
            url.push_str("&registration=");
            url.push_str(&self.selected_registration);
        }
        if let Some(pr) = &self.proposal {
            url.push_str("&proposal=1");
            if pr.elsewhere {
                url.push_str("&elsewhere=1");
            }
        }
        // The page comes back at the booth's panel, not at its top.
        url.push_str("#booth-panel");
        url
    }
}

fn wanting(
    p: &Projections,
    fair: &hoicho_projections::FairView,
    selected: Option<RegistrationId>,
) -> (Vec<Wanting>, Vec<Wanting>) {
    let (mut short, mut full) = (Vec::new(), Vec::new());
    for r in p.registrations.of_fair(&fair.id) {
        if r.status != RegistrationStatus::Approved {
            continue;
        }
        let booths: Vec<String> = fair.held_by(&r.id).iter().map(|b| b.to_string()).collect();
        let req = &r.application.booth_request;
        let w = Wanting {
            id: r.id.to_string(),
            organization: r.application.organization.clone(),
            approved: r.approved_booths,
            zone: req.zone.as_ref().map(|z| z.to_string()).unwrap_or_default(),
            kind: req.kind.clone().unwrap_or_default(),
            stars: r.best_stars().map(|s| "★".repeat(s as usize)).unwrap_or_default(),
            selected: Some(r.id) == selected,
            held: booths,
        };
        if (w.held.len() as u32) < w.approved {
            short.push(w);
        } else {
            full.push(w);
        }
    }
    (short, full)
}

async fn board(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    query: Query<HashMap<String, String>>,
) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let frame = Frame::of(&req);
    let lang = frame.lang;
    let csrf = csrf_token(&req);
    let booth = query.get("booth").filter(|b| !b.is_empty()).cloned();
    let selected = query
        .get("registration")
        .and_then(|r| r.parse().ok())
        .map(RegistrationId);
    let fair_id = FairId::new_unchecked(fair.as_str());
    let history = match &booth {
        Some(code) => {
            crate::web::allocations::api::booth_history(&state, &fair_id, &BoothCode::new_unchecked(code.as_str()))
                .await
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let page = {
        let p = state.read();
        let Some(view) = p.fairs.get(&fair) else {
            return not_found_page(&req, "fair.not_found");
        };
        let zone = view.details.time_zone.clone();
        let (wanting, placed) = wanting(&p, view, selected);
        let elsewhere = query.contains_key("elsewhere");
        let proposal = query.contains_key("proposal").then(|| {
            let out = build_proposal(&p, view, lang, elsewhere);
            ProposalView {
                version: out.version,
                json: serde_json::to_string(&out.placements).unwrap_or_default(),
                can_go_elsewhere: !elsewhere
                    && out.free_after > 0
                    && out.unplaced.iter().any(|u| u.reason["code"] == "no_free_booth"),
                elsewhere,
                placements: out
                    .placements
                    .iter()
                    .map(|pl| {
                        (
                            pl.organization.clone(),
                            pl.booth.clone(),
                            pl.note.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
                unplaced: out
                    .unplaced
                    .iter()
                    .map(|u| (u.organization.clone(), u.message.clone()))
                    .collect(),
            }
        });
        let proposed: HashMap<String, String> = proposal
            .as_ref()
            .map(|pr| {
                pr.placements
                    .iter()
                    .map(|(org, booth, _)| (booth.clone(), org.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let plan = plan(view, &p.registrations, lang, booth.as_deref());
        let picked_view = selected.and_then(|id| p.registrations.get(&id));
        let picked = picked_view
            .filter(|r| (view.held_by(&r.id).len() as u32) < r.approved_booths)
            .map(|r| {
                let req = &r.application.booth_request;
                Picked {
                    organization: r.application.organization.clone(),
                    need: r.approved_booths.saturating_sub(view.held_by(&r.id).len() as u32),
                    zone: req.zone.as_ref().map(|z| z.to_string()).unwrap_or_default(),
                    kind: req.kind.clone().unwrap_or_default(),
                }
            });
        let fits_booth = |b: &hoicho_projections::BoothView, pick: &Picked| {
            (pick.zone.is_empty() || b.booth.zone.as_str() == pick.zone)
                && (pick.kind.is_empty() || b.booth.kind == pick.kind)
        };
        let fits: std::collections::HashSet<String> = picked
            .as_ref()
            .map(|pick| {
                view.booths
                    .values()
                    .filter(|b| b.status == BoothStatus::Available && fits_booth(b, pick))
                    .map(|b| b.booth.code.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mismatch = match (&picked, &booth) {
            (Some(pick), Some(code)) => view
                .booths
                .get(&BoothCode::new_unchecked(code.as_str()))
                .filter(|b| b.status == BoothStatus::Available && !fits_booth(b, pick))
                .map(|b| {
                    lang.t("board.mismatch")
                        .replace("{org}", &pick.organization)
                        .replace("{asked}", format!("{} {}", pick.zone, pick.kind).trim())
                        .replace("{booth}", &format!("{} {}", b.booth.zone, b.booth.kind))
                }),
            _ => None,
        };
        let panel = booth.as_ref().and_then(|code| {
            let b = plan.booths.iter().find(|b| &b.code == code)?;
            let booth_view = view.booths.get(&BoothCode::new_unchecked(code.as_str()))?;
            Some(Panel {
                code: b.code.clone(),
                zone_name: b.zone_name.clone(),
                size: b.size.clone(),
                status: b.status,
                status_text: b.status_text.clone(),
                exhibitor: b.exhibitor.clone(),
                products: b.products.clone(),
                blocked_reason: booth_view.blocked_reason.clone().unwrap_or_default(),
                history: history
                    .iter()
                    .map(|h| {
                        let mut line = format!(
                            "{} · {}",
                            datetime_vn(h.at, &zone),
                            lang.t(&format!("booth_event.{}", h.event))
                        );
                        if let Some(org) = &h.organization {
                            line.push_str(&format!(" · {org}"));
                        }
                        if let Some(detail) = &h.detail {
                            line.push_str(&format!(" ({detail})"));
                        }
                        line
                    })
                    .collect(),
                free_booths: view
                    .booths
                    .values()
                    .filter(|b| b.status == BoothStatus::Available)
                    .map(|b| b.booth.code.to_string())
                    .collect(),
            })
        });
        BoardPage {
            lang,
            signed_in: frame.signed_in,
            switch_url: frame.switch_url,
            fair_id: view.id.to_string(),
            fair_name: view.details.name.clone(),
            csrf: csrf.clone(),
            plan,
            version: view.version,
            wanting,
            placed,
            selected_registration: selected.map(|r| r.to_string()).unwrap_or_default(),
            panel,
            proposal,
            proposed,
            flash: query
                .get("done")
                .map(|key| lang.t(&format!("board.done.{key}")).to_owned()),
            error: query.get("error").cloned(),
            picked,
            fits,
            mismatch,
            unpaid: crate::web::fees::overdue::overdue(&p, &view.id)
                .into_iter()
                .flat_map(|(_, s)| s.lines.iter().map(|l| l.booth.to_string()).collect::<Vec<_>>())
                .collect(),
        }
    };
    render_form(StatusCode::OK, lang, &page, &csrf)
}

/// The refusal in the organizer's language.
fn refusal(err: &ApiError, lang: Lang, booth: &str) -> String {
    let holder = err
        .body
        .details
        .as_ref()
        .and_then(|d| d["holder"]["organization"].as_str())
        .unwrap_or("")
        .to_owned();
    match lang.t(&format!("board.err.{}", err.body.code)) {
        same if same.starts_with("board.err.") => err.body.message.clone(),
        text => text.replace("{booth}", booth).replace("{holder}", &holder),
    }
}

async fn act(
    state: Data<AppState>,
    req: HttpRequest,
    fair: Path<String>,
    form: Form<HashMap<String, String>>,
) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let lang = Lang::of(&req);
    let get = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let fair_id = FairId::new_unchecked(fair.as_str());
    let action = get("action");
    let booth = get("booth");
    let registration = get("registration");
    let outcome = if !csrf_ok(&req, &get("csrf")) {
        Err(lang.t("board.err.csrf").to_owned())
    } else {
        run_action(&state, &organizer, &fair_id, &action, &booth, &registration, &get, lang).await
    };
    let mut query = vec![("lang", lang.code().to_owned())];
    if !booth.is_empty() {
        query.push(("booth", booth.clone()));
    }
    match outcome {
        Ok(done) => {
            // The application picked stays picked while it still needs booths.
            if !registration.is_empty() {
                query.push(("registration", registration.clone()));
            }
            query.push(("done", done.to_owned()))
        }
        Err(message) => {
            if !registration.is_empty() {
                query.push(("registration", registration.clone()));
            }
            query.push(("error", message));
        }
    }
    let back = format!(
        "/organizer/fairs/{fair_id}/board?{}{}",
        serde_urlencoded::to_string(&query).unwrap_or_default(),
        if booth.is_empty() { "" } else { "#booth-panel" }
    );
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .finish()
}

#[allow(clippy::too_many_arguments)]
async fn run_action(
    state: &AppState,
    organizer: &Organizer,
    fair: &FairId,
    action: &str,
    booth: &str,
    registration: &str,
    get: &dyn Fn(&str) -> String,
    lang: Lang,
) -> Result<&'static str, String> {
    let code = BoothCode::new_unchecked(booth);
    let command = match action {
        "allocate" => {
            let id = registration
                .parse()
                .map(RegistrationId)
                .map_err(|_| lang.t("board.err.pick_registration").to_owned())?;
            let registration =
                standing(&state.read(), fair, &id).ok_or_else(|| lang.t("board.err.not_found").to_owned())?;
            FairCommand::Allocate {
                booth: code.clone(),
                registration,
            }
        }
        "release" => FairCommand::Release {
            booth: code.clone(),
            cause: ReleaseCause::Organizer,
        },
        "move" => FairCommand::Move {
            from: code.clone(),
            to: BoothCode::new_unchecked(get("to")),
        },
        "block" => FairCommand::Block {
            booth: code.clone(),
            reason: Some(form_text(&get("reason"), BLOCK_REASON_MAX_CHARS)).filter(|r| !r.is_empty()),
        },
        "unblock" => FairCommand::Unblock { booth: code.clone() },
        "accept" => {
            let version: u64 = get("version").parse().unwrap_or(0);
            let placements: Vec<serde_json::Value> = serde_json::from_str(&get("placements")).unwrap_or_default();
            let list: Vec<_> = {
                let p = state.read();
                placements
                    .iter()
                    .filter_map(|pl| {
                        let booth = pl["booth"].as_str()?;
                        let id = pl["registration"].as_str()?.parse().ok().map(RegistrationId)?;
                        Some((BoothCode::new_unchecked(booth), standing(&p, fair, &id)?))
                    })
                    .collect()
            };
            let ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
            return match command_on_fair(
                state,
                &ctx,
                fair,
                Some(version),
                &FairCommand::AllocateAll { placements: list },
                &code,
            )
            .await
            {
                Ok(_) => Ok("accept"),
                Err(err) if err.status == StatusCode::PRECONDITION_FAILED => {
                    Err(lang.t("board.err.floor_changed").to_owned())
                }
                Err(err) => Err(refusal(&err, lang, booth)),
            };
        }
        _ => return Err(lang.t("board.err.unknown").to_owned()),
    };
    let ctx = CommandContext::new(organizer.actor(), chrono::Utc::now());
    let contested = match &command {
        FairCommand::Move { to, .. } => to.clone(),
        _ => code,
    };
    command_on_fair(state, &ctx, fair, None, &command, &contested)
        .await
        .map(|_| match action {
            "allocate" => "allocate",
            "release" => "release",
            "move" => "move",
            "block" => "block",
            _ => "unblock",
        })
        .map_err(|err| refusal(&err, lang, booth))
}
