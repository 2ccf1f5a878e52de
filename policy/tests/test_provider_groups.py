"""SEND-5: mailbox provider groups, a policy table the operator extends in the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.errors import InvalidInput, RuleViolation
from policy import services
from policy.models import ProviderGroup
from policy.rules import Provider, ProviderTable, overlaps, parse_pattern, parse_patterns
from policy.selectors import provider_table

TABLE = ProviderTable(
    (
        Provider("gmail", 3000, ("gmail.com", "googlemail.com")),
        Provider("microsoft", 1200, ("outlook.com", "hotmail.*", "live.*")),
        Provider("yahoo", 1200, ("yahoo.*",)),
    ),
    Provider("default", 600, is_default=True),
)


@pytest.mark.parametrize(
    ("domain", "key", "rate"),
    [
        ("gmail.com", "provider:gmail", 3000),
        ("GoogleMail.com.", "provider:gmail", 3000),
        ("hotmail.de", "provider:microsoft", 1200),
        ("hotmail.co.uk", "provider:microsoft", 1200),
        ("yahoo.fr", "provider:yahoo", 1200),
        ("gmail.de", "domain:gmail.de", 600),
        ("mail.gmail.com", "domain:mail.gmail.com", 600),
        ("myhotmail.de", "domain:myhotmail.de", 600),
        ("hotmail", "domain:hotmail", 600),
    ],
)
def test_it_finds_the_provider_of_a_domain_and_else_the_default_per_domain(
    domain: str, key: str, rate: int
) -> None:
    found = TABLE.destination(domain)
    assert (found.key, found.per_minute) == (key, rate)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("gmail", "'gmail' is not a domain"), ("*.com", "'*.com'"), ("a b", "'a'"), ("-x.de", "-x")],
)
def test_it_refuses_what_is_not_a_domain_naming_it(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_patterns(raw)
    assert message in error.value.message


def test_it_names_the_bad_domain_in_german_and_french() -> None:
    from django.utils import translation

    for language, words in (("de", "ist keine Domain"), ("fr", "n\u2019est pas un domaine")):
        with translation.override(language), pytest.raises(InvalidInput) as error:
            parse_patterns("gmail.com gmail")
        assert f"'gmail' {words}" in error.value.message


def test_it_reads_patterns_one_per_line_or_separated_and_lowercases() -> None:
    assert parse_patterns("GMX.de\n gmx.net, web.de;gmx.de") == ("gmx.de", "gmx.net", "web.de")
    assert parse_pattern("Hotmail.*") == "hotmail.*"
    with pytest.raises(InvalidInput, match="at most 200"):
        parse_patterns(" ".join(f"d{n}.example" for n in range(201)))


def test_a_domain_in_two_groups_is_an_overlap() -> None:
    others = {"microsoft": ("hotmail.*", "outlook.com")}
    assert overlaps(("hotmail.de",), others) == ["hotmail.de is already in group microsoft"]
    assert overlaps(("outlook.com", "gmx.de"), others) == [
        "outlook.com is already in group microsoft"
    ]
    assert overlaps(("gmx.de",), others) == []


def test_the_platform_starts_with_the_provider_groups_and_a_default(db: Any) -> None:
    """Seeded by the migration: the big providers of the requirements' markets."""
    rows = {g.name: g for g in ProviderGroup.objects.all()}
    assert {"gmail", "microsoft", "yahoo", "united-internet", "t-online", "orange", "free"} < set(
        rows
    )
    assert [g.name for g in rows.values() if g.is_default] == ["default"]
    table = provider_table()
    same = {table.destination(d).key for d in ("gmx.de", "gmx.net", "gmx.at", "web.de")}
    assert same == {"provider:united-internet"}
    assert table.destination("aol.de").key == table.destination("yahoo.com").key
    assert table.destination("wanadoo.fr").key == "provider:orange"
    assert table.destination("example.org").key == "domain:example.org"


def test_services_keep_the_table_consistent(world: Any) -> None:
    group = services.save_provider_group(
        ProviderGroup(name="posteo", domains="Posteo.de posteo.net", per_minute=120),
        by=world.operator,
    )
    assert group.domains == "posteo.de\nposteo.net"
    assert provider_table().destination("posteo.net").per_minute == 120  # seen at once
    with pytest.raises(InvalidInput, match=r"gmail\.com is already in group gmail"):
        services.save_provider_group(ProviderGroup(name="g2", domains="gmail.com", per_minute=5))
    with pytest.raises(InvalidInput, match="between 1 and"):
        services.save_provider_group(ProviderGroup(name="g3", domains="a.example", per_minute=0))
    with pytest.raises(RuleViolation):
        services.delete_provider_group(ProviderGroup.objects.get(is_default=True))
    services.delete_provider_group(group)
    assert provider_table().destination("posteo.net").key == "domain:posteo.net"


def test_the_operator_edits_groups_in_the_admin_and_bad_input_is_named(world: Any) -> None:
    client = world.client_for(world.operator)
    add = reverse("admin:policy_providergroup_add")
    refused = client.post(add, {"name": "posteo", "domains": "posteo.de\nposteo", "per_minute": 60})
    assert refused.status_code == 200
    assert "&#x27;posteo&#x27; is not a domain" in refused.content.decode()
    clash = client.post(add, {"name": "gm", "domains": "googlemail.com", "per_minute": 60})
    assert "googlemail.com is already in group gmail" in clash.content.decode()
    made = client.post(add, {"name": "posteo", "domains": "posteo.de", "per_minute": 60})
    assert made.status_code == 302
    group = ProviderGroup.objects.get(name="posteo")
    assert group.updated_by == world.operator and group.per_minute == 60
    default = ProviderGroup.objects.get(is_default=True)
    change = reverse("admin:policy_providergroup_change", args=[default.pk])
    assert (
        client.post(change, {"name": "default", "domains": "", "per_minute": 900}).status_code
        == 302
    )
    assert provider_table().destination("example.org").per_minute == 900
    delete = reverse("admin:policy_providergroup_delete", args=[default.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    # Teammates and other accounts' users are no operators.
    assert world.client_for(world.bob).get(add).status_code == 302
