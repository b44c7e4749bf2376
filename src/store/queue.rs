//! What waits for a backend's writer, and in which order it is written (group commit, ADR 001
//! and 009).

use hoicho_events::{NewEvent, RecordedEvent};

use super::{AppendResult, ExpectedVersion, Guard, StoreError};

/// An append waiting for a backend's writer.
pub(crate) struct WriteRequest {
    pub stream: String,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    /// Other streams that must be where the append expects them (see [`Guard`]).
    pub guards: Vec<Guard>,
    /// Bookkeeping no request waits for (see [`EventStore::append_background`]).
    pub background: bool,
    pub reply: tokio::sync::oneshot::Sender<Result<AppendResult, StoreError>>,
}

/// What a backend's writer is asked to do.
pub(crate) enum Job {
    Append(WriteRequest),
    Import {
        events: Vec<RecordedEvent>,
        reply: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
    },
}

impl Job {
    /// An append for a writer, and the receiver its answer will come to.
    pub fn append(
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        guards: Vec<Guard>,
        background: bool,
    ) -> (Job, tokio::sync::oneshot::Receiver<Result<AppendResult, StoreError>>) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = WriteRequest {
            stream: stream.to_owned(),
            expected,
            events,
            guards,
            background,
            reply,
        };
        (Job::Append(request), answer)
    }
}

/// Background appends one group takes at most: a commit that holds hundreds of them keeps the
/// requests that arrive meanwhile waiting for it (ADR 001).
pub(crate) const BACKGROUND_PER_GROUP: usize = 64;

/// What waits for a backend's writer, in the order it will be written: the appends of
/// requests first, then background ones (group commit, ADR 001 and 009).
/// A job that is not an append (an import) waits until every append sent before it is done.
#[derive(Default)]
pub(crate) struct WriteQueue {
    foreground: std::collections::VecDeque<WriteRequest>,
    background: std::collections::VecDeque<WriteRequest>,
    held: Option<Job>,
}

impl WriteQueue {
    /// Nothing waits: the writer may block for the next job.
    pub fn is_empty(&self) -> bool {
        self.foreground.is_empty() && self.background.is_empty() && self.held.is_none()
    }

    /// Queues `job` behind what waits.
    pub fn push(&mut self, job: Job) {
        match job {
            Job::Append(request) if request.background => self.background.push_back(request),
            Job::Append(request) => self.foreground.push_back(request),
            other if self.held.is_none() => self.held = Some(other),
            // Only one import at a time is asked for: the caller awaits each.
            Job::Import { reply, .. } => {
                let _ = reply.send(Err(StoreError::Unavailable("another import is running".into())));
            }
        }
    }

    /// Takes whatever else is waiting in `next`, stopping at an import: what is sent after
    /// it waits until it is done.
    pub fn fill(&mut self, mut next: impl FnMut() -> Option<Job>) {
        while self.held.is_none() {
            match next() {
                Some(job) => self.push(job),
                None => break,
            }
        }
    }

    /// The next group of at most `max` appends: requests' first, then background ones, at
    /// most [`BACKGROUND_PER_GROUP`] of them. Empty when only an import waits.
    pub fn group(&mut self, max: usize) -> Vec<WriteRequest> {
        let front = self.foreground.len().min(max);
        let mut group: Vec<WriteRequest> = self.foreground.drain(..front).collect();
        let back = self.background.len().min(max - group.len()).min(BACKGROUND_PER_GROUP);
        group.extend(self.background.drain(..back));
        group
    }

    /// The held import, once every append sent before it is written.
    pub fn held(&mut self) -> Option<Job> {
        if self.foreground.is_empty() && self.background.is_empty() {
            self.held.take()
        } else {
            None
        }
    }
}
