"""AUDIT-1 (ii, v): the operator's provider rules and disposable domains, seeded by a
migration and edited in the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from contacts.addresses import check_address
from core.errors import InvalidInput
from policy import services
from policy.address_rules import DEFAULT_PROVIDER_RULES
from policy.models import DisposableDomain, MailboxProviderRule
from policy.selectors import address_rules


def test_the_platform_starts_with_the_default_provider_rules(db: Any) -> None:
    """The migration's copy and the defaults agree when they were written."""
    assert address_rules().providers == tuple(
        sorted(DEFAULT_PROVIDER_RULES, key=lambda rule: rule.name)
    )
    assert {"gmail", "microsoft", "yahoo", "united-internet", "t-online", "orange", "free"} <= {
        rule.name for rule in address_rules().providers
    }


def test_services_check_and_apply_a_rule_at_once(world: Any) -> None:
    rule = services.save_mailbox_provider_rule(
        MailboxProviderRule(name="posteo", domains="Posteo.de, posteo.net", min_length=5),
        by=world.operator,
    )
    assert rule.domains == "posteo.de\nposteo.net"
    rules = address_rules()  # seen at once
    assert check_address("anna@posteo.net", rules=rules).classes == ("provider_rule",)
    with pytest.raises(InvalidInput, match="minimum"):
        services.save_mailbox_provider_rule(
            MailboxProviderRule(name="x", domains="x.example", min_length=9, max_length=3)
        )
    with pytest.raises(InvalidInput, match="not allowed in an address"):
        services.save_mailbox_provider_rule(
            MailboxProviderRule(name="x", domains="x.example", extra_characters="._@")
        )
    with pytest.raises(InvalidInput, match="is not a domain"):
        services.save_disposable_domain(DisposableDomain(domain="not a domain"))
    services.delete_mailbox_provider_rule(rule)
    assert check_address("anna@posteo.net", rules=address_rules()).classes == ()


def test_the_operator_edits_the_tables_in_the_admin_and_bad_input_is_named(world: Any) -> None:
    client = world.client_for(world.operator)
    add = reverse("admin:policy_mailboxproviderrule_add")
    fields = {
        "name": "posteo",
        "domains": "posteo.de",
        "min_length": "8",
        "max_length": "4",
        "extra_characters": "._-",
        "tag": "+",
    }
    refused = client.post(add, fields)
    assert refused.status_code == 200
    assert "minimum" in refused.content.decode()
    made = client.post(add, {**fields, "min_length": "3", "max_length": "40"})
    assert made.status_code == 302
    assert MailboxProviderRule.objects.get(name="posteo").updated_by == world.operator

    add = reverse("admin:policy_disposabledomain_add")
    bad = client.post(add, {"domain": "wegwerf", "disposable": "on"})
    assert "is not a domain" in bad.content.decode()
    assert client.post(add, {"domain": "@Wegwerf.Example", "disposable": "on"}).status_code == 302
    assert DisposableDomain.objects.get().domain == "wegwerf.example"
    twice = client.post(add, {"domain": "wegwerf.example", "disposable": "on"})
    assert "listed already" in twice.content.decode()
    assert "wegwerf.example" in address_rules().disposable
    # Teammates and other accounts' users are no operators.
    assert world.client_for(world.bob).get(add).status_code == 302
