"""The `consentry` command: every management command behind one entry point."""

from __future__ import annotations

import os
import sys

# The product's own apps: their commands are listed first, each with what it does.
PRODUCT_APPS = (
    "config", "core", "policy", "accounts", "contacts", "consent", "domains", "carrier",
    "delivery", "campaigns", "feedback", "tracking", "governance", "imports", "api", "web",
    "subscriber",
)  # fmt: skip
HELP_ARGS: tuple[list[str], ...] = ([], ["help"], ["--help"], ["-h"])


def overview() -> str:
    """`consentry` / `consentry help`: the product's commands first, then the framework's."""
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    ours, others = [], []
    for name, app in sorted(commands.items()):
        if app in PRODUCT_APPS or app.startswith("config."):
            try:
                text = load_command_class(app, name).help.splitlines()[0]
            except Exception:  # a command that cannot load still shows its name
                text = ""
            ours.append(f"  {name:<12}  {text}")
        else:
            others.append(name)
    lines = [
        "Usage: consentry COMMAND [ACTION] [ARGS]   ·   consentry COMMAND --help for one",
        "",
        "consentry's commands:",
        *ours,
        "",
        "Framework commands (database and maintenance): " + ", ".join(others),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "consentry"
    if args[1:] in HELP_ARGS:
        import django

        django.setup()
        sys.stdout.write(overview() + "\n")
        return
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
