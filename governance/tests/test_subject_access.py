"""Everything held about one person (PRIVACY-1, Art. 15/20 GDPR), at every door: the
contact page, the API, `consentry privacy export` and the person's own preference page."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts import services as accounts
from contacts import services as contacts
from contacts.testing import SYSTEM
from delivery import ledger
from delivery.models import SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable
from feedback.models import FeedbackEvent
from governance.subject_access import personal_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(sendable: Sendable) -> Sendable:
    caches["default"].clear()
    sendable.start()
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)
    return sendable


def anna(sent: Sendable) -> Any:
    return next(c for c in sent.contacts if c.address == "anna@example.org")


def test_the_bundle_holds_data_lists_messages_reports_and_proof(sent: Sendable) -> None:
    contact = anna(sent)
    entry = SendLedgerEntry.objects.get(contact=contact)
    FeedbackEvent.objects.create(
        kind="bounce",
        account=contact.account,
        campaign=sent.campaign,
        entry=entry,
        contact=contact,
        status="4.2.2",
        reason="mailbox_full",
        isp="example.org",
    )
    data = personal_data(contact)
    assert data["person"]["address"] == "anna@example.org"
    assert data["person"]["first_name"] == "Anna" and not data["person"]["erased"]
    assert [s["list"] for s in data["lists"]] == [sent.lst.name]
    assert data["messages"]["total"] == 1
    (message,) = data["messages"]["rows"]
    assert (message["campaign"], message["state"]) == (sent.campaign.name, "sent")
    assert message["sent_at"] and message["message_id"]
    assert data["reports"]["rows"][0]["reason"] == "mailbox_full"
    assert data["consent_evidence"], "the proof of consent is part of it"
    assert data["controller"]["imprint"]["name"]
    json.dumps(data)  # plain JSON values only


def test_an_erased_person_is_shown_as_erased(sent: Sendable) -> None:
    contact = anna(sent)
    contacts.delete_contact(contact, actor=SYSTEM)
    contact.refresh_from_db()
    data = personal_data(contact)
    assert data["person"]["address"] is None and data["person"]["erased"]
    assert data["messages"]["total"] == 1  # what was sent stays on record, without the address
    assert "anna@example.org" not in json.dumps(data)


def test_the_contact_page_offers_it_to_the_account_only(world: Any, sent: Sendable) -> None:
    contact = anna(sent)
    url = f"/a/alice-shop/contacts/{contact.pk}/personal-data/"
    alice = world.client_for(world.alice)
    assert url in alice.get(f"/a/alice-shop/contacts/{contact.pk}/").content.decode()
    page = alice.get(url)
    assert page.status_code == 200 and "anna@example.org" in page.content.decode()
    download = alice.get(url + "?format=json")
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["person"]["address"] == "anna@example.org"
    assert world.client_for(world.charlie).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_api_answers_it_for_the_keys_account_only(world: Any, sent: Sendable) -> None:
    contact = anna(sent)
    _, alice_key = accounts.create_api_key(world.alice_account, "privacy")
    _, charlie_key = accounts.create_api_key(world.charlie_account, "privacy")
    url = f"/api/v1/contacts/{contact.pk}/personal-data"
    response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {alice_key}")
    assert response.status_code == 200
    assert response.json()["messages"]["total"] == 1
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {charlie_key}").status_code == 404


def test_the_cli_exports_json_and_html(sent: Sendable, tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "privacy", "export", "alice-shop", "ANNA@example.org", "-o", str(tmp_path / "a.json"),
        stdout=out,
    )  # fmt: skip
    assert "written to" in out.getvalue()
    assert json.loads((tmp_path / "a.json").read_text())["person"]["address"] == (
        "anna@example.org"
    )
    html = StringIO()
    call_command("privacy", "export", "alice-shop", "anna@example.org", "--format", "html",
                 stdout=html)  # fmt: skip
    assert "anna@example.org" in html.getvalue() and "<h1>" in html.getvalue()
    with pytest.raises(CommandError, match="no contact"):
        call_command("privacy", "export", "charlie-co", "anna@example.org")


def test_the_person_gets_a_copy_from_the_link_in_each_mail(sent: Sendable) -> None:
    raw = sent.received_by("anna@example.org")[0].raw.decode("ascii")
    header = re.search(r"^List-Unsubscribe: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", raw, re.M)
    assert header is not None
    link = re.search(r"<(https://[^>]+)>", header.group(1))
    assert link is not None
    path = link.group(1).removeprefix("https://mail.consentry.test")
    client = Client()
    preferences = client.get(f"{path}/preferences").content.decode()
    assert f"{path}/data" in preferences
    page = client.get(f"{path}/data")
    assert page.status_code == 200 and "anna@example.org" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    data = json.loads(client.get(f"{path}/data?format=json").content)
    assert data["person"]["address"] == "anna@example.org"
    # A forged or altered link says nothing about anyone.
    assert client.get(f"{path}x/data").status_code == 404
