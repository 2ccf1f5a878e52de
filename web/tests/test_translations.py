"""Every string of the account pages and the operator's console is translated into German
and French: makemessages runs on a copy of the tree, so a string added to a template or a
view without its translations fails here, listed by catalog, before it reaches a user.

To fix a failure: run `django-admin makemessages -l de -l fr --no-obsolete` in the app's
directory, translate the listed msgids in its locale/{de,fr}/LC_MESSAGES/django.po (and
drop their `fuzzy` flag), then `django-admin compilemessages` there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from subscriber.tests.test_translations import _blocks

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("de", "fr")
# The apps whose pages a signed-in user reads; every app with a catalog keeps it complete.
REQUIRED = ("web", "console", "accounts", "campaigns")
APPS = sorted(
    {p.parent.name for p in ROOT.glob("*/locale")} | set(REQUIRED),
)
SKIP = shutil.ignore_patterns(".*", "__pycache__", "var", "node_modules", "*.mo")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tree whose catalogs makemessages brought up to date with the code."""
    copy = tmp_path_factory.mktemp("tree")
    for item in ROOT.iterdir():
        if item.is_dir() and (item / "__init__.py").exists():
            shutil.copytree(item, copy / item.name, ignore=SKIP)
        elif item.suffix in (".py", ".toml"):
            shutil.copy2(item, copy / item.name)
    admin = Path(sys.executable).with_name("django-admin")
    env = {**os.environ, "PYTHONPATH": str(copy), "DJANGO_SETTINGS_MODULE": "config.settings"}
    for app in APPS:
        (copy / app / "locale").mkdir(exist_ok=True)
        command = [str(admin), "makemessages", "--no-obsolete", "--no-wrap"]
        command += [f"--locale={lang}" for lang in LANGUAGES]
        subprocess.run(command, cwd=copy / app, env=env, check=True, capture_output=True)
    return copy


def missing(path: Path) -> list[str]:
    """The msgids of `path` that are untranslated or fuzzy, one line each."""
    found = []
    for entry in _blocks(path):
        if not entry["msgid"]:
            continue
        forms = [v for k, v in entry.items() if k.startswith("msgstr")]
        if entry["fuzzy"] or not all(forms):
            found.append(("fuzzy: " if entry["fuzzy"] else "") + entry["msgid"])
    return found


def test_the_account_apps_have_catalogs() -> None:
    for app in REQUIRED:
        for lang in LANGUAGES:
            assert (ROOT / app / "locale" / lang / "LC_MESSAGES" / "django.po").exists()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_every_string_in_the_code_is_translated(extracted: Path, app: str, lang: str) -> None:
    path = extracted / app / "locale" / lang / "LC_MESSAGES" / "django.po"
    untranslated = missing(path)
    listing = "\n  ".join(untranslated)
    assert not untranslated, (
        f"{len(untranslated)} strings of {app} lack their {lang} translation "
        f"(in {app}/locale/{lang}/LC_MESSAGES/django.po):\n  {listing}"
    )
