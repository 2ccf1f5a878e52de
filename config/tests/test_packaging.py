"""What `pip install .` installs: every app of the product, so `consentry up` (a console
script, run without the checkout on its path) finds them all on a fresh machine."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]


def installed_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    return set(find_packages(where=str(ROOT), include=include))


def test_every_app_of_the_product_is_installed() -> None:
    ours = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (ROOT / app.split(".")[0] / "__init__.py").exists()
    }
    assert len(ours) >= 19
    assert ours - installed_packages() == set()


def test_every_layer_of_the_contracts_is_installed() -> None:
    """The import contracts name the product's top-level packages: each is installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    roots = set(project["tool"]["importlinter"]["root_packages"])
    assert roots - installed_packages() == set()
