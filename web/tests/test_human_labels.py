"""What a user reads is in their words: no requirement ids ("SEND-2", "(AUDIT-1)"), no
module names and no raw keys (`double_opt_in`, `user_unknown`) on the account pages or in
the help of the `consentry` command."""

from __future__ import annotations

import argparse
import re
from typing import Any

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
    return [i for i in REQUIREMENT_ID.findall(text) if i not in ("SHA-256", "UTF-8", "RSA-2048")]


def test_the_overview_has_no_requirement_ids() -> None:
    assert requirement_ids(overview()) == []


@pytest.mark.parametrize(("app", "name"), PRODUCT_COMMANDS, ids=lambda v: v)
def test_command_help_has_no_requirement_ids(app: str, name: str) -> None:
    for text in help_texts(app, name):
        assert requirement_ids(text) == [], text


# Values a user never types: the choices and codes behind the labels.
RAW_KEYS = (
    "double_opt_in", "single_opt_in", "user_unknown", "mailbox_full", "spam_trap",
    "business_card", "existing_customer", "similar_products", "unsubscribe_link",
    "legal_basis", "review_state", "pending_review", "not_admitted",
)  # fmt: skip
HIDDEN = re.compile(r"<(script|style|code|pre|textarea|template)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    """What a reader sees: the text between tags, without code and editable bodies."""
    from html import unescape

    return unescape(TAG.sub(" ", HIDDEN.sub(" ", html)))


def crawl(client: Any, start: str, prefix: str, *, limit: int = 80) -> dict[str, str]:
    """Every page reachable by links from `start` under `prefix`: path -> visible text."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        if "text/html" not in response["Content-Type"]:
            seen[url] = ""
            continue
        html = response.content.decode()
        seen[url] = visible_text(html)
        for link in re.findall(r'href="([^"#?]+)', html):
            if link.startswith(prefix) and not link.endswith((".csv", "/raw/", "/html/")):
                queue.append(link)
    return seen


def findings(pages: dict[str, str]) -> str:
    """Per page what a reader should not see: requirement ids, raw keys, Python literals."""
    lines = []
    for url, text in sorted(pages.items()):
        hits = set(requirement_ids(text)) | {k for k in RAW_KEYS if k in text}
        if re.search(r"[{\[]'", text):
            hits.add("a Python literal")
        if hits:
            lines.append(f"{url}: {', '.join(sorted(hits))}")
    return "\n".join(lines)


@pytest.fixture
def demo_client(client: Any, settings: Any, db: None) -> Any:
    """The account `make up DEMO=1` creates, with a draft campaign and a pending signup."""
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import Account
    from campaigns import services as campaigns
    from contacts import services as contacts
    from contacts.models import List, SubscriptionState
    from contacts.rules import Cause
    from core.actors import Actor
    from domains.models import SenderDomain

    settings.DNS_SANDBOX = True
    call_command("bootstrap", demo=True, stdout=StringIO())
    account = Account.objects.get(slug="demo")
    newsletter = List.objects.get(account=account, name="Newsletter")
    actor = Actor.system("test")
    pending = contacts.create_contact(
        account, "neu@example.de", actor=actor, cause=Cause.SIGNUP, legal_basis="double_opt_in"
    )
    contacts.set_subscription(pending, newsletter, SubscriptionState.PENDING, actor=actor)
    campaigns.create_campaign(
        account,
        actor=actor,
        lists=[newsletter],
        name="Herbst",
        subject="Herbst",
        from_name="Demo",
        from_address=f"news@{SenderDomain.objects.get(account=account).name}",
        html="<p>Hallo {{ first_name }}</p>",
    )
    client.force_login(account.memberships.get().user)
    return client


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_account_page_shows_requirement_ids_or_raw_keys(demo_client: Any, language: str) -> None:
    demo_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    pages = crawl(demo_client, "/a/demo/contacts/", "/a/demo/")
    assert len(pages) >= 12, sorted(pages)
    assert not findings(pages), findings(pages)


def test_no_console_page_shows_requirement_ids_or_raw_keys(demo_client: Any) -> None:
    from django.contrib.auth import get_user_model

    demo_client.force_login(get_user_model().objects.get(is_staff=True))
    demo_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    pages = crawl(demo_client, "/console/", "/console/", limit=40)
    assert len(pages) >= 5, sorted(pages)
    assert not findings(pages), findings(pages)
