"""The sandbox mailbox pages: an account's captured mail, one message's parts, the operators'
view of all (FORM-2: a person reads the confirmation mail and clicks its link; PRIVACY-2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from carrier.models import CapturedMessage
from carrier.services import send_transactional
from contacts.testing import PASSWORD, Personas
from web.views import sandbox as sandbox_views

URL = "/a/alice-shop/sandbox/"
CONFIRM = "https://127.0.0.1:8000/c/42:1tXyZ:abc/"
HTML = (
    "<html><head><title>t</title></head><body><h1>Willkommen</h1>"
    f'<p><a href="{CONFIRM}">Bestätigen</a></p>'
    "<script>document.title = 'pwned'; parent.document.body.dataset.pwned = '1';</script>"
    "</body></html>"
)


def mail(account: Any, subject: str = "Bitte bestätigen", **kwargs: Any) -> CapturedMessage:
    kwargs.setdefault("text", f"Hallo,\n\nbitte bestätigen Sie hier: {CONFIRM}.\n")
    result = send_transactional(
        account=account,
        from_addr="consentry <mailer@consentry.example>",
        to=kwargs.pop("to", "kunde@example.de"),
        subject=subject,
        **kwargs,
    )
    return CapturedMessage.objects.get(pk=int(result.queue_id))


def detail_url(message: CapturedMessage, slug: str = "alice-shop") -> str:
    return f"/a/{slug}/sandbox/{message.pk}/"


@pytest.fixture
def mailbox(world: Any, sandbox_outbox: Any) -> Personas:
    return world


class TestAccountMailbox:
    def test_it_lists_alices_captured_mail_newest_first(self, mailbox: Any) -> None:
        mail(mailbox.alice_account, "Erste")
        mail(mailbox.alice_account, "Zweite", to="zwei@example.de")
        mail(mailbox.charlie_account, "Charlies Post")
        response = mailbox.client_for(mailbox.alice).get(URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.index("Zweite") < html.index("Erste")
        assert "zwei@example.de" in html
        assert "Charlies Post" not in html
        assert "2 messages" in html

    def test_it_shows_the_nav_link_while_the_sandbox_is_active(
        self, mailbox: Any, settings: Any
    ) -> None:
        client = mailbox.client_for(mailbox.alice)
        html = client.get("/a/alice-shop/contacts/").content.decode()
        assert f'<a href="{URL}">Sandbox mailbox</a>' in html
        settings.SMTP_URL = "smtp://relay.example:25"
        assert b"Sandbox mailbox</a>" not in client.get("/a/alice-shop/contacts/").content

    def test_it_lets_a_member_read_the_mailbox(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        client = mailbox.client_for(mailbox.bob)
        assert client.get(URL).status_code == 200
        assert client.get(detail_url(message)).status_code == 200

    def test_it_answers_404_to_charlie_privacy_2(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        client = mailbox.client_for(mailbox.charlie)
        assert client.get(URL).status_code == 404
        for suffix in ("", "html/", "raw/"):
            assert client.get(detail_url(message) + suffix).status_code == 404
            # Through his own account, alice's message id leads nowhere either.
            assert client.get(detail_url(message, "charlie-co") + suffix).status_code == 404
            assert client.get(f"/sandbox/{message.pk}/{suffix}").status_code == 404
        assert client.get("/sandbox/").status_code == 404

    def test_it_redirects_anonymous_to_login(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        for url in (URL, detail_url(message), detail_url(message) + "raw/", "/sandbox/"):
            response = Client().get(url)
            assert response.status_code == 302
            assert response.url.startswith("/login/?next=")

    def test_it_refuses_other_methods(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        client = mailbox.client_for(mailbox.alice)
        assert client.post(URL).status_code == 405
        assert client.delete(detail_url(message)).status_code == 405
        assert client.post(detail_url(message) + "html/").status_code == 405

    def test_it_paginates(self, mailbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sandbox_views, "PAGE_SIZE", 1)
        mail(mailbox.alice_account, "Erste")
        mail(mailbox.alice_account, "Zweite")
        client = mailbox.client_for(mailbox.alice)
        first = client.get(URL).content.decode()
        assert "Zweite" in first and "Erste" not in first
        assert "?page=2" in first
        assert "Erste" in client.get(URL, {"page": 2}).content.decode()


class TestMessagePage:
    def test_it_shows_headers_text_part_and_source(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        response = mailbox.client_for(mailbox.alice).get(detail_url(message))
        html = response.content.decode()
        assert response.status_code == 200
        assert "<h1>Bitte bestätigen</h1>" in html
        assert '<th scope="row"' in html and "Message-ID" in html
        assert message.message_id.replace("<", "&lt;").replace(">", "&gt;") in html
        assert "Content-Transfer-Encoding: quoted-printable" in html  # the raw source
        assert f'href="{URL}{message.pk}/raw/"' in html
        assert "This message has no text part." not in html

    def test_it_links_urls_in_the_text_part(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        html = mailbox.client_for(mailbox.alice).get(detail_url(message)).content.decode()
        # The sentence's full stop stays outside the link.
        assert f'<a href="{CONFIRM}" rel="noreferrer">{CONFIRM}</a>.' in html

    def test_it_escapes_the_text_part_and_its_links(self, mailbox: Any) -> None:
        text = (
            "<script>alert('text')</script>\n"
            'https://evil.example/"onmouseover="alert(1)\n'
            "https://example.org/?a=1&b=<b>bold</b>\n"
            "javascript:alert(1)\n"
        )
        message = mail(mailbox.alice_account, text=text)
        html = mailbox.client_for(mailbox.alice).get(detail_url(message)).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;text&#x27;)&lt;/script&gt;" in html
        assert '<a href="https://evil.example/" rel="noreferrer">' in html
        assert "onmouseover=&quot;alert(1)" in html
        assert '<a href="https://example.org/?a=1&amp;b=" rel="noreferrer">' in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html
        assert 'href="javascript:' not in html

    def test_it_shows_the_html_part_only_in_a_sandboxed_frame(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account, html=HTML)
        html = mailbox.client_for(mailbox.alice).get(detail_url(message)).content.decode()
        [frame] = re.findall(r"<iframe[^>]*>", html)
        sandbox = re.search(r'sandbox="([^"]*)"', frame)
        assert sandbox is not None
        assert "allow-scripts" not in sandbox.group(1)
        assert "allow-same-origin" not in sandbox.group(1)
        assert 'srcdoc="&lt;html&gt;&lt;head&gt;&lt;meta http-equiv=' in frame
        assert "document.title" in frame
        assert "<script>" not in html  # the mail's script exists only escaped, inside srcdoc
        assert f'href="{URL}{message.pk}/html/"' in html

    def test_it_serves_the_html_part_under_a_strict_policy(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account, html=HTML)
        response = mailbox.client_for(mailbox.alice).get(detail_url(message) + "html/")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert policy.endswith("; sandbox")
        assert "script-src" not in policy  # default-src 'none' covers scripts
        assert response["X-Frame-Options"] == "DENY"
        assert response.content.decode().startswith("<html><head><title>t</title>")

    def test_it_answers_404_for_the_html_part_of_a_text_only_message(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        response = mailbox.client_for(mailbox.alice).get(detail_url(message) + "html/")
        assert response.status_code == 404

    def test_it_downloads_the_raw_message_byte_for_byte(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account, html=HTML)
        response = mailbox.client_for(mailbox.alice).get(detail_url(message) + "raw/")
        assert response.status_code == 200
        assert response["Content-Type"] == "message/rfc822"
        assert f'filename="message-{message.pk}.eml"' in response["Content-Disposition"]
        assert response.content == bytes(message.raw)


class TestOperatorMailbox:
    def test_it_lists_every_accounts_mail_and_platform_mail(self, mailbox: Any) -> None:
        mail(mailbox.alice_account, "Alices Post")
        mail(mailbox.charlie_account, "Charlies Post")
        platform = mail(None, "Plattform-Post")
        client = mailbox.client_for(mailbox.operator)
        html = client.get("/sandbox/").content.decode()
        for subject in ("Alices Post", "Charlies Post", "Plattform-Post"):
            assert subject in html
        assert f'href="/sandbox/{platform.pk}/"' in html
        detail = client.get(f"/sandbox/{platform.pk}/")
        assert detail.status_code == 200
        assert b"platform" in detail.content
        assert client.get(f"/sandbox/{platform.pk}/raw/").content == bytes(platform.raw)

    def test_it_offers_operators_the_account_view_too(self, mailbox: Any) -> None:
        message = mail(mailbox.alice_account)
        client = mailbox.client_for(mailbox.operator)
        html = client.get(URL).content.decode()
        assert 'href="/sandbox/">Messages of all accounts' in html
        assert client.get(detail_url(message)).status_code == 200

    def test_it_hides_the_operators_mailbox_from_account_users(self, mailbox: Any) -> None:
        message = mail(None)
        client = mailbox.client_for(mailbox.alice)
        assert client.get("/sandbox/").status_code == 404
        assert client.get(f"/sandbox/{message.pk}/").status_code == 404
        assert client.post("/sandbox/").status_code == 405


@pytest.mark.browser
def test_it_shows_the_confirmation_mail_in_a_browser_and_follows_its_link(
    transactional_db: Any, live_server: Any, page: Any, settings: Any
) -> None:
    """FORM-2 on a fresh machine: read the mail in the sandbox, click its link. The mail's
    HTML is shown, but its script neither runs nor reaches the page around it."""
    from playwright.sync_api import expect

    settings.SMTP_URL = ""
    world = Personas()
    target = f"{live_server.url}/a/alice-shop/lists/?from=mail"
    mail(
        world.alice_account,
        text=f"Bitte bestätigen Sie hier: {target}\n",
        html=HTML.replace(CONFIRM, target),
    )

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Sandbox mailbox").click()
    expect(page).to_have_url(re.compile(r"/a/alice-shop/sandbox/$"))
    page.get_by_role("link", name="Bitte bestätigen").click()

    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Willkommen")).to_be_visible()
    expect(frame.get_by_role("link", name="Bestätigen")).to_be_visible()
    title = page.title()
    assert "pwned" not in title
    assert page.evaluate("document.body.dataset.pwned") is None

    page.locator("pre.mail-text").get_by_role("link").click()
    expect(page).to_have_url(target)
    expect(page.locator("h1")).to_have_text("Lists")


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("see https://example.org/a.", "https://example.org/a"),
        ("(https://example.org/a)", "https://example.org/a"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("<https://example.org/c/42:1t:x/>", "https://example.org/c/42:1t:x/"),
        ("HTTP://EXAMPLE.ORG/x?a=1&b=2!", "HTTP://EXAMPLE.ORG/x?a=1&amp;b=2"),
    ],
)
def test_it_links_exactly_the_url(text: str, linked: str) -> None:
    html = sandbox_views.linkify(text)
    assert f'<a href="{linked}" rel="noreferrer">{linked}</a>' in html


def test_it_links_nothing_but_http_urls() -> None:
    text = "ftp://example.org mailto:a@example.org www.example.org javascript:alert(1)"
    assert "<a " not in sandbox_views.linkify(text)
