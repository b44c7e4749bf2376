use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use hoicho_events::{
    Envelope, Event, FairId, NotificationId, NotificationParams, Recipient, RegistrationId, ReleaseCause, Template,
};
use serde::{Deserialize, Serialize};

/// Where an email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// A process is sending it (until its lease runs out).
    Sending,
    Sent,
    /// Given up; an organizer can retry it.
    Failed,
}

impl NotificationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Sending => "sending",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => NotificationStatus::Pending,
            "sending" => NotificationStatus::Sending,
            "sent" => NotificationStatus::Sent,
            "failed" => NotificationStatus::Failed,
            _ => return None,
        })
    }
}

/// An email the log calls for that no process has claimed yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WantedNotification {
    pub id: NotificationId,
    pub fair_id: FairId,
    pub template: Template,
    pub trigger: String,
    pub registration_id: Option<RegistrationId>,
    pub recipient: Recipient,
    pub language: String,
    pub params: NotificationParams,
    pub due_at: DateTime<Utc>,
}

/// A claimed email and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: NotificationId,
    pub fair_id: FairId,
    pub template: Template,
    pub trigger: String,
    pub registration_id: Option<RegistrationId>,
    pub recipient: Recipient,
    pub language: String,
    pub params: NotificationParams,
    pub message_id: String,
    pub due_at: DateTime<Utc>,
    pub claimed_at: DateTime<Utc>,
    pub status: NotificationStatus,
    /// Attempts made, in all.
    pub attempts: u32,
    /// Attempts since it was claimed or an organizer last retried it.
    pub attempts_since_retry: u32,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    /// While pending: the earliest time of the next attempt.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// While sending: when another process may take over.
    pub lease_until: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The stream version, for the next append's expected version.
    pub version: u64,
    /// The mail protocol of the hoicho that claimed it (ADR 023).
    #[serde(default = "first_protocol")]
    pub protocol: u32,
}

fn first_protocol() -> u32 {
    1
}

/// Every email: those the log calls for and those claimed, with their outcomes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notifications {
    pub by_id: BTreeMap<NotificationId, NotificationView>,
    /// Called for, not yet claimed, in the order they were called for.
    wanted: BTreeMap<(u64, NotificationId), WantedNotification>,
    wanted_index: BTreeMap<NotificationId, u64>,
    /// Pending or sending: the notifier's work.
    active: BTreeSet<NotificationId>,
    /// Each fair's claimed emails, oldest first.
    by_fair: HashMap<FairId, Vec<NotificationId>>,
    /// Whom a registration's emails go to.
    recipients: BTreeMap<RegistrationId, (FairId, Recipient, String)>,
}

impl Notifications {
    /// Emails called for but not claimed, oldest first.
    pub fn wanted(&self) -> impl Iterator<Item = &WantedNotification> {
        self.wanted.values()
    }

    /// Emails still to be sent (pending or in flight).
    pub fn active(&self) -> impl Iterator<Item = &NotificationView> {
        self.active.iter().filter_map(|id| self.by_id.get(id))
    }

    /// A fair's emails, newest first.
    pub fn for_fair(&self, fair: &FairId) -> impl Iterator<Item = &NotificationView> {
        self.by_fair
            .get(fair)
            .into_iter()
            .flat_map(|ids| ids.iter().rev())
            .filter_map(|id| self.by_id.get(id))
    }

    /// Whether an email with this id has been claimed.
    pub fn claimed(&self, id: &NotificationId) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn apply(&mut self, env: &Envelope) {
        match &env.event {
            Event::RegistrationSubmitted(e) => {
                let a = &e.application;
                let recipient = Recipient {
                    email: a.email.clone(),
                    name: a.representative.clone(),
                };
                self.recipients
                    .insert(e.registration_id, (e.fair_id.clone(), recipient, a.language.clone()));
                self.want(
                    env,
                    e.registration_id,
                    Template::ApplicationReceived,
                    NotificationParams::default(),
                );
            }
            Event::RegistrationAmended(e) => {
                let a = &e.application;
                let recipient = Recipient {
                    email: a.email.clone(),
                    name: a.representative.clone(),
                };
                self.recipients
                    .insert(e.registration_id, (e.fair_id.clone(), recipient, a.language.clone()));
            }
            Event::RegistrationApproved(e) => {
                let params = NotificationParams {
                    booths: Some(e.booths),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::ApplicationApproved, params);
            }
            Event::RegistrationRejected(e) => {
                let params = NotificationParams {
                    reason: Some(e.reason.clone()),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::ApplicationRejected, params);
            }
            Event::RegistrationWaitlisted(e) => {
                let params = NotificationParams {
                    reason: e.note.clone(),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::ApplicationWaitlisted, params);
            }
            Event::RegistrationWithdrawn(e) => {
                let params = NotificationParams {
                    reason: e.reason.clone(),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::ApplicationWithdrawn, params);
            }
            Event::AccessLinkReissued(e) => {
                self.want(
                    env,
                    e.registration_id,
                    Template::AccessLinkReissued,
                    NotificationParams::default(),
                );
            }
            Event::SalesReminderRequested(e) => {
                let params = NotificationParams {
                    day: Some(e.day),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::SalesReminder, params);
            }
            Event::AnnouncementSent(e) => {
                for registration in &e.recipients {
                    let params = NotificationParams {
                        subject: Some(e.subject.clone()),
                        message: Some(e.message.clone()),
                        ..Default::default()
                    };
                    self.want(env, *registration, Template::Announcement, params);
                }
            }
            Event::AccessLinkResent(e) => {
                self.want(
                    env,
                    e.registration_id,
                    Template::AccessLinkResent,
                    NotificationParams::default(),
                );
            }
            Event::BoothAllocated(e) => {
                let params = NotificationParams {
                    booth: Some(e.booth.clone()),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::BoothAllocated, params);
            }
            Event::BoothMoved(e) => {
                let params = NotificationParams {
                    booth: Some(e.to.clone()),
                    from_booth: Some(e.from.clone()),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::BoothMoved, params);
            }
            // A withdrawal or a decision has its own email; only a booth taken back on its own
            // is worth one more.
            Event::BoothReleased(e)
                if matches!(
                    e.cause,
                    ReleaseCause::Organizer | ReleaseCause::OverApproved | ReleaseCause::Unpaid
                ) =>
            {
                let params = NotificationParams {
                    booth: Some(e.booth.clone()),
                    ..Default::default()
                };
                self.want(env, e.registration_id, Template::BoothReleased, params);
            }
            Event::NotificationClaimed(e) => {
                // A claim from before ids were time-ordered carries another id than the one
                // derived now for the same email: what it carries finds the email wanted.
                let wanted = match self.wanted_index.remove(&e.notification_id) {
                    Some(position) => Some((position, e.notification_id)),
                    None => {
                        let derived = NotificationId::derive(&e.trigger, &e.recipient.email, e.template);
                        self.wanted_index.remove(&derived).map(|position| (position, derived))
                    }
                };
                if let Some(key) = wanted {
                    self.wanted.remove(&key);
                }
                self.by_fair
                    .entry(e.fair_id.clone())
                    .or_default()
                    .push(e.notification_id);
                self.active.insert(e.notification_id);
                let mut view = NotificationView {
                    id: e.notification_id,
                    fair_id: e.fair_id.clone(),
                    template: e.template,
                    trigger: e.trigger.clone(),
                    registration_id: e.registration_id,
                    recipient: e.recipient.clone(),
                    language: e.language.clone(),
                    params: e.params.clone(),
                    message_id: e.message_id.clone(),
                    due_at: e.due_at,
                    claimed_at: env.recorded_at,
                    protocol: e.protocol(),
                    status: NotificationStatus::Pending,
                    attempts: 0,
                    attempts_since_retry: 0,
                    last_error: None,
                    last_response: None,
                    next_attempt_at: Some(e.due_at),
                    lease_until: None,
                    sent_at: None,
                    updated_at: env.recorded_at,
                    version: env.version,
                };
                if let Some(first) = &e.first_attempt {
                    attempted(&mut view, 1, first.lease_until);
                }
                self.by_id.insert(e.notification_id, view);
            }
            Event::NotificationAttempted(e) => {
                self.update(env, &e.notification_id, |n| attempted(n, e.attempt, e.lease_until))
            }
            Event::NotificationSent(e) => self.update(env, &e.notification_id, |n| {
                n.status = NotificationStatus::Sent;
                n.last_response = Some(e.response.clone());
                n.lease_until = None;
                n.sent_at = Some(env.recorded_at);
            }),
            Event::NotificationDeferred(e) => self.update(env, &e.notification_id, |n| {
                n.status = NotificationStatus::Pending;
                n.last_error = Some(e.error.clone());
                n.lease_until = None;
                n.next_attempt_at = Some(e.retry_at);
            }),
            Event::NotificationFailed(e) => self.update(env, &e.notification_id, |n| {
                n.status = NotificationStatus::Failed;
                n.last_error = Some(e.error.clone());
                n.lease_until = None;
                n.next_attempt_at = None;
            }),
            Event::NotificationRetried(e) => self.update(env, &e.notification_id, |n| {
                n.status = NotificationStatus::Pending;
                n.attempts_since_retry = 0;
                n.next_attempt_at = Some(env.recorded_at);
            }),
            _ => {}
        }
    }

    fn want(&mut self, env: &Envelope, registration: RegistrationId, template: Template, params: NotificationParams) {
        let Some((fair_id, recipient, language)) = self.recipients.get(&registration) else {
            return;
        };
        if recipient.email.is_empty() {
            return; // a household that gave a phone and no email
        }
        let trigger = env.event_id.to_string();
        let id = NotificationId::derive(&trigger, &recipient.email, template);
        if self.by_id.contains_key(&id) || self.wanted_index.contains_key(&id) {
            return;
        }
        self.wanted_index.insert(id, env.position);
        self.wanted.insert(
            (env.position, id),
            WantedNotification {
                id,
                fair_id: fair_id.clone(),
                template,
                trigger,
                registration_id: Some(registration),
                recipient: recipient.clone(),
                language: language.clone(),
                params,
                due_at: env.recorded_at,
            },
        );
    }

    fn update(&mut self, env: &Envelope, id: &NotificationId, change: impl FnOnce(&mut NotificationView)) {
        let Some(n) = self.by_id.get_mut(id) else {
            return;
        };
        change(n);
        n.version = env.version;
        n.updated_at = env.recorded_at;
        match n.status {
            NotificationStatus::Pending | NotificationStatus::Sending => self.active.insert(*id),
            NotificationStatus::Sent | NotificationStatus::Failed => self.active.remove(id),
        };
    }
}

/// Attempt `attempt` is under way, its lease running until `lease_until`.
fn attempted(n: &mut NotificationView, attempt: u32, lease_until: DateTime<Utc>) {
    n.status = NotificationStatus::Sending;
    n.attempts = n.attempts.max(attempt);
    n.attempts_since_retry += 1;
    n.lease_until = Some(lease_until);
    n.next_attempt_at = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoicho_events::{
        Actor, FirstAttempt, Metadata, NotificationAttempted, NotificationClaimed, RegistrationSubmitted,
    };
    use serde_json::json;

    fn envelope(position: u64, stream: &str, event: Event) -> Envelope {
        Envelope {
            event_id: uuid::Uuid::now_v7(),
            stream: stream.into(),
            version: 1,
            position,
            schema_version: 1,
            recorded_at: Utc::now(),
            metadata: Metadata::by(Actor::Public),
            event,
        }
    }

    fn submitted(registration_id: RegistrationId) -> Event {
        let application = serde_json::from_value(json!({
            "organization": "HTX Nông nghiệp Sơn Kim", "producer_type": "htx", "representative": "Nguyễn Văn An",
            "phone": "+84912345678", "email": "HTX@example.vn", "language": "vi",
            "address": {"commune": "Sơn Kim 1", "province": "Hà Tĩnh"},
            "products": [{"name": "Cam bù Hương Sơn", "group": "I", "stars": 4}],
            "booth_request": {"count": 1}
        }))
        .unwrap();
        Event::RegistrationSubmitted(RegistrationSubmitted {
            registration_id,
            fair_id: FairId::new_unchecked("ht2022"),
            application,
            token_hash: String::new(),
            submitted_at: Utc::now(),
        })
    }

    fn claimed(w: &WantedNotification, id: NotificationId) -> Event {
        Event::NotificationClaimed(NotificationClaimed {
            notification_id: id,
            fair_id: w.fair_id.clone(),
            template: w.template,
            trigger: w.trigger.clone(),
            registration_id: w.registration_id,
            recipient: w.recipient.clone(),
            language: w.language.clone(),
            params: w.params.clone(),
            message_id: format!("<{id}@hoicho.test>"),
            due_at: w.due_at,
            first_attempt: None,
            protocol: None,
        })
    }

    #[test]
    fn a_claim_ends_the_wait_under_its_own_id_or_one_derived_before() {
        for digest_only in [false, true] {
            let mut n = Notifications::default();
            let registration = RegistrationId(uuid::Uuid::now_v7());
            n.apply(&envelope(1, "registration-x", submitted(registration)));
            let wanted: Vec<WantedNotification> = n.wanted().cloned().collect();
            assert_eq!(wanted.len(), 1);
            assert_eq!(wanted[0].template, Template::ApplicationReceived);
            let id = if digest_only {
                // As a claim written before ids were time-ordered carries it.
                let mut bytes = wanted[0].id.0.into_bytes();
                bytes[..6].copy_from_slice(&[0x55, 0x0e, 0x2f, 0x75, 0x97, 0x4c]);
                NotificationId(uuid::Uuid::from_bytes(bytes))
            } else {
                wanted[0].id
            };
            n.apply(&envelope(2, "notification-x", claimed(&wanted[0], id)));
            assert_eq!(n.wanted().count(), 0, "claimed, so no longer wanted");
            assert!(n.claimed(&id));
            assert_eq!(n.active().map(|v| v.id).collect::<Vec<_>>(), vec![id]);
        }
    }

    #[test]
    fn a_claim_with_its_first_attempt_is_the_claim_and_attempt_of_logs_before() {
        let registration = RegistrationId(uuid::Uuid::now_v7());
        let submitted = envelope(1, "registration-x", submitted(registration));
        let mut before = Notifications::default();
        before.apply(&submitted);
        let wanted = before.wanted().next().cloned().unwrap();
        let lease_until = Utc::now() + chrono::Duration::minutes(2);
        let claim = envelope(2, "notification-x", claimed(&wanted, wanted.id));
        let mut now = before.clone();
        before.apply(&claim);
        let mut attempt = envelope(
            3,
            "notification-x",
            Event::NotificationAttempted(NotificationAttempted {
                notification_id: wanted.id,
                attempt: 1,
                instance: "a".into(),
                lease_until,
            }),
        );
        attempt.version = claim.version + 1;
        attempt.recorded_at = claim.recorded_at;
        before.apply(&attempt);

        let mut with_attempt = claim.clone();
        if let Event::NotificationClaimed(e) = &mut with_attempt.event {
            e.first_attempt = Some(FirstAttempt {
                instance: "a".into(),
                lease_until,
            });
        }
        now.apply(&with_attempt);
        let view = |n: &Notifications| n.active().next().cloned().unwrap();
        // The same email in the same state; only the stream's version differs, one event
        // where there were two.
        let old = NotificationView {
            version: claim.version,
            ..view(&before)
        };
        assert_eq!(view(&now), old);
        assert_eq!(view(&now).status, NotificationStatus::Sending);
        assert_eq!((view(&now).attempts, view(&now).lease_until), (1, Some(lease_until)));
    }
}
