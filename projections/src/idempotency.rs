use std::collections::BTreeMap;

use hoicho_events::Envelope;

/// A write made with an `Idempotency-Key`: enough to answer its retry with the first
/// response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentWrite {
    pub request_hash: String,
    pub stream: String,
    pub first_version: u64,
    pub last_version: u64,
    pub position: u64,
}

/// Writes by `(principal, key)`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Idempotency {
    writes: BTreeMap<(String, String), IdempotentWrite>,
}

impl Idempotency {
    pub fn get(&self, principal: &str, key: &str) -> Option<&IdempotentWrite> {
        self.writes.get(&(principal.to_owned(), key.to_owned()))
    }

    pub fn apply(&mut self, env: &Envelope) {
        let Some(mark) = &env.metadata.idempotency else {
            return;
        };
        self.writes
            .entry((mark.principal.clone(), mark.key.clone()))
            .and_modify(|w| {
                if w.stream == env.stream {
                    w.last_version = env.version;
                    w.position = env.position;
                }
            })
            .or_insert_with(|| IdempotentWrite {
                request_hash: mark.request_hash.clone(),
                stream: env.stream.clone(),
                first_version: env.version,
                last_version: env.version,
                position: env.position,
            });
    }
}
