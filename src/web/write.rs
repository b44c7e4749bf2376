//! The life of a write request, as a small state machine around the command:
//! a retry of a known `Idempotency-Key` is answered from the log (same body → the first
//! response; other body → 422); a new one runs the command, waits until the projections
//! hold what it wrote, and answers.

use std::time::Duration;

use actix_web::http::StatusCode;

use super::error::ApiError;
use crate::app::AppState;
use crate::domain::execute::written;
use crate::domain::{Aggregate, CommandContext, Outcome};

/// What a write did, whether just now or by the request being retried.
#[derive(Debug, Clone)]
pub struct Written {
    pub stream: String,
    pub version: u64,
    pub position: u64,
    pub events: Vec<hoicho_events::Event>,
}

impl<A> From<Outcome<A>> for Written {
    fn from(o: Outcome<A>) -> Self {
        Written {
            stream: o.stream,
            version: o.version,
            position: o.position,
            events: o.events,
        }
    }
}

/// The first request's result if this is a retry of it.
pub async fn replay(state: &AppState, ctx: &CommandContext) -> Result<Option<Written>, ApiError> {
    let Some(mark) = &ctx.idempotency else {
        return Ok(None);
    };
    let hit = state.read().idempotency.get(&mark.principal, &mark.key).cloned();
    let Some(first) = hit else { return Ok(None) };
    if first.request_hash != mark.request_hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        ));
    }
    let envelopes = written(&*state.store, &first.stream, first.first_version, first.last_version).await?;
    Ok(Some(Written {
        stream: first.stream,
        version: first.last_version,
        position: first.position,
        events: envelopes.into_iter().map(|e| e.event).collect(),
    }))
}

/// Waits (briefly) until the projections hold the write, so the client's next read sees it.
pub async fn settle<A: Aggregate>(state: &AppState, outcome: Outcome<A>) -> Written {
    if !state.wait_for(outcome.position, Duration::from_secs(5)).await {
        tracing::warn!(position = outcome.position, "projections lag behind a write");
    }
    outcome.into()
}
