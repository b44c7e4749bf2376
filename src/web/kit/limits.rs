//! Limits on what one client may ask for: public POSTs per client address, failed sign-ins.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::HttpRequest;

use crate::web::kit::error::ApiError;

/// At most `max` events per key in a sliding window of `window`.
pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (u32, Instant)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        RateLimiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` is over the limit now (without counting).
    pub fn blocked(&self, key: &str) -> Option<Duration> {
        let hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.get(key)
            .filter(|(n, since)| *n >= self.max && since.elapsed() < self.window)
            .map(|(_, since)| self.window.saturating_sub(since.elapsed()))
    }

    /// Counts one event for `key`; returns how long to wait if it went over the limit.
    pub fn hit(&self, key: &str) -> Option<Duration> {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = hits.entry(key.to_owned()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        (entry.0 > self.max).then(|| self.window.saturating_sub(entry.1.elapsed()))
    }

    /// How many events `key` has counted in its current window.
    pub fn count(&self, key: &str) -> u32 {
        let hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.get(key)
            .filter(|(_, since)| since.elapsed() < self.window)
            .map_or(0, |(n, _)| *n)
    }

    pub fn clear(&self, key: &str) {
        self.hits.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// The address a limit counts against: the connection's peer, or behind a trusted proxy the
/// client it forwards for ([`super::client`]); forwarded-for headers from anyone else are not
/// believed, since any client can send them to dodge a limit.
pub fn client_address(req: &HttpRequest) -> String {
    super::client::Client::of(req)
        .ip
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// The limit on anonymous writes (applications) per client address.
pub struct PublicPosts(pub RateLimiter);

/// Counts a public POST from this client; 429 with Retry-After past the limit.
pub fn public_post(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(limiter) = req.app_data::<Data<PublicPosts>>() else {
        return Ok(());
    };
    let client = client_address(req);
    match limiter.0.hit(&client) {
        None => Ok(()),
        Some(wait) => {
            let mut err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "too many applications from this address; try again later",
            );
            err.retry_after = Some(wait.as_secs().max(1));
            Err(err)
        }
    }
}
