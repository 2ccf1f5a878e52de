"""The segment pages: create, add and remove conditions without a script, the matching
contacts, delete; a campaign picks a segment and shows its audience before the send."""

from __future__ import annotations

from typing import Any

from django.test import Client

from contacts import segments
from contacts import services as contacts
from contacts.models import Segment
from contacts.rules import Cause, Status
from contacts.testing import SYSTEM, Personas
from delivery.testing import Sendable

URL = "/a/alice-shop/segments/"


def make(world: Personas, **definition: Any) -> Segment:
    return segments.create_segment(world.alice_account, name="Köln", definition=definition)


class TestSegmentPages:
    def test_a_segment_is_created_and_edited_step_by_step(self, world: Personas) -> None:
        alice = world.client_for(world.alice)
        world.add_contact(world.alice_account, "koeln@example.org", fields={"city": "Köln"})
        created = alice.post(URL, {"name": "Köln", "match": "all"})
        segment = Segment.objects.get(account=world.alice_account)
        page = f"{URL}{segment.pk}/"
        assert created.status_code == 302 and created.url == page
        assert "2 contacts match now" in alice.get(page).content.decode()
        # Step 1: the field; step 2: its operator and value.
        step = alice.get(page, {"field": "custom"}).content.decode()
        assert 'name="key"' in step and 'value="contains"' in step
        added = alice.post(
            f"{page}conditions/", {"field": "custom", "key": "city", "op": "is", "value": "Köln"}
        )
        assert added.status_code == 302
        html = alice.get(page).content.decode()
        assert "Custom field city is Köln" in html
        assert "1 contact matches now" in html and "koeln@example.org" in html
        assert "kunde@example.de" not in html
        step = alice.get(page, {"field": "status"}).content.decode()
        assert '<option value="U">Unsubscribed</option>' in step
        alice.post(f"{page}conditions/", {"field": "status", "op": "is", "value": "A"})
        alice.post(page, {"name": "Köln aktiv", "match": "any"})
        segment.refresh_from_db()
        assert segment.name == "Köln aktiv"
        assert segment.definition["match"] == "any"
        assert len(segment.definition["conditions"]) == 2
        assert alice.post(f"{page}conditions/0/remove/").status_code == 302
        segment.refresh_from_db()
        assert [c["field"] for c in segment.definition["conditions"]] == ["status"]
        assert alice.post(f"{page}delete/").status_code == 302
        assert not Segment.objects.exists()

    def test_bad_conditions_are_shown_on_the_form(self, world: Personas) -> None:
        alice = world.client_for(world.alice)
        page = f"{URL}{make(world).pk}/"
        bad = alice.post(
            f"{page}conditions/", {"field": "signup_days", "op": "within", "value": "0"}
        )
        assert bad.status_code == 400
        assert 'id="condition-form"' in bad.content.decode()
        missing = alice.post(f"{page}conditions/", {"field": "last_delivery", "op": "within"})
        assert missing.status_code == 400
        assert "value: a number of days" in missing.content.decode()
        assert alice.post(f"{page}conditions/", {"field": "nope", "op": "is"}).status_code == 404
        assert alice.post(f"{page}conditions/5/remove/").status_code == 404
        duplicate = alice.post(URL, {"name": "Köln", "match": "all"})
        assert duplicate.status_code == 400
        assert "a segment of this name exists" in duplicate.content.decode()

    def test_other_accounts_and_strangers_are_kept_out(self, world: Personas) -> None:
        page = f"{URL}{make(world).pk}/"
        charlie = world.client_for(world.charlie)
        assert charlie.get(URL).status_code == 404
        assert charlie.get(page).status_code == 404
        theirs = "/a/charlie-co/segments/"
        assert charlie.get(theirs).status_code == 200
        segment = segments.create_segment(world.charlie_account, name="C", definition={})
        assert charlie.get(f"{theirs}{segment.pk}/").status_code == 200
        assert world.client_for(world.alice).get(f"{URL}{segment.pk}/").status_code == 404
        assert world.client_for(world.alice).post(f"{URL}{segment.pk}/delete/").status_code == 404
        assert Client().get(URL).status_code == 302
        # The list choices are the account's own.
        step = world.client_for(world.alice).get(page, {"field": "list"}).content.decode()
        assert "Newsletter" in step and ">News<" not in step
        # Writes need the CSRF token.
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(world.alice)
        assert strict.post(URL, {"name": "x", "match": "all"}).status_code == 403


def test_the_campaign_page_shows_the_audience_and_takes_a_segment(sendable: Sendable) -> None:
    world = sendable.world
    gone = sendable.add("gone@example.org")
    contacts.change_status(gone, Status.UNSUBSCRIBED, actor=SYSTEM, cause=Cause.USER)
    sendable.add("info@example.org")
    alice = world.client_for(world.alice)
    page = f"/a/alice-shop/campaigns/{sendable.campaign.pk}/"
    html = alice.get(page).content.decode()
    assert '<strong id="audience-recipients">3</strong>' in html
    assert "recipients of 5 contacts on the target lists" in html
    assert (
        '<tr data-reason="unsubscribed"><th scope="row">unsubscribed</th><td class="num">1</td>'
        in html
    )
    assert 'data-reason="role"' in html
    segment = make(world, conditions=[{"field": "custom", "key": "city", "op": "is", "value": "x"}])
    c = sendable.campaign
    saved = alice.post(
        page,
        {
            "name": c.name,
            "subject": c.subject,
            "from_name": c.from_name,
            "from_address": c.from_address,
            "lists": [sendable.lst.pk],
            "segment": segment.pk,
            "kind": c.kind,
            "language": c.language,
            "html": c.html,
        },
    )
    assert saved.status_code == 302
    c.refresh_from_db()
    assert c.segment_id == segment.pk
    html = alice.get(page).content.decode()
    assert '<strong id="audience-recipients">0</strong>' in html
    assert "in the segment “Köln”" in html
    theirs = segments.create_segment(world.charlie_account, name="C", definition={})
    refused = alice.post(page, {"name": c.name, "segment": theirs.pk})
    assert refused.status_code == 400
