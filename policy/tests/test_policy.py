"""One table of thresholds: defaults, platform values, account overrides."""

from __future__ import annotations

import ast
import pathlib
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.errors import InvalidInput
from policy import services
from policy.defaults import BY_KEY, ITEMS
from policy.selectors import effective_table, value, values


def test_it_holds_every_threshold_the_requirements_name() -> None:
    requirements = {item.requirement for item in ITEMS}
    for req in (
        "QUALITY-1",
        "QUALITY-2",
        "QUALITY-3",
        "AUDIT-1",
        "AUDIT-2",
        "AUDIT-3",
        "STATUS-3",
        "IMPORT-4",
        "CONSENT-1",
        "FORM-2",
        "FORM-3",
        "UNSUB-2",
        "INDUSTRY-5",
        "INDUSTRY-8",
    ):
        assert req in requirements, req
    assert BY_KEY["quality.hard_bounce_rate_max"].default == Decimal("0.05")
    assert BY_KEY["quality.complaint_rate_max"].default == Decimal("0.005")
    assert BY_KEY["audit.problem_share_max"].default == Decimal("0.10")
    assert BY_KEY["import.co_registration_max_sponsors"].default == 10


def test_it_returns_the_default_then_the_platform_value_then_the_account_override(world) -> None:
    key = "quality.hard_bounce_rate_max"
    assert value(key, world.alice_account) == Decimal("0.05")
    services.set_value(key, "0.04")
    assert value(key) == Decimal("0.04") and value(key, world.alice_account) == Decimal("0.04")
    services.set_value(key, "0.02", account=world.alice_account)
    assert value(key, world.alice_account) == Decimal("0.02")
    assert value(key, world.charlie_account) == Decimal("0.04")
    services.clear_value(key, account=world.alice_account)
    assert value(key, world.alice_account) == Decimal("0.04")
    origins = {k: origin for k, _v, origin in effective_table(world.alice_account)}
    assert origins[key] == "platform" and origins["audit.problem_share_max"] == "default"


def test_several_values_at_once_are_the_values_one_by_one(world) -> None:
    keys = ["send.connections", "send.rate_per_second", "send.batch_size", "send.lease_seconds"]
    services.set_value("send.connections", "9")
    services.set_value("send.rate_per_second", "12", account=world.alice_account)
    services.set_value("send.batch_size", "500", account=world.charlie_account)
    for account in (None, world.alice_account, world.charlie_account):
        assert values(keys, account) == {key: value(key, account) for key in keys}
    assert values(keys, world.alice_account)["send.rate_per_second"] == 12
    assert values(keys, world.alice_account)["send.connections"] == 9


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("quality.hard_bounce_rate_max", "five", "decimal number"),
        ("quality.hard_bounce_rate_max", "1.5", "at most 1"),
        ("quality.hard_bounce_rate_max", "-0.1", "at least 0"),
        ("quality.hard_bounce_rate_max", "NaN", "finite"),
        ("import.co_registration_max_sponsors", "3.5", "whole number"),
        ("unsub.token_validity_days", "30", "at least 366"),
        ("no.such.key", "1", "unknown policy key"),
    ],
)
def test_it_refuses_bad_values_and_keeps_the_old_one(
    world, key: str, raw: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.set_value(key, raw)
    if key in BY_KEY:
        assert value(key) == BY_KEY[key].default


def test_the_command_shows_and_sets_values(world, capsys) -> None:
    call_command("policy", "set", "form.rate_limit_per_ip_per_hour", "5", "--account", "alice-shop")
    call_command("policy", "show", "--account", "alice-shop")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "form.rate_limit_per_ip_per_hour = 5 (alice-shop)"
    line = next(x for x in out[1:] if x.startswith("form.rate_limit_per_ip"))
    assert line.split()[1:] == ["5", "submissions", "account", "FORM-3"]


def test_no_other_module_writes_a_policy_number_as_a_default() -> None:
    """The thresholds live in policy/defaults.py only: no module defines them again."""
    root = pathlib.Path(__file__).resolve().parents[2]
    suspicious = {"0.05", "0.005", "0.003", "0.10", "0.1"}
    offenders = []
    for path in root.glob("*/*.py"):
        if path.parts[-2] in ("policy", ".venv", "bench") or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and repr(node.value) in suspicious:
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
