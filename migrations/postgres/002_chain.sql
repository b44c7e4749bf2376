-- The log's hash chain (src/store/chain.rs, ADR 019). Every event carries its link: SHA-256
-- of the link before it and the event's fields, computed here, under the head lock, so in
-- commit order whichever hoicho (of this version or an older one calling the same group
-- function) appends. The head row keeps the last link.
ALTER TABLE hoicho_events ADD COLUMN chain bytea;
ALTER TABLE hoicho_head ADD COLUMN chain bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex');

-- One event's link; the same bytes as `chain::link` in Rust: the previous link, position,
-- id, version, schema version, recorded-at in microseconds since 1970, then stream, type,
-- metadata and data, each as its length in bytes (8, big-endian) and its UTF-8 bytes.
-- PL/pgSQL rather than SQL: a SQL function this size is not inlined, and a call of one that
-- is not costs ten times as much.
CREATE FUNCTION hoicho_link(
    prev bytea,
    p_position bigint,
    p_id uuid,
    p_stream text,
    p_version bigint,
    p_type text,
    p_schema integer,
    p_recorded timestamptz,
    p_metadata text,
    p_data text
) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    s bytea := convert_to(p_stream, 'UTF8');
    t bytea := convert_to(p_type, 'UTF8');
    m bytea := convert_to(p_metadata, 'UTF8');
    d bytea := convert_to(p_data, 'UTF8');
BEGIN
    RETURN sha256(prev || int8send(p_position) || uuid_send(p_id) || int8send(p_version)
                  || int4send(p_schema)
                  || int8send((extract(epoch FROM p_recorded) * 1000000)::bigint)
                  || int8send(octet_length(s)::bigint) || s
                  || int8send(octet_length(t)::bigint) || t
                  || int8send(octet_length(m)::bigint) || m
                  || int8send(octet_length(d)::bigint) || d);
END
$$;

-- The events already in the log, linked in order.
DO $$
DECLARE
    link bytea := decode(repeat('00', 32), 'hex');
    e record;
BEGIN
    FOR e IN SELECT * FROM hoicho_events ORDER BY position LOOP
        link := hoicho_link(link, e.position, e.event_id, e.stream, e.version, e.event_type,
                            e.schema_version, e.recorded_at, e.metadata, e.data);
        UPDATE hoicho_events SET chain = link WHERE position = e.position;
    END LOOP;
    UPDATE hoicho_head SET chain = link;
END
$$;

-- One append, as before, with the link before it (p_prev) and its last link (out_chain).
-- p_links: the links the writer computed for these events, given only when the group function
-- has checked, under the head lock, that they follow from the head it holds; NULL: computed here.
DROP FUNCTION hoicho_append(bigint, text, bigint, uuid[], text[], integer[], timestamptz[], text[], text[]);
CREATE FUNCTION hoicho_append(
    p_head bigint,
    p_prev bytea,
    p_links bytea[],
    p_stream text,
    p_expected bigint,
    p_ids uuid[],
    p_types text[],
    p_schemas integer[],
    p_recorded timestamptz[],
    p_metadata text[],
    p_data text[]
) RETURNS TABLE (outcome integer, out_version bigint, out_position bigint, bad_id uuid, out_chain bytea)
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
    link bytea := p_prev;
    links bytea[] := p_links;
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

    IF links IS NULL THEN
        links := '{}';
        FOR k IN 1 .. n LOOP
            link := hoicho_link(link, p_head + k, p_ids[k], p_stream, current_version + k, p_types[k],
                                p_schemas[k], p_recorded[k], p_metadata[k], p_data[k]);
            links := links || link;
        END LOOP;
    ELSIF n > 0 THEN
        link := links[n];
    END IF;
    INSERT INTO hoicho_events
        (position, event_id, stream, version, event_type, schema_version, recorded_at, metadata, data, chain)
    SELECT p_head + i.ord, i.id, p_stream, current_version + i.ord, i.kind, i.schema_version,
           i.recorded, i.metadata, i.data, i.chain
      FROM unnest(p_ids, p_types, p_schemas, p_recorded, p_metadata, p_data, links)
           WITH ORDINALITY AS i(id, kind, schema_version, recorded, metadata, data, chain, ord);
    outcome := 0;
    out_chain := link;
    out_version := current_version + n;
    out_position := p_head + n;
    RETURN NEXT;
END
$$;

-- A group of appends, as before, linked. The writer may send the links it computed
-- (p_links, one per event, NULL for an append whose stream version it could not know),
-- assuming the log's head is at p_from with link p_from_link and every append succeeds. They
-- are used only while that holds, checked here under the head lock: the head is where the
-- writer thought, and no append before in the group was refused or already written (which
-- would move the positions after it). Otherwise the links are computed here. out_chain: the
-- link of the append's last event.
DROP FUNCTION hoicho_append_group(text[], bigint[], integer[], uuid[], text[], integer[], timestamptz[], text[], text[]);
CREATE FUNCTION hoicho_append_group(
    p_streams text[],
    p_expected bigint[],
    p_counts integer[],
    p_ids uuid[],
    p_types text[],
    p_schemas integer[],
    p_recorded timestamptz[],
    p_metadata text[],
    p_data text[],
    p_from bigint,
    p_from_link bytea,
    p_links bytea[]
) RETURNS TABLE (outcome integer, out_version bigint, out_position bigint, bad_id uuid, out_chain bytea)
LANGUAGE plpgsql AS $$
DECLARE
    head bigint;
    tip bytea;
    start bigint;
    first integer := 1;
    last integer;
    k integer;
    r record;
    trusted boolean;
    given bytea[];
BEGIN
    SELECT h.position, h.chain INTO head, tip FROM hoicho_head h FOR UPDATE;
    start := head;
    trusted := p_links IS NOT NULL AND head = p_from AND tip = p_from_link;
    FOR k IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        last := first + p_counts[k] - 1;
        given := NULL;
        IF trusted AND p_counts[k] > 0 THEN
            IF p_links[first] IS NULL THEN
                trusted := false;
            ELSE
                given := p_links[first:last];
            END IF;
        END IF;
        SELECT * INTO r FROM hoicho_append(head, tip, given, p_streams[k], p_expected[k],
            p_ids[first:last], p_types[first:last], p_schemas[first:last],
            p_recorded[first:last], p_metadata[first:last], p_data[first:last]);
        IF r.outcome = 0 THEN
            head := r.out_position;
            tip := r.out_chain;
        ELSE
            trusted := false;
            IF r.outcome = 3 THEN
                r.outcome := 0;
                r.out_chain := NULL;
            END IF;
        END IF;
        outcome := r.outcome;
        out_version := r.out_version;
        out_position := r.out_position;
        bad_id := r.bad_id;
        out_chain := r.out_chain;
        RETURN NEXT;
        first := last + 1;
    END LOOP;
    IF head > start THEN
        UPDATE hoicho_head SET position = head, chain = tip;
        PERFORM pg_notify('hoicho_events', head::text);
    END IF;
END
$$;

-- The signature a hoicho from before the chain calls, during a rolling upgrade: its appends
-- are linked here.
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
LANGUAGE sql AS $$
    SELECT g.outcome, g.out_version, g.out_position, g.bad_id
      FROM hoicho_append_group(p_streams, p_expected, p_counts, p_ids, p_types, p_schemas,
                               p_recorded, p_metadata, p_data, NULL, NULL, NULL) AS g
$$;
