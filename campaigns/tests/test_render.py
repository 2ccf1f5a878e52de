"""Campaign templates (SandboxedEnvironment), the text part, CSS inlining, the imprint
footer in de/en/fr (CONTENT-2, INDUSTRY-6) and sanitised previews."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from campaigns.imprint import Imprint, footer_html, footer_text, missing_fields
from campaigns.render import CompiledCampaign, sanitised, text_from_html

IMPRINT = Imprint(
    name="Alice Shop GmbH",
    address="Hauptstr. 1\n10115 Berlin",
    contact="info@alice-shop.example",
    register="HRB 12345",
    vat_id="DE123456789",
    representative="Alice Adler",
)
HTML = (
    "<style>p{color:red}</style><p>Hi {{ first_name }}</p>"
    '<a href="{{ unsubscribe_url }}">Abmelden</a>{{ imprint }}'
)
CONTACT = {"first_name": "<b>Ben</b>", "last_name": "", "email": "ben@example.org", "fields": {}}


def compiled(html: str = HTML, text: str = "", language: str = "de") -> CompiledCampaign:
    return CompiledCampaign(
        subject="Hallo {{ first_name }}", html=html, text=text, imprint=IMPRINT, language=language
    )


def test_it_renders_contact_fields_escaped_in_html_and_plain_in_text() -> None:
    rendered = compiled().render(CONTACT, unsubscribe_url="https://x/u/t", objection=False)
    assert "Hi &lt;b&gt;Ben&lt;/b&gt;" in rendered.html
    assert '<p style="color: red;">' in rendered.html  # css-inline, once per campaign
    assert "<style>p{color:red}</style>" in rendered.html  # kept for media queries
    # The link survives into the text part; the footer's "-- " line stands on its own.
    assert "Abmelden (https://x/u/t)\n\n-- \nImpressum" in rendered.text
    assert "Alice Shop GmbH" in rendered.text and "USt-IdNr.: DE123456789" in rendered.text
    assert rendered.subject == "Hallo <b>Ben</b>"


def test_the_sandbox_refuses_unsafe_template_code() -> None:
    evil = compiled(html="{{ fields.__class__.__mro__ }}{{ unsubscribe_url }}{{ imprint }}")
    with pytest.raises(SecurityError):
        evil.html.render(fields={}, unsubscribe_url="", imprint="")
        evil.html.environment.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()


@pytest.mark.parametrize(
    ("language", "title", "vat"),
    [
        ("de", "Impressum", "USt-IdNr."),
        ("en", "Imprint", "VAT ID"),
        ("fr", "Mentions légales", "TVA"),
    ],
)
def test_the_imprint_footer_speaks_the_campaign_language(
    language: str, title: str, vat: str
) -> None:
    """CONTENT-2 in de/en/fr; the UWG §7(3) notice only when asked (INDUSTRY-6)."""
    text = footer_text(IMPRINT, language, objection=False)
    assert title in text and vat in text and "10115 Berlin" in text
    html = footer_html(IMPRINT, language, objection=True)
    assert title in html and "consentry-objection" in html
    assert "consentry-objection" not in footer_html(IMPRINT, language, objection=False)


def test_an_imprint_needs_name_address_and_contact() -> None:
    assert missing_fields(Imprint(name="A")) == ["address", "contact"]
    assert missing_fields(IMPRINT) == []


def test_the_imprint_escapes_what_the_account_typed() -> None:
    html = footer_html(
        Imprint(name="<script>x</script>", address="a", contact="c"), "en", objection=False
    )
    assert "<script>" not in html


def test_text_from_html_keeps_links() -> None:
    assert "Hier (https://example.org)" in text_from_html('<a href="https://example.org">Hier</a>')


def test_previews_are_sanitised() -> None:
    """User HTML shown in the UI: no script, no event handlers; styling kept."""
    clean = sanitised('<p style="color:red" onclick="x()">a<script>alert(1)</script></p>')
    assert clean == '<p style="color:red">a</p>'
