"""Feedback applied in batches (BOUNCE-1, COMPLAINT-1, STATUS-3, QUALITY-3, STATUS-6): many
reports stored together and processed in one transaction give each report the outcome it
gets alone — its contact's change, the platform suppression, evidence in an intact chain —
a report twice counts once, the send is judged once per batch and stops within the batch
that crosses its limit, and a batch that dies midway leaves nothing half done."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.rules import CampaignState
from consent.models import EvidenceRecord
from consent.selectors import verify_chain
from contacts.models import Contact, Suppression
from contacts.rules import Status
from delivery import ledger
from delivery.sends import run_batch
from delivery.testing import Sendable
from feedback import recording, services
from feedback.models import FeedbackEvent, InboundMessage, InboundState
from feedback.simulate import arf, dsn
from feedback.tests.test_feedback_flow import big  # noqa: F401  (the fixture)
from governance.models import Violation
from policy import services as policy
from policy.selectors import forget_cached

pytestmark = pytest.mark.django_db(transaction=True)

HARD = ("5.1.1", "550 5.1.1 user unknown")
SOFT = ("4.2.2", "452 4.2.2 mailbox full")
SENDER_SIDE = ("5.7.26", "550 5.7.26 unauthenticated mail is not accepted")


@pytest.fixture
def sent(big: Sendable) -> Sendable:  # noqa: F811  (the fixture imported above)
    """20 recipients, sent in batches of 5 up to the tenth message; judged from 10 on."""
    big.start()
    for batch in sorted(ledger.batches_with_work(big.campaign))[:2]:
        run_batch(big.campaign.pk, batch)
    assert len(big.smtp.messages) == 10
    return big


def bounce(sendable: Sendable, n: int, code: tuple[str, str]) -> services.Arrival:
    """A DSN about the `n`th message sent, to its VERP return path."""
    message = sendable.smtp.messages[n]
    raw = dsn(message.rcpt_tos[0], code[0], code[1], message.parsed()["Message-ID"])
    return services.Arrival(raw, "", [message.mail_from])


def complaint(sendable: Sendable, n: int) -> services.Arrival:
    message = sendable.smtp.messages[n]
    raw = arf(message.rcpt_tos[0], message.parsed()["Message-ID"])
    return services.Arrival(raw, "", ["fbl@news.alice-shop.example"])


def status_of(sendable: Sendable, n: int) -> str:
    return Contact.objects.get(address=sendable.smtp.messages[n].rcpt_tos[0]).status


def test_a_batch_applies_every_report_and_the_send_stops_within_it(
    sent: Sendable, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged = count_judging(monkeypatch)
    batch = [
        bounce(sent, 0, HARD),
        bounce(sent, 1, HARD),
        bounce(sent, 0, HARD),  # the same DSN twice in one batch
        complaint(sent, 2),
        bounce(sent, 3, SOFT),
        bounce(sent, 4, SENDER_SIDE),
    ]
    messages = services.process_many(services.receive_many(batch))

    assert [status_of(sent, n) for n in range(5)] == ["B", "B", "U", "A", "A"]
    assert Suppression.objects.filter(reason="hard_bounce").count() == 2
    assert Suppression.objects.filter(reason="complaint").count() == 1
    assert FeedbackEvent.objects.count() == 5
    assert "already recorded" in messages[2].reason
    assert "contact untouched" in messages[5].reason
    assert all(m.state == InboundState.PROCESSED for m in messages)
    alice = sent.world.alice_account.pk
    assert [m.account_id for m in messages] == [alice, alice, None, alice, alice, alice]
    # QUALITY-3: 2 hard bounces of 10 messages; judged once, within this batch.
    assert judged == [sent.campaign.pk]
    sent.campaign.refresh_from_db()
    assert sent.campaign.state == CampaignState.CANCELLED
    assert Violation.objects.filter(kind="hard_bounce_rate").exists()
    # STATUS-6: each change proven, by the event that caused it, in an intact chain.
    for n, kind in ((0, "status.changed"), (1, "status.changed"), (2, "unsubscribed")):
        contact = Contact.objects.get(address=sent.smtp.messages[n].rcpt_tos[0])
        event = FeedbackEvent.objects.get(contact=contact, sender_side=False, hard=True)
        record = EvidenceRecord.objects.get(contact=contact, kind=kind)
        assert record.actor == f"system:feedback:{event.pk}"
        assert record.payload["ref"] == f"feedback:{event.pk}"
    assert verify_chain(sent.world.alice_account).ok

    # The same reports again: nothing new is recorded, changed or proven.
    evidence = EvidenceRecord.objects.count()
    again = services.process_many(services.receive_many(batch))
    assert FeedbackEvent.objects.count() == 5
    assert EvidenceRecord.objects.count() == evidence
    assert all("already recorded" in m.reason for m in again)
    assert verify_chain(sent.world.alice_account).ok


def count_judging(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sends the batch path judges, one entry per judging; judged as before."""
    from feedback import apply

    judged: list[int] = []
    real = apply.sends.judge

    def judge(campaign: Any) -> None:
        judged.append(campaign.pk)
        real(campaign)

    monkeypatch.setattr(apply.sends, "judge", judge)
    return judged


def test_a_batch_that_dies_midway_leaves_every_message_to_process_again(
    sent: Sendable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction per batch: a process killed after the contacts' changes were
    written, before the suppressions, has changed nothing; the next start does it all."""
    evidence = EvidenceRecord.objects.count()
    stored = services.receive_many([bounce(sent, n, HARD) for n in range(4)])

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(recording, "suppress_many", killed)
    with pytest.raises(SystemExit):
        services.process_many(stored)
    assert not FeedbackEvent.objects.exists()
    assert EvidenceRecord.objects.count() == evidence
    assert [status_of(sent, n) for n in range(4)] == ["A"] * 4
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {InboundState.RECEIVED}

    monkeypatch.undo()
    assert services.process_waiting() == 4
    assert [status_of(sent, n) for n in range(4)] == ["B"] * 4
    assert Suppression.objects.filter(reason="hard_bounce").count() == 4
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {InboundState.PROCESSED}
    assert verify_chain(sent.world.alice_account).ok


def test_a_report_that_breaks_its_batch_goes_to_review_alone(
    sent: Sendable, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Contact.objects.get(address=sent.smtp.messages[1].rcpt_tos[0])
    apply = recording._ContactState.apply

    def fails_for_one(state: Any, event: Any) -> str:
        if event.row.contact_id == broken.pk:
            raise ValueError("a report nobody foresaw")
        return apply(state, event)

    monkeypatch.setattr(recording._ContactState, "apply", fails_for_one)
    messages = services.process_many(
        services.receive_many([bounce(sent, n, HARD) for n in range(3)])
    )
    assert [m.state for m in messages] == [
        InboundState.PROCESSED,
        InboundState.REVIEW,
        InboundState.PROCESSED,
    ]
    assert "a report nobody foresaw" in messages[1].reason
    assert [status_of(sent, n) for n in range(3)] == ["B", "A", "B"]
    assert verify_chain(sent.world.alice_account).ok


def test_a_batch_costs_the_same_queries_whatever_its_size(sent: Sendable) -> None:
    """The chain is locked and appended once per account, the send judged once, the rows
    matched, recorded and concluded in a few statements: twice the reports, no more
    queries."""
    policy.set_value("quality.min_volume", "1000")  # no breach: the same judging each time

    def queries(numbers: range) -> int:
        stored = services.receive_many(
            [bounce(sent, n, HARD) for n in numbers] + [complaint(sent, n + 5) for n in numbers]
        )
        forget_cached()
        with CaptureQueriesContext(connection) as captured:
            services.process_many(stored)
        assert all(m.state == InboundState.PROCESSED for m in stored)
        return len(captured)

    assert queries(range(1)) == queries(range(1, 5))
    assert Contact.objects.filter(status=Status.BOUNCED).count() == 5
    assert Contact.objects.filter(status=Status.UNSUBSCRIBED).count() == 5
    assert verify_chain(sent.world.alice_account).ok


def test_the_listener_processes_what_waits_with_the_next_delivery(
    sent: Sendable, inbound: Any
) -> None:
    """Reports stored while another delivery was processed are applied in one batch with
    the next one; a provider's webhook event, which its request processes, is left alone."""
    import smtplib

    waiting = services.receive_many([bounce(sent, n, HARD) for n in range(3)])
    webhook = services.receive(b"{}", mail_from="", rcpt_to=[], route="webhook:generic")
    arrival = bounce(sent, 3, HARD)
    with smtplib.SMTP(inbound.hostname, inbound.port, timeout=10) as smtp:
        smtp.sendmail("", arrival.rcpt_to, arrival.raw)
    for message in waiting:
        message.refresh_from_db()
        assert message.state == InboundState.PROCESSED
    assert [status_of(sent, n) for n in range(4)] == ["B"] * 4
    webhook.refresh_from_db()
    assert webhook.state == InboundState.RECEIVED


def test_messages_stored_together_are_kept_exactly_as_each_alone() -> None:
    """One statement for the batch (COPY on PostgreSQL): the bytes, the envelope and the
    state read back as `receive` keeps a single message."""
    arrivals = [
        services.Arrival(
            b"Subject: \xe4\xf6\xfc 8-bit\r\n\r\n\x00\xff body\r\n", "", ["a@x.example"]
        ),
        services.Arrival(
            b"Subject: two\r\n\r\nb\r\n",
            "mta@x.example",
            ["b@x.example", "c@y.example"],
            "192.0.2.7",
        ),
        services.Arrival(b"{}", "", [], route="webhook:ses"),
    ]
    together = services.receive_many(arrivals)
    alone = [
        services.receive(
            a.raw, mail_from=a.mail_from, rcpt_to=a.rcpt_to, peer=a.peer, route=a.route
        )
        for a in arrivals
    ]
    fields = ("raw", "size", "mail_from", "rcpt_to", "peer", "route", "state", "reason", "account")

    def kept(messages: list[InboundMessage]) -> list[tuple[Any, ...]]:
        rows = InboundMessage.objects.in_bulk([m.pk for m in messages])
        return [
            tuple(
                bytes(v) if isinstance(v, memoryview) else v
                for v in (getattr(rows[m.pk], f) for f in fields)
            )
            for m in messages
        ]

    assert kept(together) == kept(alone)
    assert kept(together)[1][3] == ["b@x.example", "c@y.example"]
    assert len({m.pk for m in together + alone}) == 6
    assert all(m.state == InboundState.RECEIVED and m.received_at for m in together)


def test_an_unreadable_message_in_a_batch_goes_to_review_and_the_others_apply(
    sent: Sendable,
) -> None:
    batch = [bounce(sent, 0, HARD), bounce(sent, 1, HARD), bounce(sent, 2, SOFT)]
    garbage = services.Arrival(b"\x00\xff not a message", "", batch[0].rcpt_to)
    messages = services.process_many(services.receive_many([batch[0], garbage, *batch[1:]]))
    assert [m.state for m in messages] == [
        InboundState.PROCESSED,
        InboundState.REVIEW,
        InboundState.PROCESSED,
        InboundState.PROCESSED,
    ]
    assert "not a bounce or report we can read" in messages[1].reason
    assert [status_of(sent, n) for n in range(3)] == ["B", "B", "A"]
    assert FeedbackEvent.objects.count() == 3
    assert verify_chain(sent.world.alice_account).ok
