"""One-click unsubscribe (RFC 8058, INDUSTRY-2), the page behind the link and the preference
centre (UNSUB-1), the mailto address (UNSUB-3), and their protection (rate limits)."""

from __future__ import annotations

import re
import smtplib
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from carrier.tokens import UNSUBSCRIBE, make_token
from consent.models import Confirmation, EvidenceRecord
from contacts.models import Contact, Subscription, SubscriptionState
from contacts.rules import Status
from delivery import ledger
from delivery.links import apply_one_click_unsubscribes
from delivery.models import LedgerState, OneClickUnsubscribe, SendLedgerEntry
from delivery.sends import run_batch
from delivery.testing import Sendable
from policy import services as policy

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["default"].clear()


def send(sendable: Sendable) -> None:
    sendable.start()
    for batch in ledger.batches_with_work(sendable.campaign):
        run_batch(sendable.campaign.pk, batch)


def link_of(sendable: Sendable, address: str) -> str:
    """The HTTPS URI of the List-Unsubscribe header of the mail `address` received."""
    raw = sendable.received_by(address)[0].raw.decode("ascii")
    header = re.search(r"^List-Unsubscribe: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", raw, re.M).group(1)
    url = re.search(r"<(https://[^>]+)>", header).group(1)
    return url.removeprefix("https://mail.consentry.test")


def state_of(contact: Contact, sendable: Sendable) -> str:
    return Subscription.objects.get(contact=contact, list=sendable.lst).state


@pytest.fixture
def sent(sendable: Sendable) -> Sendable:
    send(sendable)
    return sendable


class TestOneClick:
    @pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
    def test_industry_2_a_one_click_post_unsubscribes_at_once(
        self, sent: Sendable, encoding: str
    ) -> None:
        contact = sent.contacts[1]
        path = link_of(sent, contact.address)
        client = Client(headers={"User-Agent": "one-click-tester"})
        if encoding == "urlencoded":
            response = client.post(path, "List-Unsubscribe=One-Click", content_type=FORM)
        else:  # the test client's default body is multipart/form-data
            response = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert "Location" not in response and not response.cookies
        # Stored before the answer, and from then on no hand-over reaches the contact.
        received = OneClickUnsubscribe.objects.get(contact=contact)
        assert received.applied_at is None and received.user_agent == "one-click-tester"
        assert contact not in ledger.eligible_contacts(sent.campaign)
        # Applied moments later, with evidence of the click.
        assert apply_one_click_unsubscribes() == 1
        assert state_of(contact, sent) == SubscriptionState.UNSUBSCRIBED
        record = EvidenceRecord.objects.filter(contact=contact, kind="unsubscribed").get()
        assert record.payload["method"] == "one_click"
        assert record.payload["ref"].startswith(f"campaign:{sent.campaign.pk}:")
        received.refresh_from_db()
        assert received.applied_at is not None and received.ip == received.user_agent == ""
        # Leaving the campaign's lists keeps the contact A (STATUS-2 needs "every list").
        contact.refresh_from_db()
        assert contact.status == Status.ACTIVE

    def test_a_get_never_unsubscribes_and_shows_one_button(self, sent: Sendable) -> None:
        contact = sent.contacts[1]
        path = link_of(sent, contact.address)
        for _ in range(3):  # a link scanner, a preview, the person
            response = Client().get(path)
            assert response.status_code == 200
        html = response.content.decode()
        assert html.count('type="submit"') == 1 and 'method="post"' in html
        assert state_of(contact, sent) == SubscriptionState.CONFIRMED
        assert not response.cookies

    def test_the_page_button_unsubscribes_and_confirms_in_the_campaign_language(
        self, sent: Sendable
    ) -> None:
        contact = sent.contacts[1]
        response = Client().post(link_of(sent, contact.address), {"everywhere": "1"})
        html = response.content.decode()
        assert response.status_code == 200 and response["Content-Language"] == "de"
        assert "Sie sind abgemeldet" in html and "/preferences" in html
        contact.refresh_from_db()
        assert contact.status == Status.UNSUBSCRIBED  # every list: consent withdrawn

    def test_a_forged_or_altered_token_is_refused_without_telling_anything(
        self, sent: Sendable
    ) -> None:
        contact = sent.contacts[1]
        path = link_of(sent, contact.address)
        token = path.rsplit("/", 1)[1]
        entry_id, issued, mac = token.split(".")
        others = [
            f"/u/{entry_id}.{issued}.{'a' * len(mac)}",  # forged MAC
            f"/u/{int(entry_id, 36) + 1:x}.{issued}.{mac}",  # another row, same MAC
            "/u/" + make_token(UNSUBSCRIBE, 999_999),  # a valid MAC for a row that is not there
            "/u/garbage",
        ]
        answers = {(r.status_code, r.content) for r in (Client().post(p, {}) for p in others)}
        assert len(answers) == 1 and next(iter(answers))[0] == 404
        assert state_of(contact, sent) == SubscriptionState.CONFIRMED

    def test_a_link_keeps_working_for_a_year(self, sent: Sendable) -> None:
        entry = SendLedgerEntry.objects.filter(campaign=sent.campaign).first()
        a_year_ago = int(time.time()) - 365 * 86_400
        old = make_token(UNSUBSCRIBE, entry.pk, issued=a_year_ago)
        response = Client().post(f"/u/{old}", "List-Unsubscribe=One-Click", content_type=FORM)
        assert response.status_code == 200 and apply_one_click_unsubscribes() == 1
        assert state_of(entry.contact, sent) == SubscriptionState.UNSUBSCRIBED
        too_old = make_token(UNSUBSCRIBE, entry.pk, issued=a_year_ago - 60 * 86_400)
        assert Client().get(f"/u/{too_old}").status_code == 404

    def test_an_unsubscribe_through_the_link_during_the_send_stops_later_hand_overs(
        self, sendable: Sendable, settings: Any
    ) -> None:
        """Invariant 5, SEND-3: once the one-click POST is answered, no later hand-over goes
        to that contact, in the same send."""
        from delivery.tests.test_send import HookedTransport

        for n in range(5):
            sendable.add(f"p{n}@example.org")
        policy.set_value("send.rate_per_second", "4")
        last = sendable.contacts[-1]
        answered: list[int] = []

        def hook(count: int) -> None:
            if count == 1:
                entry = SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=last)
                path = f"/u/{make_token(UNSUBSCRIBE, entry.pk)}"
                answered.append(
                    Client().post(path, "List-Unsubscribe=One-Click", content_type=FORM).status_code
                )

        sendable.start()
        for batch in ledger.batches_with_work(sendable.campaign):
            run_batch(
                sendable.campaign.pk, batch, transport=HookedTransport(settings.SMTP_URL, hook)
            )
        assert answered == [200]
        assert sendable.received_by(last.address) == []
        entry = SendLedgerEntry.objects.get(campaign=sendable.campaign, contact=last)
        assert entry.state == LedgerState.SKIPPED
        assert len(sendable.smtp.messages) == len(sendable.contacts) - 1


class TestPreferences:
    def test_unsub_001_rejoining_a_list_takes_a_fresh_double_opt_in(
        self, sent: Sendable, sandbox_outbox: Any
    ) -> None:
        contact = sent.contacts[1]
        path = link_of(sent, contact.address)
        client = Client()
        client.post(path, "List-Unsubscribe=One-Click", content_type=FORM)
        apply_one_click_unsubscribes()
        page = client.get(f"{path}/preferences")
        assert page.status_code == 200 and contact.address in page.content.decode()
        response = client.post(f"{path}/preferences", {"list": [str(sent.lst.pk)]})
        assert response.status_code == 200
        assert "Bestätigen Sie sie" in response.content.decode()
        # Pending, not confirmed: nothing is mailed until the person confirms.
        assert state_of(contact, sent) == SubscriptionState.PENDING
        confirmation = Confirmation.objects.get(contact=contact)
        assert confirmation.state == Confirmation.State.PENDING

    def test_leaving_every_list_in_the_preferences_makes_the_contact_u(
        self, sent: Sendable
    ) -> None:
        contact = sent.contacts[1]
        path = link_of(sent, contact.address)
        Client().post(f"{path}/preferences", {"everywhere": "1"})
        contact.refresh_from_db()
        assert contact.status == Status.UNSUBSCRIBED

    def test_privacy_1_the_person_erases_their_data(self, sent: Sendable) -> None:
        contact = sent.contacts[1]
        path = link_of(sent, contact.address)
        assert Client().post(f"{path}/erase", {}).status_code == 400  # not confirmed
        contact.refresh_from_db()
        assert contact.status == Status.ACTIVE
        response = Client().post(f"{path}/erase", {"confirm": "1"})
        assert response.status_code == 200
        contact.refresh_from_db()
        assert contact.status == Status.DELETED and contact.address == ""
        page = Client().get(f"{path}/preferences").content.decode()
        assert "anna@example.org" not in page and "gelöscht" in page


class TestProtection:
    def test_guessing_tokens_is_rate_limited_per_address(
        self, sent: Sendable, settings: Any
    ) -> None:
        policy.set_value("unsub.rate_limit_per_ip_per_minute", "5")
        codes = [Client().post(f"/u/bad{n}", {}).status_code for n in range(8)]
        assert codes[:5] == [404] * 5 and codes[5:] == [429] * 3
        # A valid one-click from the same address still works: mailbox providers send many.
        contact = sent.contacts[1]
        response = Client().post(
            link_of(sent, contact.address), "List-Unsubscribe=One-Click", content_type=FORM
        )
        assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_unsub_003_mail_to_the_mailto_address_unsubscribes(
    sendable: Sendable, inbound: Any
) -> None:
    from feedback.models import InboundMessage, InboundState

    send(sendable)
    contact = sendable.contacts[1]
    raw = sendable.received_by(contact.address)[0].raw.decode("ascii")
    header = re.search(r"^List-Unsubscribe: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", raw, re.M).group(1)
    mailto = re.search(r"<mailto:([^>]+)>", header).group(1)
    assert mailto.startswith("unsubscribe+")
    with smtplib.SMTP(inbound.hostname, inbound.port, timeout=10) as smtp:
        smtp.sendmail(contact.address, [mailto], b"Subject: unsubscribe\r\n\r\n\r\n")
        # A token nobody issued: kept for review, nothing changes.
        bad = "unsubscribe+" + "a" * 10 + "@" + mailto.split("@")[1]
        smtp.sendmail(contact.address, [bad], b"Subject: unsubscribe\r\n\r\n\r\n")
    assert state_of(contact, sendable) == SubscriptionState.UNSUBSCRIBED
    good, wrong = InboundMessage.objects.order_by("pk")
    assert (good.route, good.state) == ("mailto", InboundState.PROCESSED)
    assert (wrong.route, wrong.state) == ("mailto", InboundState.REVIEW)
    record = EvidenceRecord.objects.filter(contact=contact, kind="unsubscribed").get()
    assert record.payload["method"] == "mailto"
