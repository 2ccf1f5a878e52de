"""Feedback applied per second (BOUNCE-1, COMPLAINT-1, STATUS-3, QUALITY-3): the whole path
of an inbound DSN or ARF report after SMTP — stored raw, routed, parsed, matched to its
ledger row, recorded, applied to the contact, the send's rates judged again.

Run: .venv/bin/python bench/feedback_apply.py [REPORTS]
     (a throw-away SQLite database, or DATABASE_URL for PostgreSQL)

Seeds one account with a sent campaign of REPORTS recipients, then feeds one report per
recipient through `feedback.services.receive` + `process`, as `consentry inbound` does:
70 % hard bounces (5.1.1), 15 % soft (4.2.2), 10 % ARF complaints, 5 % DMARC rejections of
the sender (5.7.26). Prints reports/s next to the bare `receive` (storing raw only) of the
same messages, the floor of any path that keeps every message first.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-fb-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def seed(count: int) -> list[tuple[str, str, str]]:
    """(recipient, VERP return path, Message-ID) of `count` sent ledger rows."""
    from seeding import sent_campaign

    from carrier.tokens import VERP, make_token

    domains = ["gmail.com", "web.de", "t-online.de", "orange.fr", "example.org"]
    contacts, entries = sent_campaign(count, domains)
    return [
        (c.address, f"bounces+{make_token(VERP, e.pk)}@bench.example", e.message_id)
        for c, e in zip(contacts, entries, strict=True)
    ]


def reports(rows: list[tuple[str, str, str]]) -> list[tuple[bytes, str]]:
    from feedback.simulate import arf, dsn

    out = []
    for n, (recipient, verp, message_id) in enumerate(rows):
        slot = n % 20
        if slot < 14:
            out.append((dsn(recipient, "5.1.1", "550 5.1.1 user unknown", message_id), verp))
        elif slot < 17:
            out.append((dsn(recipient, "4.2.2", "452 4.2.2 mailbox full", message_id), verp))
        elif slot < 19:
            out.append((arf(recipient, message_id), "fbl@bench.example"))
        else:
            text = "550 5.7.26 unauthenticated mail is not accepted"
            out.append((dsn(recipient, "5.7.26", text, message_id), verp))
    return out


def main() -> None:
    from feedback import services

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else services.BATCH_SIZE
    call_command("migrate", verbosity=0)
    from feedback.models import FeedbackEvent, InboundMessage

    mix = reports(seed(count))
    start = time.perf_counter()
    stored = [services.receive(raw, mail_from="", rcpt_to=[to]) for raw, to in mix]
    floor = len(stored) / (time.perf_counter() - start)
    InboundMessage.objects.all().delete()
    start = time.perf_counter()
    for first in range(0, len(mix), batch):
        # As the listener stores each message on arrival, then processes what waits.
        services.process_many(
            [
                services.receive(raw, mail_from="", rcpt_to=[to])
                for raw, to in mix[first : first + batch]
            ]
        )
    rate = len(mix) / (time.perf_counter() - start)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    events = FeedbackEvent.objects.count()
    review = InboundMessage.objects.filter(state="review").count()
    print(f"{database}, {len(mix)} reports (70 % hard, 15 % soft, 10 % ARF, 5 % 5.7.26)")
    print(f"  receive only (store raw, the floor):   {floor:8.1f} reports/s")
    print(f"  receive + route + parse + apply:       {rate:8.1f} reports/s")
    print(f"  feedback events recorded: {events}, left for review: {review}")


if __name__ == "__main__":
    main()
