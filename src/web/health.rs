//! Liveness, readiness and metrics.

use actix_web::web::Data;
use actix_web::HttpResponse;
use serde_json::json;

use crate::app::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The log answers and the projections have caught up with it; `chain` says how far the
/// log's hash chain has been verified (or where it breaks: that is for people to look into,
/// and does not take the service out of rotation).
pub async fn readyz(state: Data<AppState>) -> HttpResponse {
    let applied = state.applied_position();
    let chain = state.chain().to_json();
    match state.store.head().await {
        Ok(head) if state.ready() => {
            HttpResponse::Ok().json(json!({"status": "ready", "position": applied, "head": head, "chain": chain}))
        }
        Ok(head) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "catching_up", "position": applied, "head": head, "chain": chain})),
        Err(err) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "log_unavailable", "error": err.to_string(), "position": applied, "chain": chain})),
    }
}

pub async fn metrics(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}
