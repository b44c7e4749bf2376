//! The organizer's session: a signed cookie (HttpOnly, SameSite=Lax, Secure behind TLS) that
//! names the organizer, a random session id, when the session began and when it was last
//! used. The log records each session's digest when it begins and ends (so signing out, or
//! out everywhere, or a new API token ends it on every instance at once), and a session is
//! valid only while the projections hold it, for at most [`SessionPolicy::max`] from signing
//! in and [`SessionPolicy::idle`] since it was last used.

use std::time::Duration;

use actix_web::cookie::{Cookie, CookieJar, SameSite};
use actix_web::HttpRequest;
use chrono::Utc;
use hoicho_events::OrganizerId;
use hoicho_projections::Projections;

use crate::auth::Secret;

pub const SESSION_COOKIE: &str = "hoicho_session";

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// From signing in, whatever happens.
    pub max: Duration,
    /// Since the last request.
    pub idle: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            max: Duration::from_secs(hoicho_projections::SESSION_HOURS as u64 * 3600),
            idle: Duration::from_secs(2 * 3600),
        }
    }
}

/// How stale the cookie's "last used" may get before a request renews it.
const RENEW_AFTER_SECONDS: i64 = 60;

/// What a session cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub organizer: OrganizerId,
    /// The random id; the log holds only its digest.
    pub id: String,
    pub began: i64,
    pub used: i64,
}

impl Session {
    pub fn new(organizer: OrganizerId, id: String) -> Session {
        let now = Utc::now().timestamp();
        Session {
            organizer,
            id,
            began: now,
            used: now,
        }
    }

    /// The cookie as signed, whatever the projections say.
    pub fn read(req: &HttpRequest, secret: &Secret) -> Option<Session> {
        let cookie = req.cookie(SESSION_COOKIE)?;
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        let verified = jar.signed(&secret.0).get(SESSION_COOKIE)?;
        let mut parts = verified.value().split('.');
        let session = Session {
            organizer: OrganizerId(parts.next()?.parse().ok()?),
            id: parts.next()?.to_owned(),
            began: parts.next()?.parse().ok()?,
            used: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(session)
    }

    /// Whether the session is still on: within its limits and not ended in the log.
    pub fn valid(&self, p: &Projections, policy: &SessionPolicy) -> bool {
        let now = Utc::now().timestamp();
        let within = now - self.began < policy.max.as_secs() as i64 && now - self.used < policy.idle.as_secs() as i64;
        within
            && p.organizers
                .by_id
                .get(&self.organizer)
                .is_some_and(|a| a.sessions.contains_key(&crate::auth::token_hash(&self.id)))
    }

    /// The session used now, if its cookie should say so (it is over a minute old).
    pub fn renewed(&self) -> Option<Session> {
        let now = Utc::now().timestamp();
        (now - self.used > RENEW_AFTER_SECONDS).then(|| Session {
            used: now,
            ..self.clone()
        })
    }

    /// The signed cookie.
    pub fn cookie(&self, secret: &Secret, secure: bool, policy: &SessionPolicy) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        let left = (self.began + policy.max.as_secs() as i64 - Utc::now().timestamp()).max(0);
        jar.signed_mut(&secret.0).add(
            Cookie::build(
                SESSION_COOKIE,
                format!("{}.{}.{}.{}", self.organizer.0, self.id, self.began, self.used),
            )
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .max_age(actix_web::cookie::time::Duration::seconds(left))
            .finish(),
        );
        jar.get(SESSION_COOKIE)
            .cloned()
            .unwrap_or_else(|| Cookie::new(SESSION_COOKIE, ""))
    }
}

/// The session policy the server runs with (the default outside a server).
pub fn policy(req: &HttpRequest) -> SessionPolicy {
    req.app_data::<SessionPolicy>().copied().unwrap_or_default()
}

/// The organizer a valid session cookie names.
pub fn organizer_id(req: &HttpRequest, secret: &Secret, p: &Projections) -> Option<OrganizerId> {
    let session = Session::read(req, secret)?;
    session.valid(p, &policy(req)).then_some(session.organizer)
}

/// A cookie that removes the session.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").http_only(true).finish();
    cookie.make_removal();
    cookie
}
