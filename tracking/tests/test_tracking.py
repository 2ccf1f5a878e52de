"""CONSENT-4: opens and clicks only of contacts who consented, signed links, machines
apart, erased with the contact. Sent through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from campaigns.models import Campaign
from contacts import services as contacts
from contacts.models import Contact
from contacts.testing import SYSTEM
from contacts.tracking import set_tracking_consent
from core.errors import InvalidInput
from delivery.models import SendLedgerEntry
from delivery.testing import Sendable
from tracking import selectors
from tracking.models import TrackingEvent
from tracking.rules import MachineReason, machine_reason, swept
from tracking.testing import hrefs, html_part, links_campaign, pixel_src, send

pytestmark = pytest.mark.django_db

BASE = "https://mail.consentry.test"
TICKED = 'name="tracking" value="1" checked'
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126 Safari/537.36"


def message_html(sendable: Sendable, address: str) -> str:
    (received,) = sendable.received_by(address)
    return html_part(received.raw)


def local(url: str) -> str:
    """The path and query of one of our URLs, for the test client."""
    assert url.startswith(BASE + "/"), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_it_tracks_only_the_messages_of_contacts_who_consented(sent) -> None:
    sendable, _campaign, _anna = sent
    tracked = message_html(sendable, "anna@example.org")
    plain = message_html(sendable, "ben@example.net")
    assert pixel_src(tracked) is not None
    assert pixel_src(plain) is None and "/t/" not in plain
    assert hrefs(plain)[:2] == [
        "https://shop.example/herbst?a=1&b=2",
        "https://shop.example/garten",
    ]
    links = hrefs(tracked)
    assert all(h.startswith(f"{BASE}/t/c/") for h in links[:2])
    # The unsubscribe link is never tracked.
    assert links[2].startswith(f"{BASE}/u/") and hrefs(plain)[2].startswith(f"{BASE}/u/")


def test_it_counts_a_persons_open_and_click_and_redirects_only_to_the_signed_url(
    sent, client: Client
) -> None:
    sendable, campaign, anna = sent
    html = message_html(sendable, "anna@example.org")
    pixel = client.get(local(pixel_src(html) or ""), HTTP_USER_AGENT=BROWSER)
    assert pixel.status_code == 200 and pixel["Content-Type"] == "image/gif"
    link = hrefs(html)[0]
    answer = client.get(local(link), HTTP_USER_AGENT=BROWSER)
    assert answer.status_code == 302
    assert answer["Location"] == "https://shop.example/herbst?a=1&b=2"
    # The same token cannot send anybody elsewhere: no open redirect.
    token_path = urlsplit(link).path
    assert client.get(f"{token_path}?u=https://evil.example/").status_code == 404
    assert client.get(token_path).status_code == 404
    assert client.get("/t/o/1.2.forged").status_code == 404
    totals = selectors.engagement_rates([campaign.pk])[campaign.pk]
    assert (totals.delivered, totals.tracked, totals.opened, totals.clicked) == (3, 1, 1, 1)
    assert totals.open_rate == 1.0 and totals.machine_opens == 0
    report = selectors.campaign_engagement(campaign)
    assert report.links == [("https://shop.example/herbst?a=1&b=2", 1, 1, 0)]
    assert sum(opens for _h, opens, _c in report.timeline) == 1
    assert TrackingEvent.objects.filter(contact=anna).count() == 2


def test_it_counts_machine_opens_and_link_sweeps_apart(sent, client: Client) -> None:
    sendable, campaign, _anna = sent
    html = message_html(sendable, "anna@example.org")
    client.get(local(pixel_src(html) or ""), HTTP_USER_AGENT="Mozilla/5.0")  # Apple MPP
    for link in hrefs(html)[:2]:  # a scanner fetches every link at once
        client.get(local(link), HTTP_USER_AGENT=BROWSER)
    client.get(local(hrefs(html)[0]), HTTP_USER_AGENT=BROWSER)
    totals = selectors.engagement_rates([campaign.pk])[campaign.pk]
    assert totals.opened == 0 and totals.clicked == 0
    assert totals.machine_opens == 1 and totals.machine_clicks == 3
    reasons = selectors.campaign_engagement(campaign).machine_reasons
    assert reasons == {MachineReason.PRIVACY_PROXY: 1, MachineReason.LINK_SWEEP: 3}


def test_it_stops_counting_when_consent_is_withdrawn_and_erases_events_with_the_contact(
    sent, client: Client
) -> None:
    sendable, campaign, anna = sent
    html = message_html(sendable, "anna@example.org")
    client.get(local(pixel_src(html) or ""), HTTP_USER_AGENT=BROWSER)
    set_tracking_consent(anna, False, actor=SYSTEM)
    assert client.get(local(hrefs(html)[1]), HTTP_USER_AGENT=BROWSER).status_code == 302
    assert TrackingEvent.objects.filter(contact=anna).count() == 1  # the open before
    contacts.delete_contact(anna, actor=SYSTEM)
    assert not TrackingEvent.objects.filter(contact=anna).exists()
    assert selectors.engagement_rates([campaign.pk])[campaign.pk].opened == 0


def test_it_records_each_change_of_consent_as_evidence(sendable: Sendable) -> None:
    from consent.models import EvidenceRecord

    ben = Contact.objects.get(address="ben@example.net")
    assert not ben.tracking_consent  # CONSENT-4: off until stated otherwise
    with pytest.raises(InvalidInput, match="tracking basis"):
        set_tracking_consent(ben, True, actor=SYSTEM, basis="because")
    ben = set_tracking_consent(ben, True, actor=SYSTEM, basis="import", statement="Shop terms")
    assert (ben.tracking_consent, ben.tracking_basis) == (True, "import")
    ben = set_tracking_consent(ben, False, actor=SYSTEM)
    kinds = list(
        EvidenceRecord.objects.filter(contact=ben, kind__startswith="tracking.").values_list(
            "kind", "payload"
        )
    )
    assert kinds == [
        ("tracking.consented", {"basis": "import", "ref": "", "statement": "Shop terms"}),
        ("tracking.withdrawn", {"basis": "", "ref": ""}),
    ]


def test_it_tells_machines_from_persons_by_agent_address_and_method() -> None:
    assert machine_reason(kind="open", user_agent=BROWSER, ip="192.0.2.1") == ""
    assert machine_reason(kind="open", user_agent="Mozilla/5.0", ip="192.0.2.1") == "privacy_proxy"
    assert machine_reason(kind="open", user_agent=BROWSER, ip="17.58.1.2") == "privacy_proxy"
    assert machine_reason(kind="click", user_agent=BROWSER, ip="192.0.2.1", method="HEAD") == (
        "scanner"
    )
    agent = "Mozilla/5.0 (compatible; Barracuda Sentinel)"
    assert machine_reason(kind="click", user_agent=agent, ip="192.0.2.1") == "scanner"
    assert machine_reason(kind="click", user_agent=BROWSER, ip="192.0.2.1") == ""


def test_it_sees_a_sweep_only_in_many_links_within_seconds() -> None:
    t = datetime(2026, 1, 1, 12, 0, 0)
    links = [(t + timedelta(seconds=i), f"https://x.example/{i}") for i in range(3)]
    assert swept(links)
    assert swept([(t, "https://x.example/a"), (t + timedelta(seconds=4), "https://x.example/b")])
    assert not swept(
        [(t, "https://x.example/a"), (t + timedelta(seconds=9), "https://x.example/b")]
    )
    slow = [(t + timedelta(minutes=i), f"https://x.example/{i}") for i in range(3)]
    assert not swept(slow)
    same = [(t + timedelta(seconds=i), "https://x.example/") for i in range(5)]
    assert not swept(same)


def test_it_lets_the_person_switch_tracking_in_the_preference_centre(sent, client: Client) -> None:
    from django.core.cache import caches

    caches["default"].clear()
    sendable, _campaign, _anna = sent
    ben = Contact.objects.get(address="ben@example.net")
    (unsubscribe,) = [h for h in hrefs(message_html(sendable, "ben@example.net")) if "/u/" in h]
    path = local(unsubscribe) + "/preferences"
    page = client.get(path).content.decode()
    assert 'name="tracking"' in page and TICKED not in page
    lists = [str(sendable.lst.pk)]
    client.post(path, {"list": lists, "tracking_shown": "1", "tracking": "1"})
    ben.refresh_from_db()
    assert (ben.tracking_consent, ben.tracking_basis) == (True, "preference_centre")
    assert TICKED in client.get(path).content.decode()
    client.post(path, {"list": lists, "tracking_shown": "1"})
    ben.refresh_from_db()
    assert not ben.tracking_consent and ben.status == "A"


def test_it_shows_the_engagement_on_the_campaign_page_to_the_account_only(
    sent, client: Client
) -> None:
    sendable, campaign, _anna = sent
    html = message_html(sendable, "anna@example.org")
    client.get(local(hrefs(html)[0]), HTTP_USER_AGENT=BROWSER)
    world = sendable.world
    url = f"/a/{world.alice_account.slug}/campaigns/{campaign.pk}/"
    page = world.client_for(world.alice).get(url).content.decode()
    assert 'id="engagement"' in page and "https://shop.example/herbst?a=1&amp;b=2" in page
    assert 'id="engagement-clicked">1<' in page
    assert world.client_for(world.charlie).get(url).status_code == 404


def test_a_campaign_without_tracking_tracks_nobody_even_with_consent(sendable: Sendable) -> None:
    anna = Contact.objects.get(address="anna@example.org")
    set_tracking_consent(anna, True, actor=SYSTEM, basis="preference_centre")
    campaign = links_campaign(sendable, "Untracked")
    Campaign.objects.filter(pk=campaign.pk).update(tracking=False)
    campaign.refresh_from_db()
    send(sendable, campaign)
    html = message_html(sendable, "anna@example.org")
    assert pixel_src(html) is None and "/t/c/" not in html
    assert selectors.engagement_rates([campaign.pk])[campaign.pk].tracked == 0


def test_it_rewrites_the_templates_pieces_without_escaping_or_missing_a_split_tag() -> None:
    """The send hands the rewrite a compiled template's pieces, some of them Markup."""
    from markupsafe import Markup

    from carrier.tracking import LinkTracker

    tracker = LinkTracker(BASE)
    pieces = ["<p><a hr", Markup('ef="https://x.example/?a=1&amp;b=2">'), "Anna", "</a></p></body>"]
    html = "".join(tracker.rewrite_pieces(pieces, 7))
    assert "&lt;" not in html and html.endswith("</p><img" + html.split("<img", 1)[1])
    (link,) = hrefs(html)
    assert link.startswith(f"{BASE}/t/c/") and link.endswith(
        "?u=https%3A%2F%2Fx.example%2F%3Fa%3D1%26b%3D2"
    )
    assert pixel_src(html) is not None and html.index("<img") < html.index("</body>")
    assert (
        hrefs("".join(tracker.rewrite_pieces(['<a href="https://mail.consentry.test/u/x">'], 7)))[0]
        == f"{BASE}/u/x"
    )


def test_segments_find_who_opened_or_clicked_among_consenting_contacts_only(sent) -> None:
    from contacts import segments

    sendable, campaign, anna = sent
    account = sendable.world.alice_account
    ben = Contact.objects.get(address="ben@example.net")

    def members(field: str, op: str, value: int | None = None) -> set[str]:
        condition: dict[str, object] = {"field": field, "op": op}
        if value is not None:
            condition["value"] = value
        segment = segments.create_segment(
            account,
            name=f"{field}-{op}-{len(segments.segments_of(account))}",
            definition={"conditions": [condition]},
        )
        return {c.address for c in segments.members(segment)}

    assert members("opened", "never") == {anna.address}  # ben did not agree: unknown
    entry = SendLedgerEntry.objects.get(campaign=campaign, contact=anna)
    other = SendLedgerEntry.objects.get(campaign=campaign, contact=ben)
    TrackingEvent.objects.create(campaign=campaign, entry=entry, contact=anna, kind="open")
    TrackingEvent.objects.create(campaign=campaign, entry=other, contact=ben, kind="open")
    TrackingEvent.objects.create(
        campaign=campaign, entry=entry, contact=anna, kind="click", machine="scanner"
    )
    assert members("opened", "within", 7) == {anna.address}
    assert members("opened", "never") == set()
    assert members("clicked", "within", 7) == set()  # a scanner's click is no person's
    assert members("clicked", "never") == {anna.address}
