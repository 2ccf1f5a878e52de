"""The mail itself, as a receiver reads it (issue: a text part worth reading).

Each campaign below is sent through the real engine to the loopback SMTP server; what
arrives is judged by outside tools only: SpamAssassin (`spamassassin -L -t`, local tests,
score at most 0.5), dkimpy and Perl's Mail::DKIM (both must pass). The text part is
measured: under 10 % of it in whitespace runs, every link target and image alt text kept.
Every starter template (campaigns/starters/*.html) is held to the same, and a sample
newsletter laid out in tables with a media query.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from campaigns.models import Campaign
from campaigns.textpart import text_from_html, whitespace_share
from contacts.testing import SYSTEM
from delivery import ledger, sends
from delivery.sends import run_batch
from delivery.testing import Sendable
from domains.testing import TestDnsServer
from domains.tests.test_dkim import dkimpy_verify, mail_dkim_verify

pytestmark = pytest.mark.django_db

STARTERS = sorted((Path(__file__).parent.parent / "starters").glob("*.html"))

ROW = """<tr><td style="padding:12px 24px" align="left" valign="top">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>
    <td width="120" valign="top"><img src="https://alice-shop.example/img/{n}.jpg"
      alt="Gartenschere Modell {n}" width="120" height="90"></td>
    <td valign="top" style="padding-left:16px">
      <h2 style="margin:0">Gartenschere Modell {n}</h2>
      <p>Scharf, leicht und langlebig: unsere Schere Nummer {n} schneidet Zweige bis
      zwei Zentimeter. Jetzt 20 % günstiger bis Ende Oktober.</p>
      <p><a href="https://alice-shop.example/produkte/{n}?utm_source=newsletter">Zum
      Produkt</a></p>
    </td></tr></table>
</td></tr>
"""

SAMPLE = (
    """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herbst bei Alice</title>
<style>
  body { margin: 0; background: #f4f4f4; font-family: Arial, sans-serif; color: #222; }
  .wrap { width: 600px; background: #ffffff; }
  @media only screen and (max-width: 620px) { .wrap { width: 100% !important; } }
</style></head>
<body>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>
<td align="center">
<table role="presentation" class="wrap" width="600" cellpadding="0" cellspacing="0">
<tr><td style="padding:24px" align="center"><img src="https://alice-shop.example/logo.png"
  alt="Alice Shop" width="160" height="40"></td></tr>
<tr><td style="padding:0 24px"><h1>Hallo {{ first_name }},</h1>
<p>der Herbst ist da, und mit ihm unsere neuen Werkzeuge für den Garten.</p></td></tr>
"""
    + "".join(ROW.format(n=n) for n in range(1, 7))
    + """<tr><td style="padding:24px;font-size:12px;color:#666">
<p>Sie erhalten diese E-Mail, weil Sie den Newsletter von Alice Shop bestellt haben.
<a href="{{ unsubscribe_url }}">Hier abmelden</a>.</p>
{{ imprint }}
</td></tr></table></td></tr></table>
</body></html>
"""
)


def _need(program: str) -> None:
    if shutil.which(program):
        return
    if os.environ.get("CONSENTRY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CONSENTRY_REQUIRE_BROWSER=1 but {program} is missing")
    pytest.skip(f"{program} is missing")


def spamassassin_score(raw: bytes) -> tuple[float, str]:
    """SpamAssassin's score with local tests only, and the rules that fired."""
    _need("spamassassin")
    done = subprocess.run(
        ["spamassassin", "-L", "-t"], input=raw, capture_output=True, timeout=120, check=True
    )
    report = done.stdout.decode("utf-8", "replace")
    status = re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+)(.*?)^\S", report, re.M | re.S)
    assert status, report[:2000]
    return float(status.group(1)), " ".join(status.group(2).split())


def links_and_alts(html: str) -> tuple[set[str], set[str]]:
    links = set(re.findall(r'href="([^"]+)"', html))
    alts = set(re.findall(r'alt="([^"]+)"', html))
    return links, alts


def sent(sendable: Sendable, name: str, html: str) -> tuple[Campaign, list[bytes]]:
    campaign = sendable.another(name)
    campaign.html = html
    campaign.save(update_fields=["html"])
    sends.start_send(campaign, actor=SYSTEM, guidelines_confirmed=True)
    before = len(sendable.smtp.messages)
    for batch in ledger.batches_with_work(campaign):
        run_batch(campaign.pk, batch)
    return campaign, [m.raw for m in sendable.smtp.messages[before:]]


def check_message(raw: bytes, dns_server: TestDnsServer, tmp_path: Path) -> None:
    date = re.search(rb"\r\nDate: ([^\r]+)\r\n", b"\r\n" + raw)
    assert date and date.group(1).endswith(b"+0000"), raw[:1500]
    assert re.search(rb"\r\nList-Id: .*<list\d+\.account\d+\.", raw), raw[:1500]
    assert dkimpy_verify(raw)
    assert mail_dkim_verify(raw, dns_server, tmp_path)[-1] == "result=pass"
    score, rules = spamassassin_score(raw)
    assert score <= 0.5, f"SpamAssassin score {score}: {rules}"


def check_text_part(raw: bytes, html_source: str) -> None:
    from email import message_from_bytes, policy

    parsed: Any = message_from_bytes(raw, policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert whitespace_share(text) < 0.10, (whitespace_share(text), text)
    links, alts = links_and_alts(html)
    assert links, html_source[:300]
    for link in links:
        assert link.replace("&amp;", "&") in text, link
    for alt in alts:
        assert alt in text, alt
    if "@media" in html_source:  # the <style> block stays beside the inlined styles
        assert "@media" in html


@pytest.mark.parametrize(
    ("name", "source"),
    [("sample", SAMPLE)] + [(path.stem, path) for path in STARTERS],
)
def test_each_template_arrives_clean_signed_and_readable(
    sendable: Sendable,
    dns_server: TestDnsServer,
    tmp_path: Path,
    name: str,
    source: str | Path,
) -> None:
    html = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    _, messages = sent(sendable, f"Qualität {name}", html)
    assert len(messages) == len(sendable.contacts)
    check_message(messages[0], dns_server, tmp_path)
    for raw in messages:
        check_text_part(raw, html)


def test_the_text_part_of_a_table_layout_has_no_padding_runs() -> None:
    """inscriptis alone gave a text part mostly blanks for such a layout."""
    text = text_from_html(SAMPLE)
    assert whitespace_share(text) < 0.10
    assert "Zum Produkt (https://alice-shop.example/produkte/3?utm_source=newsletter)" in text
    assert "[Gartenschere Modell 4]" in text and "[Alice Shop]" in text
    assert "Hier abmelden ({{ unsubscribe_url }})" in text
    assert "\n\n\n" not in text and "  " not in text
