"""The sender-domain pages: list, add, records to publish, checks and "Check now" (DOMAIN-1)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from contacts.testing import PASSWORD, SYSTEM, Personas
from domains import selectors, services
from domains.models import SenderDomain
from domains.testing import TestDnsServer

URL = "/a/alice-shop/domains/"


def publish(dns_server: TestDnsServer, domain: SenderDomain) -> None:
    for record in selectors.records_to_publish(selectors.domain_of(domain.account, domain.pk)):
        dns_server.replace_txt(record.name, record.value)


@pytest.fixture
def domain(world: Any) -> SenderDomain:
    return services.add_domain(world.alice_account, "news.example.com", actor=SYSTEM)


class TestDomainsPage:
    def test_it_lists_the_accounts_domains_with_their_status(
        self, world: Any, domain: SenderDomain
    ) -> None:
        services.add_domain(world.charlie_account, "charlie.example", actor=SYSTEM)
        response = world.client_for(world.alice).get(URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert f'href="{URL}{domain.pk}/">news.example.com</a>' in html
        assert "pill-pending" in html
        assert "charlie.example" not in html
        assert 'aria-current="page">Domains</a>' in html

    def test_it_lets_a_member_see_but_not_add(self, world: Any, domain: SenderDomain) -> None:
        """ACCOUNT-2: owners and operators add domains; members see them."""
        bob = world.client_for(world.bob)
        page = bob.get(URL)
        assert page.status_code == 200 and "news.example.com" in page.content.decode()
        assert "Add a domain" not in page.content.decode()
        assert bob.post(URL, {"name": "bob.example"}).status_code == 403
        assert not SenderDomain.objects.filter(name="bob.example").exists()

    def test_it_answers_404_to_charlie_privacy_2(self, world: Any) -> None:
        assert world.client_for(world.charlie).get(URL).status_code == 404

    def test_it_redirects_anonymous_to_login(self, world: Any) -> None:
        assert Client().get(URL).status_code == 302

    def test_it_refuses_other_methods(self, world: Any) -> None:
        assert world.client_for(world.alice).put(URL).status_code == 405

    def test_it_adds_a_domain(self, world: Any) -> None:
        response = world.client_for(world.alice).post(
            URL, {"name": "Shop.Example.com", "ed25519": "on"}
        )
        domain = SenderDomain.objects.get(account=world.alice_account)
        assert response.status_code == 302 and response.url == f"{URL}{domain.pk}/"
        assert domain.name == "shop.example.com"
        assert domain.dkim_keys.count() == 2

    def test_it_shows_a_refused_name_on_the_form(self, world: Any, domain: SenderDomain) -> None:
        alice = world.client_for(world.alice)
        duplicate = alice.post(URL, {"name": "news.example.com"})
        assert duplicate.status_code == 400
        assert "news.example.com is already a sender domain" in duplicate.content.decode()
        invalid = alice.post(URL, {"name": "localhost"})
        assert invalid.status_code == 400
        assert "at least two labels" in invalid.content.decode()
        assert SenderDomain.objects.count() == 1
        german = alice.post(URL, {"name": "localhost"}, HTTP_ACCEPT_LANGUAGE="de")
        assert "eine Absenderdomain hat mindestens zwei Labels" in german.content.decode()


class TestDomainDetail:
    def url(self, domain: SenderDomain) -> str:
        return f"{URL}{domain.pk}/"

    def test_it_shows_the_records_to_publish_and_the_checks(
        self, world: Any, domain: SenderDomain
    ) -> None:
        response = world.client_for(world.alice).get(self.url(domain))
        html = response.content.decode()
        assert response.status_code == 200
        key = domain.dkim_keys.get()
        assert "_consentry.news.example.com" in html
        assert f"consentry-verification={domain.ownership_token}" in html
        assert f"{key.selector}._domainkey.news.example.com" in html
        assert f"v=DKIM1; k=rsa; p={key.public_key}" in html
        assert "v=DMARC1; p=none; adkim=r; aspf=r" in html
        assert "Not verified yet: campaigns cannot be sent from this domain" in html
        assert 'id="check-dkim"' in html and "Check now" in html

    def test_it_lets_a_member_see_a_domain(self, world: Any, domain: SenderDomain) -> None:
        assert world.client_for(world.bob).get(self.url(domain)).status_code == 200

    def test_it_answers_404_for_another_accounts_domain_privacy_2(
        self, world: Any, domain: SenderDomain
    ) -> None:
        charlie = world.client_for(world.charlie)
        assert charlie.get(self.url(domain)).status_code == 404
        assert charlie.get(f"/a/charlie-co/domains/{domain.pk}/").status_code == 404
        assert charlie.post(f"/a/charlie-co/domains/{domain.pk}/check/").status_code == 404
        assert charlie.post(f"{self.url(domain)}check/").status_code == 404

    def test_it_refuses_a_get_on_check_now(self, world: Any, domain: SenderDomain) -> None:
        alice = world.client_for(world.alice)
        assert alice.get(f"{self.url(domain)}check/").status_code == 405
        assert alice.post(self.url(domain)).status_code == 405

    def test_check_now_verifies_published_records(
        self, world: Any, domain: SenderDomain, dns_server: TestDnsServer
    ) -> None:
        publish(dns_server, domain)
        response = world.client_for(world.bob).post(f"{self.url(domain)}check/", follow=True)
        html = response.content.decode()
        assert response.redirect_chain == [(self.url(domain), 302)]
        assert "All records pass: the domain is verified." in html
        assert html.count('class="pill pill-confirmed">pass</span>') == 3
        # Without the platform's sending hosts and inbound host: SPF and return path unjudged.
        assert html.count(">cannot judge</span>") == 2
        assert "cannot judge: the platform&#x27;s operator has not named its sending hosts" in html
        assert "Not verified yet" not in html

    def test_it_tells_the_account_when_a_domain_stops_verifying(
        self, world: Any, domain: SenderDomain, dns_server: TestDnsServer
    ) -> None:
        """DOMAIN-1: a status on the page is the notice; sends stay blocked until fixed."""
        publish(dns_server, domain)
        services.check_domain(domain, actor=SYSTEM)
        dns_server.remove("_dmarc.news.example.com")
        services.recheck_verified_domains()
        html = world.client_for(world.alice).get(self.url(domain)).content.decode()
        assert "This domain stopped verifying: campaign sends from it are blocked" in html
        assert "DMARC: no DMARC record at _dmarc.news.example.com or above" in html
        listing = world.client_for(world.alice).get(URL).content.decode()
        assert "Stopped verifying: sends from it are blocked." in listing

    def test_a_german_reader_sees_the_check_reasons_in_german(
        self, world: Any, domain: SenderDomain, dns_server: TestDnsServer
    ) -> None:
        """The reasons are kept in English; the page says them in the reader's language."""
        services.check_domain(domain, actor=SYSTEM)
        alice = world.client_for(world.alice)
        html = alice.get(self.url(domain), HTTP_ACCEPT_LANGUAGE="de").content.decode()
        assert "kein TXT-Eintrag unter _consentry.news.example.com" in html
        assert "kein DMARC-Eintrag unter _dmarc.news.example.com oder darüber" in html
        assert "no TXT record at" not in html
        english = alice.get(self.url(domain), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "no TXT record at _consentry.news.example.com" in english


@pytest.mark.browser
def test_it_adds_a_domain_and_checks_it_in_a_browser(
    transactional_db: Any, live_server: Any, page: Any, dns_server: TestDnsServer
) -> None:
    from playwright.sync_api import expect

    Personas()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Domains").click()
    page.get_by_role("textbox", name="Domain").fill("news.example.com")
    page.get_by_role("button", name="Add domain").click()
    expect(page).to_have_url(re.compile(r"/a/alice-shop/domains/\d+/$"))
    expect(page.locator("#records-heading")).to_have_text("DNS records to publish")
    domain = SenderDomain.objects.get()
    publish(dns_server, domain)
    page.get_by_role("button", name="Check now").click()
    expect(page.get_by_text("All records pass: the domain is verified.")).to_be_visible()
    expect(page.locator("#check-dmarc")).to_contain_text("pass")
    expect(page.locator("#check-spf")).to_contain_text("cannot judge")
