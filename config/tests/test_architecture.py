"""The shape of the code (README, "Architecture"): the layer contracts are `lint-imports`'
(pyproject.toml, run by `make test`); these check what they cannot say."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = (
    "config", "core", "accounts", "policy", "contacts", "domains", "carrier", "consent",
    "imports", "admission", "campaigns", "delivery", "feedback", "governance", "api", "web",
    "subscriber", "console",
)  # fmt: skip
MAX_LINES = 800


def product_modules() -> Iterator[Path]:
    """Every module of the product: tests, migrations and test support aside."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name == "testing.py":
                continue
            yield path


def imported_modules(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of every absolute import, inside functions too."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {app: set() for app in APPS}
    for path in product_modules():
        app = path.relative_to(ROOT).parts[0]
        for _line, module, _names in imported_modules(path):
            target = module.partition(".")[0]
            if target in graph and target != app:
                graph[app].add(target)
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One circle of the graph as a path (first node repeated at the end), or []."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_it_finds_a_circle_where_there_is_one() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_apps_import_each_other_in_no_circle() -> None:
    """Folded to apps, the product's imports (lazy ones included) form no circle."""
    assert find_circle(app_graph()) == []


def test_no_product_module_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in product_modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_module_imports_another_modules_private_names() -> None:
    """A name starting with `_` is its module's own; another module calls what it exports."""
    found = []
    for path in product_modules():
        for line, module, names in imported_modules(path):
            if module.partition(".")[0] not in APPS:
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                found.append(f"{path.relative_to(ROOT)}:{line} {module}: {', '.join(private)}")
    assert found == []


def test_only_the_send_coordinator_starts_a_send() -> None:
    """SEND-2/4: a send (scheduled or not) passes the gate in campaigns.services.begin_send,
    called by delivery.sends alone; the contract in pyproject.toml keeps the ledger there."""
    callers = {
        str(path.relative_to(ROOT))
        for path in product_modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute | ast.Name)
        and (node.attr if isinstance(node, ast.Attribute) else node.id) == "begin_send"
    }
    assert callers == {"delivery/sends.py"}
