"""A real SMTP server for hoicho's mail tests (aiosmtpd over TCP).

Every message it accepts is written to DIR as one JSON file: the envelope, the raw message
and what Python's email parser reads from it (decoded headers, the text and HTML parts).
Recipients at a domain given with --reject get a permanent 550, as a real server answers
for an unknown user.
"""

import argparse
import email
import itertools
import base64
import json
import os
import signal
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, reject, fast):
        self.out = out
        self.fast = fast
        self.reject = {d.lower() for d in reject}
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rsplit("@", 1)[-1].lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if self.fast:
            # For benchmarks: keep the envelope, skip the parsing.
            self.write({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos})
            return "250 2.0.0 Message accepted for delivery"
        message = email.message_from_bytes(raw, policy=policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "raw": raw.decode("utf-8", "replace"),
            "headers": [[k, str(v)] for k, v in message.items()],
            "subject": str(message["Subject"]),
            "to": str(message["To"]),
            "from": str(message["From"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
            "attachments": [
                {"filename": a.get_filename(), "content_type": a.get_content_type(),
                 "size": len(a.get_content())}
                for a in message.iter_attachments()
            ],
            # Images the HTML shows by content id (multipart/related), as base64.
            "inline": [
                {"cid": str(p["Content-ID"]).strip("<>"), "content_type": p.get_content_type(),
                 "base64": base64.b64encode(p.get_payload(decode=True)).decode("ascii")}
                for p in message.walk()
                if p["Content-ID"] is not None and not p.is_multipart()
            ],
        }
        self.write(record)
        return "250 2.0.0 Message accepted for delivery"

    def write(self, record):
        name = f"{os.getpid()}-{next(self.counter):06d}"
        tmp = os.path.join(self.out, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.out, name + ".json"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--fast", action="store_true", help="record envelopes only")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # Blocked in every thread, so the main thread can wait for them and stop cleanly.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = Controller(Sink(args.dir, args.reject, args.fast), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
