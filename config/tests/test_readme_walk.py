"""The README's CLI walk works on a fresh `make up DEMO=1`, in the order written.

Every command of the README's first `sh` block runs, as `consentry` would run it, against
a database holding only what `make up DEMO=1` creates, with the platform's defaults for a
machine without outbound mail (the sandbox mailbox and the sandbox DNS). Lines that are
comments are documentation, not steps.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from campaigns.models import Campaign
from domains.models import SenderDomain

ROOT = Path(__file__).resolve().parents[2]


def readme_walk() -> list[list[str]]:
    """The commands of the README's block under "Every capability has three doors"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Every capability has three doors", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's CLI walk is missing"
    joined = block.group(1).replace("\\\n", " ")
    commands: list[list[str]] = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            commands.append(words[:cut])
            words = words[cut + 1 :]
    return commands


def test_the_walk_is_read_from_the_readme() -> None:
    walk = readme_walk()
    assert all(words[0] == "consentry" for words in walk)
    assert ["consentry", "domain", "check", "beispiel", "news.beispiel.de"] in walk
    assert len(walk) >= 25


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_command_of_the_readme_walk_works_on_a_fresh_demo(
    tmp_path: Path, monkeypatch: Any, settings: Any
) -> None:
    # What `make up DEMO=1` gives: mail only to the sandbox mailbox, hence the sandbox DNS;
    # imports and signups check address domains, on a machine that reaches no DNS server.
    settings.DNS_SANDBOX = True
    settings.ADDRESS_DNS_CHECKS = True
    settings.ADDRESS_DNS_CANARIES = ["gmail.com", "outlook.com", "gmx.de", "orange.fr"]
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    call_command("bootstrap", demo=True, stdout=StringIO())
    demo = SenderDomain.objects.get(account__slug="demo")
    assert (demo.name, demo.status) == ("news.demo.example", "verified")
    outputs = {}
    for words in readme_walk():
        out = StringIO()
        # Raises CommandError (exit 1 for `consentry`) on any refusal.
        call_command(*words[1:], stdout=out, stderr=StringIO())
        outputs[" ".join(words[1:3])] = out.getvalue()
    assert "news.beispiel.de: verified" in outputs["domain check"]
    assert "captured in the sandbox mailbox" in outputs["campaign test"]
    campaign = Campaign.objects.get(pk=1)
    assert (campaign.name, campaign.state) == ("Herbst", "finished")
    assert (tmp_path / "proof.html").read_text().startswith("<!doctype html>")
    assert json.loads(outputs["feedback classify"])[0]["kind"] == "bounce"
    assert "ok" in outputs["evidence verify"]
    # The demo can send at once: its list is admitted and its gate passes.
    demo_send = StringIO()
    call_command(
        "campaign", "create", "demo", "--name", "Demo", "--subject", "Hallo",
        "--from-name", "Demo", "--from", "news@news.demo.example",
        "--html", str(tmp_path / "examples" / "herbst.html"), "--list", "Newsletter",
        stdout=StringIO(),
    )  # fmt: skip
    demo_campaign = Campaign.objects.get(account__slug="demo")
    call_command("campaign", "show", str(demo_campaign.pk), stdout=demo_send)
    assert "passes once the guidelines are confirmed" in demo_send.getvalue()
