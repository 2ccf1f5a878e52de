"""The starter templates as sent, judged by SpamAssassin (local tests, no network): none
of its HTML rules fires (HTML_FONT_LOW_CONTRAST among them: the colours have contrast), and
the score stays low."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from campaigns import layouts, services
from contacts.testing import SYSTEM
from delivery.testing import Sendable

SPAMASSASSIN = shutil.which("spamassassin")
CONTENT = (
    '<p>Our autumn offer: <a href="https://alice-shop.example/autumn">everything for the '
    "garden</a>, 20 % off until Sunday.</p><p>See you soon in the shop.</p>"
)


def spamassassin(message: bytes) -> tuple[float, set[str]]:
    """Score and rule names of SpamAssassin's local tests (-L: no DNS or network rules)."""
    assert SPAMASSASSIN is not None
    out = subprocess.run(
        [SPAMASSASSIN, "-L", "-t"], input=message, capture_output=True, timeout=300, check=True
    ).stdout.decode("utf-8", "replace")
    header = re.search(r"^X-Spam-Status: .*?(?=^\S)", out, re.MULTILINE | re.DOTALL)
    assert header, out[:2000]
    status = " ".join(header.group(0).split())
    score = float(re.search(r"score=(-?[\d.]+)", status).group(1))
    tests = re.search(r"tests=(\S*)", status).group(1)
    return score, set(filter(None, tests.split(",")))


@pytest.mark.skipif(SPAMASSASSIN is None, reason="no spamassassin (Debian package)")
@pytest.mark.parametrize("name", layouts.STARTERS)
def test_a_starter_as_sent_passes_spamassassin(
    name: str, sendable: Sendable, django_capture_on_commit_callbacks: Any
) -> None:
    values = layouts.compose(layouts.starter(name), CONTENT)
    services.update_campaign(sendable.campaign, actor=SYSTEM, **values)
    with django_capture_on_commit_callbacks(execute=True):
        sendable.start()
    message = sendable.smtp.messages[0]
    score, rules = spamassassin(message.raw)
    print(f"{name}: SpamAssassin score {score}, rules {sorted(rules)}")
    assert not {rule for rule in rules if rule.startswith("HTML_") and rule != "HTML_MESSAGE"}
    assert score <= 0.5, (score, rules)


@pytest.mark.skipif(SPAMASSASSIN is None, reason="no spamassassin (Debian package)")
def test_the_check_sees_low_contrast(
    sendable: Sendable, django_capture_on_commit_callbacks: Any
) -> None:
    """The control: text nearly as light as its background makes the rule fire."""
    faint = (
        '<html lang="en"><body bgcolor="#ffffff"><table role="presentation" bgcolor="#ffffff">'
        '<tr><td><font color="#fafafa">{{ content }}</font></td></tr></table>'
        '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>{{ imprint }}</body></html>'
    )
    values = layouts.compose((faint, ""), CONTENT * 3)
    services.update_campaign(sendable.campaign, actor=SYSTEM, **values)
    with django_capture_on_commit_callbacks(execute=True):
        sendable.start()
    assert "HTML_FONT_LOW_CONTRAST" in spamassassin(sendable.smtp.messages[0].raw)[1]
