"""Fixtures of the emulator's own tests: an engine with one funded account (no HTTP), and an
emulator process of the module's own for tests that move prices."""

from __future__ import annotations

from collections.abc import Iterator

import ccxt
import pytest

from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator
from tests.emulator.helpers import D, make_exchange


@pytest.fixture
def exchange() -> Exchange:
    """The engine on a fixed clock and flat price paths, no HTTP."""
    return make_exchange()


@pytest.fixture
def account(exchange: Exchange) -> Account:
    """A fresh 10,000 USDT account on it."""
    return exchange.add_account("key", "secret", D(10_000))


@pytest.fixture(scope="module")
def moving_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The test module's own emulator, for tests that set prices (a price is global per symbol,
    so they do not disturb other tests sharing the session emulator)."""
    running = start_emulator(tmp_path_factory.mktemp("moving-emulator"))
    yield running
    running.stop()


@pytest.fixture
def mover(moving_emulator: Emulator) -> tuple[ccxt.binanceusdm, str]:
    """A client on a fresh account of the moving emulator, with XRP held at 1.0000."""
    key, secret = moving_emulator.new_account()
    moving_emulator.set_price("XRPUSDT", "1.0000")
    return binance_client(moving_emulator, key, secret), key
