"""The authoring pages: templates, a campaign from a template, preview as a chosen contact,
schedule (set, change, cancel, held), duplicate and the account's time zone. Charlie gets
404 everywhere (PRIVACY-2)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Account
from campaigns import layouts
from campaigns.models import Campaign, Template
from campaigns.testing import DOMAIN
from contacts.testing import SYSTEM
from delivery import sends
from delivery.testing import Sendable


def base(sendable: Sendable) -> str:
    return f"/a/alice-shop/campaigns/{sendable.campaign.pk}/"


def test_templates_are_made_changed_and_deleted(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    page = alice.get("/a/alice-shop/templates/")
    assert page.status_code == 200 and 'aria-current="page">Templates</a>' in page.content.decode()
    made = alice.post("/a/alice-shop/templates/", {"name": "House", "starter": "newsletter"})
    template = Template.objects.get(name="House")
    assert made.status_code == 302 and made["Location"].endswith(f"/templates/{template.pk}/")
    bad = alice.post(
        "/a/alice-shop/templates/",
        {"name": "Bad", "html": "{{ content }}\n{{ unsubscribe_url }}{{ imprint }}\n{% for %}"},
    )
    assert bad.status_code == 400 and "line 3" in bad.content.decode()
    empty = alice.post("/a/alice-shop/templates/", {"name": "Empty"})
    assert empty.status_code == 400 and "Choose a starter or write the HTML." in unescape(
        empty.content.decode()
    )
    url = f"/a/alice-shop/templates/{template.pk}/"
    changed = alice.post(url, {"name": "House 2", "html": template.html, "text": ""})
    assert changed.status_code == 302 and Template.objects.get(pk=template.pk).name == "House 2"
    assert alice.post(url + "delete/").status_code == 302
    assert not Template.objects.exists()


def test_a_campaign_from_a_template_with_its_content(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    page = alice.get("/a/alice-shop/campaigns/").content.decode()
    assert 'value="announcement"' in page
    response = alice.post(
        "/a/alice-shop/campaigns/",
        {
            "name": "Autumn",
            "subject": "Autumn",
            "from_name": "Alice",
            "from_address": f"news@{DOMAIN}",
            "lists": [sendable.lst.pk],
            "kind": "regular",
            "language": "en",
            "template": "letter",
            "content": "<p>Our autumn offer.</p>",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    autumn = Campaign.objects.get(name="Autumn")
    assert "Our autumn offer." in autumn.html and 'role="presentation"' in autumn.html
    neither = alice.post(
        "/a/alice-shop/campaigns/",
        {"name": "X", "subject": "X", "from_name": "A", "from_address": f"news@{DOMAIN}",
         "kind": "regular", "language": "en"},
    )  # fmt: skip
    assert neither.status_code == 400
    assert "Choose a template or write the HTML body." in unescape(neither.content.decode())


def test_the_preview_shows_a_chosen_contacts_data(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    sendable.add("zora@example.org", first_name="Zora")
    page = unescape(alice.get(base(sendable) + "?contact=zora@example.org").content.decode())
    assert "Hallo Zora!" in page
    sample = unescape(alice.get(base(sendable)).content.decode())
    assert "Hallo Anna!" in sample and "Hallo Zora!" not in sample
    # Another account's contact is unknown here: the sample is shown.
    other = unescape(alice.get(base(sendable) + "?contact=client@example.fr").content.decode())
    assert "No contact with this address" in other and "Hallo Anna!" in other
    assert "preview.js" in other and 'data-preview-width="mobile"' in other


def test_schedule_change_cancel_and_the_time_zone(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    assert alice.post("/a/alice-shop/time-zone/", {"time_zone": "Europe/Paris"}).status_code == 302
    assert Account.objects.get(slug="alice-shop").time_zone == "Europe/Paris"
    alice.post("/a/alice-shop/time-zone/", {"time_zone": "Nowhere/Land"})
    assert Account.objects.get(slug="alice-shop").time_zone == "Europe/Paris"
    local = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Paris"))
    at = f"{local:%Y-%m-%dT%H:%M}"
    url = base(sendable)
    refused = alice.post(url + "schedule/", {"at": at}, follow=True)
    assert "refused" in refused.content.decode()
    assert Campaign.objects.get(pk=sendable.campaign.pk).scheduled_at is None
    done = alice.post(url + "schedule/", {"at": at, "confirm_for_schedule": "on"}, follow=True)
    text = unescape(done.content.decode())
    assert f"Starts by itself at {local:%Y-%m-%d %H:%M}:00 (Europe/Paris)." in text
    stored = Campaign.objects.get(pk=sendable.campaign.pk).scheduled_at
    assert stored is not None and abs(stored - local.replace(second=0, microsecond=0)) < timedelta(
        seconds=1
    )
    cancelled = alice.post(url + "unschedule/", follow=True)
    assert "The schedule is cancelled" in unescape(cancelled.content.decode())
    assert Campaign.objects.get(pk=sendable.campaign.pk).scheduled_at is None
    bad = alice.post(url + "schedule/", {"at": "soon", "confirm_for_schedule": "on"}, follow=True)
    assert "Give the send time as a date and a time." in unescape(bad.content.decode())


def test_a_held_schedule_shows_its_reason(sendable: Sendable) -> None:
    from campaigns import services

    when = timezone.now() + timedelta(hours=1)
    services.schedule_send(sendable.campaign, when=when, actor=SYSTEM, guidelines_confirmed=True)
    Account.objects.filter(pk=sendable.world.alice_account.pk).update(review_state="pending")
    assert sends.start_due_schedules(now=when + timedelta(seconds=1))["held"] == 1
    alice = sendable.world.client_for(sendable.world.alice)
    page = unescape(alice.get(base(sendable)).content.decode())
    assert 'id="schedule-held"' in page and "could not start at its time" in page
    listed = unescape(alice.get("/a/alice-shop/campaigns/").content.decode())
    assert 'id="held-schedules"' in listed and "schedule held" in listed
    charlie = sendable.world.client_for(sendable.world.charlie)
    assert 'id="held-schedules"' not in charlie.get("/a/charlie-co/campaigns/").content.decode()


def test_duplicate(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    response = alice.post(base(sendable) + "duplicate/")
    copy = Campaign.objects.exclude(pk=sendable.campaign.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{copy.pk}/")
    assert copy.name == "Herbst (copy)"


def test_charlie_gets_404_and_members_no_time_zone(sendable: Sendable) -> None:
    template = layouts.create_template(
        sendable.world.alice_account, actor=SYSTEM, name="House", starter_name="letter"
    )
    charlie = sendable.world.client_for(sendable.world.charlie)
    url = base(sendable)
    for path in ("schedule/", "unschedule/", "duplicate/"):
        assert charlie.post(url + path, {"confirm_guidelines": "on"}).status_code == 404
    assert charlie.get("/a/alice-shop/templates/").status_code == 404
    assert charlie.get(f"/a/alice-shop/templates/{template.pk}/").status_code == 404
    assert charlie.post(f"/a/alice-shop/templates/{template.pk}/delete/").status_code == 404
    assert charlie.post("/a/alice-shop/time-zone/", {"time_zone": "UTC"}).status_code == 404
    bob = sendable.world.client_for(sendable.world.bob)
    assert bob.post("/a/alice-shop/time-zone/", {"time_zone": "UTC"}).status_code == 403
    assert bob.get(url + "schedule/").status_code == 405
    assert Campaign.objects.count() == 1 and Template.objects.count() == 1
