//! A fair's history (`/organizer/fairs/{fair}/history`): every change to the fair — its
//! details, plan, registration window, allocations, blocks, rules, books — newest first, with
//! who made it and when, read from the fair's stream. The events of one change (a plan saved,
//! a proposal accepted) are one line.

use actix_web::web::{self, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use hoicho_events::{streams, Envelope, Event, FairId, RegistrationId};
use hoicho_projections::Projections;

use crate::app::AppState;
use crate::i18n::{datetime_vn, Lang};
use crate::web::fairs::settings::actor_name;
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{not_found_page, render, to_login, Frame};

/// The changes a page shows.
const PAGE: usize = 100;
/// The events read for a page: a plan of many booths is many events of one change.
const READ: usize = 20_000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer/fairs/{fair}/history", web::get().to(page));
}

pub struct Change {
    pub at: String,
    pub who: String,
    pub what: String,
    /// The codes or names it touched, when there are any.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "fair_history.html")]
struct HistoryPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    fair_id: String,
    fair_name: String,
    changes: Vec<Change>,
    /// The version to read older changes before.
    older: Option<u64>,
}

#[derive(serde::Deserialize)]
struct HistoryQuery {
    before: Option<u64>,
}

fn organization(p: &Projections, id: &RegistrationId) -> String {
    p.registrations
        .get(id)
        .map(|r| r.application.organization.clone())
        .unwrap_or_else(|| id.to_string())
}

/// A few codes, and how many more.
fn listed(codes: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut out = codes.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if codes.len() > SHOWN {
        out.push_str(&format!(" … (+{})", codes.len() - SHOWN));
    }
    out
}

/// Events of one kind under one correlation are one line: a plan's booths, a proposal's
/// allocations.
fn kind(event: &Event) -> &'static str {
    match event {
        Event::ZoneDefined(_)
        | Event::ZoneRetired(_)
        | Event::BoothDefined(_)
        | Event::BoothChanged(_)
        | Event::BoothRetired(_)
        | Event::FloorDrawn(_) => "plan",
        other => other.event_type(),
    }
}

/// What one change did, in words.
fn describe(p: &Projections, events: &[Envelope], lang: Lang) -> (String, String) {
    let t = |k: &str| lang.t(k).to_owned();
    let codes = |f: &dyn Fn(&Event) -> Option<String>| events.iter().filter_map(|e| f(&e.event)).collect::<Vec<_>>();
    match &events[0].event {
        Event::FairCreated(e) => match &e.copied_from {
            Some(from) => (t("history.copied"), from.to_string()),
            None => (t("history.created"), String::new()),
        },
        Event::FairAmended(_) => (t("history.amended"), String::new()),
        Event::RegistrationOpened(_) => (t("history.opened"), String::new()),
        Event::RegistrationClosed(_) => (t("history.closed"), String::new()),
        Event::AllocationRulesSet(_) => (t("history.rules"), String::new()),
        Event::FeeRulesSet(e) => (
            t("history.fees"),
            e.rules
                .subsidies
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
                .join(" · "),
        ),
        Event::PaymentAccountSet(e) => (
            t("history.account"),
            e.account
                .as_ref()
                .map(|a| {
                    format!(
                        "{} {}",
                        crate::domain::banks::name(&a.bin).unwrap_or(&a.bin),
                        a.account_number
                    )
                })
                .unwrap_or_default(),
        ),
        Event::FeesRecalculated(e) => (
            format!("{} ({})", t("history.recalculated"), e.registrations.len()),
            listed(&e.registrations.iter().map(|r| organization(p, r)).collect::<Vec<_>>()),
        ),
        Event::BooksClosed(_) => (t("history.books_closed"), String::new()),
        Event::BooksReopened(e) => (t("history.books_reopened"), e.reason.clone()),
        Event::BoothAllocated(_) => {
            let given = codes(&|e| match e {
                Event::BoothAllocated(a) => Some(format!("{} → {}", a.booth, organization(p, &a.registration_id))),
                _ => None,
            });
            (format!("{} ({})", t("history.allocated"), given.len()), listed(&given))
        }
        Event::BoothReleased(_) => {
            let released = codes(&|e| match e {
                Event::BoothReleased(a) => Some(format!("{} ({})", a.booth, organization(p, &a.registration_id))),
                _ => None,
            });
            (
                format!("{} ({})", t("history.released"), released.len()),
                listed(&released),
            )
        }
        Event::BoothMoved(e) => (
            t("history.moved"),
            format!("{}: {} → {}", organization(p, &e.registration_id), e.from, e.to),
        ),
        Event::BoothBlocked(e) => (
            t("history.blocked"),
            format!(
                "{}{}",
                e.booth,
                e.reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default()
            ),
        ),
        Event::BoothUnblocked(e) => (t("history.unblocked"), e.booth.to_string()),
        Event::ZoneDefined(_)
        | Event::ZoneRetired(_)
        | Event::BoothDefined(_)
        | Event::BoothChanged(_)
        | Event::BoothRetired(_)
        | Event::FloorDrawn(_) => {
            let count = |f: &dyn Fn(&Event) -> bool| events.iter().filter(|e| f(&e.event)).count();
            let parts = [
                ("history.booths_added", count(&|e| matches!(e, Event::BoothDefined(_)))),
                (
                    "history.booths_changed",
                    count(&|e| matches!(e, Event::BoothChanged(_))),
                ),
                (
                    "history.booths_removed",
                    count(&|e| matches!(e, Event::BoothRetired(_))),
                ),
                (
                    "history.zones_changed",
                    count(&|e| matches!(e, Event::ZoneDefined(_) | Event::ZoneRetired(_))),
                ),
                ("history.floor", count(&|e| matches!(e, Event::FloorDrawn(_)))),
            ];
            let detail = parts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(key, n)| format!("{} {n}", lang.t(key)))
                .collect::<Vec<_>>()
                .join(" · ");
            (t("history.plan"), detail)
        }
        other => (other.event_type().to_owned(), String::new()),
    }
}

async fn page(state: Data<AppState>, req: HttpRequest, fair: Path<String>, query: Query<HistoryQuery>) -> HttpResponse {
    if organizer_of(&req).is_none() {
        return to_login(&req);
    }
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let Some((version, name, zone)) = state
        .read()
        .fairs
        .get(&fair)
        .map(|v| (v.version, v.details.name.clone(), v.details.time_zone.clone()))
    else {
        return not_found_page(&req, "fair.not_found");
    };
    let last = query.before.map_or(version, |b| b.saturating_sub(1)).min(version);
    let from = last.saturating_sub(READ as u64 - 1).max(1);
    let stream = streams::fair(&FairId::new_unchecked(fair.as_str()));
    let recorded = match state.store.read_stream(&stream, from, READ).await {
        Ok(events) => events,
        Err(err) => {
            tracing::error!(error = %err, "the fair's history could not be read");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    let envelopes: Vec<Envelope> = recorded
        .iter()
        .filter(|r| r.version <= last)
        .filter_map(|r| Envelope::decode(r).ok())
        .collect();
    // One change: consecutive events of one kind under one correlation.
    let mut groups: Vec<&[Envelope]> = envelopes
        .chunk_by(|a, b| a.metadata.correlation_id == b.metadata.correlation_id && kind(&a.event) == kind(&b.event))
        .collect();
    groups.reverse();
    let more = groups.len() > PAGE || from > 1;
    groups.truncate(PAGE);
    let p = state.read();
    let changes = groups
        .iter()
        .map(|events| {
            let (what, detail) = describe(&p, events, lang);
            Change {
                at: datetime_vn(events[0].recorded_at, &zone),
                who: actor_name(&p, &Some(events[0].metadata.actor.clone()), lang),
                what,
                detail,
            }
        })
        .collect();
    let older = groups.last().filter(|_| more).map(|g| g[0].version);
    drop(p);
    let page = HistoryPage {
        lang,
        signed_in,
        switch_url,
        fair_id: fair.to_string(),
        fair_name: name,
        changes,
        older,
    };
    render(actix_web::http::StatusCode::OK, lang, &page)
}
