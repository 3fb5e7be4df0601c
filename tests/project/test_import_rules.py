"""ft_bracket's packages import one way, and no module of it takes part in an import circle.

Read from the source with ``ast``: every import counts, those for type checkers and those inside
functions included. Each package's ``__init__`` docstring says the same rules in words.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ft_bracket"
STDLIB_AND_DATA = {"__future__", "abc", "atexit", "collections", "contextlib", "copy",
                   "dataclasses", "datetime", "decimal", "difflib", "enum", "functools",
                   "itertools", "json", "logging", "math", "os", "re", "threading", "time",
                   "types", "typing", "urllib", "uuid", "zlib", "numpy", "pandas"}
# What each part of ft_bracket may import besides the standard library, numpy and pandas.
ALLOWED: dict[str, set[str]] = {
    "core": {"ft_bracket.core"},
    "reporting": {"ft_bracket.core", "ft_bracket.reporting", "requests"},
    "execution": {"ft_bracket.core", "ft_bracket.reporting", "ft_bracket.execution"},
    "venues": {"ft_bracket.core", "ft_bracket.execution.ports", "ft_bracket.venues", "ccxt"},
    "freqtrade_adapter": {"ft_bracket.core", "ft_bracket.reporting", "ft_bracket.execution.ports",
                          "ft_bracket.venues.binance.quirks", "ft_bracket.freqtrade_adapter",
                          "freqtrade", "ccxt", "sqlalchemy"},
    # The two modules freqtrade calls into wire everything; only strategy.py imports freqtrade.
    "supervisor": {"ft_bracket"},
    "strategy": {"ft_bracket", "freqtrade"},
    "__init__": {"ft_bracket.strategy"},
}


@functools.cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, module: str) -> set[str]:
    """Every module ``path`` imports, absolute, wherever the import stands."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # ``from ft_bracket.core import client_ids`` imports that module (and the package's
            # bare ``__init__``); ``from ft_bracket.core.legs import Bracket`` the module.
            submodules = {f"{base}.{alias.name}" for alias in node.names
                          if f"{base}.{alias.name}" in modules()}
            names |= submodules or {base}
    return names


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def allowed(part: str, name: str) -> bool:
    if name.split(".")[0] in STDLIB_AND_DATA:
        return True
    return any(name == rule or name.startswith(rule + ".") for rule in ALLOWED[part])


@pytest.mark.parametrize("module", sorted(modules()))
def test_every_module_imports_only_what_its_part_may(module: str) -> None:
    part = part_of(module)
    assert part in ALLOWED, f"{module}: a new part of ft_bracket needs its rule here"
    breaking = sorted(n for n in imports_of(modules()[module], module) if not allowed(part, n))
    assert breaking == [], f"{module} ({part}) may not import {breaking}"


def test_no_module_takes_part_in_an_import_circle() -> None:
    graph = {name: {i for i in imports_of(path, name) if i in modules() and i != name}
             for name, path in modules().items()}
    # A package's __init__ re-exporting a submodule is not a circle of code.
    graph = {name: {i for i in deps if not name.startswith(i + ".")}
             for name, deps in graph.items()}
    circles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_the_rules_catch_a_breach() -> None:
    """A rule that could not fail would prove nothing."""
    assert not allowed("core", "ft_bracket.execution.order_manager")
    assert not allowed("execution", "ft_bracket.venues.binance.gateway")
    assert not allowed("execution", "ccxt")
    assert not allowed("reporting", "freqtrade.persistence")
    assert not allowed("supervisor", "freqtrade.persistence")
    assert not allowed("freqtrade_adapter", "ft_bracket.execution.order_manager")
    assert allowed("venues", "ft_bracket.execution.ports")


def test_every_package_says_what_it_does_and_may_import() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        text = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "import" in text, f"{init.parent.name}/__init__.py: say what it may import"
