"""Message builder processes (delivery.builders): forked per batch, they build what the
worker's sender threads hand over. A builder that dies costs no recipient, a builder
never queries the database, and none outlives its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest

from campaigns.models import Campaign
from campaigns.testing import DOMAIN, dkimpy_verify
from contacts.models import Contact
from delivery import builders, engine, ledger, sends
from delivery.builders import Builder, BuilderDied
from delivery.ledger import Recipient
from delivery.models import LedgerState, SendLedgerEntry
from delivery.testing import Sendable
from delivery.tests.test_send import HookedTransport, rows, run_all
from policy import services as policy

pytestmark = pytest.mark.django_db


def recipient(n: int) -> Recipient:
    return Recipient(n, n, 0, f"r{n}@example.org", f"Name{n}", "Muster", {}, "double_opt_in")


def plain(r: Recipient) -> Any:
    return "m", ""


def exited(pid: int, timeout: float = 10) -> int:
    """The exit status of a builder, once it has ended on its own."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"builder {pid} did not end within {timeout} s")


def test_a_builder_builds_groups_in_order_and_reports_each_failure() -> None:
    def build(r: Recipient) -> tuple[Any, str]:
        if r.entry_id == 2:
            raise ValueError("no template for you")
        return f"message {r.entry_id} for {r.address}", f"<{r.entry_id}@x>"

    builder = Builder(build)
    try:
        builder.submit([recipient(1), recipient(2)])
        builder.submit([recipient(3)])
        first, second = builder.collect(), builder.collect()
    finally:
        builder.close()
    assert [b.message for b in first] == ["message 1 for r1@example.org", None]
    assert first[1].error == "message not built: no template for you"
    assert [(b.message, b.message_id) for b in second] == [
        ("message 3 for r3@example.org", "<3@x>")
    ]


def test_a_builder_refuses_to_query_the_database_and_leaves_the_workers_connection_alone(
    sendable: Sendable,
) -> None:
    def build(r: Recipient) -> Any:
        return Contact.objects.count(), ""

    builder = Builder(build)
    try:
        builder.submit([recipient(1)])
        (built,) = builder.collect()
    finally:
        builder.close()
    assert built.message is None
    assert "must not query the database" in built.error
    # The worker's own connection still answers, in the same transaction.
    assert Contact.objects.filter(pk=sendable.contacts[0].pk).exists()


def test_a_builder_ends_when_its_worker_goes_away() -> None:
    """No goodbye: the pipe closes (as when the worker is killed) and the builder exits."""
    builder = Builder(plain)
    builder.connection.close()
    assert os.WEXITSTATUS(exited(builder.pid)) == 0


def test_a_builder_holds_none_of_the_workers_descriptors() -> None:
    """Were it to keep a copy of a pipe, a program the worker tells to stop by closing its
    input would wait for the builder (as Playwright's driver did at the end of a test run)."""
    program = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    builder = Builder(plain)
    try:
        builder.submit([recipient(1)])
        builder.collect()  # it serves: what it closes, it has closed
        assert sorted(int(fd) for fd in os.listdir(f"/proc/{builder.pid}/fd"))[:3] == [0, 1, 2]
        assert len(os.listdir(f"/proc/{builder.pid}/fd")) == 4  # and its own pipe
        assert program.stdin is not None
        program.stdin.close()
        assert program.wait(timeout=10) == 0
    finally:
        builder.close()
        if program.poll() is None:
            program.kill()


def test_a_dead_builder_is_reported_as_such() -> None:
    builder = Builder(plain)
    os.kill(builder.pid, signal.SIGKILL)
    os.waitpid(builder.pid, 0)
    with pytest.raises(BuilderDied):
        builder.submit([recipient(1)])
        builder.collect()
    builder.connection.close()


@pytest.mark.parametrize("processes", [0, 1, 2])
def test_a_threaded_send_delivers_each_recipient_once_with_any_number_of_builders(
    sendable: Sendable, settings: Any, processes: int, recorded: list[Builder]
) -> None:
    """Signed, addressed to its recipient, one each: built in builders or on the senders."""
    settings.SEND_BUILD_PROCESSES = processes
    for n in range(30):
        sendable.add(f"p{n}@example.org")
    policy.set_value("send.connections", "4")
    sendable.start()
    run_all(sendable.campaign)
    assert len(recorded) == processes  # forked once, for the batch
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert received == Counter(c.address for c in sendable.contacts)
    for message in sendable.smtp.messages:
        assert dkimpy_verify(message.raw)
        assert message.mail_from.startswith("bounces+") and message.mail_from.endswith(DOMAIN)
        (to,) = message.rcpt_tos
        assert f"To: {to}\r\n".encode() in message.raw
    assert set(rows(sendable.campaign).values()) == {LedgerState.SENT}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every builder forked during the test, in order; none is kept after it."""
    started: list[Builder] = []

    class Recorded(Builder):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(builders, "Builder", Recorded)
    yield started
    builders.kept.close()


def test_builders_killed_mid_send_cost_no_recipient(
    sendable: Sendable,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: Any,
    recorded: list[Builder],
) -> None:
    """The feeding threads build the rest themselves: everyone still gets one message."""
    settings.SEND_BUILD_PROCESSES = 2
    # More than the senders' queue holds: the builders cannot be done by the first hand-over.
    for n in range(120):
        sendable.add(f"k{n}@example.org")
    policy.set_value("send.connections", "2")

    def kill_builders(count: int) -> None:
        if count == 1:
            for builder in recorded:
                os.kill(builder.pid, signal.SIGKILL)

    monkeypatch.setattr(
        engine, "_new_transport", lambda: HookedTransport(settings.SMTP_URL, kill_builders)
    )
    sendable.start()
    run_all(sendable.campaign)
    assert len(recorded) == 2
    assert caplog.text.count("building here") == 2  # each feeding thread took over
    assert not any(b.reusable() for b in recorded)  # and none is kept
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert received == Counter(c.address for c in sendable.contacts)
    assert set(SendLedgerEntry.objects.values_list("state", flat=True)) == {LedgerState.SENT}


def test_builders_are_kept_for_the_next_batch_of_the_same_plan(
    sendable: Sendable, settings: Any, recorded: list[Builder]
) -> None:
    settings.SEND_BUILD_PROCESSES = 2
    for n in range(40):
        sendable.add(f"c{n}@example.org")
    policy.set_value("send.batch_size", "10")
    policy.set_value("send.connections", "2")
    sendable.start()
    batches = ledger.batches_with_work(sendable.campaign)
    assert len(batches) == 5
    sends.run_batch(sendable.campaign.pk, batches[0])
    first = list(recorded)
    assert len(first) == 2 and all(b.reusable() for b in first)
    sends.run_batch(sendable.campaign.pk, batches[1])
    assert recorded == first  # the same two processes built the second batch
    # One dies between batches: only it is replaced.
    os.kill(first[0].pid, signal.SIGKILL)
    exited(first[0].pid)
    first[0].ended = True
    sends.run_batch(sendable.campaign.pk, batches[2])
    assert len(recorded) == 3 and recorded[1] is first[1]
    # Fewer builders wanted: one of the kept goes, the other stays.
    settings.SEND_BUILD_PROCESSES = 1
    sends.run_batch(sendable.campaign.pk, batches[3])
    assert len(recorded) == 3
    assert [b.reusable() for b in recorded[1:]].count(True) == 1
    survivor = next(b for b in recorded if b.reusable())
    # A plan that builds differently (here: a changed subject) gets a new builder, and
    # the kept one ends.
    Campaign.objects.filter(pk=sendable.campaign.pk).update(subject="Neu bei uns")
    sends.run_batch(sendable.campaign.pk, batches[4])
    assert len(recorded) == 4 and not survivor.reusable()
    with pytest.raises(ChildProcessError):
        os.waitpid(survivor.pid, os.WNOHANG)  # ended and reaped
    assert any(b"Subject: Neu bei uns" in m.raw for m in sendable.smtp.messages)
    sends.run_batch(sendable.campaign.pk, batches[4])
    received = Counter(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert received == Counter(c.address for c in sendable.contacts)
