"""Shared fixtures: one emulator process per test session (per xdist worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ccxt
import pytest

from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator
from harness.freqtrade_bot import E2E_STRATEGIES, FreqtradeBot
from tests.support.bracket_fakes import in_memory_trades

# Bots a test started, so a failing test's report can show their logs.
STARTED_BOTS = pytest.StashKey[list[FreqtradeBot]]()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The session's emulator. Tests that need a clean account use ``emulator.new_account()``."""
    running = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield running
    running.stop()


@pytest.fixture
def private_emulator(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator of the test's own: for tests that move prices (a price is global per symbol)
    or count the requests the venue saw."""
    running = start_emulator(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def start_bot(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., FreqtradeBot]]:
    """Factory: ``start_bot(config, strategy=..., env=...)`` runs ``freqtrade trade`` (``env``
    adds to its environment); all are stopped after the test, pass or fail."""
    bots = request.node.stash.setdefault(STARTED_BOTS, [])

    def start(
        config: dict[str, Any],
        strategy: str = "SignalFromFile",
        strategy_path: Path = E2E_STRATEGIES,
        env: dict[str, str] | None = None,
    ) -> FreqtradeBot:
        workdir = tmp_path / f"bot{len(bots)}"
        workdir.mkdir()
        bot = FreqtradeBot(workdir, config, strategy, strategy_path, env)
        bots.append(bot)
        return bot.start()

    yield start
    for bot in bots:
        bot.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Attach the tail of every bot's log to the report of a failing test."""
    report = yield
    if report.failed:
        for bot in item.stash.get(STARTED_BOTS, []):
            report.sections.append((f"freqtrade log {bot.workdir.name}", bot.log_tail()))
    return report


# ccxt clients for the emulator fidelity tests (tests/emulator, tests/venues) ----------------


@pytest.fixture
def ccxt_account(emulator: Emulator) -> tuple[str, str]:
    """A fresh 10,000 USDT account on the session emulator: (api_key, api_secret)."""
    return emulator.new_account()


@pytest.fixture
def binance(emulator: Emulator, ccxt_account: tuple[str, str]) -> ccxt.binanceusdm:
    """A real ccxt ``binanceusdm`` on a fresh account, through the tunnel, markets loaded."""
    return binance_client(emulator, *ccxt_account)


@pytest.fixture
def trades_in_memory() -> Iterator[None]:
    """freqtrade's in-memory (backtest) trade and custom-data stores, empty for the test."""
    with in_memory_trades():
        yield
