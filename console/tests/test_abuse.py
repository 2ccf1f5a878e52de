"""The abuse desk in the console (ABUSE-1, ABUSE-2): operators only; the list with its
deadlines and filters, one case with its actions, the mailing-ID lookup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.testing import Personas
from core.models import AuditEntry
from governance.models import AbuseCase, CaseState
from governance.testing import case_for, draft_campaign


@pytest.fixture
def case(world: Personas) -> AbuseCase:
    return case_for(world.alice_account, kind="authority", text="A consumer complains.")


def pages(case: AbuseCase) -> list[str]:
    return [
        reverse("console:abuse"),
        reverse("console:abuse_lookup") + "?id=consentry-1-1",
        reverse("console:abuse_case", args=[case.pk]),
    ]


def test_no_account_user_reaches_any_abuse_page_or_action(world: Personas, case: AbuseCase) -> None:
    for user in (world.alice, world.bob, world.charlie):
        client = world.client_for(user)
        for url in pages(case):
            assert client.get(url).status_code == 403, url
        action = reverse("console:abuse_case_action", args=[case.pk])
        assert client.post(action, {"action": "suspend", "reason": "x"}).status_code == 403
    for url in pages(case):
        assert Client().get(url).status_code == 302
    world.alice_account.refresh_from_db()
    assert world.alice_account.review_state == "active"


def test_the_list_shows_deadlines_marks_overdue_cases_and_filters(
    world: Personas, case: AbuseCase
) -> None:
    AbuseCase.objects.filter(pk=case.pk).update(answer_due_at=timezone.now() - timedelta(hours=1))
    client = world.client_for(world.operator)
    html = client.get(reverse("console:abuse")).content.decode()
    assert f'data-case="{case.pk}"' in html and "overdue" in html
    assert "Alice Shop" in html
    assert (
        f'data-case="{case.pk}"'
        not in client.get(reverse("console:abuse") + "?state=&kind=blocklisting").content.decode()
    )
    assert (
        f'data-case="{case.pk}"'
        in client.get(reverse("console:abuse") + "?state=&overdue=on").content.decode()
    )


def test_an_operator_acts_on_a_case_with_a_reason_and_it_is_audited(
    world: Personas, case: AbuseCase
) -> None:
    client = world.client_for(world.operator)
    url = reverse("console:abuse_case_action", args=[case.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"action": "request_proof", "reason": ""})
    assert response.status_code == 400
    response = client.post(url, {"action": "request_proof", "reason": "Show the consent"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.PROOF_REQUESTED and case.proof_due_on is not None
    entry = AuditEntry.objects.get(detail__action="request_proof")
    assert entry.actor_id == world.operator.pk
    page = client.get(reverse("console:abuse_case", args=[case.pk])).content.decode()
    assert "Show the consent" in page and 'id="case-proof-due"' in page


def test_an_operator_opens_a_blocklisting_case(world: Personas) -> None:
    client = world.client_for(world.operator)
    response = client.post(
        reverse("console:abuse"),
        {"kind": "blocklisting", "text": "Spamhaus lists our IP", "account": "alice-shop"},
    )
    assert response.status_code == 302
    opened = AbuseCase.objects.get()
    assert opened.kind == "blocklisting" and opened.account == world.alice_account
    response = client.post(
        reverse("console:abuse"), {"kind": "complaint", "text": "x", "account": "nobody"}
    )
    assert response.status_code == 400 and AbuseCase.objects.count() == 1


def test_the_lookup_says_when_an_id_names_nothing(world: Personas) -> None:
    client = world.client_for(world.operator)
    html = client.get(reverse("console:abuse_lookup") + "?id=consentry-99-99").content.decode()
    assert 'id="lookup-result"' in html and "names no message" in html


def test_the_lookup_finds_a_campaign(world: Personas, settings: Any) -> None:
    campaign = draft_campaign(world.alice_account)
    client = world.client_for(world.operator)
    html = client.get(
        reverse("console:abuse_lookup") + f"?id={campaign.mailing_id}"
    ).content.decode()
    assert "Herbst" in html and "Alice Shop" in html


@pytest.mark.parametrize(("language", "title"), [("de", "Abuse-Desk"), ("fr", "Service abus")])
def test_the_desk_speaks_german_and_french(world: Personas, language: str, title: str) -> None:
    client = world.client_for(world.operator)
    html = client.get(reverse("console:abuse"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert title in html


def test_the_dashboard_counts_open_and_overdue_cases(world: Personas, case: AbuseCase) -> None:
    AbuseCase.objects.filter(pk=case.pk).update(answer_due_at=timezone.now() - timedelta(hours=1))
    html = world.client_for(world.operator).get(reverse("console:dashboard")).content.decode()
    assert '<strong id="abuse-active">1</strong>' in html
    assert 'id="abuse-unanswered-overdue" class="error">1<' in html
    assert reverse("console:abuse_case", args=[case.pk]) in html
