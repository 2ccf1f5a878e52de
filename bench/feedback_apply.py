"""Feedback applied per second (BOUNCE-1, COMPLAINT-1, STATUS-3, QUALITY-3): the whole path
of an inbound DSN or ARF report after SMTP — stored raw, routed, parsed, matched to its
ledger row, recorded, applied to the contact, the send's rates judged again.

Run: .venv/bin/python bench/feedback_apply.py [REPORTS [BATCH]]
     (a throw-away SQLite database, or DATABASE_URL for PostgreSQL)

Seeds one account with a sent campaign of REPORTS recipients, then feeds one report per
recipient through `feedback.services.receive_many` + `process_many` in batches of BATCH
(500), as `consentry inbound` stores what arrives together and processes what waits:
70 % hard bounces (5.1.1), 15 % soft (4.2.2), 10 % ARF complaints, 5 % DMARC rejections of
the sender (5.7.26). Prints reports/s next to storing the same messages raw only (one
transaction each, and in batches: the floor of any path that keeps every message first),
then verifies the evidence chain as `consentry evidence verify` does.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
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


def cpu_seconds() -> float:
    """CPU time of this process and of its reader processes that ended (PostgreSQL's own
    work is in its server processes, not in this figure)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(step: Callable[[], object]) -> tuple[float, float]:
    """Seconds of the step: elapsed, and CPU time (`cpu_seconds`)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    step()
    return time.perf_counter() - start, cpu_seconds() - cpu


def main() -> None:
    from django.conf import settings

    from core.forking import freeze_survivors
    from feedback import services
    from feedback.readers import readers

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else services.BATCH_SIZE
    call_command("migrate", verbosity=0)
    from feedback.models import FeedbackEvent, InboundMessage

    mix = reports(seed(count))
    arrivals = [services.Arrival(raw, "", [to]) for raw, to in mix]
    chunks = [arrivals[first : first + batch] for first in range(0, len(arrivals), batch)]

    stored: list[int] = []  # the floors' messages, removed again before the next step

    def one_by_one() -> None:
        for a in arrivals:
            stored.append(services.receive(a.raw, mail_from=a.mail_from, rcpt_to=a.rcpt_to).pk)

    def together() -> None:
        for chunk in chunks:
            stored.extend(m.pk for m in services.receive_many(chunk))

    def forget() -> None:
        InboundMessage.objects.filter(pk__in=stored).delete()
        stored.clear()

    done: list[int] = []

    def end_to_end() -> None:
        for chunk in chunks:
            # Stored as they arrived together, then processed as one batch.
            done.extend(m.pk for m in services.process_many(services.receive_many(chunk)))
        readers.close()  # their CPU time counts once they ended (forking them did not)

    # As `consentry inbound` does once it has started.
    freeze_survivors()
    readers.start(settings.INBOUND_PARSE_PROCESSES)
    floor = timed(one_by_one)
    forget()
    floor_together = timed(together)
    forget()
    applied = timed(end_to_end)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    events = FeedbackEvent.objects.filter(inbound_id__in=done).count()
    review = InboundMessage.objects.filter(pk__in=done, state="review").count()
    n = len(mix)
    print(
        f"{database}, {n} reports (70 % hard, 15 % soft, 10 % ARF, 5 % 5.7.26), batches of {batch}"
    )
    print("                                                 reports/s   per CPU second")
    for name, (wall, cpu) in (
        ("receive one by one (store raw)", floor),
        ("receive in batches (store raw, the floor)", floor_together),
        ("receive + route + parse + apply + judge", applied),
    ):
        print(f"  {name:45s} {n / wall:9.1f}   {n / cpu:9.1f}")
    print(f"  feedback events recorded: {events}, left for review: {review}")
    print("  consentry evidence verify:")
    call_command("evidence", "verify")


if __name__ == "__main__":
    main()
