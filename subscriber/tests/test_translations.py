"""FORM-4: every public string is translated into German and French, and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def parse_po(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) per entry; entries are blocks separated by blank lines. A
    plural entry gives its singular msgid and `msgstr[0]`; its other forms are checked by
    `plural_forms`."""
    return [
        (e["msgid"], e.get("msgstr", e.get("msgstr[0]", "")), e["fuzzy"]) for e in _blocks(path)
    ]


def plural_forms(path: Path) -> list[tuple[str, str, list[str]]]:
    """(msgid, msgid_plural, [msgstr[0], msgstr[1], ...]) of every plural entry."""
    found = []
    for e in _blocks(path):
        if "msgid_plural" in e:
            forms = sorted((k, v) for k, v in e.items() if k.startswith("msgstr["))
            found.append((e["msgid"], e["msgid_plural"], [v for _k, v in forms]))
    return found


def _blocks(path: Path) -> list[dict]:
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts: dict = {"fuzzy": False}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                parts["fuzzy"] = True
            elif line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[")):
                key, _, rest = line.partition(" ")
                parts[key] = rest[1:-1]
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if "msgid" in parts:
            entries.append(parts)
    return entries


def test_there_are_catalogs_for_the_public_pages_in_german_and_french() -> None:
    langs = {(p.parts[-5], p.parts[-3]) for p in CATALOGS}
    for app in ("subscriber", "consent"):
        assert {(app, "de"), (app, "fr")} <= langs


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: "/".join(p.parts[-5:-2]))
def test_every_string_is_translated_and_compiled(path: Path) -> None:
    entries = [(i, s, f) for i, s, f in parse_po(path) if i]
    assert entries, "an empty catalog"
    untranslated = [i for i, s, _f in entries if not s]
    fuzzy = [i for i, _s, f in entries if f]
    assert untranslated == [] and fuzzy == []
    compiled = gettext.GNUTranslations(path.with_suffix(".mo").open("rb"))
    for msgid, plural, forms in plural_forms(path):
        assert all(forms), f"a plural form of {msgid!r} is missing"
        assert compiled.ngettext(_unescape(msgid), _unescape(plural), 1) == _unescape(forms[0])
    singular = {msgid for msgid, _p, _f in plural_forms(path)}
    for msgid, msgstr, _f in [e for e in entries if e[0] not in singular]:
        assert compiled.gettext(msgid.replace('\\"', '"').replace("\\n", "\n")) == msgstr.replace(
            '\\"', '"'
        ).replace("\\n", "\n"), f"{path.with_suffix('.mo').name} is older than its .po: {msgid!r}"


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n")
