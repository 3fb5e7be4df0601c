"""The emulator is layered one way, read from its source with ``ast``: every import counts, also
those under ``if TYPE_CHECKING:`` and inside functions.

venue (the model) <- api (HTTP) <- control (test control) <- app, __main__ (assembly); inside the
venue: records <- ledger <- deciding modules <- bookkeeper <- exchange. No import circle anywhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import binance_emulator

PACKAGE = Path(binance_emulator.__file__).parent
TESTS = Path(__file__).parent
ROOT = "binance_emulator"
MAX_LINES = 400
# Packages from the bottom up; the package's own ``__init__`` and the assembly sit on top.
LAYERS = (f"{ROOT}.venue", f"{ROOT}.api", f"{ROOT}.control")
# The venue's roles from the bottom up: a module imports its own role or one below it.
VENUE_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("records", frozenset({"errors", "statuses", "models", "market_table", "markets", "prices",
                           "mark", "book", "journal", "quotes"})),
    ("ledger", frozenset({"account"})),
    ("deciding", frozenset({"margin", "rules", "matching", "algo", "trailing", "liquidation",
                            "funding"})),
    ("bookkeeper", frozenset({"bookkeeping"})),
    ("exchange", frozenset({"exchange"})),
)
FOREIGN = ("ft_bracket", "freqtrade", "tests")


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name -> file of every module of the package (a package is its ``__init__``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> Iterator[str]:
    """Every dotted name ``name`` imports, wherever the import statement stands."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            yield base
            # ``from package import module`` imports the module.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    found = modules(package)
    return {name: {target for target in imported(name, path)
                   if target in found and target != name}
            for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan), each a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> int:
    for rank, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return len(LAYERS)


def venue_role(module: str) -> int:
    short = module.removeprefix(f"{LAYERS[0]}.")
    for rank, (_, members) in enumerate(VENUE_ROLES):
        if short in members:
            return rank
    raise AssertionError(f"{module} has no role in VENUE_ROLES: give it one")


def test_there_is_no_import_circle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_sees_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_packages_import_only_downwards() -> None:
    upward = [(source, target) for source, targets in graph().items() for target in targets
              if layer(target) > layer(source)]
    assert upward == []


def test_the_venue_imports_its_roles_only_downwards() -> None:
    venue = {source: targets for source, targets in graph().items()
             if layer(source) == 0 and source != LAYERS[0]}
    upward = [(source, target) for source, targets in venue.items() for target in targets
              if target != LAYERS[0] and venue_role(target) > venue_role(source)]
    assert upward == []


def test_only_the_exchange_uses_the_bookkeeper() -> None:
    users = {source for source, targets in graph().items()
             if f"{LAYERS[0]}.bookkeeping" in targets}
    assert users == {f"{LAYERS[0]}.exchange"}


def test_the_emulator_imports_nothing_of_the_plugin_freqtrade_or_the_tests() -> None:
    foreign = [(name, target) for name, path in modules().items()
               for target in imported(name, path) if target.split(".")[0] in FOREIGN]
    assert foreign == []


@pytest.mark.parametrize("package", [f"{ROOT}.venue", f"{ROOT}.api", f"{ROOT}.control"])
def test_each_package_says_what_it_does_and_may_import(package: str) -> None:
    docstring = ast.get_docstring(ast.parse(modules()[package].read_text())) or ""
    assert "May import" in docstring


@pytest.mark.parametrize("folder", [PACKAGE, TESTS], ids=["binance_emulator", "tests/emulator"])
def test_no_module_is_over_400_lines(folder: Path) -> None:
    long = {str(p.relative_to(folder.parent)): n for p in folder.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
