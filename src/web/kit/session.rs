//! The organizer's session cookie: signed, HttpOnly, SameSite=Lax, Secure behind TLS.

use actix_web::cookie::{Cookie, CookieJar, SameSite};
use actix_web::HttpRequest;
use chrono::Utc;
use hoicho_events::OrganizerId;

use crate::auth::Secret;

pub const SESSION_COOKIE: &str = "hoicho_session";

const LIFETIME_HOURS: i64 = 12;

/// The organizer a valid, unexpired session cookie names.
pub fn organizer_id(req: &HttpRequest, secret: &Secret) -> Option<OrganizerId> {
    let cookie = req.cookie(SESSION_COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let verified = jar.signed(&secret.0).get(SESSION_COOKIE)?;
    let (id, expires) = verified.value().split_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    if expires < Utc::now().timestamp() {
        return None;
    }
    Some(OrganizerId(id.parse().ok()?))
}

/// A session cookie for `id`.
pub fn cookie(id: OrganizerId, secret: &Secret, secure: bool) -> Cookie<'static> {
    let expires = Utc::now().timestamp() + LIFETIME_HOURS * 3600;
    let mut jar = CookieJar::new();
    jar.signed_mut(&secret.0).add(
        Cookie::build(SESSION_COOKIE, format!("{}.{expires}", id.0))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .max_age(actix_web::cookie::time::Duration::hours(LIFETIME_HOURS))
            .finish(),
    );
    jar.get(SESSION_COOKIE)
        .cloned()
        .unwrap_or_else(|| Cookie::new(SESSION_COOKIE, ""))
}

/// A cookie that removes the session.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").http_only(true).finish();
    cookie.make_removal();
    cookie
}
