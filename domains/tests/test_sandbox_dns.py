"""The sandbox DNS: while mail goes only to the sandbox mailbox, an account publishes its
domain's records in the platform and the checks read them; never once mail can leave."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contacts.testing import SYSTEM
from core.errors import Conflict
from domains import dns as domain_dns
from domains import selectors, services
from domains.models import SandboxRecord, SenderDomain
from domains.rules import DomainStatus
from domains.testing import TestDnsServer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox(settings: Any) -> None:
    settings.DNS_SANDBOX = True
    domain_dns.clear_cache()


@pytest.fixture
def domain(world: Any) -> SenderDomain:
    return services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)


def test_published_records_verify_the_domain_without_any_dns(
    world: Any, domain: SenderDomain, sandbox: None
) -> None:
    """No resolver answers (the tests' closed resolver): only the sandbox can."""
    assert services.check_domain(domain, actor=SYSTEM).status == DomainStatus.PENDING
    published = services.publish_in_sandbox(domain, actor=SYSTEM)
    assert {(r.type, r.name) for r in published} == {
        (r.type, r.name) for r in selectors.records_to_publish(domain)
    }
    assert services.check_domain(domain, actor=SYSTEM).status == DomainStatus.VERIFIED
    assert selectors.sending_block_reasons(world.alice_account, "news.example.com") == []


def test_publishing_again_replaces_the_records(domain: SenderDomain, sandbox: None) -> None:
    services.publish_in_sandbox(domain, actor=SYSTEM)
    services.publish_in_sandbox(domain, actor=SYSTEM)
    assert SandboxRecord.objects.filter(domain=domain).count() == 4


def test_other_names_still_go_to_dns(
    world: Any, domain: SenderDomain, sandbox: None, dns_server: TestDnsServer
) -> None:
    dns_server.txt("elsewhere.example", "v=spf1 -all")
    services.publish_in_sandbox(domain, actor=SYSTEM)
    assert domain_dns.lookup("elsewhere.example", "TXT", fresh=True) == ["v=spf1 -all"]
    # The sandbox answers first for what it holds, even where DNS holds something else.
    dns_server.txt("_dmarc.news.example.com", "v=DMARC1; p=reject")
    assert domain_dns.lookup("_dmarc.news.example.com", "TXT", fresh=True) == [
        "v=DMARC1; p=none; adkim=r; aspf=r"
    ]


def test_the_sandbox_is_refused_when_it_is_off(domain: SenderDomain) -> None:
    with pytest.raises(Conflict, match="sandbox DNS is off"):
        services.publish_in_sandbox(domain, actor=SYSTEM)
    assert not SandboxRecord.objects.exists()


def test_records_held_in_the_sandbox_are_not_read_once_it_is_off(
    world: Any, domain: SenderDomain, sandbox: None, settings: Any, dns_server: TestDnsServer
) -> None:
    services.publish_in_sandbox(domain, actor=SYSTEM)
    services.check_domain(domain, actor=SYSTEM)
    settings.DNS_SANDBOX = False
    domain_dns.clear_cache()
    # Mail can leave now: a domain verified only in the sandbox may not send.
    reasons = selectors.sending_block_reasons(world.alice_account, "news.example.com")
    assert reasons and "only in the sandbox DNS" in reasons[0]
    # And its next check asks the real DNS, whose zone holds none of its records.
    assert services.check_domain(domain, actor=SYSTEM).status == DomainStatus.FAILED


def setting_in_a_new_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.DNS_SANDBOX)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_setting_refuses_the_sandbox_when_mail_leaves_the_machine(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CONSENTRY_VAR_DIR": str(tmp_path),
        "CONSENTRY_SMTP_URL": "smtp://mail.example.com:587",
        "CONSENTRY_DNS_SANDBOX": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    refused = setting_in_a_new_process(env)
    assert refused.returncode != 0 and "CONSENTRY_DNS_SANDBOX" in refused.stderr
    env.pop("CONSENTRY_DNS_SANDBOX")
    off = setting_in_a_new_process(env)
    assert off.stdout.strip() == "False", off.stderr
    env.pop("CONSENTRY_SMTP_URL")
    on = setting_in_a_new_process(env)
    assert on.stdout.strip() == "True", on.stderr


def test_the_cli_publishes_and_the_check_verifies(
    world: Any, domain: SenderDomain, sandbox: None
) -> None:
    out = StringIO()
    call_command("domain", "sandbox-publish", "alice-shop", "news.example.com", stdout=out)
    assert "4 records published in the sandbox DNS" in out.getvalue()
    call_command("domain", "check", "alice-shop", "news.example.com", stdout=out)
    assert "news.example.com: verified" in out.getvalue()


def test_the_cli_names_the_refusal_when_the_sandbox_is_off(
    world: Any, domain: SenderDomain
) -> None:
    with pytest.raises(CommandError, match="sandbox DNS is off"):
        call_command("domain", "sandbox-publish", "alice-shop", "news.example.com")


def test_the_page_offers_the_sandbox_to_managers_only(
    world: Any, domain: SenderDomain, sandbox: None
) -> None:
    url = f"/a/alice-shop/domains/{domain.pk}/"
    bob = world.client_for(world.bob)
    assert "Publish in the sandbox DNS" not in bob.get(url).content.decode()
    assert bob.post(f"{url}sandbox-dns/").status_code == 403
    assert not SandboxRecord.objects.exists()
    alice = world.client_for(world.alice)
    assert "Publish in the sandbox DNS" in alice.get(url).content.decode()
    response = alice.post(f"{url}sandbox-dns/", follow=True)
    assert "the domain is verified" in response.content.decode()
    domain.refresh_from_db()
    assert domain.status == DomainStatus.VERIFIED
    charlie = world.client_for(world.charlie)
    assert charlie.post(f"{url}sandbox-dns/").status_code == 404


def test_the_page_hides_the_sandbox_when_mail_leaves(world: Any, domain: SenderDomain) -> None:
    url = f"/a/alice-shop/domains/{domain.pk}/"
    assert (
        "Publish in the sandbox DNS" not in world.client_for(world.alice).get(url).content.decode()
    )
