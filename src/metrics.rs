//! Prometheus metrics: requests, append latency, events, projection lag, mail.

use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub status: u16,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub append_seconds: Histogram,
    pub events_appended: Counter,
    pub projection_position: Gauge,
    pub snapshot_position: Gauge,
    pub chain_verified_position: Gauge,
    pub chain_broken_position: Gauge,
    pub backup_position: Gauge,
    pub backup_timestamp: Gauge,
    pub backup_failures: Counter,
    pub log_head: Gauge,
    pub mail_sent: Counter,
    pub mail_deferred: Counter,
    pub mail_failed: Counter,
    pub password_checks: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("hoicho");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let append_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "append_seconds",
            "Time for an append to be durable",
            append_seconds.clone(),
        );
        let events_appended = Counter::default();
        registry.register(
            "events_appended",
            "Events this process appended",
            events_appended.clone(),
        );
        let projection_position = Gauge::default();
        registry.register(
            "projection_position",
            "Log position the projections have applied",
            projection_position.clone(),
        );
        let snapshot_position = Gauge::default();
        registry.register(
            "snapshot_position",
            "Log position of the last snapshot of the projections this process wrote",
            snapshot_position.clone(),
        );
        let chain_verified_position = Gauge::default();
        registry.register(
            "chain_verified_position",
            "Log position up to which every event matches its link in the hash chain",
            chain_verified_position.clone(),
        );
        let chain_broken_position = Gauge::default();
        registry.register(
            "chain_broken_position",
            "Position of the first event that does not match the hash chain (0: none found)",
            chain_broken_position.clone(),
        );
        let backup_position = Gauge::default();
        registry.register(
            "backup_position",
            "Log position of the last scheduled backup written and checked",
            backup_position.clone(),
        );
        let backup_timestamp = Gauge::default();
        registry.register(
            "backup_timestamp_seconds",
            "When the last scheduled backup was written (Unix time)",
            backup_timestamp.clone(),
        );
        let backup_failures = Counter::default();
        registry.register(
            "backup_failures",
            "Scheduled backups that failed",
            backup_failures.clone(),
        );
        let log_head = Gauge::default();
        registry.register("log_head", "Last position in the log, as last seen", log_head.clone());
        let mail_sent = Counter::default();
        registry.register("mail_sent", "Emails the mail server accepted", mail_sent.clone());
        let mail_deferred = Counter::default();
        registry.register(
            "mail_deferred",
            "Email attempts that failed and will be retried",
            mail_deferred.clone(),
        );
        let mail_failed = Counter::default();
        registry.register("mail_failed", "Emails given up on", mail_failed.clone());
        let password_checks = Counter::default();
        registry.register(
            "password_checks",
            "Passwords verified (argon2id) at sign-in",
            password_checks.clone(),
        );
        Metrics {
            registry,
            password_checks,
            mail_sent,
            mail_deferred,
            mail_failed,
            requests,
            append_seconds,
            events_appended,
            projection_position,
            snapshot_position,
            chain_verified_position,
            chain_broken_position,
            backup_position,
            backup_timestamp,
            backup_failures,
            log_head,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition, with the projection lag computed now.
    pub fn render(&self) -> String {
        let lag = (self.log_head.get() - self.projection_position.get()).max(0);
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        // The lag is derived, so it is written here rather than kept in step by hand.
        let eof = out.rfind("# EOF").unwrap_or(out.len());
        out.insert_str(
            eof,
            &format!("# HELP hoicho_projection_lag Events in the log not yet in the projections.\n# TYPE hoicho_projection_lag gauge\nhoicho_projection_lag {lag}\n"),
        );
        out
    }
}

/// Wraps a store to time its appends and count what they write.
pub struct Metered {
    inner: std::sync::Arc<dyn EventStore>,
    metrics: std::sync::Arc<Metrics>,
}

impl Metered {
    pub fn new(inner: std::sync::Arc<dyn EventStore>, metrics: std::sync::Arc<Metrics>) -> Self {
        Metered { inner, metrics }
    }

    /// Runs `append` (of `count` events), timing and counting it.
    async fn appended(
        &self,
        count: u64,
        append: impl std::future::Future<Output = Result<AppendResult, StoreError>>,
    ) -> Result<AppendResult, StoreError> {
        let started = std::time::Instant::now();
        let result = append.await;
        self.metrics.append_seconds.observe(started.elapsed().as_secs_f64());
        if let Ok(done) = &result {
            self.metrics.events_appended.inc_by(count);
            if done.position as i64 > self.metrics.log_head.get() {
                self.metrics.log_head.set(done.position as i64);
            }
        }
        result
    }
}

use crate::store::{AppendResult, EventStore, ExpectedVersion, StoreError};
use hoicho_events::{NewEvent, RecordedEvent};

#[async_trait::async_trait]
impl EventStore for Metered {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        let count = events.len() as u64;
        self.appended(count, self.inner.append(stream, expected, events)).await
    }

    async fn append_background(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        let count = events.len() as u64;
        self.appended(count, self.inner.append_background(stream, expected, events))
            .await
    }

    async fn append_guarded(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<crate::store::Guard>,
    ) -> Result<AppendResult, StoreError> {
        let count = events.len() as u64;
        self.appended(count, self.inner.append_guarded(stream, expected, events, guards))
            .await
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream, from_version, limit).await
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, limit).await
    }

    async fn read_all_decoded(&self, after: u64, limit: usize) -> Result<crate::store::DecodedBatch, StoreError> {
        self.inner.read_all_decoded(after, limit).await
    }

    async fn import(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        self.inner.import(events).await
    }

    async fn read_chained(&self, after: u64, limit: usize) -> Result<Vec<crate::store::chain::Chained>, StoreError> {
        self.inner.read_chained(after, limit).await
    }

    fn chained(&self) -> bool {
        self.inner.chained()
    }

    async fn head(&self) -> Result<u64, StoreError> {
        self.inner.head().await
    }

    fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.changes()
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}
