"""Address classification (AUDIT-1 i, ii, iv, v; IMPORT-5/8), without DNS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.addresses import CLASSES, ROLE_LOCAL_PARTS, AddressCheck, check_address, typo_of
from policy.address_rules import AddressRules, ProviderRule

ISEMAIL = json.loads((Path(__file__).parent / "data" / "isemail.json").read_text())
VALID = {"ISEMAIL_VALID_CATEGORY", "ISEMAIL_DNSWARN"}
# Valid for RFC 5322 only through quoted strings, comments, folding white space, IP or
# domain literals, dotless or numeric top-level domains, or obsolete syntax: not a mailbox
# a marketer can send to, so `invalid` by consentry's stricter rule.
STRICTER = {"ISEMAIL_RFC5321", "ISEMAIL_CFWS", "ISEMAIL_DEPREC", "ISEMAIL_RFC5322"}


def _case_id(case: dict[str, object]) -> str:
    return f"isemail-{case['id']}"


@pytest.mark.parametrize("case", ISEMAIL["tests"], ids=_case_id)
def test_it_agrees_with_the_isemail_test_set(case: dict[str, str]) -> None:
    check = check_address(case["address"])
    if case["category"] in VALID:
        assert check.valid and "invalid" not in check.classes
    else:
        assert case["category"] == "ISEMAIL_ERR" or case["category"] in STRICTER
        assert not check.valid and check.classes == ("invalid",)


def test_the_isemail_set_covers_every_category() -> None:
    categories = {case["category"] for case in ISEMAIL["tests"]}
    assert categories == VALID | STRICTER | {"ISEMAIL_ERR"}
    assert len(ISEMAIL["tests"]) == 164


@pytest.mark.parametrize(
    "address",
    [
        '"anna maria"@example.de',  # quoted local part
        "anna@[192.0.2.1]",  # IP literal
        "anna@[IPv6:2001:db8::1]",
        "(Anna)anna@example.de",  # comment
        "Anna <anna@example.de>",  # display name
        "anna@example",  # no dot in the domain
        "a" * 65 + "@example.de",  # RFC 5321: 64 octets before the @
        "anna@" + "a" * 64 + ".de",  # a label over 63
        "anna@" + ".".join(["a" * 60] * 5) + ".de",  # over 254 in all
        "anna@xn--zz.de",  # invalid IDNA
        "anna@ex_ample.de",
        "anna@localhost",
        "anna@example.invalid",
    ],
)
def test_it_calls_impossible_addresses_invalid(address: str) -> None:
    assert check_address(address) == AddressCheck(address, False, ("invalid",))


def test_it_keeps_international_addresses_and_normalises_the_domain() -> None:
    check = check_address("jürgen@Bücher.de")
    assert check == AddressCheck("jürgen@xn--bcher-kva.de", True, ())


@pytest.mark.parametrize(
    "address",
    [
        "abuse@example.de",
        "postmaster@example.de",
        "Info@example.de",
        "noreply@example.de",
        "no-reply@example.de",
        "kontakt+web@example.de",
        "office@example.de",
        "root@example.de",
        "hostmaster@example.de",
        "webmaster@example.de",
    ],
)
def test_it_flags_role_addresses_before_any_tag(address: str) -> None:
    """IMPORT-8, AUDIT-1 (i)."""
    assert check_address(address).classes == ("role",)


def test_the_role_list_holds_what_the_large_esps_refuse() -> None:
    named = "abuse admin postmaster hostmaster webmaster info support sales office kontakt"
    named += " contact noreply no-reply root"
    assert set(named.split()) <= ROLE_LOCAL_PARTS
    assert len(ROLE_LOCAL_PARTS) >= 45
    assert check_address("information@example.de").classes == ()
    assert check_address("anna.info@example.de").classes == ()


def test_it_flags_disposable_domains_and_their_subdomains() -> None:
    """AUDIT-1 (ii): the published list."""
    assert check_address("anna@mailinator.com").classes == ("disposable",)
    assert check_address("anna@mx.mailinator.com").classes == ("disposable",)
    assert check_address("anna@example.de").classes == ()


def test_the_operators_list_adds_and_removes_disposable_domains() -> None:
    rules = AddressRules(
        disposable=frozenset({"wegwerf.example"}), not_disposable=frozenset({"mailinator.com"})
    )
    assert check_address("anna@wegwerf.example", rules=rules).classes == ("disposable",)
    assert check_address("anna@mailinator.com", rules=rules).classes == ()


@pytest.mark.parametrize(
    ("address", "broken"),
    [
        ("anna@gmail.com", True),  # Gmail: at least 6
        ("anna.maria@gmail.com", False),
        ("annamaria+news@gmail.com", False),  # the tag does not count
        ("anna_maria@gmail.com", True),  # Gmail: letters, digits, dots
        ("a" * 31 + "@gmail.com", True),
        ("1anna@outlook.com", True),  # Microsoft: starts with a letter
        ("anna-maria@hotmail.de", False),
        ("ann@yahoo.fr", True),  # Yahoo: at least 4
        ("anna.m.s@yahoo.com", True),  # Yahoo: one dot
        ("anna-spam@yahoo.com", False),  # Yahoo's own disposable form
        ("anna+news@gmx.de", True),  # GMX knows no tags
        ("an@web.de", True),
        ("anna.schmidt@t-online.de", False),
        ("1marie@orange.fr", True),
        ("marie@free.fr", False),
    ],
)
def test_it_flags_addresses_that_break_a_providers_rules(address: str, broken: bool) -> None:
    """AUDIT-1 (v)."""
    assert ("provider_rule" in check_address(address).classes) is broken


def test_the_operator_extends_the_provider_rules() -> None:
    rules = AddressRules(providers=(ProviderRule("beispiel", ("beispiel.example",), 5, 10),))
    assert check_address("anna@beispiel.example", rules=rules).classes == ("provider_rule",)
    assert check_address("annamaria@beispiel.example", rules=rules).classes == ()
    # Without the default rules in the table, Gmail's minimum is gone too.
    assert check_address("anna@gmail.com", rules=rules).classes == ()


@pytest.mark.parametrize(
    ("domain", "meant"),
    [
        ("gmial.com", "gmail.com"),
        ("gmai.com", "gmail.com"),
        ("hotmial.com", "hotmail.com"),
        ("gmx.dee", "gmx.de"),
        ("t-onlien.de", "t-online.de"),
        ("t-online.com", None),  # two changes away: not guessed
        ("yaho.fr", "yahoo.fr"),
        ("outlok.com", "outlook.com"),
        ("wanadoo.fe", "wanadoo.fr"),
        ("gmail.com", None),
        ("mail.com", None),  # a real provider, one letter from gmail.com
        ("gmx.at", None),
        ("gmail.de", None),  # a small provider of its own, one letter from mail.de
        ("aol.fr", None),
        ("example.de", None),
    ],
)
def test_it_suggests_the_large_domain_a_typo_meant(domain: str, meant: str | None) -> None:
    assert typo_of(domain) == meant


def test_a_typo_is_flagged_with_the_corrected_address() -> None:
    check = check_address("anna.maria+news@gmx.dee")
    assert check.classes == ("typo",)
    assert check.suggestion == "anna.maria+news@gmx.de"
    assert check.valid and not check.refused


def test_classes_come_in_a_stable_order_and_decide_refusal() -> None:
    rules = AddressRules(disposable=frozenset({"gmial.com"}))
    check = check_address("info@gmial.com", rules=rules)
    assert check.classes == ("role", "disposable", "typo")
    assert check.refused
    assert check.adding("unknown_domain_state", "no_mail_domain").classes == (
        "role",
        "disposable",
        "no_mail_domain",
        "typo",
        "unknown_domain_state",
    )
    assert not check.adding("no_mail_domain").valid
    assert set(CLASSES) == {
        "role",
        "disposable",
        "no_mail_domain",
        "invalid",
        "provider_rule",
        "typo",
        "unknown_domain_state",
    }


@given(st.one_of(st.text(max_size=300), st.emails()))
def test_any_text_gets_a_verdict_and_never_an_error(text: str) -> None:
    check = check_address(text)
    assert check.valid == ("invalid" not in check.classes)
    assert list(check.classes) == [c for c in CLASSES if c in check.classes]
    if not check.valid:
        assert check.classes == ("invalid",) and check.address == text
    assert (check.suggestion is not None) == ("typo" in check.classes)
