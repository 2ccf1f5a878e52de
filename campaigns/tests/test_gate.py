"""The compliance gate (SEND-2) and the guideline tick (SEND-1): each failing condition is
refused with its reason and the service that refuses; nothing enters the ledger."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts import services as accounts
from accounts.models import ReviewState
from campaigns import selectors, services
from campaigns.rules import ListFacts, SendFacts, Service, gate
from campaigns.testing import DOMAIN
from consent.models import EvidenceRecord
from contacts import services as contacts
from contacts.testing import SYSTEM
from core.errors import InvalidInput, RuleViolation
from delivery import sends
from delivery.models import SendLedgerEntry
from delivery.testing import Sendable

GOOD = SendFacts(
    account_active=True,
    domain_reasons=(),
    html_names=frozenset({"unsubscribe_url", "imprint"}),
    text_names=frozenset({"unsubscribe_url", "imprint"}),
    lists=(ListFacts("News", admitted=True, blocked=False),),
    guidelines_ticked=True,
)


def refused(sendable: Sendable, *, ticked: bool = True) -> list[str]:
    with pytest.raises(RuleViolation) as caught:
        sends.start_send(sendable.campaign, actor=SYSTEM, guidelines_confirmed=ticked)
    assert not SendLedgerEntry.objects.exists()
    return caught.value.details


def test_the_rule_passes_when_everything_holds() -> None:
    assert gate(GOOD) == []


@given(
    active=st.booleans(),
    domain=st.booleans(),
    unsubscribe=st.booleans(),
    imprint=st.booleans(),
    admitted=st.booleans(),
    blocked=st.booleans(),
    ticked=st.booleans(),
)
def test_the_rule_names_every_failing_condition(
    active: bool,
    domain: bool,
    unsubscribe: bool,
    imprint: bool,
    admitted: bool,
    blocked: bool,
    ticked: bool,
) -> None:
    """SEND-2: all must hold; each one that does not is one refusal by its service."""
    names = frozenset(n for n, ok in (("unsubscribe_url", unsubscribe), ("imprint", imprint)) if ok)
    facts = SendFacts(
        account_active=active,
        domain_reasons=() if domain else ("x.example is not verified yet",),
        html_names=names,
        text_names=names,
        lists=(ListFacts("News", admitted=admitted, blocked=blocked),),
        guidelines_ticked=ticked,
    )
    services_refusing = [r.service for r in gate(facts)]
    expected = []
    if not active:
        expected.append(Service.ACCOUNTS)
    if not domain:
        expected.append(Service.DOMAINS)
    expected += [Service.CAMPAIGNS] * (2 * (not unsubscribe) + 2 * (not imprint))
    if blocked or not admitted:
        expected.append(Service.ADMISSION)
    if not ticked:
        expected.append(Service.SEND)
    assert services_refusing == expected


def test_it_refuses_without_the_guideline_tick(sendable: Sendable) -> None:
    """SEND-1."""
    assert refused(sendable, ticked=False) == [
        "the anti-spam guideline checkbox is not ticked (your confirmation)"
    ]


def test_it_refuses_an_inactive_account(sendable: Sendable) -> None:
    accounts.change_review_state(sendable.world.alice_account, ReviewState.SUSPENDED)
    assert refused(sendable) == ["the account is not active (account review)"]


def test_it_refuses_a_domain_that_stopped_verifying(sendable: Sendable, dns_server: Any) -> None:
    from domains import selectors as domain_selectors
    from domains import services as domains

    for key in domain_selectors.domain_by_name(
        sendable.world.alice_account, DOMAIN
    ).dkim_keys.all():
        dns_server.remove(f"{key.selector}._domainkey.{DOMAIN}")
    domains.check_domain(
        domain_selectors.domain_by_name(sendable.world.alice_account, DOMAIN), actor=SYSTEM
    )
    reasons = refused(sendable)
    assert reasons[0] == f"{DOMAIN} stopped verifying (sender domain)"
    assert any(r.startswith("DKIM:") for r in reasons)
    # A German reader has the domain's reasons in German.
    with translation.override("de"):
        german = refused(sendable)
    assert german[0].startswith(f"{DOMAIN} besteht die Prüfung nicht mehr")
    assert any(r.startswith("DKIM: kein DKIM-Schlüsseleintrag unter ") for r in german)


def test_it_refuses_a_from_address_on_another_domain(sendable: Sendable) -> None:
    """CONTENT-3: From on the account's own verified domain."""
    services.update_campaign(sendable.campaign, actor=SYSTEM, from_address="news@elsewhere.example")
    assert refused(sendable) == [
        "elsewhere.example is not a sender domain of this account (sender domain)"
    ]


def test_it_refuses_a_body_without_unsubscribe_link_or_imprint(sendable: Sendable) -> None:
    """CONTENT-1/2: both tags in both parts."""
    services.update_campaign(
        sendable.campaign, actor=SYSTEM, html="<p>Hallo {{ first_name }}</p>", text=""
    )
    assert refused(sendable) == [
        "the HTML body lacks the tag {{ unsubscribe_url }} (campaign content)",
        "the text body lacks the tag {{ unsubscribe_url }} (campaign content)",
        "the HTML body lacks the tag {{ imprint }} (campaign content)",
        "the text body lacks the tag {{ imprint }} (campaign content)",
    ]


def test_a_given_text_part_needs_the_tags_too(sendable: Sendable) -> None:
    services.update_campaign(sendable.campaign, actor=SYSTEM, text="Hallo {{ imprint }}")
    assert refused(sendable) == [
        "the text body lacks the tag {{ unsubscribe_url }} (campaign content)"
    ]


def test_it_refuses_an_incomplete_imprint(sendable: Sendable) -> None:
    accounts.update_imprint(sendable.world.alice_account, imprint_address="")
    sendable.campaign.account.refresh_from_db()
    assert refused(sendable) == [
        "the imprint lacks: postal address (fill it in under Imprint) (campaign content)"
    ]


def test_it_refuses_lists_not_admitted_or_blocked(sendable: Sendable) -> None:
    """SEND-2: admitted (by its audit and sample, AUDIT-1/2, or an operator) and not
    blocked; the refusal says what the list still needs."""
    other = contacts.create_list(sendable.world.alice_account, "Fresh", actor=SYSTEM)
    services.update_campaign(sendable.campaign, actor=SYSTEM, lists=[sendable.lst, other])
    contacts.set_list_admission(sendable.lst, actor=SYSTEM, blocked=True)
    assert refused(sendable) == [
        "the list “Fresh” is not admitted yet: Attest that hard bounces were removed "
        "from the list within the last two months. (list admission)",
        "the list “Newsletter” is blocked (list admission)",
    ]


def test_it_lists_every_reason_at_once(sendable: Sendable) -> None:
    accounts.change_review_state(sendable.world.alice_account, ReviewState.SUSPENDED)
    contacts.set_list_admission(sendable.lst, actor=SYSTEM, admitted=False)
    assert len(refused(sendable, ticked=False)) == 3


def test_the_tick_is_evidence_with_user_time_and_wording_version(sendable: Sendable) -> None:
    """SEND-1: recorded with the send."""
    from core.actors import Actor

    actor = Actor.for_user(sendable.world.alice)
    sends.start_send(sendable.campaign, actor=actor, guidelines_confirmed=True)
    sendable.campaign.refresh_from_db()
    record = sendable.campaign.guidelines_record
    assert record.kind == "send.guidelines_confirmed"
    assert record.actor == f"user:{sendable.world.alice.pk}"
    assert record.created_at is not None
    assert record.wording.key == "send.guidelines" and record.wording.version == 1
    assert record.payload == {"campaign": sendable.campaign.pk, "wording_version": 1}
    assert EvidenceRecord.objects.filter(kind="send.started").count() == 1


def test_a_started_send_cannot_be_started_again(sendable: Sendable) -> None:
    """SEND-4."""
    sendable.start()
    with pytest.raises(RuleViolation):
        sendable.start()
    assert SendLedgerEntry.objects.count() == 3


def test_templates_with_errors_or_unknown_names_are_refused_when_saved(world: Any) -> None:
    for html in ("<p>{{ first_name </p>", "<p>{{ password }}</p>", "{% for x in y %}"):
        with pytest.raises(InvalidInput):
            services.create_campaign(
                world.alice_account,
                actor=SYSTEM,
                name="x",
                subject="x",
                from_name="A",
                from_address="a@b.example",
                html=html,
            )


def test_a_test_send_goes_before_the_gate_clearly_marked(sendable: Sendable) -> None:
    """SEND-2: a few named addresses, [TEST] in the subject, no ledger row."""
    contacts.set_list_admission(sendable.lst, actor=SYSTEM, admitted=False)
    assert selectors.gate_result(sendable.campaign, guidelines_ticked=True)
    outcomes = sends.send_test(sendable.campaign, ["alice@example.org"], actor=SYSTEM)
    assert outcomes[0][0] == "alice@example.org" and outcomes[0][1].startswith("250")
    (received,) = sendable.smtp.messages
    parsed = received.parsed()
    assert parsed["Subject"].startswith("[TEST] ") and parsed["X-Consentry-Test"] == "1"
    assert not SendLedgerEntry.objects.exists()
    with pytest.raises(InvalidInput):
        sends.send_test(sendable.campaign, [f"a{n}@example.org" for n in range(21)], actor=SYSTEM)


@given(
    status=st.sampled_from(["A", "U", "B", "D"]),
    subscribed=st.booleans(),
    suppressed=st.booleans(),
    basis=st.sampled_from(["double_opt_in", "existing_customer", "business_card"]),
    kind=st.sampled_from(["regular", "similar_products"]),
)
def test_only_active_subscribed_unsuppressed_contacts_in_scope_may_receive(
    status: str, subscribed: bool, suppressed: bool, basis: str, kind: str
) -> None:
    """SEND-3, CONSENT-5, invariant 1: the re-check's rule."""
    from campaigns.rules import may_receive

    expected = (
        status == "A"
        and subscribed
        and not suppressed
        and (basis != "existing_customer" or kind == "similar_products")
    )
    assert (
        may_receive(
            status=status,
            subscribed=subscribed,
            suppressed=suppressed,
            legal_basis=basis,
            kind=kind,
        )
        == expected
    )


def test_an_empty_imprint_and_missing_tags_are_listed_together(sendable: Sendable) -> None:
    """A newcomer sees the body's reasons before the imprint is saved, not one after another."""
    accounts.update_imprint(sendable.world.alice_account, imprint_address="", imprint_contact="")
    sendable.campaign.account.refresh_from_db()
    services.update_campaign(sendable.campaign, actor=SYSTEM, html="<p>Hallo</p>", text="")
    reasons = refused(sendable)
    assert "the HTML body lacks the tag {{ unsubscribe_url }} (campaign content)" in reasons
    assert (
        "the imprint lacks: postal address, contact (phone or email) (fill it in under Imprint) "
        "(campaign content)"
    ) in reasons
    assert not any(re.search(r"\b[A-Z]{3,}-\d", r) for r in reasons)
