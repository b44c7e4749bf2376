//! Email from the log (DESIGN.md "Email"). The notifier watches the projections for emails
//! the log calls for, claims each through its own stream (`notification-{id}`, expected: no
//! stream) so one process sends it however many run, sends it, and records the outcome.
//! Failures that may pass are retried with exponential backoff, across restarts; a bounded
//! number of attempts, or a permanent refusal, marks it failed for organizers to see and
//! retry.

pub mod invitation;
pub mod mime;
mod payment;
pub mod render;
pub mod schedule;
pub mod transport;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hoicho_events::{
    streams, Actor, Event, FirstAttempt, Metadata, NewEvent, NotificationAttempted, NotificationClaimed,
    NotificationDeferred, NotificationFailed, NotificationId, NotificationSent, Template,
};
use hoicho_projections::{NotificationStatus, NotificationView, Projections, WantedNotification};
use lettre::message::Mailbox;
use tokio::sync::Semaphore;

use crate::app::AppState;
use crate::clock::Clock;
use crate::store::{ExpectedVersion, StoreError};
pub use render::{Mail, MailContext, Rendered};
pub use schedule::Schedule;
pub use transport::{probe, SendError, SmtpUrl, Transport};

/// How mail is sent and retried.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: mailbox files in the data directory.
    pub smtp: Option<SmtpUrl>,
    /// The sender, e.g. `Ban tổ chức hội chợ <hoicho@example.vn>`.
    pub from: String,
    /// The address people reach the server at, for links in emails.
    pub public_url: String,
    /// The wait after the first failed attempt; doubled each time, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Attempts before an email is marked failed.
    pub max_attempts: u32,
    /// How long an attempt may take before another process may try again.
    pub lease: Duration,
    /// Emails sent at once.
    pub concurrency: usize,
    pub schedule: Schedule,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp: None,
            from: "Hội chợ OCOP <hoicho@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            max_attempts: 8,
            lease: Duration::from_secs(120),
            concurrency: 16,
            schedule: Schedule::default(),
        }
    }
}

/// What the web layer needs of the mailer: rendering for display, and where mail goes.
pub struct Mailer {
    pub settings: MailSettings,
    pub from: Mailbox,
    pub transport: Transport,
}

impl Mailer {
    pub fn new(settings: MailSettings, data_dir: &std::path::Path) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|err| anyhow::anyhow!("--mail-from {:?} is not a mailbox: {err}", settings.from))?;
        let transport = Transport::from_config(settings.smtp.as_ref(), data_dir, settings.concurrency as u32)?;
        Ok(Mailer {
            settings,
            from,
            transport,
        })
    }

    /// Renders `mail` from the projections; `private_link` decides whether the exhibitor's
    /// link is in it (for sending) or masked (for organizers reading it).
    pub fn render(&self, p: &Projections, secret: &crate::auth::Secret, mail: &Mail, reveal: bool) -> Rendered {
        let public_url = self.settings.public_url.trim_end_matches('/');
        let registration = mail.registration_id.and_then(|id| p.registrations.get(&id));
        let private_link = registration.and_then(|r| {
            let token = crate::auth::access_token_at(secret, &r.id, r.token_generation);
            // A registration from before tokens were derived has a token no one can derive:
            // its email says nothing rather than something wrong.
            (crate::auth::token_hash(&token) == r.token_hash).then(|| {
                let shown = if reveal { token } else { "…".repeat(3) };
                let lang = if mail.language == "en" { "?lang=en" } else { "" };
                format!("{public_url}/r/{shown}{lang}")
            })
        });
        let listed = mail
            .params
            .registrations
            .iter()
            .filter_map(|id| p.registrations.get(id))
            .collect();
        let fair = p.fairs.by_id.get(&mail.fair_id);
        let sales = (mail.template == Template::SalesSummary)
            .then(|| {
                mail.registration_id
                    .and_then(|id| p.sales.of(&mail.fair_id, &id).cloned())
            })
            .flatten();
        let (mut revenue_total, mut top, mut attachments) = (None, Vec::new(), Vec::new());
        if let (Template::RevenueReport, Some(fair)) = (mail.template, fair) {
            let lang = render::lang_of(&mail.language);
            let report = crate::revenue::revenue(p, fair, lang);
            revenue_total = Some(report.total_vnd);
            top = report
                .breakdown("exhibitor")
                .iter()
                .take(5)
                .map(|l| (l.label.clone(), l.amount_vnd))
                .collect();
            // Only what is sent carries the workbook; organizers reading the email see it named.
            if reveal {
                match crate::revenue::to_xlsx(&report, lang) {
                    Ok(bytes) => attachments.push((
                        format!("doanh-thu-{}.xlsx", fair.id),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                        bytes,
                    )),
                    Err(err) => tracing::warn!(error = %err, "the workbook could not be written"),
                }
            }
        }
        let payment = match (mail.template, mail.registration_id) {
            (Template::BoothAllocated | Template::BoothMoved | Template::FeeReminder, Some(id)) => {
                p.fees.of_fair(&mail.fair_id).and_then(|fees| {
                    let s = fees.statements.get(&id)?;
                    let account = fees.account.as_ref();
                    Some(render::PaymentFacts {
                        outstanding_vnd: s.outstanding_vnd(),
                        due_on: s.due_on,
                        payment_code: s.payment_code.clone(),
                        bank: account
                            .and_then(|a| crate::domain::banks::name(&a.bin))
                            .unwrap_or_default()
                            .to_owned(),
                        account_number: account.map(|a| a.account_number.clone()).unwrap_or_default(),
                        account_name: account.map(|a| a.account_name.clone()).unwrap_or_default(),
                        payload: crate::web::fees::qr_payload(fees, s),
                    })
                })
            }
            _ => None,
        };
        let ctx = MailContext {
            payment,
            public_url,
            fair,
            registration,
            private_link,
            listed,
            sales,
            revenue_total,
            top,
            attachments,
        };
        render::render(mail, &ctx)
    }
}

impl Mail {
    fn from_wanted(w: &WantedNotification, from: &Mailbox) -> Mail {
        Mail {
            id: w.id,
            fair_id: w.fair_id.clone(),
            template: w.template,
            trigger: w.trigger.clone(),
            registration_id: w.registration_id,
            recipient: w.recipient.clone(),
            language: w.language.clone(),
            params: w.params.clone(),
            message_id: mime::message_id(&w.id, from),
            due_at: w.due_at,
        }
    }

    pub fn from_view(n: &NotificationView) -> Mail {
        Mail {
            id: n.id,
            fair_id: n.fair_id.clone(),
            template: n.template,
            trigger: n.trigger.clone(),
            registration_id: n.registration_id,
            recipient: n.recipient.clone(),
            language: n.language.clone(),
            params: n.params.clone(),
            message_id: n.message_id.clone(),
            due_at: n.due_at,
        }
    }
}

/// A piece of the notifier's work.
enum Job {
    /// Claim a new email, then make its first attempt.
    Claim(Mail),
    /// Attempt a claimed email again (after a deferral, an organizer's retry, or a lease
    /// that ran out).
    Attempt {
        mail: Mail,
        version: u64,
        attempt: u32,
        since_retry: u32,
    },
}

impl Job {
    fn id(&self) -> NotificationId {
        match self {
            Job::Claim(mail) | Job::Attempt { mail, .. } => mail.id,
        }
    }
}

/// Follows the projections and sends what they call for.
pub struct Notifier {
    state: Arc<AppState>,
    mailer: Arc<Mailer>,
    clock: Arc<dyn Clock>,
    /// Names this process in attempts, so a lease shows whose it is.
    instance: String,
    in_flight: Mutex<HashSet<NotificationId>>,
    permits: Arc<Semaphore>,
    /// Set when the process stops: no new email is started.
    stopping: std::sync::atomic::AtomicBool,
}

/// The shortest pause between two looks at the projections: under a stream of writes the
/// notifier wakes on every one, and this keeps it from taking CPU from commands.
const MIN_ROUND_INTERVAL: Duration = Duration::from_millis(25);
/// Scheduled mailings are planned at most this often (or when the clock jumps).
const SCHEDULE_INTERVAL: chrono::Duration = chrono::Duration::seconds(5);

impl Notifier {
    pub fn new(state: Arc<AppState>, mailer: Arc<Mailer>, clock: Arc<dyn Clock>) -> Arc<Notifier> {
        let permits = Arc::new(Semaphore::new(
            mailer.transport.concurrency(mailer.settings.concurrency),
        ));
        Arc::new(Notifier {
            state,
            mailer,
            clock,
            instance: format!("{}-{}", hostname(), uuid::Uuid::now_v7()),
            in_flight: Mutex::new(HashSet::new()),
            permits,
            stopping: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// At a clean stop: starts nothing more and waits, at most `limit`, for the emails on
    /// their way to be sent and recorded — so another instance (during a rolling upgrade)
    /// does not send them again when their lease runs out. Whether all were.
    pub async fn drain(&self, limit: Duration) -> bool {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = self.in_flight.lock().map(|f| f.len()).unwrap_or(0);
            if left == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    emails = left,
                    "stopped with emails on their way: another instance sends them when their lease ends"
                );
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// How many jobs may wait for a permit or hold one at a time.
    fn queue_limit(&self) -> usize {
        self.mailer.transport.concurrency(self.mailer.settings.concurrency) * 4
    }

    /// Runs until the process ends.
    pub async fn run(self: Arc<Self>) {
        while !self.state.wait_ready(Duration::from_secs(60)).await {}
        tracing::info!(transport = %self.mailer.transport.describe(), "the notifier is running");
        let mut applied = self.state.applied_changes();
        let mut jumps = self.clock.jumps();
        let mut last_schedule: Option<DateTime<Utc>> = None;
        loop {
            applied.borrow_and_update();
            let jumped = jumps.has_changed().unwrap_or(false);
            jumps.borrow_and_update();
            let now = self.clock.now();
            let plan_schedule = jumped || last_schedule.is_none_or(|t| now - t >= SCHEDULE_INTERVAL || now < t);
            if plan_schedule {
                last_schedule = Some(now);
            }
            let next = self.round(now, plan_schedule);
            let wait = next
                .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(Duration::from_secs(60))
                .clamp(MIN_ROUND_INTERVAL, Duration::from_secs(5));
            tokio::select! {
                _ = applied.changed() => {}
                _ = jumps.changed() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            tokio::time::sleep(MIN_ROUND_INTERVAL).await;
        }
    }

    /// Starts the work that is due; returns when the next piece falls due.
    fn round(self: &Arc<Self>, now: DateTime<Utc>, plan_schedule: bool) -> Option<DateTime<Utc>> {
        if self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        let mut next: Option<DateTime<Utc>> = None;
        let mut later = |t: DateTime<Utc>| next = Some(next.map_or(t, |n: DateTime<Utc>| n.min(t)));
        let mut jobs = Vec::new();
        {
            let p = self.state.read();
            let in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            // Queue a few rounds' worth of work, not the whole backlog: under a stream of
            // applications the backlog is long, and a round that walks all of it holds the
            // projections' read lock (and a core) while commands wait to see their writes.
            // A finished job's event wakes the next round, which takes more.
            let room = self.queue_limit().saturating_sub(in_flight.len());
            // Emails an event called for are due the moment the event is in the log, whatever
            // the clock says (a test's clock may stand before the event's time).
            for w in p.notifications.wanted() {
                if jobs.len() >= room {
                    later(now);
                    break;
                }
                if !in_flight.contains(&w.id) {
                    jobs.push(Job::Claim(Mail::from_wanted(w, &self.mailer.from)));
                }
            }
            for n in p.notifications.active() {
                // A newer hoicho's email (a rolling upgrade): what its attempts and leases mean
                // may have changed, so this one neither retries it nor takes it over.
                if in_flight.contains(&n.id) || n.protocol > hoicho_events::MAIL_PROTOCOL {
                    continue;
                }
                let at = match n.status {
                    NotificationStatus::Pending => n.next_attempt_at.unwrap_or(now),
                    NotificationStatus::Sending => n.lease_until.unwrap_or(now),
                    NotificationStatus::Sent | NotificationStatus::Failed => continue,
                };
                if at <= now && jobs.len() >= room {
                    later(now);
                } else if at <= now {
                    jobs.push(Job::Attempt {
                        mail: Mail::from_view(n),
                        version: n.version,
                        attempt: n.attempts + 1,
                        since_retry: n.attempts_since_retry,
                    });
                } else {
                    later(at);
                }
            }
            if plan_schedule {
                for w in schedule::due(&p, now, &self.mailer.settings.schedule) {
                    if !in_flight.contains(&w.id) {
                        jobs.push(Job::Claim(Mail::from_wanted(&w, &self.mailer.from)));
                    }
                }
            }
        }
        if !jobs.is_empty() {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            jobs.retain(|job| in_flight.insert(job.id()));
        }
        for job in jobs {
            let this = self.clone();
            tokio::spawn(async move {
                let id = job.id();
                if let Ok(_permit) = this.permits.clone().acquire_owned().await {
                    // Not started before the stop: left to the next round of whichever
                    // instance runs then.
                    if !this.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                        this.work(job).await;
                    }
                }
                this.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            });
        }
        next
    }

    fn new_event(&self, event: Event, at: DateTime<Utc>) -> NewEvent {
        let metadata = Metadata::by(Actor::System {
            component: "notifier".into(),
        });
        NewEvent::encode(uuid::Uuid::now_v7(), &event, &metadata, at)
    }

    fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.mailer.settings.lease).unwrap_or(chrono::Duration::minutes(2))
    }

    async fn work(&self, job: Job) {
        let now = self.clock.now();
        let (mail, version, attempt, since_retry) = match job {
            Job::Claim(mail) => {
                let claim = Event::NotificationClaimed(NotificationClaimed {
                    notification_id: mail.id,
                    fair_id: mail.fair_id.clone(),
                    template: mail.template,
                    trigger: mail.trigger.clone(),
                    registration_id: mail.registration_id,
                    recipient: mail.recipient.clone(),
                    language: mail.language.clone(),
                    params: mail.params.clone(),
                    message_id: mail.message_id.clone(),
                    due_at: mail.due_at,
                    first_attempt: Some(FirstAttempt {
                        instance: self.instance.clone(),
                        lease_until: self.lease_until(now),
                    }),
                    protocol: Some(hoicho_events::MAIL_PROTOCOL),
                });
                let events = vec![self.new_event(claim, now)];
                match self
                    .state
                    .store
                    .append_background(&streams::notification(&mail.id), ExpectedVersion::NoStream, events)
                    .await
                {
                    Ok(done) => (mail, done.version, 1, 1),
                    Err(StoreError::Conflict { .. }) => return, // another process has it
                    Err(err) => {
                        tracing::warn!(notification = %mail.id, error = %err, "cannot claim an email; will try again");
                        return;
                    }
                }
            }
            Job::Attempt {
                mail,
                version,
                attempt,
                since_retry,
            } => {
                let event = Event::NotificationAttempted(NotificationAttempted {
                    notification_id: mail.id,
                    attempt,
                    instance: self.instance.clone(),
                    lease_until: self.lease_until(now),
                });
                match self
                    .state
                    .store
                    .append_background(
                        &streams::notification(&mail.id),
                        ExpectedVersion::Exact(version),
                        vec![self.new_event(event, now)],
                    )
                    .await
                {
                    Ok(done) => (mail, done.version, attempt, since_retry + 1),
                    Err(StoreError::Conflict { .. }) => return,
                    Err(err) => {
                        tracing::warn!(notification = %mail.id, error = %err, "cannot start an attempt; will try again");
                        return;
                    }
                }
            }
        };
        let outcome = self.deliver(&mail).await;
        let now = self.clock.now();
        let event = match outcome {
            Ok(response) => {
                self.state.metrics.mail_sent.inc();
                Event::NotificationSent(NotificationSent {
                    notification_id: mail.id,
                    attempt,
                    response,
                })
            }
            Err(SendError::Permanent(error)) => {
                self.state.metrics.mail_failed.inc();
                tracing::warn!(notification = %mail.id, %error, "an email was refused for good");
                Event::NotificationFailed(NotificationFailed {
                    notification_id: mail.id,
                    attempt,
                    error,
                })
            }
            Err(SendError::Transient(error)) if since_retry >= self.mailer.settings.max_attempts => {
                self.state.metrics.mail_failed.inc();
                tracing::warn!(notification = %mail.id, %error, attempts = since_retry, "giving up on an email");
                Event::NotificationFailed(NotificationFailed {
                    notification_id: mail.id,
                    attempt,
                    error: format!("gave up after {since_retry} attempts: {error}"),
                })
            }
            Err(SendError::Transient(error)) => {
                self.state.metrics.mail_deferred.inc();
                let wait = backoff(&self.mailer.settings, since_retry);
                tracing::info!(notification = %mail.id, %error, retry_in = ?wait, "an email is deferred");
                Event::NotificationDeferred(NotificationDeferred {
                    notification_id: mail.id,
                    attempt,
                    error,
                    retry_at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
                })
            }
        };
        self.record(&mail.id, version, event, now).await;
    }

    /// Renders and sends one email.
    async fn deliver(&self, mail: &Mail) -> Result<String, SendError> {
        // What the projections say is read under their lock; the message (its images drawn,
        // its parts encoded) is built after letting go of it.
        let rendered = {
            let p = self.state.read();
            self.mailer.render(&p, &self.state.secret, mail, true)
        };
        let message = mime::message(mail, &rendered, &self.mailer.from).map_err(SendError::Permanent)?;
        self.mailer.transport.send(&message).await
    }

    /// Records an attempt's outcome. The email has gone (or not) already, so this keeps
    /// trying while the store is briefly away; if it never comes back, the lease runs out
    /// and the email may be sent once more, with the same Message-ID.
    async fn record(&self, id: &NotificationId, version: u64, event: Event, now: DateTime<Utc>) {
        let stream = streams::notification(id);
        let mut wait = Duration::from_millis(100);
        for _ in 0..10 {
            let events = vec![self.new_event(event.clone(), now)];
            match self
                .state
                .store
                .append_background(&stream, ExpectedVersion::Exact(version), events)
                .await
            {
                Ok(_) => return,
                Err(StoreError::Conflict { .. }) => {
                    tracing::warn!(notification = %id, "another process took over an email while it was being sent");
                    return;
                }
                Err(err) => {
                    tracing::warn!(notification = %id, error = %err, "cannot record an email's outcome; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

/// The wait after the `n`th failed attempt: base, 2 × base, 4 × base … up to the maximum.
pub fn backoff(settings: &MailSettings, n: u32) -> Duration {
    let factor = 2u32.saturating_pow(n.saturating_sub(1).min(20));
    settings.retry_base.saturating_mul(factor).min(settings.retry_max)
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "hoicho".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let settings = MailSettings {
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(600),
            ..Default::default()
        };
        let waits: Vec<u64> = (1..=7).map(|n| backoff(&settings, n).as_secs()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(backoff(&settings, 200).as_secs(), 600);
    }
}
