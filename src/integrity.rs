//! The serving process keeps checking its log's hash chain (ADR 019): once the projections
//! are ready it walks the whole log, then each new event as it arrives. `/readyz` and the
//! metrics report how far the chain holds, or where it broke.

use std::sync::Arc;
use std::time::Duration;

use crate::app::AppState;
use crate::store::chain::{self, Broken, Checked, Verdict, Walk};

/// How far the chain has been checked, as `/readyz` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Status {
    /// Not checked yet (the projections are catching up, or the first walk runs).
    #[default]
    Pending,
    /// The store keeps no chain (EventStoreDB).
    NotKept,
    /// Every event up to this one matches its link.
    Holds(Checked),
    /// The first event that does not.
    Broken(Broken),
}

impl Status {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Status::Pending => serde_json::json!({"status": "pending"}),
            Status::NotKept => serde_json::json!({"status": "not_kept"}),
            Status::Holds(checked) => serde_json::json!({
                "status": "holds",
                "verified": checked.position,
                "link": chain::hex(&checked.link),
            }),
            Status::Broken(broken) => serde_json::json!({
                "status": "broken",
                "at": broken.position(),
                "problem": broken.to_string(),
            }),
        }
    }
}

/// How often the log is looked at again when no change was announced (another process may
/// have written).
const POLL: Duration = Duration::from_secs(5);

/// Walks the chain for as long as the process serves.
pub async fn watch(state: Arc<AppState>) {
    if !state.store.chained() {
        state.set_chain(Status::NotKept);
        return;
    }
    while !state.wait_ready(Duration::from_secs(3600)).await {}
    let mut walk = Walk::new();
    let mut changes = state.store.changes();
    loop {
        changes.borrow_and_update();
        let metrics = state.metrics.clone();
        let mut progress = move |position: u64| {
            metrics.chain_verified_position.set(position as i64);
        };
        match chain::verify(&*state.store, walk, &mut progress).await {
            Ok((continued, Verdict::Intact(checked))) => {
                walk = continued;
                state.metrics.chain_verified_position.set(checked.position as i64);
                state.set_chain(Status::Holds(checked));
            }
            Ok((_, Verdict::Broken(broken))) => {
                tracing::error!(position = broken.position(), problem = %broken, "the log's hash chain does not hold");
                state.metrics.chain_broken_position.set(broken.position() as i64);
                state.set_chain(Status::Broken(broken));
                return;
            }
            Err(err) => {
                // The walk is lost with the batch it was checking: start again after a pause.
                tracing::warn!(error = %err, "the log's hash chain could not be read; trying again");
                walk = Walk::new();
                tokio::time::sleep(POLL).await;
            }
        }
        let _ = tokio::time::timeout(POLL, changes.changed()).await;
    }
}
