"""ACCOUNT-1: the hosted and embedded forms of a suspended or pending account are not
available; nothing is stored and no confirmation mail leaves."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts import services as accounts
from accounts.models import ReviewState
from carrier.models import CapturedMessage
from consent import doi
from consent.models import Confirmation
from consent.tests.test_doi import post_signup
from contacts.models import Contact
from contacts.testing import SYSTEM


@pytest.fixture
def signup_form(world: Any) -> Any:
    return doi.create_form(world.alice_list, actor=SYSTEM, name="Website")


def test_a_suspended_accounts_form_is_not_available(client: Any, world: Any, signup_form: Any):
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED, note="spam traps")
    page = client.get(reverse("subscriber:signup", args=[signup_form.public_id]))
    assert page.status_code == 403
    text = page.content.decode()
    assert "nicht verfügbar" in text  # the list speaks German
    assert doi.current_wording(signup_form).text not in text  # its text is not quoted
    assert "spam traps" not in text  # the operator's note is for the account, not the public

    # The embedded copy posts straight to the hosted URL: nothing is stored or sent.
    response = post_signup(client, signup_form, "neu@example.de")
    assert response.status_code == 403
    assert not Contact.objects.filter(address="neu@example.de").exists()
    assert not CapturedMessage.objects.exists()


def test_a_pending_accounts_form_sends_nothing(client: Any, world: Any) -> None:
    pending = accounts.create_account("Neu GmbH", slug="neu", owner=world.bob)
    from contacts import services as contacts

    form = doi.create_form(contacts.create_list(pending, "News", actor=SYSTEM), actor=SYSTEM)
    assert client.get(reverse("subscriber:signup", args=[form.public_id])).status_code == 403
    assert post_signup(client, form, "neu@example.de").status_code == 403
    assert not CapturedMessage.objects.exists()


def test_the_service_refuses_too_whatever_door_calls_it(world: Any, signup_form: Any) -> None:
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED)
    entry = doi.parse_entry(signup_form, {"email": "neu@example.de", "consent": "yes"})
    outcome = doi.submit_signup(signup_form, entry, actor=SYSTEM)
    assert (outcome.accepted, outcome.reason) == (False, "account_inactive")
    assert not CapturedMessage.objects.exists()


def test_a_confirmation_queued_before_the_suspension_is_not_sent(
    client: Any, world: Any, signup_form: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    post_signup(client, signup_form, "neu@example.de")
    confirmation = Confirmation.objects.get()
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED)
    assert doi.send_confirmation.call(confirmation.pk).startswith("held")
    assert not CapturedMessage.objects.exists()
    # Lifted, the same task sends it.
    accounts.change_review_state(world.alice_account, ReviewState.ACTIVE)
    doi.send_confirmation.call(confirmation.pk)
    assert CapturedMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("de", "Dieses Formular ist nicht verfügbar"),
        ("en", "This form is not available"),
        ("fr", "Ce formulaire n\u2019est pas disponible"),
    ],
)
def test_not_available_speaks_the_lists_language(
    client: Any, world: Any, language: str, heading: str
) -> None:
    from contacts import services as contacts

    lst = contacts.create_list(
        world.alice_account, f"List {language}", actor=SYSTEM, language=language
    )
    form = doi.create_form(lst, actor=SYSTEM)
    accounts.change_review_state(world.alice_account, ReviewState.SUSPENDED)
    page = client.get(reverse("subscriber:signup", args=[form.public_id]))
    assert heading in page.content.decode()
    assert page["Content-Language"] == language
