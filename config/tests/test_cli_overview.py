"""`consentry` without a command lists the product's commands first, each with its purpose."""

from __future__ import annotations

from typing import Any

import pytest

from config.cli import main


@pytest.mark.parametrize("args", [[], ["help"], ["--help"]])
def test_the_overview_puts_the_products_commands_first(args: list[str], capsys: Any) -> None:
    main(["consentry", *args])
    out = capsys.readouterr().out
    ours, _, framework = out.partition("Framework commands")
    for name in ("account", "campaign", "import", "send", "suppression", "privacy", "up"):
        assert f"\n  {name} " in ours
    assert "Start a campaign's send" in ours
    assert "migrate" not in ours and "migrate" in framework
    assert "sqlsequencereset" not in ours


def test_help_for_one_command_is_djangos(capsys: Any) -> None:
    main(["consentry", "help", "privacy"])
    assert "export" in capsys.readouterr().out
