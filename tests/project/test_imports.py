"""Which top-level trees may import which: the benchmarks and the shared harness never import the
test tree (they would break the day a test helper moves), and the harness never imports bench."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness.emulator import REPO


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, at any depth (inside functions too)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize(("tree", "forbidden"), [
    ("bench", ("tests",)),
    ("harness", ("tests", "bench")),
    ("scripts", ("tests", "bench")),
])
def test_tree_does_not_import(tree: str, forbidden: tuple[str, ...]) -> None:
    sources = sorted((REPO / tree).rglob("*.py"))
    assert sources, f"no Python files under {tree}/"
    offenders = {
        str(path.relative_to(REPO)): sorted(
            name for name in imported_modules(path)
            if name.split(".")[0] in forbidden)
        for path in sources
    }
    assert {path: names for path, names in offenders.items() if names} == {}
