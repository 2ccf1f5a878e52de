"""What a user reads is in their words: no requirement ids ("SEND-2", "(AUDIT-1)"), no
module names and no raw keys (`double_opt_in`, `user_unknown`) on the account pages or in
the help of the `consentry` command."""

from __future__ import annotations

import argparse
import re

import pytest
from django.core.management import get_commands, load_command_class

from config.cli import PRODUCT_APPS, overview

REQUIREMENT_ID = re.compile(r"\b[A-Z]{3,}-\d+\b")
# A snake_case word (two parts or more) outside a URL, an address or a template tag.
RAW_KEY = re.compile(r"(?<![\w/.@{=-])[a-z]+(?:_[a-z]+)+(?![\w/.@}(-])")
PRODUCT_COMMANDS = sorted(
    (app, name)
    for name, app in get_commands().items()
    if app in PRODUCT_APPS or app.startswith("config.")
)


def help_texts(app: str, name: str) -> list[str]:
    """The help of a command and of each of its actions."""
    parser = load_command_class(app, name).create_parser("consentry", name)
    texts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts += [sub.format_help() for sub in action.choices.values()]
    return texts


def requirement_ids(text: str) -> list[str]:
    return REQUIREMENT_ID.findall(text.replace("SHA-256", "").replace("UTF-8", ""))


def test_the_overview_has_no_requirement_ids() -> None:
    assert requirement_ids(overview()) == []


@pytest.mark.parametrize(("app", "name"), PRODUCT_COMMANDS, ids=lambda v: v)
def test_command_help_has_no_requirement_ids(app: str, name: str) -> None:
    for text in help_texts(app, name):
        assert requirement_ids(text) == [], text
