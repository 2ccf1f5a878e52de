"""What a newcomer stumbled over: a pending signup shown as Active, list counts that include
contacts no send reaches, a finished campaign without its finish time, its rates or a
reason to hide the test send, a campaign's state as a raw key."""

from __future__ import annotations

from typing import Any

from contacts import services as contacts
from contacts.models import SubscriptionState
from contacts.rules import Cause, LegalBasis, Status
from core.actors import Actor

SYSTEM = Actor.system("test")


def test_a_pending_signup_awaits_confirmation_instead_of_being_active(world: Any) -> None:
    lst = contacts.create_list(world.alice_account, "Herbst", actor=SYSTEM)
    pending = contacts.create_contact(
        world.alice_account,
        "neu@example.de",
        actor=SYSTEM,
        cause=Cause.SIGNUP,
        legal_basis=LegalBasis.DOUBLE_OPT_IN,
    )
    contacts.set_subscription(pending, lst, SubscriptionState.PENDING, actor=SYSTEM)
    confirmed = world.add_contact(world.alice_account, "alt@example.de", lst)
    client = world.client_for(world.alice)
    table = client.get("/a/alice-shop/contacts/").content.decode()
    row = table.split("neu@example.de", 1)[1].split("</tr>", 1)[0]
    assert "Awaiting confirmation" in row and "Active" not in row
    other = table.split("alt@example.de", 1)[1].split("</tr>", 1)[0]
    assert "Active" in other and "Awaiting confirmation" not in other
    page = client.get(f"/a/alice-shop/contacts/{pending.pk}/").content.decode()
    assert "Awaiting confirmation" in page
    german = client.get(f"/a/alice-shop/contacts/{confirmed.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Aktiv" in german.content.decode()


def test_list_counts_show_the_mailable_contacts(world: Any) -> None:
    lst = contacts.create_list(world.alice_account, "Herbst", actor=SYSTEM)
    world.add_contact(world.alice_account, "a@example.de", lst)
    world.add_contact(world.alice_account, "b@example.de", lst)
    gone = world.add_contact(world.alice_account, "c@example.de", lst)
    contacts.change_status(gone, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.UNSUBSCRIBE_LINK)
    client = world.client_for(world.alice)
    lists = client.get("/a/alice-shop/lists/")
    assert lists.context["lists"][0].mailable == 2 and lists.context["lists"][0].confirmed == 3
    assert "Mailable contacts" in lists.content.decode()
    detail = client.get(f"/a/alice-shop/lists/{lst.pk}/").content.decode()
    assert "2 mailable contacts" in detail and "3 confirmed subscribers" in detail


def test_a_finished_campaign_shows_its_finish_time_and_rates_and_no_test_send(sent: Any) -> None:
    campaign = sent.campaign
    campaign.refresh_from_db()
    assert campaign.state == "finished" and campaign.finished_at
    client = sent.sendable.world.client_for(sent.sendable.world.alice)
    html = client.get(f"/a/alice-shop/campaigns/{campaign.pk}/").content.decode()
    assert 'id="finished-at"' in html and campaign.finished_at.strftime("%Y-%m-%d") in html
    assert 'id="hard-bounce-rate"' in html and 'id="complaint-rate"' in html
    assert "Send test" not in html and 'name="addresses"' not in html
    assert '<span class="badge">Finished</span>' in html
    german = client.get(f"/a/alice-shop/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Abgeschlossen" in german.content.decode()


def test_a_draft_keeps_its_test_send(sendable: Any) -> None:
    client = sendable.world.client_for(sendable.world.alice)
    html = client.get(f"/a/alice-shop/campaigns/{sendable.campaign.pk}/").content.decode()
    assert 'name="addresses"' in html and '<span class="badge">Draft</span>' in html
