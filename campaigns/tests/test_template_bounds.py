"""Campaign templates are bounded: a template that grows beyond the sandbox's limits or
fails when rendered is refused at save, naming its line, at every door."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

from api.tests.conftest import BASE, KeyClient, key_client
from campaigns import selectors, services
from campaigns.models import Campaign
from campaigns.render import CompiledCampaign, check_template
from campaigns.sandbox import MAX_OUTPUT, TemplateTooLarge
from campaigns.testing import DOMAIN, HTML
from campaigns.tests.test_cli import run
from contacts.testing import SYSTEM
from core.errors import InvalidInput
from delivery.testing import Sendable

HUGE = [
    "{{ 'x' * 20000000 }}",
    "{{ 'a' * 10**9 }}",
    "{{ 10 ** (10 ** 9) }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ 'x'.ljust(1000000000) }}",
    "{{ '%1000000000d' % 1 }}",
    "{{ ('x' * 1000000)|join('y' * 1000000) }}",
    "{{ ['x' * 1000] * 5000 }}",
    "{% for c in 'x' * 1000000 %}{{ 'y' * 1000 }}{% endfor %}",
]


@pytest.mark.parametrize("source", HUGE)
def test_a_template_over_the_bounds_is_refused_at_save(source: str) -> None:
    refused = r"the HTML body fails.*(2,000,000 characters|over 4096)"
    with pytest.raises(InvalidInput, match=refused):
        check_template(source, part="HTML body")


def test_the_line_of_a_render_error_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"the text body fails on line 3: .*division"):
        check_template("Hello\n{{ first_name }}\n{{ 1 // 0 }}\n", part="text body", html=False)


def test_ordinary_templates_pass() -> None:
    check_template("<p>{{ first_name|upper }} {{ 'ab' * 3 }} {{ fields.city }}</p>", part="x")
    check_template(HTML, part="HTML body")


@pytest.mark.parametrize("name", ["lipsum", "range", "dict", "cycler", "joiner", "namespace"])
def test_no_global_prints_a_python_repr(name: str) -> None:
    compiled = CompiledCampaign(
        subject="s", html=f"<p>[{{{{ {name} }}}}]</p>", text="", imprint=_imprint(), language="en"
    )
    html = compiled.render(
        {"first_name": "", "last_name": "", "email": "", "fields": {}},
        unsubscribe_url="u",
        objection=False,
    ).html
    assert "<p>[]</p>" in html and "0x" not in html


def test_a_rendering_that_grows_past_the_bound_stops(monkeypatch: Any) -> None:
    """A contact's own data counts too: the bound holds at send time, not only at save."""
    compiled = CompiledCampaign(
        subject="s", html="{{ fields.big }}{{ fields.big }}", text="-", imprint=_imprint(),
        language="en",
    )  # fmt: skip
    contact = {"first_name": "", "last_name": "", "email": "", "fields": {"big": "x" * MAX_OUTPUT}}
    with pytest.raises(TemplateTooLarge):
        compiled.render(contact, unsubscribe_url="u", objection=False)


def _imprint() -> Any:
    from campaigns.imprint import Imprint

    return Imprint(name="Example GmbH", address="Musterstraße 1, 10115 Berlin", contact="a@b.de")


def test_the_api_answers_422_with_the_line(sendable: Sendable) -> None:
    alice_api: KeyClient = key_client(sendable.world.alice_account, "bounds")
    response = alice_api.client.post(
        f"{BASE}/campaigns",
        {
            "name": "Big",
            "subject": "Big",
            "from_name": "Alice",
            "from_address": f"news@{DOMAIN}",
            "html": "<p>{{ unsubscribe_url }} {{ imprint }}</p>\n{{ 'x' * 20000000 }}",
            "lists": [],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "line 2" in response.json()["message"]
    assert not Campaign.objects.filter(name="Big").exists()


def test_the_web_form_shows_the_error(sendable: Sendable) -> None:
    alice = sendable.world.client_for(sendable.world.alice)
    response = alice.post(
        "/a/alice-shop/campaigns/",
        {
            "name": "Big",
            "subject": "Big",
            "from_name": "Alice",
            "from_address": f"news@{DOMAIN}",
            "lists": [sendable.lst.pk],
            "kind": "regular",
            "language": "en",
            "html": "{{ 'a' * 10**9 }}",
        },
    )
    assert response.status_code == 400
    assert "fails on line 1" in response.content.decode()
    assert not Campaign.objects.filter(name="Big").exists()


def test_the_cli_raises_a_command_error(sendable: Sendable, tmp_path: Path) -> None:
    html = tmp_path / "mail.html"
    html.write_text("<p>ok</p>\n{{ 'x'|center(1000000000) }}", encoding="utf-8")
    with pytest.raises(CommandError, match="fails on line 2"):
        run(
            "campaign", "create", "alice-shop", "--name", "Big", "--subject", "Big",
            "--from-name", "Alice", "--from", f"news@{DOMAIN}", "--html", str(html),
            "--list", str(sendable.lst.pk),
        )  # fmt: skip


def test_the_policy_caps_the_rendered_output_per_account(sendable: Sendable) -> None:
    """CONTENT-1: template.max_output, set lower for an account, refuses a template that
    renders beyond it when saved, and stops a message a contact's data makes too large."""
    from policy import services as policy

    account = sendable.world.alice_account
    policy.set_value("template.max_output", "10000", account=account)
    big = "<p>{{ unsubscribe_url }} {{ imprint }}</p>\n{{ 'x' * 20000 }}"
    with pytest.raises(InvalidInput, match=r"the HTML body fails: .*10,000 characters"):
        services.update_campaign(sendable.campaign, actor=SYSTEM, html=big)
    services.update_campaign(sendable.campaign, actor=SYSTEM, html=big.replace("20000", "2000"))
    campaign = Campaign.objects.get(pk=sendable.campaign.pk)
    compiled = selectors.compiled_campaign(campaign)
    contact = {"first_name": "x" * 20_000, "last_name": "", "email": "", "fields": {}}
    with pytest.raises(TemplateTooLarge, match="10,000"):
        compiled.render(contact, unsubscribe_url="u", objection=False)
