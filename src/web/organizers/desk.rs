//! The organizer's home: each fair with what needs doing next (applications waiting,
//! approved ones short of booths, booths still free, exhibitors who have not reported
//! today's sales, books to close), each a link to where it is done; and a new fair.

use actix_web::http::StatusCode;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use hoicho_projections::{BoothStatus, FairView, Projections, RegistrationStatus};

use crate::app::AppState;
use crate::i18n::{date_vn, Lang};
use crate::web::kit::extract::organizer_of;
use crate::web::kit::page::{csrf_token, render, to_login, with_csrf, Frame};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizer", web::get().to(organizer_home));
}

/// One thing to do, and where to do it.
pub struct Todo {
    pub text: String,
    pub href: String,
}

pub struct DeskFair {
    pub id: String,
    pub name: String,
    pub dates: String,
    /// `upcoming`, `running` or `over`.
    pub when: &'static str,
    pub booths: usize,
    pub todos: Vec<Todo>,
    start: chrono::NaiveDate,
}

#[derive(Template)]
#[template(path = "organizer.html")]
struct OrganizerPage {
    lang: Lang,
    signed_in: bool,
    switch_url: String,
    email: String,
    csrf: String,
    fairs: Vec<DeskFair>,
}

/// What needs doing at `fair` at `now`.
pub fn todos(p: &Projections, fair: &FairView, lang: Lang, now: DateTime<Utc>) -> Vec<Todo> {
    let base = format!("/organizer/fairs/{}", fair.id);
    let l = lang.code();
    let mut todos = Vec::new();
    let (mut waiting, mut short) = (0, 0);
    let mut holders = Vec::new();
    for r in p.registrations.of_fair(&fair.id) {
        match r.status {
            RegistrationStatus::Submitted => waiting += 1,
            RegistrationStatus::Approved => {
                let held = fair.held_by(&r.id).len();
                if (held as u32) < r.approved_booths {
                    short += 1;
                }
                if held > 0 {
                    holders.push(r.id);
                }
            }
            _ => {}
        }
    }
    let today = fair.today(now);
    let (start, end) = (fair.details.start_date, fair.details.end_date);
    // Once the fair is over, what was not reviewed or placed no longer waits.
    if today > end {
        (waiting, short) = (0, 0);
    }
    if waiting > 0 {
        todos.push(Todo {
            text: format!("{waiting} {}", lang.t("desk.todo.waiting")),
            href: format!("{base}/registrations?status=submitted&lang={l}"),
        });
    }
    if short > 0 {
        todos.push(Todo {
            text: format!("{short} {}", lang.t("desk.todo.short")),
            href: format!("{base}/board?lang={l}"),
        });
    }
    let free = fair
        .booths
        .values()
        .filter(|b| b.status == BoothStatus::Available)
        .count();
    if fair.booths.is_empty() {
        todos.push(Todo {
            text: lang.t("desk.todo.no_plan").to_owned(),
            href: format!("{base}/plan?lang={l}"),
        });
    } else if free > 0 && today <= end {
        todos.push(Todo {
            text: format!("{free} {}", lang.t("desk.todo.free")),
            href: format!("{base}/board?lang={l}"),
        });
    }
    if (start..=end).contains(&today) {
        let unreported = holders
            .iter()
            .filter(|id| {
                p.sales
                    .of(&fair.id, id)
                    .is_none_or(|s| s.entries_by_day.get(&today).copied().unwrap_or(0) == 0)
            })
            .count();
        if unreported > 0 {
            todos.push(Todo {
                text: format!("{unreported} {}", lang.t("desk.todo.unreported")),
                href: format!("{base}/revenue?lang={l}"),
            });
        }
    }
    if today > end && !fair.books_closed && !holders.is_empty() {
        todos.push(Todo {
            text: lang.t("desk.todo.books").to_owned(),
            href: format!("{base}/revenue?lang={l}"),
        });
    }
    todos
}

fn desk_fair(p: &Projections, fair: &FairView, lang: Lang, now: DateTime<Utc>) -> DeskFair {
    let today = fair.today(now);
    let d = &fair.details;
    DeskFair {
        id: fair.id.to_string(),
        name: d.name.clone(),
        dates: format!("{} – {}", date_vn(d.start_date), date_vn(d.end_date)),
        when: if today < d.start_date {
            "upcoming"
        } else if today <= d.end_date {
            "running"
        } else {
            "over"
        },
        booths: fair.booths.len(),
        todos: todos(p, fair, lang, now),
        start: d.start_date,
    }
}

async fn organizer_home(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(organizer) = organizer_of(&req) else {
        return to_login(&req);
    };
    let Frame {
        lang,
        signed_in,
        switch_url,
    } = Frame::of(&req);
    let now = Utc::now();
    let mut fairs: Vec<DeskFair> = {
        let p = state.read();
        p.fairs.by_id.values().map(|f| desk_fair(&p, f, lang, now)).collect()
    };
    // Running fairs first, then the upcoming ones, then the past; newest first within each.
    let rank = |w: &str| match w {
        "running" => 0,
        "upcoming" => 1,
        _ => 2,
    };
    fairs.sort_by(|a, b| rank(a.when).cmp(&rank(b.when)).then_with(|| b.start.cmp(&a.start)));
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
