"""The pure rules of QUALITY-1..3, STATUS-3 and INDUSTRY-5: exhaustive where they are small."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.rules import (
    Limits,
    SendHealth,
    breaches,
    isp_of,
    seven_day_breach,
    soft_bounces_make_bounced,
)

LIMITS = Limits(Decimal("0.05"), Decimal("0.005"), Decimal("0.003"), 200)


@pytest.mark.parametrize(
    ("address", "isp"),
    [
        ("a@gmail.com", "Google"),
        ("b@googlemail.com", "Google"),
        ("c@hotmail.de", "Microsoft"),
        ("d@web.de", "United Internet"),
        ("e@GMX.net", "United Internet"),
        ("f@t-online.de", "T-Online"),
        ("g@wanadoo.fr", "Orange"),
        ("h@free.fr", "Free"),
        ("i@aol.com", "Yahoo"),
        ("j@firma.example", "firma.example"),
    ],
)
def test_quality_2_recipient_domains_are_grouped_into_isps(address: str, isp: str) -> None:
    assert isp_of(address) == isp


def test_quality_1_hard_bounces_judge_only_past_the_minimum_volume() -> None:
    assert breaches(SendHealth(199, 199, {}, {}), LIMITS) == []
    assert breaches(SendHealth(200, 10, {}, {}), LIMITS) == []  # exactly 5 %: not above
    (found,) = breaches(SendHealth(200, 11, {}, {}), LIMITS)
    assert found.kind == "hard_bounce_rate" and found.rate == Decimal("0.055")


def test_quality_2_complaints_judge_per_isp_and_gmail_yahoo_stricter() -> None:
    health = SendHealth(
        10_000,
        0,
        {"Google": 1000, "Microsoft": 1000, "T-Online": 100},
        {"Google": 4, "Microsoft": 4, "T-Online": 5},
    )
    found = breaches(health, LIMITS)
    # Google: 0.4 % > 0.3 %; Microsoft 0.4 % is under 0.5 %; T-Online is below min volume.
    assert [(b.kind, b.isp) for b in found] == [("complaint_rate", "Google")]


@given(
    sent=st.integers(0, 10_000),
    hard=st.integers(0, 10_000),
)
def test_a_breach_is_reported_exactly_when_the_rate_passes_the_limit(sent: int, hard: int) -> None:
    hard = min(hard, sent)
    found = breaches(SendHealth(sent, hard, {}, {}), LIMITS)
    expected = sent >= 200 and Decimal(hard) / Decimal(sent) > Decimal("0.05")
    assert bool(found) == expected


def test_status_3_soft_bounces_of_three_sends_spanning_seven_days() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    three = [(1, t0), (2, t0 + timedelta(days=3)), (3, t0 + timedelta(days=7))]
    assert soft_bounces_make_bounced(three, sends=3, span_days=7)
    assert not soft_bounces_make_bounced(three[:2], sends=3, span_days=7)
    short = [(1, t0), (2, t0 + timedelta(days=1)), (3, t0 + timedelta(days=6))]
    assert not soft_bounces_make_bounced(short, sends=3, span_days=7)
    # Several soft bounces of one send count once.
    same = [(1, t0), (1, t0 + timedelta(days=8)), (2, t0 + timedelta(days=9))]
    assert not soft_bounces_make_bounced(same, sends=3, span_days=7)


def test_industry_5_seven_day_complaint_average() -> None:
    limit = Decimal("0.003")
    assert seven_day_breach(3, 1000, limit=limit, min_volume=200) is None
    breach = seven_day_breach(4, 1000, limit=limit, min_volume=200)
    assert breach is not None and breach.explain() == (
        "4 complaints of 1000 messages of the account in 7 days = 0.40%, above the limit of 0.30%"
    )
    assert seven_day_breach(4, 100, limit=limit, min_volume=200) is None


@pytest.mark.parametrize(
    ("domain", "mx", "isp"),
    [
        ("firma.example", ["aspmx.l.google.com."], "Google"),
        ("verein.example", ["verein-example.mail.protection.outlook.com"], "Microsoft"),
        ("shop.example", ["mx00.kundenserver.de", "mx01.kundenserver.de"], "United Internet"),
        ("praxis.example", ["mx1.hoster.example"], "hoster.example"),
        ("nomx.example", [], "nomx.example"),
        ("gmail.com", ["whatever.example"], "Google"),
    ],
)
def test_quality_2_other_domains_are_grouped_by_their_mx_hosts(
    domain: str, mx: list[str], isp: str
) -> None:
    from feedback.rules import isp_of_mx

    assert isp_of_mx(domain, mx) == isp


def test_the_isp_of_an_address_is_read_from_dns(dns_server: Any) -> None:
    from feedback.apply import isp_for

    dns_server.mx("kanzlei.example", "kanzlei-example.mail.protection.outlook.com")
    assert isp_for("a@kanzlei.example") == "Microsoft"
    assert isp_for("b@gmx.de") == "United Internet"  # the list, no DNS
    assert isp_for("c@unknown.example") == "unknown.example"  # no MX: itself
