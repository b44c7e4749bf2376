//! The log itself, for organizers: every event in global order, or one stream.

use actix_web::web::{self, Data, Path, Query};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use hoicho_events::RecordedEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::web::kit::error::{ErrorResponse, Result};
use crate::web::kit::extract::Organizer;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(events))
        .route("/streams/{stream}", web::get().to(stream));
}

const MAX_LIMIT: usize = 1_000;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Events after this global position (default 0: from the start).
    after: Option<u64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// From this stream version (default 1).
    from: Option<u64>,
    limit: Option<usize>,
}

/// One event as the log holds it.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    position: u64,
    stream: String,
    version: u64,
    event_id: uuid::Uuid,
    event_type: String,
    schema_version: u32,
    recorded_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    metadata: Value,
    /// The event's data, with credential hashes left out.
    #[schema(value_type = Object)]
    data: Value,
}

#[derive(Serialize, ToSchema)]
pub struct EventPage {
    events: Vec<EventOut>,
    /// Pass as `after` (or `from`) for the next page; absent at the end.
    next: Option<u64>,
}

fn out(recorded: RecordedEvent) -> EventOut {
    let mut data: Value = serde_json::from_str(&recorded.data).unwrap_or(Value::Null);
    if let Some(obj) = data.as_object_mut() {
        // Password and token hashes stay in the log (a backup needs them) but not on screen.
        obj.retain(|key, _| !key.ends_with("_hash"));
    }
    EventOut {
        position: recorded.position,
        stream: recorded.stream,
        version: recorded.version,
        event_id: recorded.event_id,
        event_type: recorded.event_type,
        schema_version: recorded.schema_version,
        recorded_at: recorded.recorded_at,
        metadata: serde_json::from_str(&recorded.metadata).unwrap_or(Value::Null),
        data,
    }
}

#[utoipa::path(get, path = "/api/v1/events", tag = "audit", params(EventsQuery),
    responses((status = 200, body = EventPage), (status = 401, body = ErrorResponse)), security(("bearer" = [])))]
pub async fn events(state: Data<AppState>, _who: Organizer, query: Query<EventsQuery>) -> Result<HttpResponse> {
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let recorded = state.store.read_all(query.after.unwrap_or(0), limit).await?;
    let next = (recorded.len() == limit)
        .then(|| recorded.last().map(|e| e.position))
        .flatten();
    Ok(HttpResponse::Ok().json(EventPage {
        events: recorded.into_iter().map(out).collect(),
        next,
    }))
}

#[utoipa::path(get, path = "/api/v1/streams/{stream}", tag = "audit", params(StreamQuery),
    responses((status = 200, body = EventPage), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)), security(("bearer" = [])))]
pub async fn stream(
    state: Data<AppState>,
    _who: Organizer,
    stream: Path<String>,
    query: Query<StreamQuery>,
) -> Result<HttpResponse> {
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_LIMIT);
    let from = query.from.unwrap_or(1).max(1);
    let recorded = state.store.read_stream(&stream, from, limit).await?;
    if recorded.is_empty() && from == 1 {
        return Err(crate::web::kit::error::ApiError::not_found("stream"));
    }
    let next = (recorded.len() == limit)
        .then(|| recorded.last().map(|e| e.version + 1))
        .flatten();
    Ok(HttpResponse::Ok().json(EventPage {
        events: recorded.into_iter().map(out).collect(),
        next,
    }))
}
