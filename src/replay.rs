//! Decoding recorded events for the projections.

use hoicho_events::{Envelope, RecordedEvent};

/// Decodes a batch, skipping (and logging) events this build cannot read — a newer hoicho
/// sharing the log may have written types this one does not know.
pub fn decode_batch(batch: &[RecordedEvent]) -> Vec<Envelope> {
    batch
        .iter()
        .filter_map(|recorded| match Envelope::decode(recorded) {
            Ok(envelope) => Some(envelope),
            Err(err) => {
                tracing::warn!(position = recorded.position, stream = %recorded.stream, error = %err, "event skipped by projections");
                None
            }
        })
        .collect()
}
