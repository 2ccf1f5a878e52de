"""Message assembly: valid RFC 5322 (INDUSTRY-1), multipart/alternative with a text part
(CONTENT-5), 7-bit clean with CRLF line endings, encoded non-ASCII headers."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone

from carrier.compose import compose
from core.addresses import InvalidAddress

FROM = "Alice Shop <news@alice-shop.example>"
TEXT = "Hallo Jürgen,\n\nbitte bestätigen Sie: https://127.0.0.1:8000/c/abc/\n"
HTML = "<p>Hallo Jürgen,</p><p><a href='https://127.0.0.1:8000/c/abc/'>Bestätigen</a></p>"


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert [d for part in message.walk() for d in part.defects] == []
    return message


def test_it_builds_a_plain_text_message() -> None:
    raw, message_id = compose(
        from_addr=FROM, to="kunde@example.de", subject="Willkommen", text=TEXT
    )
    message = parse(raw)
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == TEXT
    assert message["From"] == FROM
    assert message["To"] == "kunde@example.de"
    assert message["Subject"] == "Willkommen"
    assert message["MIME-Version"] == "1.0"
    assert message["Message-ID"] == message_id


def test_it_builds_multipart_alternative_with_text_first_content_5() -> None:
    raw, _ = compose(from_addr=FROM, to="kunde@example.de", subject="S", text=TEXT, html=HTML)
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content().replace("\r\n", "\n") == TEXT
    assert parts[1].get_content().rstrip("\r\n") == HTML
    # MIME-Version once, at the top: not repeated inside the body parts.
    assert raw.count(b"MIME-Version:") == 1


def test_it_is_seven_bit_clean_with_crlf_line_endings() -> None:
    raw, _ = compose(
        from_addr="Jürgen Müller <j@example.de>",
        to="Zoë Faßbender <kunde@example.de>",
        subject="Bitte bestätigen \N{EN DASH} jetzt " + "sehr lange Betreffzeile " * 6,
        text=TEXT + "x" * 1200 + "\n",  # a line longer than SMTP's 998 limit
        html=HTML,
    )
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_it_encodes_non_ascii_headers_and_display_names() -> None:
    raw, _ = compose(
        from_addr="Jürgen Müller <j@example.de>",
        to="Zoë Faßbender <kunde@example.de>",
        subject="Bitte bestätigen Sie Ihre Anmeldung",
        text=TEXT,
        reply_to="Kundendienst Ü <hilfe@example.de>",
    )
    assert b"=?utf-8?" in raw
    message = parse(raw)
    assert message["From"].addresses[0].display_name == "Jürgen Müller"
    assert message["To"].addresses[0].display_name == "Zoë Faßbender"
    assert message["Reply-To"].addresses[0].addr_spec == "hilfe@example.de"
    assert message["Subject"] == "Bitte bestätigen Sie Ihre Anmeldung"


def test_it_writes_internationalised_domains_as_idna() -> None:
    raw, message_id = compose(
        from_addr="info@bücher.example", to="kunde@münchen.example", subject="S", text="t"
    )
    message = parse(raw)
    assert message["From"].addresses[0].domain == "xn--bcher-kva.example"
    assert message["To"].addresses[0].domain == "xn--mnchen-3ya.example"
    assert message_id.endswith("@xn--bcher-kva.example>")


def test_it_dates_the_message_now() -> None:
    before = timezone.now().replace(microsecond=0)
    raw, _ = compose(from_addr=FROM, to="kunde@example.de", subject="S", text="t")
    date = parsedate_to_datetime(parse(raw)["Date"])
    assert date.tzinfo is not None
    assert before <= date <= timezone.now()


def test_it_makes_a_unique_message_id_in_angle_brackets() -> None:
    ids = {
        compose(from_addr=FROM, to="kunde@example.de", subject="S", text="t")[1] for _ in range(50)
    }
    assert len(ids) == 50
    for message_id in ids:
        assert re.fullmatch(r"<[0-9]{14}\.[0-9a-f]{20}@alice-shop\.example>", message_id)


def test_it_takes_the_message_id_domain_when_given() -> None:
    _, message_id = compose(
        from_addr=FROM,
        to="kunde@example.de",
        subject="S",
        text="t",
        message_id_domain="mail.consentry.example",
    )
    assert message_id.endswith("@mail.consentry.example>")


def test_it_adds_extra_headers() -> None:
    raw, _ = compose(
        from_addr=FROM,
        to="kunde@example.de",
        subject="S",
        text="t",
        headers={"Auto-Submitted": "auto-generated", "X-Mailing-ID": "m-42"},
    )
    message = parse(raw)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Mailing-ID"] == "m-42"


@pytest.mark.parametrize(
    "headers",
    [
        {"Subject": "second subject"},
        {"bcc": "hidden@example.org"},
        {"Content-Type": "text/html"},
        {"Bad Name": "x"},
        {"X-Injected": "a\r\nBcc: hidden@example.org"},
    ],
)
def test_it_refuses_headers_that_would_make_the_message_ambiguous(
    headers: dict[str, str],
) -> None:
    with pytest.raises(ValueError):
        compose(from_addr=FROM, to="kunde@example.de", subject="S", text="t", headers=headers)


def test_it_refuses_a_subject_with_a_line_break() -> None:
    with pytest.raises(ValueError):
        compose(from_addr=FROM, to="kunde@example.de", subject="S\nBcc: x@example.org", text="t")


@pytest.mark.parametrize(
    "to", ["not an address", "", "kunde@", "jörg@example.de", "a@b.de, c@d.de"]
)
def test_it_refuses_an_unusable_recipient(to: str) -> None:
    with pytest.raises(InvalidAddress):
        compose(from_addr=FROM, to=to, subject="S", text="t")
