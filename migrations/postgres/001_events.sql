-- The log. Positions are handed out under the lock on `hoicho_head`'s one row, which every
-- writing transaction takes first and keeps until it commits: transactions therefore commit
-- in position order, and a reader never sees a position while a lower one may still commit
-- (docs/adr/009-postgresql-commit-order-lock.md).
CREATE TABLE hoicho_events (
    position       bigint      PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    stream         text        NOT NULL,
    version        bigint      NOT NULL,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL,
    recorded_at    timestamptz NOT NULL,
    metadata       text        NOT NULL,
    data           text        NOT NULL,
    UNIQUE (stream, version)
);

CREATE TABLE hoicho_head (
    one      boolean PRIMARY KEY DEFAULT true CHECK (one),
    position bigint  NOT NULL
);
INSERT INTO hoicho_head (one, position) VALUES (true, 0);

-- One append, decided and written server-side. The caller holds the head lock and passes the
-- head it knows. It never raises for a refused append (that would abort the whole group):
-- outcome 0 = written, 1 = version conflict (out_version is the stream's version),
-- 2 = an event id already in the log elsewhere (bad_id), 3 = already written by an earlier
-- try of this append (out_version and out_position are what it wrote).
-- p_expected: -1 any, 0 no stream, n the stream's current version. The caller has checked
-- that p_ids holds no id twice.
CREATE FUNCTION hoicho_append(
    p_head bigint,
    p_stream text,
    p_expected bigint,
    p_ids uuid[],
    p_types text[],
    p_schemas integer[],
    p_recorded timestamptz[],
    p_metadata text[],
    p_data text[]
) RETURNS TABLE (outcome integer, out_version bigint, out_position bigint, bad_id uuid)
LANGUAGE plpgsql AS $$
-- Every lookup by id is one equality probe of the unique index: PL/pgSQL keeps the plans it
-- made while the log was empty, and a plan for `= ANY (array)` made then scans the whole
-- table once it has grown.
DECLARE
    n integer := coalesce(array_length(p_ids, 1), 0);
    current_version bigint;
    id uuid;
    found_stream text;
    found_version bigint;
    found_position bigint;
BEGIN
    IF n > 0 AND EXISTS (SELECT 1 FROM hoicho_events e WHERE e.event_id = p_ids[1]) THEN
        -- A retry: every id must be in this stream already.
        out_version := 0;
        out_position := 0;
        FOREACH id IN ARRAY p_ids LOOP
            SELECT e.stream, e.version, e.position INTO found_stream, found_version, found_position
              FROM hoicho_events e WHERE e.event_id = id;
            IF found_stream IS DISTINCT FROM p_stream OR NOT FOUND THEN
                outcome := 2;
                bad_id := id;
                RETURN NEXT;
                RETURN;
            END IF;
            out_version := greatest(out_version, found_version);
            out_position := greatest(out_position, found_position);
        END LOOP;
        outcome := 3;
        RETURN NEXT;
        RETURN;
    END IF;

    SELECT coalesce(max(e.version), 0) INTO current_version
      FROM hoicho_events e WHERE e.stream = p_stream;
    IF p_expected >= 0 AND current_version <> p_expected THEN
        outcome := 1;
        out_version := current_version;
        RETURN NEXT;
        RETURN;
    END IF;

    FOREACH id IN ARRAY p_ids LOOP
        IF EXISTS (SELECT 1 FROM hoicho_events e WHERE e.event_id = id) THEN
            outcome := 2;
            bad_id := id;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;

    INSERT INTO hoicho_events
        (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data)
    SELECT p_head + i.ord, i.id, p_stream, current_version + i.ord, i.kind, i.schema_version,
           i.recorded, i.metadata, i.data
      FROM unnest(p_ids, p_types, p_schemas, p_recorded, p_metadata, p_data)
           WITH ORDINALITY AS i(id, kind, schema_version, recorded, metadata, data, ord);
    outcome := 0;
    out_version := current_version + n;
    out_position := p_head + n;
    RETURN NEXT;
END
$$;

-- A group of appends in one statement: the head lock first, then each append in turn (the
-- event arrays hold every append's events one after another; p_counts says how many each
-- has), then the head moved once and the listeners told. One row per append, in order.
CREATE FUNCTION hoicho_append_group(
    p_streams text[],
    p_expected bigint[],
    p_counts integer[],
    p_ids uuid[],
    p_types text[],
    p_schemas integer[],
    p_recorded timestamptz[],
    p_metadata text[],
    p_data text[]
) RETURNS TABLE (outcome integer, out_version bigint, out_position bigint, bad_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    head bigint;
    start bigint;
    first integer := 1;
    last integer;
    k integer;
    r record;
BEGIN
    SELECT h.position INTO head FROM hoicho_head h FOR UPDATE;
    start := head;
    FOR k IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        last := first + p_counts[k] - 1;
        SELECT * INTO r FROM hoicho_append(head, p_streams[k], p_expected[k],
            p_ids[first:last], p_types[first:last], p_schemas[first:last],
            p_recorded[first:last], p_metadata[first:last], p_data[first:last]);
        IF r.outcome = 0 THEN
            head := r.out_position;
        ELSIF r.outcome = 3 THEN
            r.outcome := 0;
        END IF;
        outcome := r.outcome;
        out_version := r.out_version;
        out_position := r.out_position;
        bad_id := r.bad_id;
        RETURN NEXT;
        first := last + 1;
    END LOOP;
    IF head > start THEN
        UPDATE hoicho_head SET position = head;
        PERFORM pg_notify('hoicho_events', head::text);
    END IF;
END
$$;
