"""What tracking adds to building a message (CONSENT-4): the campaign of bench/send.py
(5 links, DKIM RSA-2048) built for the same recipients with and without the open pixel
and rewritten links, in this process, alternating, best of three rounds each.

Run: .venv/bin/python bench/tracking_build.py [MESSAGES]
     (a throw-away SQLite database; needs no SMTP server: nothing is sent)

Building (render, rewrite, encode, sign) is the send's CPU work per message; the SMTP
hand-over and the database are the same with and without tracking.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-tb-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CONSENTRY_LOG_LEVEL", "WARNING")

from send import arrange


def main() -> None:
    import django

    django.setup()
    from delivery.ledger import Recipient
    from delivery.plan import plan_for

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    campaign = arrange(10, links=5, tracking=True)
    plan = plan_for(campaign)  # type: ignore[arg-type]
    fields = {"customer": "K-0000001"}
    best: dict[bool, float] = {}
    for _round in range(3):
        for tracking in (False, True):
            people = [
                Recipient(n, n, 0, f"r{n}@d{n % 50}.bench.example", f"Name{n}", "Muster", fields,
                          "double_opt_in", tracking)
                for n in range(1, count + 1)
            ]  # fmt: skip
            started = time.process_time()
            for person in people:
                plan.build(person)
            spent = time.process_time() - started
            best[tracking] = min(best.get(tracking, spent), spent)
    off, on = count / best[False], count / best[True]
    print(f"{count} messages per round, best of 3, CPU time of this process")
    print(f"  built without tracking: {off:8,.0f} messages/s ({best[False] / count * 1e6:.0f} µs)")
    print(f"  built with tracking:    {on:8,.0f} messages/s ({best[True] / count * 1e6:.0f} µs)")
    print(f"  = {on / off:.1%} of the rate without tracking")


if __name__ == "__main__":
    main()
