"""SEND-5 across processes (issue: N workers sent N times a provider's rate): two
`consentry` worker processes on one PostgreSQL database send one campaign's two batches to
Gmail at once, through the database's counters and through Redis'; together they keep
Gmail's rate, counted from the capturing SMTP server's timestamps."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable, most_in_any_span
from delivery.tests.test_pace import REDIS_URL, redis_or_skip, set_gmail
from delivery.tests.test_workers import use_task_database, worker
from policy import services as policy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several workers need PostgreSQL"),
]
PER_SECOND = 10


@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_workers_together_keep_a_providers_rate(
    sendable: Sendable, settings: Any, store: str
) -> None:
    extra_env = {}
    if store == "redis":
        redis_or_skip()
        extra_env["CONSENTRY_CACHE_URL"] = REDIS_URL
    set_gmail(PER_SECOND * 60)
    for n in range(80):
        sendable.add(f"person{n:03d}@{'gmail.com' if n % 2 else 'googlemail.com'}")
    policy.set_value("send.batch_size", "42")  # the 83 recipients: two batches
    use_task_database(settings)
    assert sendable.start() == 83
    workers = [worker(settings.SMTP_URL, "--batch", env=extra_env) for _ in range(2)]
    for proc in workers:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()[-3000:]
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert set(received.values()) == {1} and len(received) == 83
    assert set(SendLedgerEntry.objects.values_list("state", flat=True)) == {LedgerState.SENT}
    gmail = [m for m in sendable.smtp.messages if m.rcpt_tos[0].endswith("mail.com")]
    assert len(gmail) == 80
    # Both workers sent at the same time: each batch's messages span the other's.
    batch_of = dict(SendLedgerEntry.objects.values_list("contact__address", "batch"))
    spans = {}
    for batch in (0, 1):
        times = [m.received_at for m in gmail if batch_of[m.rcpt_tos[0]] == batch]
        spans[batch] = (min(times), max(times))
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1]
    # Together within Gmail's rate: at most (2 + 1) * 10 in any 2 seconds; each worker on
    # its own rate would hand over 2 * 2 * 10 in them.
    assert most_in_any_span(gmail, 2) <= (2 + 1) * PER_SECOND
    assert most_in_any_span(gmail, 4) <= (4 + 1) * PER_SECOND
