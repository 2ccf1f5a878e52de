"""ABUSE-1, ABUSE-2, INDUSTRY-5: abuse reports mailed to abuse@ through the real inbound
listener open cases resolved to account, campaign and contact; the operator's actions on
a case, each in the audit log; the account answers a proof request with its bundle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from accounts.models import ReviewState
from contacts.rules import Status
from core.actors import Actor
from core.errors import RuleViolation
from core.models import AuditEntry
from feedback.models import FeedbackEvent, InboundMessage, InboundState
from feedback.simulate import arf
from governance import abuse
from governance.lookup import lookup
from governance.models import AbuseCase, CaseKind, CaseSource, CaseState
from governance.testing import Sent, deliver, forwarded_complaint, quoted_complaint

pytestmark = pytest.mark.django_db(transaction=True)
ABUSE = "abuse@mail.consentry.test"


def operator(world: Any) -> Actor:
    return Actor.for_user(world.operator)


def test_abuse_1_a_forwarded_mailing_to_abuse_at_opens_a_resolved_case_with_its_deadline(
    sent: Sent, inbound: Controller
) -> None:
    original = sent.message_to("kunde@example.de").raw
    deliver(inbound.hostname, inbound.port, ABUSE, forwarded_complaint(original))
    message = InboundMessage.objects.latest("pk")
    assert (message.route, message.state) == ("abuse", InboundState.PROCESSED)
    case = AbuseCase.objects.get()
    world = sent.sendable.world
    assert (case.account, case.campaign, case.contact) == (
        world.alice_account,
        sent.campaign,
        world.alice_contact,
    )
    assert case.entry == sent.entry_for("kunde@example.de")
    assert case.matched_by == "unsubscribe_token"  # the List-Unsubscribe of the attached copy
    assert (case.kind, case.source, case.state) == (
        CaseKind.COMPLAINT,
        CaseSource.MAILBOX,
        CaseState.OPEN,
    )
    assert case.reporter == "kunde@example.de" and "nie bestellt" in case.text
    assert case.answer_due_at == case.opened_at + timedelta(hours=24)
    assert message.account == world.alice_account and f"case #{case.pk}" in message.reason


def test_abuse_1_a_quoted_mailing_id_finds_the_campaign_and_the_complainant_in_it(
    sent: Sent, inbound: Controller
) -> None:
    deliver(inbound.hostname, inbound.port, ABUSE, quoted_complaint(sent.campaign.mailing_id))
    case = AbuseCase.objects.get()
    assert case.campaign == sent.campaign
    assert case.contact == sent.sendable.world.alice_contact
    assert case.matched_by == "mailing_id+recipient"


def test_abuse_1_an_arf_report_to_abuse_at_is_resolved_by_its_message_id(
    sent: Sent, inbound: Controller
) -> None:
    received = sent.message_to("anna@example.org")
    report = arf("anna@example.org", received.parsed()["Message-ID"])
    deliver(inbound.hostname, inbound.port, ABUSE, report, sender="fbl@fbl.example.net")
    case = AbuseCase.objects.get()
    assert case.entry == sent.entry_for("anna@example.org")
    assert case.matched_by == "message_id"
    # COMPLAINT-1: the report also counts as the complaint it is; the contact is U.
    event = FeedbackEvent.objects.get()
    assert (event.kind, event.entry) == ("complaint", case.entry)
    case.contact.refresh_from_db()
    assert case.contact.status == Status.UNSUBSCRIBED


def test_abuse_1_a_report_naming_nothing_of_ours_is_a_case_without_account(
    world: Any, settings: Any, inbound: Controller
) -> None:
    settings.ABUSE_ADDRESSES = ["abuse@platform.example"]
    raw = b"From: x@example.org\r\nSubject: spam\r\n\r\nYou sent me spam.\r\n"
    deliver(inbound.hostname, inbound.port, "Abuse@Platform.example", raw)
    case = AbuseCase.objects.get()
    assert case.account is None and case.matched_by == ""
    # Processing the message again opens no second case.
    from feedback import services

    services.process(InboundMessage.objects.get())
    assert AbuseCase.objects.count() == 1


def test_abuse_2_a_blocklisting_notice_is_its_own_kind(world: Any, sent: Sent) -> None:
    case = abuse.open_from_form(
        reporter="listings@spamhaus.example",
        text="Your IP is listed on the Spamhaus SBL because of mailing consentry-"
        f"{sent.campaign.account_id}-{sent.campaign.pk}",
    )
    assert case.kind == CaseKind.BLOCKLISTING and case.campaign == sent.campaign


def test_abuse_1_the_lookup_finds_campaign_account_and_message_for_any_quoted_id(
    sent: Sent,
) -> None:
    received = sent.message_to("kunde@example.de")
    entry = sent.entry_for("kunde@example.de")
    parsed = received.parsed()
    verp = received.mail_from.partition("@")[0].removeprefix("bounces+")
    for quoted in (parsed["Message-ID"], verp):
        found = lookup(quoted)
        assert (found.account, found.campaign, found.entry) == (
            sent.sendable.world.alice_account,
            sent.campaign,
            entry,
        ), quoted
    found = lookup(parsed["X-Mailing-ID"])
    assert found.campaign == sent.campaign and found.entry is None
    found = lookup(parsed["Feedback-ID"])
    assert found.matched_by == "feedback_id" and found.campaign == sent.campaign
    assert not lookup("consentry-999-999")


def test_abuse_1_the_operator_unsubscribes_the_complainant_and_it_is_audited(sent: Sent) -> None:
    world = sent.sendable.world
    case = abuse.open_from_form(
        reporter="kunde@example.de", text="", quoted=sent.campaign.mailing_id
    )
    case = abuse.act(case, "unsubscribe", actor=operator(world), reason="asked to")
    world.alice_contact.refresh_from_db()
    assert world.alice_contact.status == Status.UNSUBSCRIBED
    assert case.answered_at is not None
    entry = AuditEntry.objects.get(action="case_action")
    assert entry.actor_id == world.operator.pk and entry.account_id == world.alice_account.pk
    assert entry.detail["action"] == "unsubscribe" and entry.detail["case"] == case.pk


def test_abuse_2_proof_is_requested_due_in_one_working_day_and_answered_with_the_bundle(
    sent: Sent,
) -> None:
    world = sent.sendable.world
    case = abuse.open_from_form(
        reporter="kunde@example.de", text="Spam", quoted=sent.campaign.mailing_id
    )
    case = abuse.request_proof(case, actor=operator(world), reason="please show the consent")
    assert case.state == CaseState.PROOF_REQUESTED and case.proof_due_on is not None
    assert case.proof_due_on > case.proof_requested_at.date()
    answered = abuse.answer_proof(
        case, actor=Actor.for_user(world.alice), statement="Double opt-in on our shop page."
    )
    assert answered.state == CaseState.PROOF_RECEIVED
    assert answered.proof_bundle is not None
    records = answered.proof_bundle["records"]
    assert records and all("personal" not in r for r in records)
    assert all(r["hash_ok"] for r in records)
    with pytest.raises(RuleViolation):
        abuse.answer_proof(answered, actor=Actor.for_user(world.alice), statement="again")


def test_abuse_1_reduce_speed_suspend_and_close_each_act_and_leave_an_entry(sent: Sent) -> None:
    world = sent.sendable.world
    actor = operator(world)
    case = abuse.open_from_form(
        reporter="kunde@example.de", text="Spam", quoted=sent.campaign.mailing_id
    )
    abuse.act(case, "reduce_speed", actor=actor, reason="complaints")
    world.alice_account.refresh_from_db()
    assert world.alice_account.reduced_speed
    abuse.act(case, "suspend", actor=actor, reason="repeated complaints")
    world.alice_account.refresh_from_db()
    assert world.alice_account.review_state == ReviewState.SUSPENDED
    closed = abuse.act(case, "close", actor=actor, reason="account suspended, complainant told")
    assert closed.state == CaseState.CLOSED and closed.closing_note
    actions = list(
        AuditEntry.objects.filter(action="case_action")
        .order_by("at", "id")
        .values_list("detail__action", flat=True)
    )
    assert actions == ["reduce_speed", "suspend", "close"]
    with pytest.raises(RuleViolation):
        abuse.act(closed, "suspend", actor=actor, reason="again")


def test_abuse_2_proof_asked_on_friday_evening_is_due_monday_and_shown_late_on_tuesday(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from django.utils import timezone

    from governance.selectors import case_facts
    from governance.testing import case_for

    friday = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: friday)
    case = abuse.request_proof(case_for(world.alice_account), actor=operator(world), reason="x")
    assert case.proof_due_on.isoformat() == "2026-12-07"
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 7, 23, 59, tzinfo=UTC))
    assert case_facts(case)["proof_overdue"] is False
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 8, 0, 0, tzinfo=UTC))
    assert case_facts(case)["proof_overdue"] is True
