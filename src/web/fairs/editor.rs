//! The floor-plan editor's side on the server: the plan as the editor starts from (embedded
//! in the plan page), and the drawing it saves. A save is one `DefinePlan` based on the plan
//! the editor was given (its fingerprint), so a colleague's change in between is named and
//! the drawing stays in the editor; a booth someone holds is not removed, and its holder is
//! named.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use hoicho_events::FairId;
use hoicho_projections::{FairView, Projections};
use serde_json::{json, Map, Value};

use crate::app::AppState;
use crate::domain::fair::FairCommand;
use crate::i18n::Lang;
use crate::service::{self, CommandContext};
use crate::web::fairs::input::plan_from_json;
use crate::web::fairs::planning::{changed_by, fingerprint_of, held_removals};
use crate::web::kit::error::ApiError;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::csrf_ok;

/// A drawing of 20,000 booths is about 3 MB of JSON.
const DRAWING_LIMIT: usize = 4 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizer/fairs/{fair}/plan/drawing")
            .app_data(web::PayloadConfig::default().limit(DRAWING_LIMIT))
            .route(web::post().to(save)),
    );
}

/// The plan as the editor starts from it, as JSON safe inside a `<script>` element: booths
/// with who holds each (to refuse deleting or renaming a held one, naming the holder).
pub fn starting_drawing(view: &FairView, p: &Projections) -> String {
    let booths: Vec<Value> = view
        .booths
        .values()
        .map(|b| {
            let holder = b.holder.map(|id| {
                p.registrations
                    .get(&id)
                    .map(|r| r.application.organization.clone())
                    .unwrap_or_else(|| id.to_string())
            });
            json!({
                "code": b.booth.code,
                "zone": b.booth.zone,
                "kind": b.booth.kind,
                "width_m": b.booth.width_m,
                "depth_m": b.booth.depth_m,
                "price_vnd": b.booth.price_vnd,
                "x": b.booth.x,
                "y": b.booth.y,
                "power": b.booth.power,
                "holder": holder,
            })
        })
        .collect();
    let zones: Vec<Value> = view
        .zones
        .values()
        .map(|z| json!({"code": z.code, "name": z.name, "colour": z.colour}))
        .collect();
    let floor = &view.floor;
    let drawing = json!({
        "seen": fingerprint_of(view),
        "zones": zones,
        "booths": booths,
        "hall": floor.hall,
        "shapes": floor.shapes,
    });
    // `<` only occurs inside strings, where `\u003c` reads the same.
    drawing.to_string().replace('<', "\\u003c")
}

fn answer(status: StatusCode, body: Value) -> HttpResponse {
    HttpResponse::build(status).json(body)
}

fn refusal(status: StatusCode, code: &str, message: String) -> HttpResponse {
    answer(status, json!({"code": code, "message": message}))
}

/// `POST /organizer/fairs/{fair}/plan/drawing`: `{csrf, seen, zones, booths, hall, shapes}`.
/// Answers `{seen, booths}` when saved; `{code, message, fields?, seen?}` when not.
async fn save(state: Data<AppState>, req: HttpRequest, fair: Path<String>, body: Bytes) -> HttpResponse {
    let lang = Lang::of(&req);
    let Some(who) = organizer_of(&req) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "sign_in",
            lang.t("editor.signed_out").to_owned(),
        );
    };
    let Ok(Value::Object(mut drawing)) = serde_json::from_slice::<Value>(&body) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "malformed_request",
            lang.t("editor.malformed").to_owned(),
        );
    };
    let mut take = |key: &str| match drawing.remove(key) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let (csrf, seen) = (take("csrf"), take("seen"));
    if !csrf_ok(&req, &csrf) {
        return refusal(StatusCode::FORBIDDEN, "csrf", lang.t("login.expired").to_owned());
    }
    if state.read().fairs.get(fair.as_str()).is_none() {
        return refusal(StatusCode::NOT_FOUND, "not_found", lang.t("fair.not_found").to_owned());
    }
    let (zones, booths, floor) = match plan_from_json(&Value::Object(drawing), lang) {
        Ok(parts) => parts,
        Err(err) => return invalid(err),
    };
    let held = {
        let p = state.read();
        p.fairs
            .get(fair.as_str())
            .map(|view| held_removals(&p, view, &booths))
            .unwrap_or_default()
    };
    if !held.is_empty() {
        let message = lang.t("plan.held").replace("{booths}", &held.join(", "));
        return refusal(StatusCode::CONFLICT, "booth_allocated", message);
    }
    let count = booths.len();
    let ctx = CommandContext::new(who.actor(), Utc::now());
    let command = FairCommand::DefinePlan {
        zones,
        booths,
        floor: Some(floor.unwrap_or_default()),
        seen: Some(seen).filter(|s| !s.is_empty()),
    };
    let fair_id = FairId::new_unchecked(fair.as_str());
    match service::fairs::run(&state, &ctx, &fair_id, None, &command)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => {
            let p = state.read();
            let seen = p.fairs.get(fair.as_str()).map(fingerprint_of).unwrap_or_default();
            answer(
                StatusCode::OK,
                json!({"seen": seen, "booths": count, "message": lang.t("plan.flash.saved")}),
            )
        }
        Err(err) if err.body.code == "plan_changed" => {
            let p = state.read();
            let Some(view) = p.fairs.get(fair.as_str()) else {
                return refusal(StatusCode::NOT_FOUND, "not_found", lang.t("fair.not_found").to_owned());
            };
            let message = changed_by(&p, view, "editor.conflict", lang);
            // The plan's fingerprint now: saving with it is a decision made knowing of the
            // other change.
            answer(
                StatusCode::CONFLICT,
                json!({"code": "plan_changed", "message": message, "seen": fingerprint_of(view)}),
            )
        }
        Err(err) => invalid(err),
    }
}

fn invalid(err: ApiError) -> HttpResponse {
    let fields: Map<String, Value> = err
        .body
        .fields
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    answer(
        err.status,
        json!({"code": err.body.code, "message": err.body.message, "fields": fields}),
    )
}
