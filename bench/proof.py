"""Proof bundle speed (CONSENT-3): a contact with hundreds of evidence records.

Run: .venv/bin/python bench/proof.py [RECORDS]   (uses a throw-away SQLite database,
or DATABASE_URL). Prints the time of one bundle (JSON and HTML) next to the time of
reading the same rows without any processing, the floor measured in the same run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    call_command("migrate", verbosity=0)
    from accounts.services import create_account
    from consent.models import EvidenceRecord
    from consent.proof import build_bundle, render_bundle_html
    from contacts import services
    from contacts.models import SubscriptionState
    from contacts.rules import Cause, LegalBasis
    from core.actors import Actor

    actor = Actor("public", "bench", "198.51.100.4", "Mozilla/5.0 bench")
    account = create_account(f"Bench {time.time_ns()}")
    lst = services.create_list(account, "News", actor=actor)
    contact = services.create_contact(
        account,
        "bench@example.org",
        actor=actor,
        cause=Cause.USER,
        legal_basis=LegalBasis.DOUBLE_OPT_IN,
    )
    for n in range(records - 1):
        state = SubscriptionState.CONFIRMED if n % 2 == 0 else SubscriptionState.UNSUBSCRIBED
        services.set_subscription(contact, lst, state, actor=actor)
    count = EvidenceRecord.objects.filter(contact=contact).count()
    floor = best_of(5, lambda: list(EvidenceRecord.objects.filter(contact=contact).values()))
    as_json = best_of(5, lambda: build_bundle(account, "bench@example.org"))
    as_html = best_of(5, lambda: render_bundle_html(build_bundle(account, "bench@example.org")))
    engine = django.db.connection.vendor
    print(f"proof bundle, {count} records, {engine}")
    print(f"  read rows only (floor) {floor * 1000:8.1f} ms")
    print(f"  bundle (JSON data)     {as_json * 1000:8.1f} ms")
    print(f"  bundle + HTML page     {as_html * 1000:8.1f} ms   (limit: 1000 ms)")


if __name__ == "__main__":
    main()
