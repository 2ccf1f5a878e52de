"""The send engine against a real SMTP server on loopback (SEND-3..6, CONTENT-1..5,
INDUSTRY-2..4, invariants 1, 2 and 5). DKIM is checked by dkimpy, never by our own code."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from campaigns import services as campaigns
from campaigns.models import Campaign
from campaigns.rules import CampaignKind, CampaignState
from campaigns.testing import DOMAIN, dkimpy_verify
from carrier.tokens import UNSUBSCRIBE, VERP, read_token
from carrier.transports.base import OutboundMessage, SendResult
from carrier.transports.smtp import SmtpTransport
from consent.models import EvidenceRecord
from contacts import services as contacts
from contacts.models import Contact, SubscriptionState, SuppressionReason
from contacts.rules import LegalBasis, Status
from contacts.testing import SYSTEM
from delivery import ledger, sends
from delivery.models import LedgerState, OneClickUnsubscribe, SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable, most_in_any_span
from policy import services as policy

pytestmark = pytest.mark.django_db


def run_all(campaign: Campaign, **kwargs: Any) -> None:
    for batch in ledger.batches_with_work(campaign):
        run_batch(campaign.pk, batch, **kwargs)


def rows(campaign: Campaign) -> dict[str, str]:
    return {
        e.contact.address: e.state
        for e in SendLedgerEntry.objects.filter(campaign=campaign).select_related("contact")
    }


def header_block(raw: bytes) -> bytes:
    return raw.partition(b"\r\n\r\n")[0]


def unfolded(raw: bytes, name: str) -> list[str]:
    head = header_block(raw).decode("ascii")
    fields = re.split(r"\r\n(?![ \t])", head)
    return [
        re.sub(r"\r\n[ \t]", " ", f).split(":", 1)[1].strip()
        for f in fields
        if f.lower().startswith(name.lower() + ":")
    ]


class HookedTransport(SmtpTransport):
    """The real SMTP transport, calling `hook(n)` after its n-th hand-over: a test's way to
    act (unsubscribe, pause) while the send runs."""

    def __init__(self, url: str, hook: Any) -> None:
        super().__init__(url)
        self.hook = hook
        self.count = 0

    def send(self, message: OutboundMessage) -> SendResult:
        result = super().send(message)
        self.count += 1
        self.hook(self.count)
        return result


def test_it_sends_one_signed_message_per_recipient_with_every_required_header(
    sendable: Sendable,
) -> None:
    """CONTENT-1..5, INDUSTRY-2/3: headers byte-exact, DKIM verified by dkimpy."""
    assert sendable.start() == 3
    run_all(sendable.campaign)
    assert sorted(a for m in sendable.smtp.messages for a in m.rcpt_tos) == sorted(
        c.address for c in sendable.contacts
    )
    assert set(rows(sendable.campaign).values()) == {LedgerState.SENT}
    campaign = Campaign.objects.get(pk=sendable.campaign.pk)
    assert campaign.state == CampaignState.FINISHED
    for received in sendable.smtp.messages:
        raw = received.raw
        entry = SendLedgerEntry.objects.get(
            campaign=campaign, contact__address=received.rcpt_tos[0]
        )
        assert entry.queue_id == received.queue_id
        # VERP: bounces+<token>@<return-path host>, the token naming this ledger row.
        local, _, domain = received.mail_from.partition("@")
        assert domain == f"bounce.{DOMAIN}" and local.startswith("bounces+")
        assert read_token(VERP, local.removeprefix("bounces+")).entry_id == entry.pk
        # INDUSTRY-2: one List-Unsubscribe with one HTTPS URI and a mailto; POST byte-exact.
        (value,) = unfolded(raw, "List-Unsubscribe")
        match = re.fullmatch(
            r"<https://mail\.consentry\.test/u/([a-z0-9.]+)>, <mailto:unsubscribe\+\1@"
            + re.escape(f"bounce.{DOMAIN}")
            + r">",
            value,
        )
        assert match, value
        assert read_token(UNSUBSCRIBE, match.group(1)).entry_id == entry.pk
        assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
        assert unfolded(raw, "X-Mailing-ID") == [campaign.mailing_id]
        assert unfolded(raw, "Feedback-ID") == [
            f"{campaign.pk}:{campaign.account_id}:regular:consentry"
        ]
        assert unfolded(raw, "X-CSA-Complaints") == []
        (message_id,) = unfolded(raw, "Message-ID")
        assert message_id.endswith(f"@{DOMAIN}>") and message_id == entry.message_id
        parsed = received.parsed()
        assert parsed["From"] == f"Alice Shop <news@{DOMAIN}>"
        assert parsed["Reply-To"] == "service@alice-shop.example"
        assert parsed.get_content_type() == "multipart/alternative"
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        url = f"https://mail.consentry.test/u/{match.group(1)}"
        for body in (text, html):
            assert url in body  # CONTENT-1: the link in the body
            assert "Alice Shop GmbH" in body and "DE123456789" in body  # CONTENT-2
            assert "Widerspruch" not in body and "widersprechen" not in body
        assert 'style="color: #333;"' in html  # css-inline
        assert raw.isascii() and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        # CONTENT-5: dkimpy verifies, h= covers the headers the requirements list.
        assert dkimpy_verify(raw)
        (signature,) = unfolded(raw, "DKIM-Signature")
        signed = re.search(r"h=([^;]+);", signature).group(1).replace(" ", "").lower()
        for name in (
            "from",
            "subject",
            "date",
            "to",
            "message-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "feedback-id",
            "x-mailing-id",
            "reply-to",
        ):
            assert name in signed.split(":"), name


def test_it_adds_the_csa_header_when_the_operator_says_so(
    sendable: Sendable, settings: Any
) -> None:
    """INDUSTRY-3: X-CSA-Complaints, DKIM-signed."""
    settings.CSA_COMPLAINTS = True
    sendable.start()
    run_all(sendable.campaign)
    raw = sendable.smtp.messages[0].raw
    assert b"\r\nX-CSA-Complaints: csa-complaints@eco.de\r\n" in raw
    (signature,) = unfolded(raw, "DKIM-Signature")
    assert "x-csa-complaints" in signature.lower()
    assert dkimpy_verify(raw)


def test_only_eligible_contacts_enter_the_ledger_once_each(sendable: Sendable) -> None:
    """SEND-3/4, CONSENT-5: A, confirmed on a target list, not suppressed, scope fits;
    a contact on two target lists gets one row (invariant 2)."""
    world = sendable.world
    second = contacts.create_list(world.alice_account, "VIP", actor=SYSTEM)
    contacts.set_list_admission(second, actor=SYSTEM, admitted=True)
    both = sendable.contacts[1]
    contacts.set_subscription(both, second, SubscriptionState.CONFIRMED, actor=SYSTEM)
    campaigns.update_campaign(sendable.campaign, actor=SYSTEM, lists=[sendable.lst, second])
    gone = sendable.add("gone@example.org")
    contacts.change_status(gone, Status.UNSUBSCRIBED, actor=SYSTEM, cause=contacts.Cause.USER)
    pending = world.add_contact(world.alice_account, "pending@example.org")
    contacts.set_subscription(pending, sendable.lst, SubscriptionState.PENDING, actor=SYSTEM)
    left = sendable.add("left@example.org")
    contacts.set_subscription(left, sendable.lst, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM)
    sendable.add("trap@example.org")
    contacts.suppress("trap@example.org", SuppressionReason.SPAM_TRAP)
    sendable.add("kunde2@example.org", legal_basis=LegalBasis.EXISTING_CUSTOMER)
    # charlie's contact is on charlie's list: never part of alice's send (invariant 6).
    assert sendable.start() == 3
    assert sorted(rows(sendable.campaign)) == sorted(c.address for c in sendable.contacts[:3])


def test_the_periodic_re_check_by_id_agrees_with_the_full_re_check(sendable: Sendable) -> None:
    """SEND-3: the worker's half-second re-check reads ids only; it must drop exactly the
    rows the full re-check drops (left, suppressed, bounced, one-click not yet applied)."""
    for n in range(4):
        sendable.add(f"p{n}@example.org")
    sendable.start()
    ids = list(
        SendLedgerEntry.objects.filter(campaign=sendable.campaign).values_list("pk", flat=True)
    )
    assert ledger.still_eligible(sendable.campaign, ids) == set(ids)
    left, trap, bounced, clicked = sendable.contacts[-4:]
    contacts.set_subscription(left, sendable.lst, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM)
    contacts.suppress(trap.address, SuppressionReason.SPAM_TRAP)
    contacts.change_status(bounced, Status.BOUNCED, actor=SYSTEM, cause=contacts.Cause.BOUNCE)
    OneClickUnsubscribe.objects.create(contact=clicked, entry_id=ids[-1])
    full = {r.entry_id for r in ledger.recheck(sendable.campaign, ids)}
    assert ledger.still_eligible(sendable.campaign, ids) == full
    assert len(full) == len(ids) - 4


def test_existing_customers_get_similar_products_mail_with_the_objection_notice(
    sendable: Sendable,
) -> None:
    """CONSENT-5, INDUSTRY-6: the UWG §7(3) notice goes to existing customers only."""
    customer = sendable.add("kunde2@example.org", legal_basis=LegalBasis.EXISTING_CUSTOMER)
    campaigns.update_campaign(sendable.campaign, actor=SYSTEM, kind=CampaignKind.SIMILAR_PRODUCTS)
    assert sendable.start() == 4
    run_all(sendable.campaign)
    for received in sendable.smtp.messages:
        parsed = received.parsed()
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        notice = "jederzeit widersprechen" in text and "jederzeit widersprechen" in html
        assert notice == (received.rcpt_tos == [customer.address])
        assert unfolded(received.raw, "Feedback-ID")[0].split(":")[2] == "similarproducts"


def test_an_unsubscribe_during_the_send_stops_later_hand_overs(
    sendable: Sendable, settings: Any
) -> None:
    """SEND-3, invariant 5: a contact who leaves mid-send receives nothing afterwards."""
    for n in range(5):
        sendable.add(f"p{n}@example.org")
    policy.set_value("send.rate_per_second", "4")
    last = sendable.contacts[-1]
    unsubscribed_at: list[float] = []

    def hook(count: int) -> None:
        if count == 1:
            contacts.set_subscription(
                last, sendable.lst, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM
            )
            unsubscribed_at.append(time.monotonic())

    sendable.start()
    run_all(sendable.campaign, transport=HookedTransport(settings.SMTP_URL, hook))
    assert sendable.received_by(last.address) == []
    assert rows(sendable.campaign)[last.address] == LedgerState.SKIPPED
    assert len(sendable.smtp.messages) == len(sendable.contacts) - 1


def test_a_temporary_failure_is_retried_and_sent_once(sendable: Sendable) -> None:
    """SEND-6: 4xx → deferred with a next attempt; the retry delivers exactly one message."""
    target = sendable.contacts[1]
    sendable.smtp.refuse_data("451 4.3.0 try again later", recipient=target.address)
    sendable.start()
    run_all(sendable.campaign)
    entry = SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=target)
    assert entry.state == LedgerState.DEFERRED and entry.attempts == 1
    assert entry.next_attempt_at is not None and "451" in entry.reply
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.SENDING
    # Nothing is due before its time.
    run_all(sendable.campaign)
    assert SendLedgerEntry.objects.get(pk=entry.pk).state == LedgerState.DEFERRED
    sendable.smtp.data_replies.clear()
    SendLedgerEntry.objects.filter(pk=entry.pk).update(next_attempt_at=entry.created_at)
    run_all(sendable.campaign)
    entry.refresh_from_db()
    assert entry.state == LedgerState.SENT and entry.attempts == 2
    assert len(sendable.received_by(target.address)) == 1
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.FINISHED


def test_a_temporary_failure_past_the_deadline_fails(sendable: Sendable) -> None:
    """SEND-6: back-off until the policy's deadline, then failed."""
    policy.set_value("send.retry_deadline_hours", "1")
    target = sendable.contacts[1]
    sendable.smtp.refuse_data("421 4.7.0 slow down", recipient=target.address)
    sendable.start()
    Campaign.objects.filter(pk=sendable.campaign.pk).update(
        started_at=sendable.campaign.created_at.replace(year=2020)
    )
    run_all(sendable.campaign)
    entry = SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=target)
    assert entry.state == LedgerState.FAILED and "deadline" in entry.reply


def test_a_5_1_1_rejection_bounces_the_contact(sendable: Sendable) -> None:
    """INDUSTRY-4, BOUNCE-1: a synchronous 5.1.1 makes the contact B through its service."""
    target = sendable.contacts[2]
    sendable.smtp.refuse_recipient(target.address, "550 5.1.1 no such user here")
    sendable.start()
    run_all(sendable.campaign)
    entry = SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=target)
    assert (entry.state, entry.failure_class) == (LedgerState.FAILED, "hard")
    assert Contact.objects.get(pk=target.pk).status == Status.BOUNCED
    # Exactly like a DSN (INDUSTRY-4): a feedback event of the row, the status change
    # citing it, and the address untrusted on the whole platform.
    from contacts.selectors import suppression_reasons
    from feedback.models import FeedbackEvent

    event = FeedbackEvent.objects.get(entry=entry)
    assert (event.inbound, event.hard, event.status, event.reason) == (
        None,
        True,
        "5.1.1",
        "user_unknown",
    )
    assert EvidenceRecord.objects.filter(
        contact=target, kind="status.changed", payload__ref=f"feedback:{event.pk}"
    ).exists()
    assert SuppressionReason.HARD_BOUNCE in suppression_reasons(target.address.upper())


def test_a_5_7_1_rejection_never_touches_the_contact(sendable: Sendable) -> None:
    """INDUSTRY-4: a policy rejection is the sender's problem, counted against the send."""
    target = sendable.contacts[2]
    sendable.smtp.refuse_recipient(target.address, "550 5.7.1 rejected by policy")
    sendable.start()
    run_all(sendable.campaign)
    entry = SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=target)
    assert (entry.state, entry.failure_class) == (LedgerState.FAILED, "sender")
    assert Contact.objects.get(pk=target.pk).status == Status.ACTIVE
    # ... and counts against the send's health.
    from delivery.selectors import progress

    assert progress(sendable.campaign).failures == {"hard": 0, "soft": 0, "sender": 1}


def test_pause_stops_hand_overs_and_resume_sends_the_rest_once(
    sendable: Sendable, settings: Any
) -> None:
    """SEND-4: pause acts within a second; resume sends each remaining row exactly once."""
    for n in range(5):
        sendable.add(f"p{n}@example.org")
    policy.set_value("send.rate_per_second", "4")
    paused_at: list[float] = []

    def hook(count: int) -> None:
        if count == 1:
            sends.pause_send(sendable.campaign, actor=SYSTEM)
            paused_at.append(time.monotonic())

    sendable.start()
    run_all(sendable.campaign, transport=HookedTransport(settings.SMTP_URL, hook))
    sent_while_pausing = len(sendable.smtp.messages)
    assert 1 <= sent_while_pausing <= 1 + 4  # at most one second at 4 messages/s
    states = rows(sendable.campaign)
    assert LedgerState.QUEUED in states.values() and LedgerState.SENDING not in states.values()
    run_all(sendable.campaign)  # a paused send hands nothing over
    assert len(sendable.smtp.messages) == sent_while_pausing
    sends.resume_send(sendable.campaign, actor=SYSTEM)
    run_all(sendable.campaign)
    received = sorted(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert received == sorted(c.address for c in sendable.contacts)  # each exactly once


def test_cancel_skips_everything_not_yet_handed_over(sendable: Sendable, settings: Any) -> None:
    for n in range(5):
        sendable.add(f"p{n}@example.org")
    policy.set_value("send.rate_per_second", "4")

    def hook(count: int) -> None:
        if count == 1:
            sends.cancel_send(sendable.campaign, actor=SYSTEM)

    sendable.start()
    run_all(sendable.campaign, transport=HookedTransport(settings.SMTP_URL, hook))
    states = rows(sendable.campaign)
    sent = [a for a, s in states.items() if s == LedgerState.SENT]
    assert 1 <= len(sent) <= 5 and len(sendable.smtp.messages) == len(sent)
    assert set(states.values()) == {LedgerState.SENT, LedgerState.SKIPPED}
    with pytest.raises(campaigns.RuleViolation):
        sends.resume_send(sendable.campaign, actor=SYSTEM)


def test_rows_of_a_dead_worker_become_unknown_and_are_not_resent(sendable: Sendable) -> None:
    """SEND-4: an expired lease → unknown, reported; resent only when a user chooses."""
    from datetime import timedelta

    sendable.start()
    claimed = ledger.claim(
        sendable.campaign.pk, 0, owner="dead", limit=2, lease=timedelta(seconds=-1)
    )
    assert len(claimed) == 2
    run_all(sendable.campaign)  # expires the lease first, then sends only the third row
    states = rows(sendable.campaign)
    assert sorted(states.values()) == [LedgerState.SENT, LedgerState.UNKNOWN, LedgerState.UNKNOWN]
    assert len(sendable.smtp.messages) == 1
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.FINISHED
    assert sends.resend_unknown(sendable.campaign, actor=SYSTEM) == 2
    run_all(sendable.campaign)
    assert len(sendable.smtp.messages) == 3


def test_many_recipients_go_over_a_few_reused_connections(sendable: Sendable) -> None:
    """SEND-5: a pool of threads, each with one kept-open connection."""
    for n in range(37):
        sendable.add(f"r{n}@example.org")
    policy.set_value("send.connections", "3")
    sendable.start()
    run_all(sendable.campaign)
    received = sorted(a for m in sendable.smtp.messages for a in m.rcpt_tos)
    assert received == sorted(c.address for c in sendable.contacts)
    assert len({m.peer for m in sendable.smtp.messages}) <= 3
    assert set(rows(sendable.campaign).values()) == {LedgerState.SENT}


def test_recording_outcomes_takes_a_few_queries_per_chunk(
    sendable: Sendable, django_assert_max_num_queries: Any
) -> None:
    """Bulk paths: claim, re-check and record do not grow with the number of rows (83
    messages; the periodic re-checks, flushes and the shared rate's top-ups depend on the
    time the send takes, so a loaded machine needs a few more; one per row would be 166)."""
    for n in range(80):
        sendable.add(f"q{n}@example.org")
    sendable.start()
    with django_assert_max_num_queries(80):
        run_all(sendable.campaign)
    assert len(sendable.smtp.messages) == 83


def test_it_builds_messages_the_email_package_reads_without_defects(sendable: Sendable) -> None:
    sendable.start()
    run_all(sendable.campaign)
    parsed = sendable.smtp.messages[0].parsed()
    assert not parsed.defects
    assert all(not part.defects for part in parsed.walk())
    assert str(parsed["Subject"]).startswith("Herbst bei Alice")


def test_the_overall_rate_and_the_reduced_speed_share_hold(sendable: Sendable) -> None:
    """SEND-5: 10 messages/s overall; an account under measures at the policy's share,
    5 a second: never more than (2 + 1) * 5 within 2 seconds (at full speed, all 20 are)."""
    for n in range(17):
        sendable.add(f"s{n}@example.org")
    policy.set_value("send.rate_per_second", "10")
    policy.set_value("send.reduced_speed_share", "0.5")
    from accounts import services as accounts

    accounts.set_reduced_speed(sendable.world.alice_account, True)
    sendable.start()
    run_all(sendable.campaign)
    assert len(sendable.smtp.messages) == 20
    assert most_in_any_span(sendable.smtp.messages, 2) <= 15


def test_a_send_to_the_sandbox_captures_every_message_with_its_ledger_row(
    sendable: Sendable, sandbox_outbox: Any
) -> None:
    """Without CONSENTRY_SMTP_URL the engine hands over to the sandbox mailbox."""
    sendable.start()
    run_all(sendable.campaign)
    captured = sandbox_outbox.messages()
    assert len(captured) == 3 and sendable.smtp.messages == []
    ledger_ids = set(SendLedgerEntry.objects.values_list("pk", flat=True))
    assert {int(m.tags["ledger"]) for m in captured} == ledger_ids
    assert {m.kind for m in captured} == {"campaign"}
    assert set(rows(sendable.campaign).values()) == {LedgerState.SENT}


def test_a_suspended_account_hands_nothing_over(sendable: Sendable) -> None:
    """SEND-2 holds during the send too: rows wait, queued, while the account is suspended."""
    from accounts import services as accounts
    from accounts.models import ReviewState

    sendable.start()
    accounts.change_review_state(sendable.world.alice_account, ReviewState.SUSPENDED)
    run_all(sendable.campaign)
    assert sendable.smtp.messages == []
    assert set(rows(sendable.campaign).values()) == {LedgerState.QUEUED}


def test_a_send_with_nobody_eligible_finishes_at_once(
    sendable: Sendable, django_capture_on_commit_callbacks: Any
) -> None:
    for contact in sendable.contacts:
        contacts.set_subscription(
            contact, sendable.lst, SubscriptionState.UNSUBSCRIBED, actor=SYSTEM
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert sendable.start() == 0
    assert Campaign.objects.get(pk=sendable.campaign.pk).state == CampaignState.FINISHED
