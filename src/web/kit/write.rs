//! A retry of a known `Idempotency-Key` is answered from the log (same body → the first
//! response; other body → 422); a new request goes on to its command in [`crate::service`].

use actix_web::http::StatusCode;

use crate::app::AppState;
use hoicho_events::IdempotencyMark;
use sha2::{Digest, Sha256};

use crate::service::{written, CommandContext, Written};

/// The idempotency mark of a submitted form: `key` names the form (one the page rendered, or
/// the visitor's CSRF token), the digest of its fields (the CSRF token aside) is the request.
/// A double tap or a form sent again is then one write, answered as the first.
pub fn form_mark(principal: &str, key: String, fields: &[(&str, &str)]) -> IdempotencyMark {
    let mut hash = Sha256::new();
    for (k, v) in fields.iter().filter(|(k, _)| *k != "csrf") {
        hash.update(k.as_bytes());
        hash.update([0]);
        hash.update(v.as_bytes());
        hash.update([0]);
    }
    IdempotencyMark {
        principal: principal.to_owned(),
        key,
        request_hash: hex::encode(hash.finalize()),
    }
}
use crate::web::kit::error::ApiError;

/// The first request's result if this is a retry of it.
pub async fn replay(state: &AppState, ctx: &CommandContext) -> Result<Option<Written>, ApiError> {
    let Some(mark) = &ctx.idempotency else {
        return Ok(None);
    };
    let hit = state
        .read()
        .idempotency
        .get(&mark.principal, &mark.key, ctx.now)
        .cloned();
    let Some(first) = hit else { return Ok(None) };
    if !first.is_request(&mark.request_hash) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        ));
    }
    let envelopes = written(&*state.store, &first.stream, first.first_version, first.last_version).await?;
    Ok(Some(Written {
        stream: first.stream.to_string(),
        version: first.last_version,
        position: first.position,
        events: envelopes.into_iter().map(|e| e.event).collect(),
    }))
}
