"""ABUSE-1: the public abuse form opens a case, resolved from the mailing ID; limited per
client address and hour, with size limits and a clear error naming the field."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from contacts.testing import Personas
from governance.models import AbuseCase, CaseSource
from governance.testing import draft_campaign

URL = "/report-abuse/"


def test_abuse_1_a_report_with_a_mailing_id_opens_a_case_for_the_campaign(world: Personas) -> None:
    cache.clear()
    campaign = draft_campaign(world.alice_account)
    client = Client()
    assert client.get(URL).status_code == 200
    response = client.post(
        URL, {"email": "kunde@example.de", "quoted": campaign.mailing_id, "text": "never asked"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "subscriber:abuse_thanks"
    )
    case = AbuseCase.objects.get()
    assert (case.source, case.account, case.campaign) == (
        CaseSource.FORM,
        world.alice_account,
        campaign,
    )
    assert case.reporter == "kunde@example.de" and case.text == "never asked"


def test_abuse_1_the_mail_itself_can_be_attached(world: Personas) -> None:
    cache.clear()
    campaign = draft_campaign(world.alice_account)
    mail = f"X-Mailing-ID: {campaign.mailing_id}\r\nSubject: Herbst\r\n\r\nBuy now\r\n".encode()
    response = Client().post(URL, {"mail": SimpleUploadedFile("spam.eml", mail)})
    assert response.status_code == 302
    assert AbuseCase.objects.get().campaign == campaign


def test_abuse_1_an_empty_or_oversized_report_is_refused_naming_the_field(db: Any) -> None:
    cache.clear()
    client = Client()
    response = client.post(URL, {"text": ""})
    assert response.status_code == 400 and b"description" in response.content
    big = SimpleUploadedFile("big.eml", b"x" * (256 * 1024 + 1))
    response = client.post(URL, {"mail": big})
    assert response.status_code == 400 and b"256 KB" in response.content
    response = client.post(URL, {"text": "x" * 20_001})
    assert response.status_code == 400
    assert not AbuseCase.objects.exists()


def test_abuse_1_reports_are_limited_per_client_address_and_hour(db: Any) -> None:
    cache.clear()
    client = Client()
    codes = [client.post(URL, {"text": f"report {n}"}).status_code for n in range(6)]
    assert codes == [302] * 5 + [429]
    assert AbuseCase.objects.count() == 5


def test_the_honeypot_opens_no_case(db: Any) -> None:
    cache.clear()
    response = Client().post(URL, {"text": "buy pills", "website": "http://spam.example"})
    assert response.status_code == 302 and not AbuseCase.objects.exists()
