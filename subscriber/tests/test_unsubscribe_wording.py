"""CONSENT-6: the wording of the unsubscribe page and of its confirmation is versioned like
consent texts (per language, per account), and each unsubscribe record cites the version
the person saw."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client

from accounts.models import Account
from campaigns.models import Campaign
from consent.models import EvidenceRecord, Wording
from consent.proof import build_bundle_for_contact
from delivery.testing import Sendable
from subscriber import wording

from .test_unsubscribe import link_of, send

pytestmark = pytest.mark.django_db

QUESTION = {
    "de": "Möchten Sie diese E-Mails von Alice Shop nicht mehr erhalten?",
    "en": "Do you want to stop receiving these emails from Alice Shop?",
    "fr": "Voulez-vous ne plus recevoir ces e-mails de Alice Shop ?",
}


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["default"].clear()


@pytest.fixture
def sent(sendable: Sendable) -> Sendable:
    send(sendable)
    return sendable


def shown_wording(html: str) -> Wording:
    found = re.search(r'name="wording" value="(\d+)"', html)
    assert found, html
    return Wording.objects.get(pk=int(found.group(1)))


def unsubscribe_record(contact) -> EvidenceRecord:
    return EvidenceRecord.objects.get(contact=contact, kind="unsubscribed")


@pytest.mark.parametrize("language", ["de", "en", "fr"])
def test_each_language_of_the_page_is_a_version_the_unsubscribe_cites(
    sent: Sendable, language: str
) -> None:
    """CONSENT-6: the page's text in its language is a wording; the record names it."""
    Campaign.objects.filter(pk=sent.campaign.pk).update(language=language)
    contact = sent.contacts[1]
    path = link_of(sent, contact.address)
    html = Client().get(path).content.decode()
    shown = shown_wording(html)
    assert (shown.key, shown.language, shown.version) == (wording.KEY, language, 1)
    assert shown.account_id == sent.campaign.account_id
    assert QUESTION[language] in html and QUESTION[language] in shown.text
    done = Client().post(path, {"wording": str(shown.pk)}).content.decode()
    # The confirmation's words are part of the same version.
    confirmation = re.search(r"<h1>(.*?)</h1>", done).group(1)
    assert confirmation in shown.text and confirmation != shown.text.splitlines()[0]
    assert unsubscribe_record(contact).wording_id == shown.pk


def test_the_three_languages_are_three_wordings_and_a_second_view_adds_none(
    sent: Sendable,
) -> None:
    path = link_of(sent, sent.contacts[1].address)
    for language in ("de", "en", "fr", "de"):
        Campaign.objects.filter(pk=sent.campaign.pk).update(language=language)
        Client().get(path)
    rows = Wording.objects.filter(key=wording.KEY).order_by("language")
    assert [(w.language, w.version) for w in rows] == [("de", 1), ("en", 1), ("fr", 1)]


def test_a_changed_text_is_a_new_version_and_the_page_seen_before_is_the_one_cited(
    sent: Sendable,
) -> None:
    """A person who opened the page before the text changed is recorded with that text;
    the next person sees and cites the new version; nothing older is edited."""
    first, second = sent.contacts[1], sent.contacts[2]
    old_page = Client().get(link_of(sent, first.address)).content.decode()
    before = shown_wording(old_page)
    Account.objects.filter(pk=sent.campaign.account_id).update(name="Alice Schuhe")
    Client().post(link_of(sent, first.address), {"wording": str(before.pk)})
    assert unsubscribe_record(first).wording_id == before.pk
    new_page = Client().get(link_of(sent, second.address)).content.decode()
    after = shown_wording(new_page)
    assert after.version == 2 and "Alice Schuhe" in after.text and "Alice Schuhe" in new_page
    Client().post(link_of(sent, second.address), {"wording": str(after.pk)})
    assert unsubscribe_record(second).wording_id == after.pk
    before.refresh_from_db()
    assert "Alice Shop" in before.text  # the cited version stays as it was


def test_a_version_of_another_account_or_language_is_never_cited(sendable: Sendable, world) -> None:
    """A forged form field cannot make a record cite words the person was not shown."""
    forged = {
        "charlie's": str(wording.page_wording(world.charlie_account, "de").wording.pk),
        "english": str(wording.page_wording(world.alice_account, "en").wording.pk),
        "not a number": "x",
        "unknown": "99999999",
    }
    people = {name: sendable.add(f"forged{n}@example.org") for n, name in enumerate(forged)}
    send(sendable)
    for name, value in forged.items():
        contact = people[name]
        path = link_of(sendable, contact.address)
        current = shown_wording(Client().get(path).content.decode())
        Client().post(path, {"wording": value})
        assert unsubscribe_record(contact).wording_id == current.pk, name


def test_the_proof_shows_the_words_of_the_unsubscribe(sent: Sendable) -> None:
    contact = sent.contacts[1]
    Client().post(link_of(sent, contact.address), {"everywhere": "1"})
    bundle = build_bundle_for_contact(contact)
    [record] = [r for r in bundle["records"] if r["kind"] == "unsubscribed"]
    assert record["wording"]["key"] == wording.KEY and record["wording"]["version"] == 1
    assert QUESTION["de"] in record["wording"]["text"]
    assert "Sie sind abgemeldet" in record["wording"]["text"]
