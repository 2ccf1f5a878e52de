"""CONSENTRY_SMTP_URL is parsed strictly: a bad value stops the start (STYLE 6), a risky
one is warned about by `consentry check`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from carrier.checks import check_smtp_url
from carrier.transports.smtp import SmtpConfig


def test_it_reads_every_part_of_the_url() -> None:
    config = SmtpConfig.from_url(
        "smtp://us%40er:p%3Ass%2Fw@relay.example:587?starttls=1&timeout=12.5&helo=mx.example"
    )
    assert config == SmtpConfig(
        host="relay.example",
        port=587,
        starttls=True,
        username="us@er",
        password="p:ss/w",
        timeout=12.5,
        helo="mx.example",
    )
    assert "p:ss" not in str(config)
    assert str(config) == "smtp://us@er@relay.example:587"


@pytest.mark.parametrize(
    ("url", "port", "implicit_tls"),
    [("smtp://relay.example", 25, False), ("smtps://relay.example", 465, True)],
)
def test_it_defaults_the_port_by_scheme(url: str, port: int, implicit_tls: bool) -> None:
    config = SmtpConfig.from_url(url)
    assert (config.port, config.implicit_tls, config.verify) == (port, implicit_tls, True)


def test_it_reads_verify_and_cafile() -> None:
    config = SmtpConfig.from_url("smtps://relay.example?verify=0&cafile=/etc/ca.pem")
    assert (config.verify, config.cafile) == (False, "/etc/ca.pem")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://relay.example", "scheme"),
        ("smtp://relay.example:port", "port"),
        ("smtp://relay.example/path", "path"),
        ("smtp://relay.example?tls=1", "unknown option 'tls'"),
        ("smtp://relay.example?starttls=maybe", "starttls must be 1 or 0"),
        ("smtp://relay.example?timeout=soon", "timeout must be a number"),
        ("smtp://relay.example?timeout=0", "between 0 and 3600"),
        ("smtps://relay.example?starttls=1", "smtps://"),
        ("smtp://j%C3%B6rg:pw@relay.example", "ASCII"),
    ],
)
def test_it_refuses_a_bad_url_naming_the_problem(url: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CONSENTRY_SMTP_URL") as caught:
        SmtpConfig.from_url(url)
    assert problem in str(caught.value)


def test_the_check_is_silent_for_the_sandbox_and_a_good_url(settings: Any) -> None:
    settings.SMTP_URL = ""
    assert check_smtp_url() == []
    settings.SMTP_URL = "smtp://user:pw@relay.example:587?starttls=1"
    assert check_smtp_url() == []
    settings.SMTP_URL = "smtp://127.0.0.1:25"
    assert check_smtp_url() == []


@pytest.mark.parametrize(
    ("url", "check_id"),
    [
        ("smtp://relay.example?timeout=x", "delivery.E001"),
        ("smtp://user:pw@relay.example:25", "delivery.W001"),
        ("smtps://relay.example?verify=0", "delivery.W002"),
    ],
)
def test_the_check_reports_a_bad_or_risky_url(settings: Any, url: str, check_id: str) -> None:
    settings.SMTP_URL = url
    assert [problem.id for problem in check_smtp_url()] == [check_id]


def test_the_feedback_sender_id_is_checked_at_start(settings: Any) -> None:
    """INDUSTRY-3: a SenderId of 5 to 15 letters or digits."""
    from carrier.checks import check_feedback_sender_id

    settings.FEEDBACK_SENDER_ID = "consentry"
    assert check_feedback_sender_id() == []
    for bad in ("abc", "sixteen-chars-id", "with:colon"):
        settings.FEEDBACK_SENDER_ID = bad
        assert [e.id for e in check_feedback_sender_id()] == ["delivery.E002"]
