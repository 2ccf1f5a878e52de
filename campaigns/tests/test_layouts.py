"""Templates: saved layouts with one content area, the starter set (responsive and
accessible), campaigns made from them, duplication, and errors refused when saved."""

from __future__ import annotations

import re

import pytest

from campaigns import layouts, services
from campaigns.models import Campaign, Template
from campaigns.render import CompiledCampaign, text_from_html
from campaigns.rules import REQUIRED_TAGS
from campaigns.testing import DOMAIN
from contacts.testing import SYSTEM, Personas
from core.errors import Conflict, InvalidInput, NotFound
from delivery.testing import Sendable

CONTENT = '<p>Our autumn offer: <a href="https://alice-shop.example/autumn">20 % off</a>.</p>'


@pytest.mark.parametrize("name", layouts.STARTERS)
def test_each_starter_is_responsive_accessible_and_complete(name: str) -> None:
    html, text = layouts.starter(name)
    assert re.search(r'<html lang="[a-z]{2}"', html)
    assert "@media only screen and (max-width" in html
    assert 'name="viewport"' in html
    tables = re.findall(r"<table[^>]*>", html)
    assert tables and all('role="presentation"' in table for table in tables)
    assert all(" alt=" in img for img in re.findall(r"<img[^>]*>", html))
    for tag in (*REQUIRED_TAGS, "content"):
        assert "{{ " + tag + " }}" in html and "{{ " + tag + " }}" in text
    layouts._checked(name, html, text)  # passes the save's checks


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, two: str) -> float:
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", layouts.STARTERS)
def test_the_starters_text_contrast_is_at_least_4_5(name: str) -> None:
    """WCAG AA: every rule giving both a colour and a background, and each text colour
    against the page's background."""
    html = layouts.starter(name)[0]
    page = re.search(r"body \{[^}]*background: (#[0-9a-f]{6})", html)
    assert page
    for rule in re.findall(r"\{([^{}]*)\}", html):
        colour = re.search(r"(?<![-\w])color: (#[0-9a-f]{6})", rule)
        background = re.search(r"background: (#[0-9a-f]{6})", rule)
        if colour:
            against = background.group(1) if background else page.group(1)
            assert _contrast(colour.group(1), against) >= 4.5, rule


def test_a_campaign_from_a_starter_has_the_content_in_its_area(world: Personas) -> None:
    values = layouts.compose(layouts.layout_of(world.alice_account, "newsletter"), CONTENT)
    assert CONTENT in values["html"] and "{{ content }}" not in values["html"]
    assert "https://alice-shop.example/autumn" in values["text"]
    assert "{{ content }}" not in values["text"]


def test_a_saved_template_is_used_by_id_and_only_in_its_account(world: Personas) -> None:
    html, text = layouts.starter("letter")
    template = layouts.create_template(
        world.alice_account, actor=SYSTEM, name="House letter", html=html, text=text
    )
    assert layouts.layout_of(world.alice_account, str(template.pk)) == (
        template.html,
        template.text,
    )
    assert template.html.strip() == html.strip()
    with pytest.raises(NotFound):
        layouts.layout_of(world.charlie_account, str(template.pk))
    with pytest.raises(NotFound, match="no starter"):
        layouts.layout_of(world.alice_account, "poster")


def test_a_template_from_a_starter_and_its_name_unique(world: Personas) -> None:
    made = layouts.create_template(
        world.alice_account, actor=SYSTEM, name="Mine", starter_name="announcement"
    )
    assert made.html.strip() == layouts.starter("announcement")[0].strip()
    with pytest.raises(Conflict, match="name: a template named 'Mine' exists"):
        layouts.create_template(
            world.alice_account, actor=SYSTEM, name="Mine", starter_name="letter"
        )
    layouts.update_template(made, actor=SYSTEM, name="Renamed", html=made.html, text="")
    assert Template.objects.get(pk=made.pk).name == "Renamed"
    layouts.delete_template(made, actor=SYSTEM)
    assert not Template.objects.exists()


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<p>no area</p>", "exactly one content area"),
        ("{{ content }}{{ content }}", "exactly one content area"),
        ("{{ content }}\n<p>\n{% if %}</p>", r"template error on line 3"),
        ("{{ content }}\n\n<p>{{ first_name|shout }}</p>", r"line 3: .*shout"),
        ("{{ content }}\n{{ 'x' * 20000000 }}", r"fails on line 2: .*2,000,000"),
        ("{{ content }}{{ password }}", "unknown names: password"),
    ],
)
def test_template_errors_are_refused_at_save_with_the_line(
    world: Personas, html: str, error: str
) -> None:
    with pytest.raises(InvalidInput, match=error):
        layouts.create_template(world.alice_account, actor=SYSTEM, name="Bad", html=html)
    assert not Template.objects.exists()


def test_a_duplicate_is_a_new_draft_with_the_same_content_and_lists(sendable: Sendable) -> None:
    sendable.start()
    copy = services.duplicate_campaign(sendable.campaign, actor=SYSTEM)
    assert copy.pk != sendable.campaign.pk
    assert copy.state == "draft" and copy.name == "Herbst (copy)"
    assert (copy.html, copy.subject, copy.from_address) == (
        sendable.campaign.html,
        sendable.campaign.subject,
        f"news@{DOMAIN}",
    )
    assert list(copy.lists.all()) == [sendable.lst]
    assert Campaign.objects.count() == 2


def test_the_starter_text_part_keeps_the_link_targets(world: Personas) -> None:
    from campaigns.selectors import imprint_of
    from campaigns.testing import set_imprint

    set_imprint(world.alice_account)
    world.alice_account.refresh_from_db()
    for name in layouts.STARTERS:
        values = layouts.compose(layouts.starter(name), CONTENT)
        compiled = CompiledCampaign(
            subject="s",
            html=values["html"],
            text=values["text"],
            imprint=imprint_of(world.alice_account),
            language="en",
        )
        rendered = compiled.render(
            {"first_name": "Anna", "last_name": "", "email": "a@b.de", "fields": {}},
            unsubscribe_url="https://mail.example/u/x/",
            objection=False,
        )
        assert "https://alice-shop.example/autumn" in rendered.text
        assert "https://mail.example/u/x/" in rendered.text
        assert "anna" in rendered.text.lower() and "Alice Shop GmbH" in rendered.text
    assert text_from_html(CONTENT).strip()
