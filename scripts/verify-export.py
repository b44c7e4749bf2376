#!/usr/bin/env python3
"""Checks the hash chain of a file written by `hoicho export`, with Python's standard
library only: an auditor's check that does not trust hoicho (docs/audit.md).

    python3 verify-export.py EXPORT.jsonl [POSITION:LINK]

Each line is one event; its "chain" is SHA-256 over the previous line's link (32 zero bytes
before the first) and the event's fields: position (8 bytes, big-endian), event id (16),
version (8), schema version (4), recorded-at in microseconds since 1970-01-01 UTC (8,
signed), then stream, event type, metadata and data, each as its length in bytes (8) and its
UTF-8 bytes. Metadata and data are hashed as the exact JSON text the line holds.
Exit 0 when every line matches (and the chain passes through POSITION:LINK, if given).
"""
import datetime
import hashlib
import json
import sys
import uuid

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
DECODER = json.JSONDecoder()


def members(line):
    """The line's top-level members: name -> (value, exact JSON text)."""
    out = {}
    i = line.index("{") + 1
    while True:
        while line[i] in " \t,":
            i += 1
        if line[i] == "}":
            return out
        name, i = DECODER.raw_decode(line, i)
        while line[i] in " \t:":
            i += 1
        start = i
        value, i = DECODER.raw_decode(line, i)
        out[name] = (value, line[start:i])


def micros(text):
    at = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (at - EPOCH) // datetime.timedelta(microseconds=1)


def field(text):
    data = text.encode("utf-8")
    return len(data).to_bytes(8, "big") + data


def link(previous, m):
    h = hashlib.sha256()
    h.update(previous)
    h.update(m["position"][0].to_bytes(8, "big"))
    h.update(uuid.UUID(m["event_id"][0]).bytes)
    h.update(m["version"][0].to_bytes(8, "big"))
    h.update(m["schema_version"][0].to_bytes(4, "big"))
    h.update(micros(m["recorded_at"][0]).to_bytes(8, "big", signed=True))
    h.update(field(m["stream"][0]))
    h.update(field(m["event_type"][0]))
    h.update(field(m["metadata"][1]))
    h.update(field(m["data"][1]))
    return h.digest()


def main(path, anchor=None):
    previous, position, passed = bytes(32), 0, anchor is None
    want_position, want_link = (int(anchor.split(":")[0]), anchor.split(":")[1]) if anchor else (None, None)
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            m = members(line)
            if m["position"][0] != position + 1:
                print(f"line {number}: position {m['position'][0]} follows {position}")
                return 1
            computed = link(previous, m)
            if computed.hex() != m.get("chain", (None,))[0]:
                print(f"line {number}: event {m['position'][0]} does not match its link")
                return 1
            previous, position = computed, m["position"][0]
            if position == want_position:
                passed = computed.hex() == want_link
    if not passed:
        print(f"the chain does not pass through {anchor}")
        return 1
    print(f"the hash chain holds: {position} events, last link {position}:{previous.hex()}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
