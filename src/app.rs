//! The state every request shares: the log, the projections that follow it, metrics.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hoicho_events::Envelope;
use hoicho_projections::Projections;
use tokio::sync::{oneshot, watch};

use crate::metrics::Metrics;
use crate::store::{EventStore, StoreError, Subscription};

thread_local! {
    /// How many read views of the projections this thread holds.
    static READING: Cell<u32> = const { Cell::new(0) };
}

/// The projections, read: see [`AppState::read`].
pub struct ReadView<'a> {
    guard: parking_lot::RwLockReadGuard<'a, Projections>,
}

impl std::ops::Deref for ReadView<'_> {
    type Target = Projections;
    fn deref(&self) -> &Projections {
        &self.guard
    }
}

impl Drop for ReadView<'_> {
    fn drop(&mut self) {
        READING.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

pub struct AppState {
    pub store: Arc<dyn EventStore>,
    projections: parking_lot::RwLock<Projections>,
    /// The position the projections have reached.
    applied: watch::Sender<u64>,
    /// Requests waiting to see their own writes, by the position each waits for: the
    /// follower wakes only those it has reached, not every waiter on every batch.
    waiters: Mutex<BTreeMap<u64, Vec<oneshot::Sender<()>>>>,
    /// The log head when the process started: ready once the projections reach it.
    start_head: u64,
    pub metrics: Arc<Metrics>,
    pub secret: crate::auth::Secret,
    /// How far the log's hash chain holds ([`crate::integrity`]).
    chain: Mutex<crate::integrity::Status>,
}

impl AppState {
    pub async fn new(store: Arc<dyn EventStore>, secret: crate::auth::Secret) -> Result<Arc<Self>, StoreError> {
        Self::starting_from(store, secret, Projections::default()).await
    }

    /// A state whose projections start from `projections` (a snapshot's), following the log
    /// after its position.
    pub async fn starting_from(
        store: Arc<dyn EventStore>,
        secret: crate::auth::Secret,
        projections: Projections,
    ) -> Result<Arc<Self>, StoreError> {
        let start_head = store.head().await?;
        let (applied, _) = watch::channel(projections.position);
        let metrics = Arc::new(Metrics::default());
        metrics.log_head.set(start_head as i64);
        metrics.projection_position.set(projections.position as i64);
        let store: Arc<dyn EventStore> = Arc::new(crate::metrics::Metered::new(store, metrics.clone()));
        Ok(Arc::new(AppState {
            store,
            projections: parking_lot::RwLock::new(projections),
            applied,
            waiters: Mutex::new(BTreeMap::new()),
            start_head,
            metrics,
            secret,
            chain: Mutex::new(Default::default()),
        }))
    }

    /// A read view of every projection. Hold it briefly: the follower waits for it.
    ///
    /// A thread that already holds one may take another (a page's helper reading the session
    /// while the page holds the fairs): the second is taken even while the follower waits to
    /// write, where a fair lock would queue it behind the follower, which waits for the
    /// first — a deadlock that stopped a server mid-request.
    pub fn read(&self) -> ReadView<'_> {
        let nested = READING.with(|held| {
            let n = held.get();
            held.set(n + 1);
            n > 0
        });
        let guard = match nested {
            true => self.projections.read_recursive(),
            false => self.projections.read(),
        };
        ReadView { guard }
    }

    /// How far the log's hash chain holds, as last checked.
    pub fn chain(&self) -> crate::integrity::Status {
        self.chain.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn set_chain(&self, status: crate::integrity::Status) {
        if let Ok(mut chain) = self.chain.lock() {
            *chain = status;
        }
    }

    /// Ticks whenever the projections move on.
    pub fn applied_changes(&self) -> watch::Receiver<u64> {
        self.applied.subscribe()
    }

    pub fn applied_position(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Whether the projections have caught up with the log as it was at start.
    pub fn ready(&self) -> bool {
        self.applied_position() >= self.start_head
    }

    /// Waits until the projections have caught up with the log as it was at start.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.ready() || self.wait_for(self.start_head, timeout).await
    }

    /// Waits until the projections include `position`, so a read after a write sees it.
    /// Gives up after `timeout` and reports whether it got there.
    pub async fn wait_for(&self, position: u64, timeout: Duration) -> bool {
        if self.applied_position() >= position {
            return true;
        }
        let (tx, rx) = oneshot::channel();
        {
            let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
            // The follower moves `applied` before it takes this lock: checked again under the
            // lock, the position is either reached now or its waiter is woken.
            if self.applied_position() >= position {
                return true;
            }
            waiters.entry(position).or_default().push(tx);
        }
        tokio::time::timeout(timeout, rx).await.is_ok_and(|r| r.is_ok())
    }

    /// Applies decoded events in order; `through` is the position of the last event read,
    /// which may be past the last envelope when undecodable events were skipped.
    pub fn apply(&self, envelopes: &[Envelope], through: u64) {
        if !envelopes.is_empty() {
            let mut projections = self.projections.write();
            for envelope in envelopes {
                projections.apply(envelope);
            }
        }
        self.metrics.projection_position.set(through as i64);
        self.applied.send_replace(through);
        let reached = {
            let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
            let later = waiters.split_off(&through.saturating_add(1));
            std::mem::replace(&mut *waiters, later)
        };
        for waiter in reached.into_values().flatten() {
            let _ = waiter.send(());
        }
    }

    /// Runs [`AppState::follow`] on a thread of its own, so applying the log — which every
    /// write waits for before it answers — never queues behind the runtime's other tasks (a
    /// burst of emails being rendered, say). The thread ends with the runtime that started it.
    pub fn spawn_follower(self: &Arc<Self>) -> std::io::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (alive, ended) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _alive = alive;
            std::future::pending::<()>().await
        });
        let state = self.clone();
        std::thread::Builder::new()
            .name("hoicho-follower".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        _ = state.follow() => {}
                        _ = ended => {}
                    }
                })
            })?;
        Ok(())
    }

    /// Follows the log forever, applying every event once, in order. Reading (with
    /// decoding) and applying are two stages with a short queue between them, so replay at
    /// start keeps both cores busy.
    pub async fn follow(self: Arc<Self>) {
        let (decoded_tx, mut decoded) = tokio::sync::mpsc::channel::<crate::store::DecodedBatch>(4);
        let mut subscription = Subscription::new(self.store.clone(), self.applied_position());
        let reader = tokio::spawn(async move {
            loop {
                match subscription.next_decoded().await {
                    Ok(batch) => {
                        if decoded_tx.send(batch).await.is_err() {
                            return;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "the log cannot be read; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        while let Some(batch) = decoded.recv().await {
            let Some(through) = batch.last_position else {
                continue;
            };
            self.apply(&batch.envelopes, through);
            // The head as this process last saw it commit: no query on the hot path.
            let head = (*self.store.changes().borrow()).max(through);
            if head as i64 > self.metrics.log_head.get() {
                self.metrics.log_head.set(head as i64);
            }
        }
        reader.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_read_view_is_taken_while_the_follower_waits_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(crate::store::sqlite::SqliteStore::open(dir.path().join("events.sqlite")).unwrap());
        let secret = crate::auth::Secret::load_or_create(dir.path()).unwrap();
        let state = AppState::new(store, secret).await.unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        let reader = state.clone();
        std::thread::spawn(move || {
            let first = reader.read();
            // The follower, wanting to write, queues behind the first view.
            let writer = reader.clone();
            let follower = std::thread::spawn(move || drop(writer.projections.write()));
            std::thread::sleep(Duration::from_millis(100));
            // A page's helper reading again on the same thread.
            let second = reader.read();
            let _ = done.send(second.position == first.position);
            drop((second, first));
            follower.join().unwrap();
        });
        assert_eq!(
            finished.recv_timeout(Duration::from_secs(5)),
            Ok(true),
            "the second view is taken, not queued behind the writer"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiter_wakes_when_its_position_is_applied_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(crate::store::sqlite::SqliteStore::open(dir.path().join("events.sqlite")).unwrap());
        let secret = crate::auth::Secret::load_or_create(dir.path()).unwrap();
        let state = AppState::new(store, secret).await.unwrap();
        let waiting: Vec<_> = [3u64, 5, 5, 9]
            .into_iter()
            .map(|position| {
                let state = state.clone();
                tokio::spawn(async move { state.wait_for(position, Duration::from_secs(5)).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        state.apply(&[], 5);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let done: Vec<bool> = waiting.iter().map(|w| w.is_finished()).collect();
        assert_eq!(
            done,
            vec![true, true, true, false],
            "only positions up to 5 are reached"
        );
        assert!(
            !state.wait_for(9, Duration::from_millis(20)).await,
            "9 is not there yet"
        );
        state.apply(&[], 9);
        for w in waiting {
            assert!(w.await.unwrap());
        }
        assert!(state.wait_for(7, Duration::from_millis(1)).await, "already reached");
        assert!(state.waiters.lock().unwrap().is_empty(), "nothing left waiting");
    }
}
