"""FORM-4: every public string is translated into German and French, and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def parse_po(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) per entry; entries are blocks separated by blank lines."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts: dict[str, str] = {}
        key = ""
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith(("msgid ", "msgstr ")):
                key, _, rest = line.partition(" ")
                parts[key] = rest[1:-1]
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if "msgid" in parts:
            entries.append((parts["msgid"], parts.get("msgstr", ""), fuzzy))
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
    for msgid, msgstr, _f in entries:
        assert compiled.gettext(msgid.replace('\\"', '"').replace("\\n", "\n")) == msgstr.replace(
            '\\"', '"'
        ).replace("\\n", "\n"), f"{path.with_suffix('.mo').name} is older than its .po: {msgid!r}"
