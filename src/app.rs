//! The state every request shares: the log, the projections that follow it, metrics.

use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use hoicho_events::Envelope;
use hoicho_projections::Projections;
use tokio::sync::watch;

use crate::metrics::Metrics;
use crate::store::{EventStore, StoreError, Subscription};

pub struct AppState {
    pub store: Arc<dyn EventStore>,
    projections: RwLock<Projections>,
    /// The position the projections have reached.
    applied: watch::Sender<u64>,
    /// The log head when the process started: ready once the projections reach it.
    start_head: u64,
    pub metrics: Arc<Metrics>,
    pub secret: crate::auth::Secret,
}

impl AppState {
    pub async fn new(
        store: Arc<dyn EventStore>,
        secret: crate::auth::Secret,
    ) -> Result<Arc<Self>, StoreError> {
        let start_head = store.head().await?;
        let (applied, _) = watch::channel(0);
        let metrics = Arc::new(Metrics::default());
        metrics.log_head.set(start_head as i64);
        let store: Arc<dyn EventStore> =
            Arc::new(crate::metrics::Metered::new(store, metrics.clone()));
        Ok(Arc::new(AppState {
            store,
            projections: RwLock::new(Projections::default()),
            applied,
            start_head,
            metrics,
            secret,
        }))
    }

    /// A read view of every projection. Hold it briefly: the follower waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Projections> {
        // A poisoned lock means a projection panicked mid-apply; the data is still the best
        // there is, and serving it beats failing every request.
        self.projections
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn applied_position(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Whether the projections have caught up with the log as it was at start.
    pub fn ready(&self) -> bool {
        self.applied_position() >= self.start_head
    }

    /// Waits until the projections include `position`, so a read after a write sees it.
    /// Gives up after `timeout` and reports whether it got there.
    pub async fn wait_for(&self, position: u64, timeout: Duration) -> bool {
        let mut rx = self.applied.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|applied| *applied >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Applies already decoded events in order.
    pub fn apply(&self, envelopes: &[Envelope]) {
        let Some(last) = envelopes.last() else { return };
        {
            let mut projections = self.projections.write().unwrap_or_else(|p| p.into_inner());
            for envelope in envelopes {
                projections.apply(envelope);
            }
        }
        self.metrics.projection_position.set(last.position as i64);
        self.applied.send_replace(last.position);
    }

    /// Follows the log forever, applying every event once, in order.
    pub async fn follow(self: Arc<Self>) {
        let mut subscription = Subscription::new(self.store.clone(), self.applied_position());
        loop {
            match subscription.next_batch().await {
                Ok(batch) => {
                    let envelopes = crate::replay::decode_batch(&batch);
                    self.apply(&envelopes);
                    if let Ok(head) = self.store.head().await {
                        self.metrics.log_head.set(head as i64);
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the log cannot be read; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}
