-- Each event's link in the log's hash chain (src/store/chain.rs, ADR 019): SHA-256 of the
-- link before it and the event's fields, computed by the writer as it appends. Events
-- written before the chain existed are linked, in order, when the store next opens; the
-- partial index finds them without reading the log.
ALTER TABLE events ADD COLUMN chain BLOB;
CREATE INDEX events_unlinked ON events (position) WHERE chain IS NULL;
