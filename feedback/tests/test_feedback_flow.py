"""The whole feedback loop (BOUNCE-1, COMPLAINT-1, STATUS-3, QUALITY-1..3): a campaign sent
to a real SMTP server, DSNs and an ARF report delivered by SMTP to `consentry inbound`,
contacts ending B or U, and a send whose hard bounces pass 5 % stopping by itself."""

from __future__ import annotations

import re
import smtplib
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from campaigns.models import Campaign
from campaigns.rules import CampaignState
from consent.models import EvidenceRecord
from contacts.models import List, Suppression
from contacts.rules import Status
from delivery import ledger
from delivery.models import LedgerState, SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable
from feedback.models import FeedbackEvent, InboundMessage, InboundState
from feedback.simulate import arf, dsn
from governance import services as governance
from governance.models import Violation, ViolationState
from policy import services as policy

pytestmark = pytest.mark.django_db(transaction=True)


def deliver(controller: Controller, to: str, raw: bytes) -> None:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
        smtp.sendmail("", [to], raw)


@pytest.fixture
def big(sendable: Sendable, settings: Any) -> Sendable:
    """20 recipients in batches of 5; rates judge from 10 messages on."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for n in range(17):
        sendable.add(f"person{n}@example.org")
    policy.set_value("send.batch_size", "5")
    policy.set_value("quality.min_volume", "10")
    return sendable


def batches(campaign: Campaign) -> list[int]:
    return sorted(ledger.batches_with_work(campaign))


def test_quality_1_hard_bounces_past_5_percent_stop_the_send_by_itself(
    big: Sendable, inbound: Controller
) -> None:
    big.start()
    todo = batches(big.campaign)
    assert len(todo) == 4
    run_batch(big.campaign.pk, todo[0])
    first = list(big.smtp.messages)
    assert len(first) == 5
    # Two of the first five bounce hard: DSNs to their VERP return paths.
    for message in first[:2]:
        to = message.rcpt_tos[0]
        mid = message.parsed()["Message-ID"]
        deliver(inbound, message.mail_from, dsn(to, "5.1.1", "550 5.1.1 user unknown", mid))
    # 2 of 5 is above 5 %, but below the minimum volume of 10: not judged yet.
    assert not Violation.objects.exists()
    big.campaign.refresh_from_db()
    assert big.campaign.state == CampaignState.SENDING
    run_batch(big.campaign.pk, todo[1])
    # 2 of 10 = 20 %: the send stops by itself.
    big.campaign.refresh_from_db()
    assert big.campaign.state == CampaignState.CANCELLED
    for batch in todo[2:]:
        run_batch(big.campaign.pk, batch)
    assert len(big.smtp.messages) == 10 < len(big.contacts)
    states = SendLedgerEntry.objects.filter(campaign=big.campaign).values_list("state", flat=True)
    assert sorted(set(states)) == [LedgerState.SENT, LedgerState.SKIPPED]
    violation = Violation.objects.get()
    assert violation.kind == "hard_bounce_rate"
    assert violation.explanation == (
        "2 hard bounces of 10 messages = 20.00%, above the limit of 5.00%"
    )
    assert List.objects.get(pk=big.lst.pk).blocked
    big.world.alice_account.refresh_from_db()
    assert big.world.alice_account.reduced_speed
    # STATUS-3: both bounced contacts are B, and untrusted on the platform (IMPORT-5).
    bounced = {m.rcpt_tos[0] for m in first[:2]}
    for contact in big.contacts:
        contact.refresh_from_db()
        assert (contact.status == Status.BOUNCED) == (contact.address in bounced)
    assert Suppression.objects.filter(reason="hard_bounce").count() == 2
    assert EvidenceRecord.objects.filter(kind="policy.violation").count() == 1

    # The account states its remediation; the operator lifts the measures.
    from contacts.testing import SYSTEM

    governance.state_remediation(
        violation, "We removed the old addresses and confirm all contacts again.", actor=SYSTEM
    )
    lifted = governance.lift(violation, actor=SYSTEM)
    assert lifted.state == ViolationState.LIFTED
    assert not List.objects.get(pk=big.lst.pk).blocked


def test_the_same_dsn_twice_counts_once_and_a_5_7_26_never_bounces_the_contact(
    sendable: Sendable, inbound: Controller
) -> None:
    sendable.start()
    for batch in batches(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    one, two = sendable.smtp.messages[:2]
    hard = dsn(one.rcpt_tos[0], "5.1.1", "550 5.1.1 no such user", one.parsed()["Message-ID"])
    deliver(inbound, one.mail_from, hard)
    deliver(inbound, one.mail_from, hard)
    dmarc = dsn(
        two.rcpt_tos[0],
        "5.7.26",
        "550 5.7.26 Unauthenticated email from news.alice-shop.example is not accepted",
        two.parsed()["Message-ID"],
    )
    deliver(inbound, two.mail_from, dmarc)
    assert FeedbackEvent.objects.filter(hard=True, sender_side=False).count() == 1
    assert FeedbackEvent.objects.filter(sender_side=True).count() == 1
    states = {c.address: c for c in sendable.contacts}
    for contact in states.values():
        contact.refresh_from_db()
    assert states[one.rcpt_tos[0]].status == Status.BOUNCED
    assert states[two.rcpt_tos[0]].status == Status.ACTIVE  # INDUSTRY-4: the sender's problem
    reasons = list(InboundMessage.objects.order_by("pk").values_list("reason", flat=True))
    assert "already recorded" in reasons[1]
    assert "contact untouched" in reasons[2]


def test_complaint_1_an_arf_report_unsubscribes_and_untrusts_the_address(
    sendable: Sendable, inbound: Controller
) -> None:
    sendable.start()
    for batch in batches(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    message = sendable.smtp.messages[0]
    address = message.rcpt_tos[0]
    deliver(inbound, "fbl@news.alice-shop.example", arf(address, message.parsed()["Message-ID"]))
    contact = next(c for c in sendable.contacts if c.address == address)
    contact.refresh_from_db()
    assert contact.status == Status.UNSUBSCRIBED
    assert Suppression.objects.filter(reason="complaint").count() == 1
    event = FeedbackEvent.objects.get(kind="complaint")
    assert event.contact == contact and event.entry.campaign == sendable.campaign
    inbound_message = InboundMessage.objects.get()
    assert (inbound_message.route, inbound_message.state) == ("fbl", InboundState.PROCESSED)


def test_an_unmatched_bounce_waits_for_review(sendable: Sendable, inbound: Controller) -> None:
    deliver(
        inbound,
        "bounces+zz.zz.zz@news.alice-shop.example",
        dsn("stranger@example.org", "5.1.1", "550 5.1.1 unknown", "<nope@example.org>"),
    )
    message = InboundMessage.objects.get()
    assert message.state == InboundState.REVIEW
    assert "matches no message we sent" in message.reason


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("hard_bounce", Status.BOUNCED),
        ("soft_bounce", Status.ACTIVE),
        ("complaint", Status.UNSUBSCRIBED),
    ],
)
def test_the_sandbox_simulates_feedback_through_the_inbound_path(
    sendable: Sendable, settings: Any, kind: str, status: str
) -> None:
    """Issue 8: on a fresh machine, a person presses a button on a captured campaign mail."""
    from carrier.models import CapturedMessage

    settings.SMTP_URL = ""  # the sandbox mailbox
    sendable.start()
    for batch in batches(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    captured = CapturedMessage.objects.filter(kind="campaign").order_by("pk").first()
    alice = sendable.world.client_for(sendable.world.alice)
    url = f"/a/alice-shop/sandbox/{captured.pk}/simulate/{kind}/"
    assert alice.get(url).status_code == 405
    assert sendable.world.client_for(sendable.world.charlie).post(url).status_code == 404
    response = alice.post(url)
    assert response.status_code == 302
    message = InboundMessage.objects.get()
    assert message.peer == "sandbox" and message.state == InboundState.PROCESSED
    contact = next(c for c in sendable.contacts if c.address == captured.rcpt_to[0])
    contact.refresh_from_db()
    assert contact.status == status
    page = alice.get(f"/a/alice-shop/sandbox/{captured.pk}/").content.decode()
    assert 'id="simulate"' in page


def test_the_campaign_page_shows_feedback_by_reason_and_isp_and_the_violation(
    big: Sendable, inbound: Controller
) -> None:
    big.start()
    todo = batches(big.campaign)
    run_batch(big.campaign.pk, todo[0])
    run_batch(big.campaign.pk, todo[1])
    for message in big.smtp.messages[:2]:
        to = message.rcpt_tos[0]
        mid = message.parsed()["Message-ID"]
        deliver(inbound, message.mail_from, dsn(to, "5.1.1", "550 5.1.1 user unknown", mid))
    page = big.world.client_for(big.world.bob).get(f"/a/alice-shop/campaigns/{big.campaign.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="hard-bounce-rate">20.00%<' in html
    assert '<tr data-reason="user_unknown"><td>Address does not exist</td>' in html
    assert 'class="bar bar-hard" style="width: 100%"' in html
    german = big.world.client_for(big.world.bob).get(
        f"/a/alice-shop/campaigns/{big.campaign.pk}/", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "<td>Adresse existiert nicht</td>" in german.content.decode()
    # The first DSN already passed the limit: 1 of 10.
    assert "Stopped by the policy:</strong> 1 hard bounce of 10 messages = 10.00%" in html
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", html)
    assert sum(int(sent) for _, sent, _, _ in rows) == 10
    assert sum(int(bounces) for _, _, bounces, _ in rows) == 2


def test_quality_3_the_account_states_its_remediation_on_the_campaign_page(
    big: Sendable, inbound: Controller
) -> None:
    big.start()
    todo = batches(big.campaign)
    run_batch(big.campaign.pk, todo[0])
    run_batch(big.campaign.pk, todo[1])
    message = big.smtp.messages[0]
    deliver(
        inbound,
        message.mail_from,
        dsn(message.rcpt_tos[0], "5.1.1", "550 5.1.1 unknown", message.parsed()["Message-ID"]),
    )
    violation = Violation.objects.get()
    url = f"/a/alice-shop/violations/{violation.pk}/remediation/"
    text = {"remediation": "We confirm every address again before the next send."}
    # Members may not answer for the account; charlie does not even see it.
    assert big.world.client_for(big.world.bob).post(url, text).status_code == 403
    assert big.world.client_for(big.world.charlie).post(url, text).status_code == 404
    alice = big.world.client_for(big.world.alice)
    assert alice.get(url).status_code == 405
    assert alice.post(url, {"remediation": "ok"}).status_code == 302  # too short: refused
    violation.refresh_from_db()
    assert violation.state == ViolationState.OPEN
    assert alice.post(url, text).status_code == 302
    violation.refresh_from_db()
    assert (
        violation.state == ViolationState.STATED
        and "confirm every address" in violation.remediation
    )


def test_synchronous_5_1_1_rejections_stop_the_send_within_its_batches(big: Sendable) -> None:
    """INDUSTRY-4: a rejection at hand-over counts like a DSN, and a breach stops the send."""
    for contact in big.contacts[:3]:
        big.smtp.refuse_recipient(contact.address, "550 5.1.1 no such user here")
    policy.set_value("send.batch_size", "20")  # one batch: the stop must come within it
    policy.set_value("send.rate_per_second", "10")  # outcomes are written twice a second
    big.start()
    for batch in batches(big.campaign):
        run_batch(big.campaign.pk, batch)
    big.campaign.refresh_from_db()
    assert big.campaign.state == CampaignState.CANCELLED
    violation = Violation.objects.get()
    assert violation.kind == "hard_bounce_rate" and violation.figures["count"] >= 1
    handed = SendLedgerEntry.objects.filter(
        campaign=big.campaign, state__in=[LedgerState.SENT, LedgerState.FAILED]
    ).count()
    assert handed < len(big.contacts)


def test_privacy_2_a_report_matched_by_address_only_stays_with_the_receiving_domain(
    sendable: Sendable, dns_server: Any, inbound: Controller
) -> None:
    """Both accounts mailed the same address; a report naming only the address, sent to
    alice's feedback-loop address, is alice's: charlie's contact is never touched."""
    from campaigns import services as campaigns
    from campaigns.testing import HTML, set_imprint
    from contacts import services as contacts_services
    from contacts.testing import SYSTEM
    from delivery import sends
    from domains.testing import verify_domain

    world = sendable.world
    shared = "shared@example.org"
    mine = sendable.add(shared)
    verify_domain(world.charlie_account, "news.charlie.example", dns_server)
    set_imprint(world.charlie_account)
    lst = contacts_services.set_list_admission(world.charlie_list, actor=SYSTEM, admitted=True)
    theirs = world.add_contact(world.charlie_account, shared, lst)
    other = campaigns.create_campaign(
        world.charlie_account,
        actor=SYSTEM,
        lists=[lst],
        name="C",
        subject="C",
        from_name="Charlie",
        from_address="news@news.charlie.example",
        html=HTML,
    )
    for campaign in (sendable.campaign, other):
        sends.start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)
        for batch in batches(campaign):
            run_batch(campaign.pk, batch)
    report = arf(shared, "<unknown@elsewhere.example>")
    deliver(inbound, "fbl@news.alice-shop.example", report)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Status.UNSUBSCRIBED
    assert theirs.status == Status.ACTIVE


def test_a_bounce_at_the_return_path_host_is_matched_to_its_from_domain(
    sendable: Sendable, inbound: Controller
) -> None:
    """Without a token or Message-ID, a bounce is matched by address to mail sent From the
    domain whose return-path host it reached (bounce.<domain>)."""
    sendable.start()
    for batch in batches(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    one = sendable.smtp.messages[0]
    assert one.mail_from.endswith("@bounce.news.alice-shop.example")
    hard = dsn(one.rcpt_tos[0], "5.1.1", "550 5.1.1 no such user", "<unknown@example.org>")
    deliver(inbound, "bounces+zz.zz.zz@bounce.news.alice-shop.example", hard)
    message = InboundMessage.objects.get()
    assert message.state == InboundState.PROCESSED, message.reason
    contact = next(c for c in sendable.contacts if c.address == one.rcpt_tos[0])
    contact.refresh_from_db()
    assert contact.status == Status.BOUNCED
