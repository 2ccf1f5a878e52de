"""The public sign-up page, the account's review page and the guidelines page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import guidelines as texts
from accounts import review
from accounts.models import Account, CaseState, GuidelinesAcceptance
from accounts.tests.test_signup import DATA, PUBLIC, link_in
from delivery import signup

FORM = {
    "company": "Beispiel GmbH",
    "address": "Hauptstr. 1",
    "register": "",
    "vat_id": "",
    "representative": "Erika Muster",
    "website": "https://beispiel.example",
    "expected_volume": "100",
    "frequency": "weekly",
    "address_sources": "Shop form.",
    "consent_method": "Double opt-in.",
    "username": "erika",
    "email": "erika@beispiel.example",
    "password": "a long enough passphrase 42",
    "accept": "on",
}


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def test_the_page_creates_a_pending_account(sandbox_outbox: Any) -> None:
    client = Client()
    page = client.get("/signup/")
    assert page.status_code == 200 and "Anti-spam guidelines" in page.content.decode()
    done = client.post("/signup/", FORM)
    assert done.status_code == 200 and "erika@beispiel.example" in done.content.decode()
    assert Account.objects.get().review_state == "pending"


def test_the_page_needs_the_acceptance_and_names_a_bad_field(db: Any) -> None:
    client = Client()
    page = client.post("/signup/", {**FORM, "accept": ""})
    assert page.status_code == 400
    long = client.post("/signup/", {**FORM, "company": "x" * 201})
    assert long.status_code == 400 and "at most 200 characters" in long.content.decode()
    assert not Account.objects.exists()


def test_the_page_checks_csrf(db: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/signup/", FORM).status_code == 403
    assert not Account.objects.exists()


def test_sign_ups_from_one_address_are_limited(sandbox_outbox: Any) -> None:
    client = Client()
    answers = []
    for n in range(12):
        data = {**FORM, "username": f"u{n}", "email": f"u{n}@beispiel.example"}
        answers.append(client.post("/signup/", data).status_code)
    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]
    assert Account.objects.count() == 10


def test_the_owner_answers_the_operators_question(sandbox_outbox: Any, world: Any) -> None:
    application, _answer = signup.sign_up(DATA, actor=PUBLIC)
    signup.confirm_owner(link_in(sandbox_outbox), actor=PUBLIC)
    review.decide(application.account, "ask", operator=world.operator, reason="Which form?")
    owner = Client()
    owner.force_login(application.owner)
    url = f"/a/{application.account.slug}/review/"
    page = owner.get(url).content.decode()
    assert "Which form?" in page and "answer-form" in page
    assert "Which form?" in owner.get(f"/a/{application.account.slug}/contacts/").content.decode()
    assert owner.post(url, {"answer": "The one on /newsletter."}).status_code == 302
    application.refresh_from_db()
    assert application.case_state == CaseState.WAITING
    # Another account's user never sees it.
    assert world.client_for(world.charlie).get(url).status_code == 404


def test_a_changed_version_is_shown_and_accepted_on_the_guidelines_page(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = world.client_for(world.alice)
    home = alice.get("/a/alice-shop/contacts/").content.decode()
    assert "guidelines-changed" in home  # alice never accepted any version
    assert alice.post("/a/alice-shop/guidelines/", {"accept": "on"}).status_code == 302
    assert "guidelines-changed" not in alice.get("/a/alice-shop/contacts/").content.decode()
    monkeypatch.setattr(texts, "GUIDELINES_VERSION", 2)
    assert "guidelines-changed" in alice.get("/a/alice-shop/contacts/").content.decode()
    alice.post("/a/alice-shop/guidelines/", {"accept": "on"})
    rows = GuidelinesAcceptance.objects.filter(user=world.alice).order_by("pk")
    assert [(r.version, r.context) for r in rows] == [(1, "changed"), (2, "changed")]


def test_the_import_page_shows_the_guidelines_and_no_legal_approval(world: Any) -> None:
    page = world.client_for(world.alice).get("/a/alice-shop/imports/").content.decode()
    assert "import-guidelines" in page and "no legal approval" in page
    assert texts.GUIDELINES["en"][:40] in page


def test_the_owner_asks_for_the_link_again(sandbox_outbox: Any) -> None:
    application, _answer = signup.sign_up(DATA, actor=PUBLIC)
    owner = Client()
    owner.force_login(application.owner)
    url = f"/a/{application.account.slug}/review/"
    assert "owner-unconfirmed" in owner.get(url).content.decode()
    for _n in range(4):
        owner.post(url, {"resend": "1"})
    assert len(sandbox_outbox.messages()) == 4  # the first mail and three again, no more
    signup.confirm_owner(link_in(sandbox_outbox), actor=PUBLIC)
    assert "owner-unconfirmed" not in owner.get(url).content.decode()
