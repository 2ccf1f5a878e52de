"""Feedback parsing speed (BOUNCE-1, COMPLAINT-1): messages/s of `parse_feedback`.

Run: .venv/bin/python bench/feedback.py [SECONDS]

Parses a generated mix of bounces and complaints for SECONDS (default 3) per round, in this
one process, and prints the rate next to the stdlib `email.message_from_bytes` over the same
messages: the MIME parse every reader pays before it can look at a field, so the figure to
compare with. Both in CPU time of this process, best of five interleaved rounds. Parsing
only: matching to the send ledger and applying the policy come later (issue 8, items 6-7).

The mix, from the test fixtures with a new recipient, VERP token and Message-ID each time:
60 % RFC 3464 DSNs, 25 % non-standard bounces (Postfix, Exim, Sendmail, qmail, Exchange,
Yahoo, GMX/Web.de, T-Online, Orange, plain text de/en/fr), 10 % ARF reports, 5 %
out-of-office replies. Then each hostile megabyte of the parser tests, timed once.
"""

from __future__ import annotations

import email
import email.policy
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.parsers import parse_feedback  # noqa: E402

MESSAGES = ROOT / "feedback" / "tests" / "messages"
DSN = ["rfc3464_multi", "dmarc_5726", "mailbox_full", "office365", "gmail"]
TEXT = [
    "postfix",
    "exim",
    "sendmail",
    "qmail",
    "exchange",
    "yahoo",
    "gmx",
    "webde",
    "t-online",
    "t-online_blocked",
    "orange",
    "plain_en",
    "plain_de",
    "plain_fr",
]
ARF = ["abuse_fbl", "headers_only"]
ROUNDS = 5
MIX = 1000


def generated_mix(size: int = MIX) -> list[bytes]:
    """`size` messages in the proportions above, each personalised."""
    dsn = [(MESSAGES / "bounces" / f"{n}.eml").read_bytes() for n in DSN]
    text = [(MESSAGES / "bounces" / f"{n}.eml").read_bytes() for n in TEXT]
    arf = [(MESSAGES / "arf" / f"{n}.eml").read_bytes() for n in ARF]
    auto = [(MESSAGES / "bounces" / "autoreply.eml").read_bytes()]
    mix = []
    for i in range(size):
        slot = i % 20
        pool = dsn if slot < 12 else text if slot < 17 else arf if slot < 19 else auto
        mix.append(personalise(pool[i % len(pool)], i))
    return mix


def personalise(raw: bytes, i: int) -> bytes:
    token = b"T%06d" % i
    raw = re.sub(rb"bounces\+[^@]+@", b"bounces+" + token + b"@", raw)
    raw = re.sub(rb"\.c1\d\d\.r\d+@news", b".c118." + token + b"@news", raw)
    return re.sub(rb"unsubscribe\+[^@]+@", b"unsubscribe+" + token + b"@", raw)


def rate(work: list[bytes], parse: object, seconds: float) -> float:
    """Messages/s in CPU time of this process."""
    assert callable(parse)
    for raw in work[:50]:  # warm up
        parse(raw)
    count = 0
    deadline = time.monotonic() + seconds
    start = time.process_time()
    while time.monotonic() < deadline:
        for raw in work:
            parse(raw)
        count += len(work)
    return count / (time.process_time() - start)


def stdlib_only(raw: bytes) -> object:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    work = generated_mix()
    kinds = Counter(parse_feedback(raw).kind for raw in work)
    size = sum(map(len, work)) / len(work)
    print(f"mix: {len(work)} messages, {size / 1024:.1f} KB on average, kinds {dict(kinds)}")
    best_parse = best_floor = 0.0
    for n in range(1, ROUNDS + 1):
        floor = rate(work, stdlib_only, seconds)
        parsed = rate(work, parse_feedback, seconds)
        best_floor, best_parse = max(best_floor, floor), max(best_parse, parsed)
        print(f"round {n}: stdlib MIME parse {floor:8.0f}/s   parse_feedback {parsed:8.0f}/s")
    print(
        f"best: parse_feedback {best_parse:.0f} messages/s; stdlib MIME parse alone "
        f"{best_floor:.0f}/s (the floor); parse_feedback costs {best_floor / best_parse:.1f}x "
        f"the bare parse, {1e6 / best_parse:.0f} us per message"
    )
    hostile()


def hostile() -> None:
    """CPU seconds for each hostile megabyte of the parser tests (linear readers: well
    under a second each; it once took minutes), next to the stdlib parse of the same bytes."""
    from feedback.tests.test_parsers import HOSTILE_DSN, HOSTILE_HEAD, hostile_bodies

    for body in hostile_bodies():
        for name, start in (("text", HOSTILE_HEAD), ("dsn", HOSTILE_DSN)):
            raw = start + body
            began = time.process_time()
            stdlib_only(raw)
            floor = time.process_time() - began
            began = time.process_time()
            parse_feedback(raw)
            spent = time.process_time() - began
            label = f"hostile {name} {body[:8]!r}"
            print(f"{label}: parse_feedback {spent:.2f} s, stdlib {floor:.2f} s")


if __name__ == "__main__":
    main()
