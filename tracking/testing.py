"""Test support for tracking: a campaign with web links, and the links of a sent message."""

from __future__ import annotations

import re
from typing import Any

from campaigns import services as campaigns
from campaigns.models import Campaign
from contacts.testing import SYSTEM

LINKS_HTML = """<html><body>
<h1>Hallo {{ first_name }}!</h1>
<p><a href="https://shop.example/herbst?a=1&amp;b=2">Zum Angebot</a></p>
<p><a class="x" href='https://shop.example/garten'>Garten</a></p>
<p><a href="{{ unsubscribe_url }}">Abmelden</a></p>
{{ imprint }}
</body></html>
"""


def links_campaign(sendable: Any, name: str = "Links") -> Campaign:
    """A tracking draft to the sendable list whose HTML holds two web links and the
    unsubscribe link."""
    return campaigns.update_campaign(
        sendable.another(name), actor=SYSTEM, html=LINKS_HTML, tracking=True
    )


def html_part(raw: bytes) -> str:
    from email import message_from_bytes
    from email.message import EmailMessage
    from email.policy import default as default_policy

    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def hrefs(html: str) -> list[str]:
    import html as html_lib

    return [html_lib.unescape(h) for h in re.findall(r"""href=["']([^"']+)["']""", html)]


def pixel_src(html: str) -> str | None:
    import html as html_lib

    found = re.search(r'<img src="([^"]+/t/o/[^"]+)"', html)
    return html_lib.unescape(found.group(1)) if found else None


def send(sendable: Any, campaign: Campaign) -> None:
    """Start the campaign and run its batches to the end, here and now."""
    from delivery import ledger
    from delivery.sends import run_batch, start_send

    start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)
    for batch in ledger.batches_with_work(campaign):
        run_batch(campaign.pk, batch)
