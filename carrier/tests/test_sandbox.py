"""The sandbox mailbox: each message captured whole, scoped by account (PRIVACY-2)."""

from __future__ import annotations

from typing import Any

import pytest

from carrier import selectors
from carrier.compose import compose
from carrier.models import CapturedMessage
from carrier.parsing import parse_message
from carrier.transports import OutboundMessage, get_transport
from carrier.transports.sandbox import SandboxTransport
from core.errors import NotFound


def outbound(account_id: int | None, to: str = "kunde@example.de", **kwargs: Any) -> Any:
    raw, _ = compose(
        from_addr="Alice Shop <news@alice-shop.example>",
        to=to,
        subject=kwargs.pop("subject", "Bitte bestätigen"),
        text="Bitte bestätigen: https://127.0.0.1:8000/c/abc/\n",
        html="<p>Bitte <a href='https://127.0.0.1:8000/c/abc/'>bestätigen</a></p>",
    )
    return OutboundMessage(
        mail_from="bounces@alice-shop.example",
        rcpt_to=(to,),
        raw=kwargs.pop("raw", raw),
        account_id=account_id,
        **kwargs,
    )


class TestCapture:
    def test_it_keeps_the_raw_bytes_and_envelope_whole(
        self, world: Any, sandbox_outbox: Any
    ) -> None:
        message = outbound(world.alice_account.pk, tags={"campaign": "7"})
        result = get_transport().send(message)

        captured = sandbox_outbox.last()
        assert bytes(captured.raw) == message.raw
        assert captured.size == len(message.raw)
        assert captured.mail_from == "bounces@alice-shop.example"
        assert captured.rcpt_to == ["kunde@example.de"]
        assert captured.account == world.alice_account
        assert captured.subject == "Bitte bestätigen"
        assert captured.kind == "transactional"
        assert captured.tags == {"campaign": "7"}
        assert result.message_id == captured.message_id == sandbox_outbox.parsed()["Message-ID"]
        assert result.queue_id == str(captured.pk)
        assert result.response.startswith("250 ")

    def test_it_keeps_a_message_whose_headers_do_not_parse(self, world: Any) -> None:
        """Nothing is lost: a malformed message is still captured byte for byte."""
        raw = b"Subject: =?x-unknown?q?broken?=\r\nFrom: <<<\r\n\r\n\xff\xfe body\r\n"
        SandboxTransport().send(outbound(None, raw=raw))
        captured = CapturedMessage.objects.get()
        assert bytes(captured.raw) == raw
        assert captured.account is None
        parsed = parse_message(bytes(captured.raw))
        assert parsed.text is not None

    def test_it_refuses_a_message_without_recipients(self, db: Any) -> None:
        with pytest.raises(ValueError):
            SandboxTransport().send(OutboundMessage(mail_from="a@b.de", rcpt_to=(), raw=b""))


class TestSelectors:
    def test_it_lists_an_accounts_messages_newest_first_privacy_2(self, world: Any) -> None:
        transport = SandboxTransport()
        transport.send(outbound(world.alice_account.pk, subject="first"))
        transport.send(outbound(world.charlie_account.pk, subject="charlie's"))
        transport.send(outbound(world.alice_account.pk, subject="second"))
        transport.send(outbound(None, subject="platform"))

        alice = [m.subject for m in selectors.captured_messages_of(world.alice_account)]
        assert alice == ["second", "first"]
        everything = [m.subject for m in selectors.all_captured_messages()]
        assert everything == ["platform", "second", "charlie's", "first"]

    def test_it_does_not_load_the_raw_bytes_for_a_listing(self, world: Any) -> None:
        SandboxTransport().send(outbound(world.alice_account.pk))
        [listed] = selectors.captured_messages_of(world.alice_account)
        assert "raw" in listed.get_deferred_fields()

    def test_it_lists_every_account_in_one_query(
        self, world: Any, django_assert_num_queries: Any
    ) -> None:
        transport = SandboxTransport()
        for account in (world.alice_account, world.charlie_account, None):
            transport.send(outbound(account.pk if account else None))
        with django_assert_num_queries(1):
            slugs = [m.account.slug if m.account else "" for m in selectors.all_captured_messages()]
        assert sorted(slugs) == ["", "alice-shop", "charlie-co"]

    def test_it_finds_one_message_only_in_its_account(self, world: Any) -> None:
        SandboxTransport().send(outbound(world.alice_account.pk))
        captured = CapturedMessage.objects.get()
        assert selectors.captured_message_of(world.alice_account, captured.pk) == captured
        with pytest.raises(NotFound):
            selectors.captured_message_of(world.charlie_account, captured.pk)
        assert selectors.captured_message(captured.pk) == captured
        with pytest.raises(NotFound):
            selectors.captured_message(captured.pk + 1)


class TestParsing:
    def test_it_reads_headers_text_and_html_back(self, db: Any) -> None:
        parsed = parse_message(outbound(None).raw)
        assert parsed.header("subject") == "Bitte bestätigen"
        assert parsed.header("From") == "Alice Shop <news@alice-shop.example>"
        assert [name for name, _ in parsed.headers][:3] == ["From", "To", "Subject"]
        assert parsed.text == "Bitte bestätigen: https://127.0.0.1:8000/c/abc/\n"
        assert parsed.html is not None and "<a href=" in parsed.html
        assert parsed.defects == []

    def test_it_reads_a_message_without_html(self, db: Any) -> None:
        raw, _ = compose(from_addr="a@example.de", to="b@example.de", subject="S", text="t\n")
        parsed = parse_message(raw)
        assert (parsed.text, parsed.html) == ("t\n", None)
