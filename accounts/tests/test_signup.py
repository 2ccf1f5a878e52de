"""ACCOUNT-1: sign-up, the owner's confirmation link, and the operator's review decisions."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from django.core.management import call_command

from accounts import review
from accounts.models import Application, CaseState, GuidelinesAcceptance, ReviewState
from accounts.selectors import review_queue
from consent.models import EvidenceRecord
from core.actors import Actor
from core.errors import Conflict, InvalidInput, RuleViolation
from core.models import AuditEntry
from delivery import signup

PUBLIC = Actor("public", "", "192.0.2.7")

DATA = review.SignupData(
    company="Beispiel GmbH",
    address="Hauptstr. 1\n10115 Berlin",
    register="HRB 12345, Amtsgericht Berlin",
    vat_id="DE123456789",
    representative="Erika Muster",
    website="beispiel.example",
    username="erika",
    email="Erika@Beispiel.example",
    password="a long enough passphrase 42",
    expected_volume=20_000,
    frequency="monthly",
    address_sources="Our web shop's newsletter form (double opt-in).",
    consent_method="Double opt-in with a confirmation mail, logged.",
    language="de",
)


def link_in(outbox: Any) -> str:
    body = outbox.parsed().get_body(("plain",)).get_content()
    found = re.search(r"/signup/confirm/([^/\s]+)/", body)
    assert found, body
    return found.group(1)


@pytest.fixture
def signed_up(sandbox_outbox: Any, settings: Any) -> tuple[Application, Any]:
    settings.BASE_URL = "https://consentry.test"
    application, _answer = signup.sign_up(DATA, actor=PUBLIC)
    return application, sandbox_outbox


def test_sign_up_creates_a_pending_account_with_its_owner_answers_and_evidence(
    signed_up: tuple[Application, Any],
) -> None:
    application, outbox = signed_up
    account = application.account
    assert account.review_state == ReviewState.PENDING
    assert account.slug == "beispiel-gmbh"
    assert account.imprint_name == "Beispiel GmbH"
    assert account.imprint_register.startswith("HRB 12345")
    assert application.owner.username == "erika"
    assert application.owner.check_password(DATA.password)
    assert account.memberships.get().role == "owner"
    assert application.website == "https://beispiel.example"
    assert application.case_state == CaseState.UNCONFIRMED
    kinds = list(EvidenceRecord.objects.filter(account=account).values_list("kind", flat=True))
    assert kinds == ["account.signed_up", "guidelines.accepted"]
    signed = EvidenceRecord.objects.get(account=account, kind="account.signed_up")
    assert signed.wording.key == "platform.terms" and signed.wording.language == "de"
    accepted = GuidelinesAcceptance.objects.get(account=account)
    assert (accepted.user, accepted.version, accepted.context) == (application.owner, 1, "signup")
    # The owner's mail went through the outbound path to the sandbox mailbox.
    assert outbox.parsed()["To"] == "Erika@beispiel.example"
    assert not review_queue().exists()  # not before the owner's address is confirmed


def test_the_owners_link_puts_the_case_in_the_queue(signed_up: tuple[Application, Any]) -> None:
    application, outbox = signed_up
    confirmed = signup.confirm_owner(link_in(outbox), actor=PUBLIC)
    assert confirmed.email_confirmed_at is not None
    assert list(review_queue()) == [application]
    with pytest.raises(InvalidInput):
        signup.confirm_owner(link_in(outbox) + "x", actor=PUBLIC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company": "x" * 201}, "company"),
        ({"address_sources": "y" * 2001}, "where the addresses come from"),
        ({"website": "not a website"}, "website"),
        ({"email": "nobody"}, "email"),
        ({"expected_volume": 0}, "expected volume"),
        ({"frequency": "hourly"}, "sending frequency"),
        ({"consent_method": ""}, "how consent was collected"),
        ({"password": "123"}, "password"),
    ],
)
def test_bad_sign_up_input_names_the_field_and_stores_nothing(
    db: Any, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        review.register(replace(DATA, **change), terms_version=1)
    assert caught.value.message.startswith(field)
    assert not Application.objects.exists()


def test_a_taken_username_or_address_is_refused(signed_up: tuple[Application, Any]) -> None:
    with pytest.raises(Conflict):
        review.register(replace(DATA, email="other@beispiel.example"), terms_version=1)
    with pytest.raises(Conflict):
        review.register(replace(DATA, username="other"), terms_version=1)


def test_ask_answer_and_activate_each_logged_with_the_reason(
    signed_up: tuple[Application, Any], world: Any
) -> None:
    application, outbox = signed_up
    signup.confirm_owner(link_in(outbox), actor=PUBLIC)
    account = application.account
    with pytest.raises(InvalidInput):
        review.decide(account, "refuse", operator=world.operator, reason=" ")
    with pytest.raises(InvalidInput):
        review.decide(account, "ask", operator=world.operator, reason="")
    review.decide(account, "ask", operator=world.operator, reason="Show your signup form.")
    account.refresh_from_db()
    assert account.review_note == "Show your signup form."
    assert not review_queue().exists()
    review.answer(account, application.owner, "https://beispiel.example/newsletter")
    assert list(review_queue()) == [application]
    review.decide(account, "activate", operator=world.operator, reason="Form checked.")
    account.refresh_from_db()
    assert account.review_state == ReviewState.ACTIVE
    assert not review_queue().exists()
    log = list(AuditEntry.objects.filter(account_id=account.pk).order_by("at", "pk"))
    assert [(e.action, e.reason) for e in log] == [
        ("ask_more", "Show your signup form."),
        ("activate", "Form checked."),
    ]
    assert log[0].actor == "operator:olga"
    texts = list(application.messages.values_list("from_operator", "text"))
    assert texts == [
        (True, "Show your signup form."),
        (False, "https://beispiel.example/newsletter"),
        (True, "Form checked."),
    ]
    with pytest.raises(RuleViolation):
        review.answer(account, application.owner, "again")


def test_refused_account_reads_the_reason_and_cli_shows_the_queue(
    signed_up: tuple[Application, Any], capsys: Any
) -> None:
    application, outbox = signed_up
    signup.confirm_owner(link_in(outbox), actor=PUBLIC)
    call_command("account", "review")
    assert "beispiel-gmbh" in capsys.readouterr().out
    call_command("account", "refuse", "beispiel-gmbh", "--reason", "Bought addresses.")
    application.account.refresh_from_db()
    assert application.account.review_state == ReviewState.REFUSED
    assert application.account.review_note == "Bought addresses."
    entry = AuditEntry.objects.get(account_id=application.account_id)
    assert entry.action == "refuse" and entry.actor.startswith("system:cli:")


def test_speed_reduced_and_lifted_with_a_reason(world: Any, capsys: Any) -> None:
    call_command("account", "speed", "alice-shop", "--reduced", "--reason", "Complaints.")
    world.alice_account.refresh_from_db()
    assert world.alice_account.reduced_speed
    call_command("account", "speed", "alice-shop", "--normal", "--reason", "Fixed.")
    world.alice_account.refresh_from_db()
    assert not world.alice_account.reduced_speed
    actions = AuditEntry.objects.filter(
        account_id=world.alice_account.pk, action__in=["reduce_speed", "lift"]
    ).order_by("at", "pk")
    assert [(e.action, e.reason) for e in actions] == [
        ("reduce_speed", "Complaints."),
        ("lift", "Fixed."),
    ]


def test_the_admin_shows_sign_ups_read_only(signed_up: tuple[Application, Any], world: Any) -> None:
    olga = world.client_for(world.operator)
    page = olga.get("/admin/accounts/application/")
    assert page.status_code == 200 and "erika@beispiel.example" in page.content.decode().lower()
    assert olga.get("/admin/accounts/application/add/").status_code == 403
    assert olga.get("/admin/accounts/guidelinesacceptance/").status_code == 200


def test_an_account_activated_elsewhere_leaves_the_queue(
    signed_up: tuple[Application, Any], world: Any
) -> None:
    from accounts.services import change_review_state

    application, outbox = signed_up
    signup.confirm_owner(link_in(outbox), actor=PUBLIC)
    assert review_queue().exists()
    change_review_state(application.account, ReviewState.ACTIVE, actor=world.operator)
    assert not review_queue().exists()
