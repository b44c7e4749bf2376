//! The time that scheduled work (reminders, digests, retries) runs by. The service uses the
//! system clock; tests hold a [`ManualClock`] and move it forward.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Ticks when the time jumps (a manual clock moved); the system clock never ticks, and
    /// waiters sleep in real time instead.
    fn jumps(&self) -> watch::Receiver<()>;
}

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// The machine's clock.
pub struct SystemClock {
    never: watch::Sender<()>,
}

impl SystemClock {
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(SystemClock {
            never: watch::Sender::new(()),
        })
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn jumps(&self) -> watch::Receiver<()> {
        self.never.subscribe()
    }
}

/// A clock that stands still until it is set or advanced.
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    jumped: watch::Sender<()>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(ManualClock {
            now: Mutex::new(start),
            jumped: watch::Sender::new(()),
        })
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
        self.jumped.send_replace(());
    }

    pub fn advance(&self, by: Duration) {
        let to = self.now() + by;
        self.set(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn jumps(&self) -> watch::Receiver<()> {
        self.jumped.subscribe()
    }
}
