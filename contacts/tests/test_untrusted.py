"""The operator's untrusted list (IMPORT-5, IMPORT-11): addresses, whole domains and spam
traps with reason, source and date; entered through the admin and the CLI, matched
whatever the case of the address."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from contacts import selectors, services, untrusted
from contacts.models import (
    Contact,
    SuppressedDomain,
    Suppression,
    SuppressionReason,
)
from contacts.rules import UntrustedEntry, parse_untrusted
from contacts.testing import Personas
from core.addresses import InvalidAddress, address_key
from core.errors import InvalidInput, NotFound

OPERATOR = "operator:olga"


def stored_text() -> str:
    """Every column of every untrusted entry, as one text: what a leak would show."""
    rows = [*Suppression.objects.values_list(), *SuppressedDomain.objects.values_list()]
    return repr(rows).lower()


# --- what the operator types ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "entry"),
    [
        ("ULLA@Example.DE", UntrustedEntry(address="ULLA@example.de")),
        ("  ulla@example.de ", UntrustedEntry(address="ulla@example.de")),
        ("@Example.DE", UntrustedEntry(domain="example.de")),
        ("@Bücher.example", UntrustedEntry(domain="xn--bcher-kva.example")),
        ("@example.de.", UntrustedEntry(domain="example.de")),
    ],
)
def test_it_reads_an_address_or_a_whole_domain(typed: str, entry: UntrustedEntry) -> None:
    assert parse_untrusted(typed) == entry


@pytest.mark.parametrize("typed", ["", "@", "example.de", "@a@example.de", "@exa mple.de", "x@"])
def test_it_refuses_what_is_neither_with_a_clear_error(typed: str) -> None:
    with pytest.raises(InvalidAddress):
        parse_untrusted(typed)


# --- the service and the lookups -----------------------------------------------------------


def test_import_011_an_address_added_in_capitals_matches_in_lower_case(db: Any) -> None:
    row, created = untrusted.add(
        "ULLA@Example.DE", "spam_trap", source=OPERATOR, note="Feed X, 2026-12"
    )
    assert created and isinstance(row, Suppression)
    assert (row.reason, row.source, row.note) == ("spam_trap", OPERATOR, "Feed X, 2026-12")
    assert row.created_at is not None
    assert row.address_hash == address_key("ulla@example.de")
    assert selectors.suppression_reasons("ulla@example.de") == ["spam_trap"]
    assert selectors.suppression_reasons("Ulla@EXAMPLE.de") == ["spam_trap"]
    assert selectors.suppression_reasons("ulla2@example.de") == []
    assert "ulla" not in stored_text()  # only the keyed hash is kept


def test_import_011_a_domain_entry_covers_every_address_of_that_domain_only(db: Any) -> None:
    row, created = untrusted.add("@Trap.Example", "blocked", source=OPERATOR)
    assert created and isinstance(row, SuppressedDomain) and row.domain == "trap.example"
    assert selectors.suppression_reasons("ANYONE@trap.EXAMPLE") == ["blocked"]
    assert selectors.suppression_reasons("x@mail.trap.example") == []  # not subdomains
    assert selectors.suppression_reasons("x@nottrap.example") == []
    untrusted.add("x@trap.example", "spam_trap", source=OPERATOR)
    assert selectors.suppression_reasons("X@trap.example") == ["blocked", "spam_trap"]


def test_it_keeps_the_first_entry_when_the_same_one_is_added_again(db: Any) -> None:
    first, _ = untrusted.add("a@example.de", "spam_trap", source=OPERATOR, note="1")
    again, created = untrusted.add("A@example.de", "spam_trap", source="cli:root")
    assert not created and again.pk == first.pk and again.source == OPERATOR
    other, created = untrusted.add("a@example.de", "blocked", source="cli:root")
    assert created and other.pk != first.pk


@pytest.mark.parametrize(
    ("reason", "note", "source", "mentions"),
    [
        ("trusted", "", OPERATOR, "reason"),
        ("spam_trap", "x" * 201, OPERATOR, "note"),
        ("spam_trap", "a\x00b", OPERATOR, "note"),
        ("spam_trap", "", "s" * 121, "source"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    db: Any, reason: str, note: str, source: str, mentions: str
) -> None:
    with pytest.raises(InvalidInput, match=mentions):
        untrusted.add("a@example.de", reason, source=source, note=note)
    assert not Suppression.objects.exists()


def test_removing_an_entry_lets_the_address_in_again(db: Any) -> None:
    untrusted.add("ULLA@Example.DE", "spam_trap", source=OPERATOR)
    untrusted.add("ulla@example.de", "blocked", source=OPERATOR)
    untrusted.add("@example.de", "blocked", source=OPERATOR)
    assert untrusted.remove("Ulla@example.DE", by=OPERATOR, reason="blocked") == 1
    assert selectors.suppression_reasons("ulla@example.de") == ["blocked", "spam_trap"]
    assert untrusted.remove("@EXAMPLE.de", by=OPERATOR) == 1
    assert selectors.suppression_reasons("ulla@example.de") == ["spam_trap"]
    assert untrusted.remove("ulla@example.de", by=OPERATOR) == 1
    assert selectors.suppression_reasons("ulla@example.de") == []
    with pytest.raises(NotFound, match="not on the untrusted list"):
        untrusted.remove("ulla@example.de", by=OPERATOR)


def test_the_list_shows_addresses_and_domains_newest_first(db: Any) -> None:
    services.suppress("bounced@example.org", SuppressionReason.HARD_BOUNCE, source="feedback")
    untrusted.add("@example.net", "spam_trap", source=OPERATOR)
    untrusted.add("trap@example.com", "spam_trap", source=OPERATOR)
    entries = list(selectors.untrusted_entries())
    assert [(e["kind"], e["reason"], e["source"]) for e in entries] == [
        ("address", "spam_trap", OPERATOR),
        ("domain", "spam_trap", OPERATOR),
        ("address", "hard_bounce", "feedback"),
    ]
    assert entries[1]["value"] == "example.net"
    assert entries[0]["value"] == address_key("trap@example.com")
    assert [e["kind"] for e in selectors.untrusted_entries(kind="domain")] == ["domain"]
    assert len(selectors.untrusted_entries(reason="spam_trap")) == 2
    assert selectors.untrusted_entries(kind="address", reason="hard_bounce").count() == 1


def test_send_003_the_sql_check_finds_the_domain_after_the_last_at(world: Personas) -> None:
    """The query a send uses reads an address's domain as core.addresses does: after the
    last "@", so a quoted local part holding "@" is not mistaken for its domain."""
    account = world.alice_account
    for address in ("a@trap.example", "b@TRAP.example", "c@mail.trap.example", "d@safe.example"):
        world.add_contact(account, address)
    world.add_contact(account, '"x@trap.example"@safe.example')
    untrusted.add("@trap.example", "spam_trap", source=OPERATOR)
    untrusted.add("D@safe.example", "blocked", source=OPERATOR)
    flagged = Contact.objects.filter(account=account).annotate(
        untrusted=selectors.is_suppressed("address_hash", "address")
    )
    assert {c.address for c in flagged if c.untrusted} == {
        "a@trap.example",
        "b@trap.example",
        "d@safe.example",
    }
    kept = Contact.objects.filter(account=account).exclude(
        selectors.is_suppressed("address_hash", "address")
    )
    assert sorted(c.address for c in kept) == [
        '"x@trap.example"@safe.example',
        "c@mail.trap.example",
        "kunde@example.de",
    ]


def test_the_bulk_domain_lookup_answers_for_a_whole_batch(world: Personas) -> None:
    untrusted.add("@trap.example", "spam_trap", source=OPERATOR)
    untrusted.add("@trap.example", "blocked", source=OPERATOR)
    found = selectors.suppressed_domains(["safe.example", "trap.example", "trap.example"])
    assert found == {"trap.example"}
    assert selectors.suppressed_domains([]) == set()


# --- the admin ------------------------------------------------------------------------------


def test_import_011_the_operator_adds_an_address_in_the_admin_by_its_hash(
    world: Personas,
) -> None:
    admin = world.client_for(world.operator)
    form = admin.get("/admin/contacts/suppression/add/")
    assert form.status_code == 200 and 'name="entry"' in form.content.decode()
    response = admin.post(
        "/admin/contacts/suppression/add/",
        {"entry": "ULLA@Example.DE", "reason": "spam_trap", "note": "feed"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Suppression.objects.get()
    assert row.address_hash == address_key("ulla@example.de")
    assert (row.reason, row.source, row.note) == ("spam_trap", "operator:olga", "feed")
    assert "ulla" not in stored_text()
    from django.contrib.admin.models import LogEntry

    assert "ulla" not in repr(list(LogEntry.objects.values_list())).lower()
    # Search by the address: hashed, found whatever its case.
    listing = admin.get("/admin/contacts/suppression/", {"q": "ulla@EXAMPLE.de"}).content.decode()
    assert row.address_hash[:16] in listing and "operator:olga" in listing
    other = admin.get("/admin/contacts/suppression/", {"q": "else@example.de"}).content.decode()
    assert row.address_hash[:16] not in other
    # Read only once stored: no change form, no save button.
    page = admin.get(f"/admin/contacts/suppression/{row.pk}/change/").content.decode()
    assert "spam trap" in page and 'name="_save"' not in page


def test_the_admin_refuses_a_bad_address_with_the_field_named(world: Personas) -> None:
    admin = world.client_for(world.operator)
    response = admin.post(
        "/admin/contacts/suppression/add/", {"entry": "not an address", "reason": "spam_trap"}
    )
    assert response.status_code == 200
    assert "not an address" in response.content.decode()
    assert not Suppression.objects.exists()


def test_the_admin_adds_and_removes_a_whole_domain(world: Personas) -> None:
    admin = world.client_for(world.operator)
    response = admin.post(
        "/admin/contacts/suppresseddomain/add/", {"entry": "Trap.Example", "reason": "blocked"}
    )
    assert response.status_code == 302
    row = SuppressedDomain.objects.get()
    assert (row.domain, row.source) == ("trap.example", "operator:olga")
    assert "trap.example" in admin.get("/admin/contacts/suppresseddomain/").content.decode()
    assert selectors.suppression_reasons("x@trap.example") == ["blocked"]
    response = admin.post(
        "/admin/contacts/suppresseddomain/",
        {"action": "remove_entries", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert not SuppressedDomain.objects.exists()
    assert selectors.suppression_reasons("x@trap.example") == []


def test_the_admin_removes_an_address_entry(world: Personas) -> None:
    untrusted.add("ulla@example.de", "spam_trap", source=OPERATOR)
    row = Suppression.objects.get()
    admin = world.client_for(world.operator)
    response = admin.post(f"/admin/contacts/suppression/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert selectors.suppression_reasons("ULLA@example.de") == []


def test_only_operators_reach_the_untrusted_list_in_the_admin(world: Personas) -> None:
    for path in ("/admin/contacts/suppression/", "/admin/contacts/suppresseddomain/add/"):
        assert world.client_for(world.alice).get(path).status_code == 302  # to the login


# --- the CLI --------------------------------------------------------------------------------


def cli(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("suppression", *args, stdout=out)
    return out.getvalue()


def test_import_011_the_cli_adds_lists_and_removes_entries(db: Any) -> None:
    assert "added" in cli("add", "ULLA@Example.DE", "--reason", "spam_trap", "--note", "feed")
    assert "added" in cli("add", "@Trap.Example", "--reason", "blocked")
    assert "already on the list" in cli("add", "ulla@example.de", "--reason", "spam_trap")
    assert selectors.suppression_reasons("ulla@example.de") == ["spam_trap"]
    lines = cli("list").splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        ["domain", "trap.example", "blocked"],
        ["address", address_key("ulla@example.de"), "spam_trap"],
    ]
    assert lines[1].split("\t")[4].startswith("cli:")
    listed = json.loads(cli("list", "--json"))
    assert listed[1]["address_hash"] == address_key("ulla@example.de")
    assert listed[1]["note"] == "feed" and listed[0]["domain"] == "trap.example"
    assert json.loads(cli("list", "--json", "--kind", "domain"))[0]["reason"] == "blocked"
    assert json.loads(cli("list", "--json", "--reason", "complaint")) == []
    assert "1 entry removed" in cli("remove", "ulla@EXAMPLE.de")
    assert selectors.suppression_reasons("ulla@example.de") == []
    assert "1 entry removed" in cli("remove", "@trap.example", "--reason", "blocked")
    assert not SuppressedDomain.objects.exists()


def test_the_cli_says_what_is_wrong(db: Any) -> None:
    with pytest.raises(CommandError, match="not an address or @domain"):
        cli("add", "example.de", "--reason", "spam_trap")
    with pytest.raises(CommandError, match="not on the untrusted list"):
        cli("remove", "nobody@example.de")
    with pytest.raises(CommandError, match="note"):
        cli("add", "a@example.de", "--reason", "spam_trap", "--note", "n" * 201)


def test_the_migration_named_feedback_as_the_source_of_earlier_entries(db: Any) -> None:
    """0009 backfills the source of the rows feedback had written before it existed."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("contacts.migrations.0009_untrusted_list")
    Suppression.objects.create(address_hash="h1", reason="complaint")
    Suppression.objects.create(address_hash="h2", reason="spam_trap")
    migration.name_feedback_as_source(apps, connection.schema_editor())
    assert dict(Suppression.objects.values_list("address_hash", "source")) == {
        "h1": "feedback",
        "h2": "",
    }


@pytest.mark.parametrize(
    ("language", "domains", "trap"),
    [
        ("de", "nicht vertrauenswürdige Domains", "Spamfalle"),
        ("fr", "domaines non fiables", "piège à spam"),
    ],
)
def test_the_untrusted_list_speaks_german_and_french(
    db: Any, language: str, domains: str, trap: str
) -> None:
    from django.utils import translation

    with translation.override(language):
        assert str(SuppressedDomain._meta.verbose_name_plural) == domains
        assert str(SuppressionReason.SPAM_TRAP.label) == trap


# --- loading a feed (IMPORT-11) --------------------------------------------------------------


def test_import_011_the_cli_loads_a_feed_with_its_source(db: Any, tmp_path: Any) -> None:
    untrusted.add("known@example.de", "spam_trap", source=OPERATOR)
    feed = tmp_path / "feed.txt"
    feed.write_text(
        "# spam traps seen by provider X\n"
        "Trap1@Example.DE\n\n"
        "trap1@example.de  # the same address again\n"
        "@Traps.Example\n"
        "KNOWN@example.de\n",
        encoding="utf-8",
    )
    out = cli("load", str(feed), "--reason", "spam_trap", "--source", "provider X")
    assert "2 entries added, 1 already on the list" in out
    assert selectors.suppression_reasons("trap1@example.de") == ["spam_trap"]
    assert selectors.suppression_reasons("x@traps.example") == ["spam_trap"]
    row = SuppressedDomain.objects.get()
    assert row.source.startswith("cli:") and row.source.endswith(": provider X")
    assert Suppression.objects.get(address_hash=address_key("known@example.de")).source == OPERATOR
    assert "trap1" not in stored_text()


def test_a_feed_with_a_bad_line_loads_nothing_and_names_the_line(db: Any, tmp_path: Any) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("ok@example.de\nnot an address\n@\n" + "x" * 1001 + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        cli("load", str(feed), "--reason", "blocked", "--source", "feed")
    message = str(refused.value)
    assert "nothing was loaded" in message
    assert "line 2:" in message and "line 3:" in message and "line 4: longer than" in message
    assert not Suppression.objects.exists()
    with pytest.raises(CommandError, match="cannot read"):
        cli("load", str(tmp_path / "missing.txt"), "--reason", "blocked", "--source", "feed")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("m\xfcller@example.de\n".encode("latin-1"))
    with pytest.raises(CommandError, match="cannot read"):
        cli("load", str(latin), "--reason", "blocked", "--source", "feed")


def test_a_feed_is_held_to_its_size_limit(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(untrusted, "MAX_FEED_ENTRIES", 2)
    monkeypatch.setattr(untrusted, "FEED_CHUNK", 1)  # each entry its own statement
    with pytest.raises(InvalidInput, match="at most 2 entries"):
        untrusted.load(["a@example.de", "b@example.de", "@c.example"], "blocked", source="f")
    assert not Suppression.objects.exists()
    assert untrusted.load(["a@example.de", "@c.example"], "blocked", source="f") == (2, 0)
