//! The one place where a capability's commands are run: which stream, which expected
//! version, [`execute`](execute::execute) (load, decide, append, decide again after losing a
//! race), and waiting until the projections hold what was written, so the caller's next read
//! sees it. The API handlers, the pages, the bulk actions, the demo and the policies all come
//! here; [`crate::domain`] only decides, and does no I/O.

mod execute;

pub mod allocations;
pub mod announcements;
pub mod fairs;
pub mod organizers;
pub mod payments;
pub mod registrations;
pub mod results;
pub mod sales;

use std::time::Duration;

pub use execute::{load, written, CommandContext, CommandError, Outcome};

use crate::app::AppState;

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

/// Waits (briefly) until the projections hold `position`.
pub async fn settle(state: &AppState, position: u64) {
    if !state.wait_for(position, Duration::from_secs(5)).await {
        tracing::warn!(position, "projections lag behind a write");
    }
}

/// An outcome once the projections hold it.
async fn settled<A>(state: &AppState, outcome: Outcome<A>) -> Written {
    settle(state, outcome.position).await;
    outcome.into()
}
