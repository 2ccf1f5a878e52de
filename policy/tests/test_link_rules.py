"""CONTENT-6: blocklist entries and the links they catch (pure rules)."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from policy.link_rules import (
    blocked_links,
    is_listed,
    links_of,
    parse_pattern,
    zone_names,
)


def test_an_entry_is_a_host_or_a_host_and_path() -> None:
    assert str(parse_pattern("https://Bad.Example/")) == "bad.example"
    assert str(parse_pattern("files.example/malware/")) == "files.example/malware"
    assert str(parse_pattern("bücher.example")) == "xn--bcher-kva.example"
    for wrong in ("", "localhost", "ftp://x.example", "not a host", "x" * 501):
        with pytest.raises(InvalidInput):
            parse_pattern(wrong)


def test_links_are_the_absolute_targets_without_template_expressions() -> None:
    html = (
        '<a href="https://shop.example/a?x=1&amp;y=2">A</a><img src="http://images.example/i.png">'
        '<a href="{{ unsubscribe_url }}">Ab</a><a href="mailto:x@example.org">M</a>'
        "<a href='https://shop.example/a?x=1&amp;y=2'>again</a>"
    )
    text = "Mehr: https://text.example/p, und (https://x.example/q)."
    assert links_of(html, text) == [
        "https://shop.example/a?x=1&y=2",
        "http://images.example/i.png",
        "https://text.example/p",
        "https://x.example/q",
    ]


def test_an_entry_catches_its_host_names_below_it_and_its_path() -> None:
    patterns = [parse_pattern("bad.example"), parse_pattern("files.example/malware")]
    links = [
        "https://bad.example/x",
        "https://www.bad.example/",
        "https://notbad.example/",
        "https://files.example/malware/kit.exe",
        "https://files.example/docs",
    ]
    assert [(link, str(p)) for link, p in blocked_links(links, patterns)] == [
        ("https://bad.example/x", "bad.example"),
        ("https://www.bad.example/", "bad.example"),
        ("https://files.example/malware/kit.exe", "files.example/malware"),
    ]


def test_a_dns_blocklist_is_asked_for_the_host_and_its_parents() -> None:
    assert zone_names("www.shop.bad.example", "dbl.test.") == [
        "www.shop.bad.example.dbl.test",
        "shop.bad.example.dbl.test",
        "bad.example.dbl.test",
    ]
    assert is_listed(["127.0.1.2"]) and not is_listed([])
    assert not is_listed(["127.255.255.254"])  # the blocklist refused the resolver
