-- The log. `position` is the rowid: one writer at a time assigns it in commit order.
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    event_id       BLOB    NOT NULL UNIQUE,
    stream         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    metadata       TEXT    NOT NULL,
    data           TEXT    NOT NULL,
    UNIQUE (stream, version)
);
