//! Emails due at a time rather than on an event: the organizers' daily digest of new
//! applications and the exhibitors' reminder the day before the fair. Each is planned from
//! the projections and the clock, with an id derived from its day, so every process plans
//! the same emails and the claim decides who sends them.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use hoicho_events::{NotificationId, NotificationParams, Recipient, Template};
use hoicho_projections::{FairView, Projections, RegistrationStatus, WantedNotification};

/// When the scheduled emails go out, in each fair's own time zone.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// The daily digest of new applications to organizers.
    pub digest_at: NaiveTime,
    /// The reminder on the day before the fair opens.
    pub reminder_at: NaiveTime,
    /// The evening reminder to exhibitors who have not reported the day's sales.
    pub sales_reminder_at: NaiveTime,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            digest_at: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            reminder_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            sales_reminder_at: NaiveTime::from_hms_opt(19, 0, 0).unwrap_or_default(),
        }
    }
}

/// The scheduled emails due at `now` and not yet claimed. A mailing is due for a day after
/// its time; one missed for longer than a day (hoicho was down) is not sent late.
pub fn due(p: &Projections, now: DateTime<Utc>, schedule: &Schedule) -> Vec<WantedNotification> {
    let mut due = Vec::new();
    for fair in p.fairs.by_id.values() {
        digest(p, fair, now, schedule, &mut due);
        reminder(p, fair, now, schedule, &mut due);
        sales_reminder(p, fair, now, schedule, &mut due);
        books_closed(p, fair, now, &mut due);
        fee_reminder(p, fair, now, schedule, &mut due);
    }
    // A household that gave only a phone is not emailed.
    due.retain(|w| !w.recipient.email.is_empty() && !p.notifications.claimed(&w.id));
    due
}

fn digest(
    p: &Projections,
    fair: &FairView,
    now: DateTime<Utc>,
    schedule: &Schedule,
    out: &mut Vec<WantedNotification>,
) {
    let today = fair.today(now);
    let mut day = today;
    let mut at = fair.at(day, schedule.digest_at);
    if at > now {
        day = today.pred_opt().unwrap_or(today);
        at = fair.at(day, schedule.digest_at);
    }
    if at > now || now - at >= Duration::hours(24) {
        return;
    }
    let since = at - Duration::hours(24);
    let listed: Vec<_> = p
        .registrations
        .submitted_between(&fair.id, since, at)
        .map(|r| r.id)
        .collect();
    if listed.is_empty() {
        return;
    }
    let trigger = format!("digest:{}:{day}", fair.id);
    for organizer in p.organizers.by_id.values() {
        out.push(WantedNotification {
            id: NotificationId::derive(&trigger, &organizer.email, Template::NewApplicationsDigest),
            fair_id: fair.id.clone(),
            template: Template::NewApplicationsDigest,
            trigger: trigger.clone(),
            registration_id: None,
            recipient: Recipient {
                email: organizer.email.clone(),
                name: String::new(),
            },
            language: "vi".into(),
            params: NotificationParams {
                registrations: listed.clone(),
                day: Some(day),
                ..Default::default()
            },
            due_at: at,
        });
    }
}

fn reminder(
    p: &Projections,
    fair: &FairView,
    now: DateTime<Utc>,
    schedule: &Schedule,
    out: &mut Vec<WantedNotification>,
) {
    let start = fair.details.start_date;
    let Some(eve) = start.pred_opt() else { return };
    let at = fair.at(eve, schedule.reminder_at);
    if at > now || now - at >= Duration::hours(24) {
        return;
    }
    let trigger = format!("reminder:{}:{start}", fair.id);
    for r in p.registrations.of_fair(&fair.id) {
        if r.status != RegistrationStatus::Approved {
            continue;
        }
        let email = &r.application.email;
        out.push(WantedNotification {
            id: NotificationId::derive(&trigger, email, Template::FairReminder),
            fair_id: fair.id.clone(),
            template: Template::FairReminder,
            trigger: trigger.clone(),
            registration_id: Some(r.id),
            recipient: Recipient {
                email: email.clone(),
                name: r.application.representative.clone(),
            },
            language: r.application.language.clone(),
            params: NotificationParams {
                day: Some(start),
                ..Default::default()
            },
            due_at: at,
        });
    }
}

/// How long before its due date a statement with fees still to pay is reminded of.
pub const FEE_REMINDER_DAYS: i64 = 2;

/// At the reminder time, [`FEE_REMINDER_DAYS`] before a statement falls due: a reminder to
/// each exhibitor holding booths with fees still to pay.
fn fee_reminder(
    p: &Projections,
    fair: &FairView,
    now: DateTime<Utc>,
    schedule: &Schedule,
    out: &mut Vec<WantedNotification>,
) {
    let Some(fees) = p.fees.of_fair(&fair.id) else { return };
    for s in fees.statements.values() {
        if s.lines.is_empty() || s.outstanding_vnd() <= 0 {
            continue;
        }
        let day = s.due_on - Duration::days(FEE_REMINDER_DAYS);
        let at = fair.at(day, schedule.reminder_at);
        if at > now || now - at >= Duration::hours(24) {
            continue;
        }
        let Some(r) = p.registrations.get(&s.registration_id) else {
            continue;
        };
        let trigger = format!("fee-reminder:{}:{}:{}", fair.id, r.id, s.due_on);
        let email = &r.application.email;
        out.push(WantedNotification {
            id: NotificationId::derive(&trigger, email, Template::FeeReminder),
            fair_id: fair.id.clone(),
            template: Template::FeeReminder,
            trigger,
            registration_id: Some(r.id),
            recipient: Recipient {
                email: email.clone(),
                name: r.application.representative.clone(),
            },
            language: r.application.language.clone(),
            params: NotificationParams {
                day: Some(s.due_on),
                ..Default::default()
            },
            due_at: at,
        });
    }
}

/// Registrations holding a booth at `fair`.
fn holders<'a>(p: &'a Projections, fair: &'a FairView) -> Vec<&'a hoicho_projections::RegistrationView> {
    fair.holdings.keys().filter_map(|id| p.registrations.get(id)).collect()
}

/// In the evening of a fair day, exhibitors holding a booth that have not reported that day.
fn sales_reminder(
    p: &Projections,
    fair: &FairView,
    now: DateTime<Utc>,
    schedule: &Schedule,
    out: &mut Vec<WantedNotification>,
) {
    if fair.books_closed {
        return;
    }
    let today = fair.today(now);
    if today < fair.details.start_date || today > fair.details.end_date {
        return;
    }
    let at = fair.at(today, schedule.sales_reminder_at);
    if at > now {
        return;
    }
    let trigger = format!("sales-reminder:{}:{today}", fair.id);
    let sales = p.sales.of_fair(&fair.id);
    for r in holders(p, fair) {
        let reported = sales
            .and_then(|s| s.registrations.get(&r.id))
            .and_then(|s| s.entries_by_day.get(&today))
            .is_some_and(|n| *n > 0);
        if reported {
            continue;
        }
        let email = &r.application.email;
        out.push(WantedNotification {
            id: NotificationId::derive(&trigger, email, Template::SalesReminder),
            fair_id: fair.id.clone(),
            template: Template::SalesReminder,
            trigger: trigger.clone(),
            registration_id: Some(r.id),
            recipient: Recipient {
                email: email.clone(),
                name: r.application.representative.clone(),
            },
            language: r.application.language.clone(),
            params: NotificationParams {
                day: Some(today),
                ..Default::default()
            },
            due_at: at,
        });
    }
}

/// When the books close: each exhibitor's own summary, and the report to every organizer.
/// A closing older than a week (hoicho was down, or the log is old) sends nothing.
fn books_closed(p: &Projections, fair: &FairView, now: DateTime<Utc>, out: &mut Vec<WantedNotification>) {
    let Some((at, event)) = fair.books_closed_at.filter(|_| fair.books_closed) else {
        return;
    };
    if now - at > Duration::days(7) {
        return;
    }
    let trigger = format!("books-closed:{}:{event}", fair.id);
    for r in holders(p, fair) {
        let email = &r.application.email;
        out.push(WantedNotification {
            id: NotificationId::derive(&trigger, email, Template::SalesSummary),
            fair_id: fair.id.clone(),
            template: Template::SalesSummary,
            trigger: trigger.clone(),
            registration_id: Some(r.id),
            recipient: Recipient {
                email: email.clone(),
                name: r.application.representative.clone(),
            },
            language: r.application.language.clone(),
            params: NotificationParams::default(),
            due_at: at,
        });
    }
    for organizer in p.organizers.by_id.values() {
        out.push(WantedNotification {
            id: NotificationId::derive(&trigger, &organizer.email, Template::RevenueReport),
            fair_id: fair.id.clone(),
            template: Template::RevenueReport,
            trigger: trigger.clone(),
            registration_id: None,
            recipient: Recipient {
                email: organizer.email.clone(),
                name: String::new(),
            },
            language: "vi".into(),
            params: NotificationParams::default(),
            due_at: at,
        });
    }
}
