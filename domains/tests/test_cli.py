"""`consentry domain add|show|check|list ACCOUNT DOMAIN`: the CLI door (DOMAIN-1)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consent.models import EvidenceRecord
from domains.models import SenderDomain
from domains.testing import TestDnsServer
from domains.tests.conftest import SPF_INCLUDE, publish


def run(*args: str) -> str:
    out = StringIO()
    call_command("domain", *args, stdout=out)
    return out.getvalue()


def test_it_adds_a_domain_and_prints_the_records(world: Any, platform: TestDnsServer) -> None:
    output = run("add", "alice-shop", "News.Example.com", "--ed25519")
    domain = SenderDomain.objects.get(account=world.alice_account)
    assert output.startswith(f"sender domain #{domain.pk} news.example.com: pending")
    token = f'"consentry-verification={domain.ownership_token}"'
    assert f"_consentry.news.example.com. 3600 IN TXT {token}" in output
    for key in domain.dkim_keys.all():
        assert f"{key.selector}._domainkey.news.example.com. 3600 IN TXT" in output
    assert f'news.example.com. 3600 IN TXT "v=spf1 include:{SPF_INCLUDE}' in output
    assert "Campaign sends from this domain are blocked:" in output
    assert EvidenceRecord.objects.get(kind="domain.added").actor.startswith("system:cli:")


def test_it_checks_and_shows_a_domain(world: Any, platform: TestDnsServer) -> None:
    run("add", "alice-shop", "news.example.com")
    failing = run("check", "alice-shop", "news.example.com")
    assert "ownership  fail     no TXT record at _consentry.news.example.com" in failing
    publish(platform, SenderDomain.objects.get())
    passing = run("check", "alice-shop", "news.example.com")
    assert passing.startswith("news.example.com: verified")
    assert "blocked" not in passing
    shown = run("show", "alice-shop", "news.example.com")
    assert "spf        pass     SPF authorises" in shown and "found: v=spf1" in shown
    assert "\tnews.example.com\tverified\tchecked " in run("list", "alice-shop")


def test_it_answers_a_clear_error(world: Any) -> None:
    with pytest.raises(CommandError, match=r"no sender domain news\.example\.com"):
        run("show", "alice-shop", "news.example.com")
    with pytest.raises(CommandError, match="at least two labels"):
        run("add", "alice-shop", "localhost")
    with pytest.raises(CommandError, match="no account 'nobody'"):
        run("add", "nobody", "example.com")
