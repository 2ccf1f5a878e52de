"""The pure import rules: catalogue, status values, dates, existing contacts, report cells."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.rules import LegalBasis, Status
from imports.rules import (
    ALLOWED_SOURCES,
    CATALOGUE,
    FORBIDDEN_SOURCES,
    Reason,
    decide_existing,
    import_refusal,
    last_contact_problem,
    merge_fields,
    neutralise_cell,
    parse_date,
    parse_status,
    reason_text,
)

A, U, B, D = Status.ACTIVE, Status.UNSUBSCRIBED, Status.BOUNCED, Status.DELETED


def refusal(source: str, **kwargs: object) -> str | None:
    defaults: dict[str, object] = {
        "evidence_ref": "",
        "sponsors": [],
        "account_names": ["Alice Shop", "alice-shop"],
        "max_sponsors": 10,
        "product_category": "",
    }
    defaults.update(kwargs)
    return import_refusal(source, **defaults)


def test_import_003_every_allowed_source_maps_to_a_legal_basis() -> None:
    assert {CATALOGUE[s].basis for s in ALLOWED_SOURCES} == set(LegalBasis)
    assert len(FORBIDDEN_SOURCES) == 9
    for source in FORBIDDEN_SOURCES:
        assert "may not be imported" in (refusal(source) or "")


def test_import_003_the_needs_of_each_source() -> None:
    assert refusal("double_opt_in") is None
    assert refusal("business_card") and refusal("business_card", evidence_ref="scan-3") is None
    assert refusal("existing_customer")
    assert refusal("existing_customer", product_category="shoes") is None
    assert refusal("co_registration", sponsors=["ALICE  shop"]) is None
    assert "must be one of" in (refusal("co_registration", sponsors=["Bob AG"]) or "")


@given(st.text(max_size=3))
def test_status_005_only_exact_capitals_are_a_status(raw: str) -> None:
    status, valid = parse_status(raw)
    if raw in ("A", "U", "B", "D"):
        assert (status, valid) == (Status(raw), True)
    elif raw == "":
        assert (status, valid) == (None, True)
    else:
        assert (status, valid) == (None, False)


def test_import_004_last_contact_window() -> None:
    today = date(2026, 12, 1)
    check = lambda raw: last_contact_problem(raw, today=today, window_days=183)  # noqa: E731
    assert check("2026-06-01") is None
    assert check("01.06.2026") is None
    assert check(date(2026, 5, 31)) == Reason.LAST_CONTACT_TOO_OLD
    assert check("2026-12-02") == Reason.INVALID_LAST_CONTACT
    assert check("") == Reason.MISSING_LAST_CONTACT
    assert parse_date("2026-06-01T10:00:00Z") == date(2026, 6, 1)


@pytest.mark.parametrize(
    ("current", "requested", "new", "kept"),
    [
        (A, U, U, False),
        (A, B, B, False),
        (A, D, None, True),
        (U, A, None, True),
        (B, A, None, True),
        (D, A, None, True),
        (B, U, None, True),
        (U, None, None, False),
        (U, U, None, False),
    ],
)
def test_import_007_existing_contacts_are_never_raised(
    current: Status, requested: Status | None, new: Status | None, kept: bool
) -> None:
    decision = decide_existing(current, requested)
    assert (decision.new_status, decision.status_kept) == (new, kept)


def test_import_007_fields_fill_only_empty_values() -> None:
    current = {"first_name": "Anna", "city": ""}
    incoming = {"first_name": "Hanna", "city": "Bonn", "plan": ""}
    assert merge_fields(current, incoming, overwrite=False) == {"city": "Bonn"}
    assert merge_fields(current, incoming, overwrite=True) == {
        "first_name": "Hanna",
        "city": "Bonn",
    }


@given(st.text(max_size=20))
def test_import_009_report_cells_never_start_a_formula(text: str) -> None:
    cell = neutralise_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "|", "%"))
    assert cell.removeprefix("'") == text or cell == text


def test_every_reason_has_a_text() -> None:
    assert all(reason_text(r) for r in Reason)


ADDRESSES = st.one_of(
    st.emails(),
    st.text(max_size=30),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=12), st.text(max_size=12)),
)


# Near-misses of the ASCII fast path: its characters and the ones around it, dots in every
# place, quotes, brackets, spaces, non-ASCII, odd domains and overlong addresses.
_LOCAL_ALPHABET = (
    "aZ09!#$%&'*+-/=?^_`{|}~." + '"\\()<>[]:;,@ \t\n\x00\x7f' + "äß\u00a0\u200b\u2028\uff46"
)
_DOMAINS = st.sampled_from(
    [
        "example.com",
        "EXAMPLE.COM",
        "example.com.",
        "exa_mple.com",
        "-example.com",
        "ex..ample.com",
        "localhost",
        "[127.0.0.1]",
        "bücher.de",
        "xn--bcher-kva.de",
        "a" * 64 + ".com",
        ("a" * 60 + ".") * 4 + "com",
        "",
        "example.com ",
        "exam ple.com",
    ]
)
ADVERSARIAL = st.one_of(
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet=_LOCAL_ALPHABET, min_size=0, max_size=70),
        _DOMAINS,
    ),
    st.builds(lambda n, domain: f"{'a' * n}@{domain}", st.integers(1, 260), _DOMAINS),
    st.text(alphabet=_LOCAL_ALPHABET + "example.com", max_size=40),
)


# Labels in front of a domain: the shortcut for a plain label before a known domain.
SUBDOMAINS = st.builds(
    lambda local, label, parent: f"{local}@{label}.{parent}",
    st.sampled_from(["anna", "info", "a.b", "jürgen"]),
    st.one_of(
        st.text(alphabet="az09-_A.ä", max_size=70),
        st.sampled_from(["x" * 63, "x" * 64, "a-b", "ab--c", "xn--bcher-kva", "1", "-a", "a-"]),
    ),
    st.sampled_from(
        [
            "example.com",
            "com",
            "co.uk",
            "bücher.de",
            "xn--bcher-kva.de",
            "xn--mgbh0fb.xn--kgbechtv",
            "localhost",
            "local",
            "test",
            "a.test",
            "arpa",
            "example.com.",
            "EXAMPLE.com",
            "example.123",
            "123",
            "ex_ample.com",
            "a" * 63 + ".com",
            ("a" * 60 + ".") * 3 + "com",
            ("a" * 60 + ".") * 4 + "com",
        ]
    ),
)


@given(st.one_of(ADDRESSES, ADVERSARIAL, SUBDOMAINS))
def test_import_005_the_fast_address_check_agrees_with_email_validator(raw: str) -> None:
    """The per-domain cache, the ASCII dot-atom fast path and the shortcut for a plain
    label before a known domain change no verdict and no normalised form."""
    from email_validator import EmailNotValidError, validate_email

    from contacts.addresses import checked_address
    from core.addresses import normalise_address
    from core.errors import InvalidInput

    raw = raw.strip()  # a cell reaches the check stripped (files.cell_text)
    try:
        validate_email(raw, check_deliverability=False)
        expected: str | None = normalise_address(raw)
    except (EmailNotValidError, InvalidInput):
        expected = None
    if len(raw.rpartition("@")[0].encode()) > 64:
        expected = None  # RFC 5321's limit, which email-validator checks only when strict
    assert checked_address(raw) == expected


def test_import_005_common_addresses_take_the_fast_path() -> None:
    from contacts.addresses import DOT_ATOM_ADDRESS

    assert DOT_ATOM_ADDRESS.match("anna.maria+news@example.com")
    assert not DOT_ATOM_ADDRESS.match('"anna maria"@example.com')
    assert not DOT_ATOM_ADDRESS.match("anna..maria@example.com")
    assert not DOT_ATOM_ADDRESS.match("jürgen@example.com")
