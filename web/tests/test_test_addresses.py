"""The test addresses page and its confirmation link, and the campaign page's test send
(SEND-2, no relay). charlie gets 404, the wrong method 405, alice and bob the happy path."""

from __future__ import annotations

import re

from django.test import Client

from accounts import models as account_models
from delivery.testing import Sendable

PAGE = "/a/alice-shop/test-addresses/"


def rows() -> list[tuple[str, bool]]:
    found = account_models.TestAddress.objects.order_by("address")
    return [(r.address, r.confirmed_at is not None) for r in found]


def link_path(sendable: Sendable, address: str) -> str:
    raw = sendable.received_by(address)[-1].raw.decode("ascii").replace("=\r\n", "")
    found = re.search(r"https://mail\.consentry\.test(/test-address/[^/\s]+/)", raw)
    assert found, raw
    return found.group(1)


def test_bob_adds_an_address_and_its_link_confirms_it(sendable: Sendable) -> None:
    bob = sendable.world.client_for(sendable.world.bob)
    page = bob.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert "alice@example.org" in body and "bob@example.org" in body  # login addresses
    added = bob.post(PAGE, {"address": "bob.privat@example.net"}, follow=True)
    assert "A confirmation mail went to bob.privat@example.net" in added.content.decode()
    assert rows() == [("bob.privat@example.net", False)]
    path = link_path(sendable, "bob.privat@example.net")
    stranger = Client()  # the link needs no sign-in: it proves the mailbox
    shown = stranger.get(path)
    assert shown.status_code == 200 and "bob added bob.privat@example.net" in shown.content.decode()
    assert rows() == [("bob.privat@example.net", False)]  # a GET (a link scanner) confirms nothing
    confirmed = stranger.post(path)
    assert confirmed.status_code == 200 and "Address confirmed" in confirmed.content.decode()
    assert rows() == [("bob.privat@example.net", True)]
    assert stranger.put(path).status_code == 405
    assert stranger.get(path[:-5] + "xxxx/").status_code == 404


def test_refusals_are_shown_on_the_form(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    page = alice.post(PAGE, {"address": "bob@example.org"})
    assert page.status_code == 400
    assert "is a member&#x27;s login address" in page.content.decode()
    assert alice.post(PAGE, {"address": "not an address"}).status_code == 400
    assert rows() == []


def test_charlie_gets_404_and_a_member_removes_only_their_own(sendable: Sendable) -> None:
    world = sendable.world
    alice, bob, charlie = (world.client_for(u) for u in (world.alice, world.bob, world.charlie))
    alice.post(PAGE, {"address": "alice.home@example.net"})
    bob.post(PAGE, {"address": "bob.home@example.net"})
    alices = account_models.TestAddress.objects.get(address="alice.home@example.net")
    bobs = account_models.TestAddress.objects.get(address="bob.home@example.net")
    assert charlie.get(PAGE).status_code == 404
    assert charlie.post(PAGE, {"address": "c@example.net"}).status_code == 404
    assert charlie.post(f"{PAGE}{bobs.pk}/remove/").status_code == 404
    assert alice.get(f"{PAGE}{bobs.pk}/remove/").status_code == 405
    assert alice.delete(PAGE).status_code == 405
    assert bob.post(f"{PAGE}{alices.pk}/remove/").status_code == 403  # a member, not hers
    assert alice.post(f"{PAGE}{bobs.pk}/remove/").status_code == 302  # the owner may
    assert bob.post(f"{PAGE}{alices.pk}/remove/").status_code == 403
    assert rows() == [("alice.home@example.net", False)]
    assert (
        "alice.home@example.net"
        not in charlie.get("/a/charlie-co/test-addresses/").content.decode()
    )


def test_the_campaign_page_refuses_a_stranger_by_name(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    url = f"/a/alice-shop/campaigns/{sendable.campaign.pk}/"
    page = alice.get(url)
    assert f'href="{PAGE}"' in page.content.decode()
    sent = alice.post(url + "test/", {"addresses": "victim@example.net"}, follow=True)
    body = sent.content.decode()
    assert "victim@example.net is not one" in body
    assert sendable.smtp.messages == []


def test_the_page_and_the_mail_speak_german_and_french(sendable: Sendable) -> None:
    bob = sendable.world.client_for(sendable.world.bob)
    german = bob.get(PAGE, headers={"Accept-Language": "de"}).content.decode()
    assert "Testadressen" in german and "Bestätigungslink senden" in german
    bob.post(PAGE, {"address": "bob.privat@example.net"}, headers={"Accept-Language": "de"})
    mail = sendable.received_by("bob.privat@example.net")[0].parsed()
    assert mail["Subject"] == "Bestätigen Sie Ihre Adresse für Testmails von Alice Shop"
    assert "Zur Bestätigung öffnen Sie bitte diesen Link:" in mail.get_content()
    french = Client().get(
        link_path(sendable, "bob.privat@example.net"), headers={"Accept-Language": "fr"}
    )
    assert "Confirmer l\u2019adresse de test" in french.content.decode()
    refused = bob.post(
        f"/a/alice-shop/campaigns/{sendable.campaign.pk}/test/",
        {"addresses": "victim@example.net"},
        headers={"Accept-Language": "de"},
        follow=True,
    )
    assert "victim@example.net gehört nicht dazu" in refused.content.decode()
